"""The max_articles spider argument: a cap on article requests actually sent."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request


class ArticleCapMiddleware:
    """Downloader middleware placed after IncrementalMiddleware, so stored articles that are
    skipped do not use up the cap and a capped rerun moves on to the next articles."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.sent = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArticleCapMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if request.meta.get("newsmon_kind") != "article" or request.meta.get("newsmon_counted"):
            return None           # retries of a counted request pass
        cap = getattr(self.crawler.spider, "max_articles", None)
        if cap is not None and self.sent >= cap:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsmon/discovery/over_max_articles")
            raise IgnoreRequest(f"max_articles={cap} reached: {request.url}")
        self.sent += 1
        request.meta["newsmon_counted"] = True
        return None
