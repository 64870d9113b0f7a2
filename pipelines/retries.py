"""The next crawl fetches again what an earlier one failed to store (a spider middleware)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from pipelines.run import CrawlRun
from storage.unstored import urls_to_retry

logger = logging.getLogger(__name__)


class RetryUnstoredMiddleware:
    """After a source's own start requests, yields requests for its articles whose fetch
    failed in an earlier crawl and were not stored since (unstored_pages), each at most
    NEWSMON_RETRY_UNSTORED_MAX times in all; a feed that no longer lists them does not
    lose them. Spiders opt in with a `retry_request(url)` method."""

    def __init__(self, crawler: Crawler, run: CrawlRun, max_attempts: int) -> None:
        self.crawler = crawler
        self.run = run
        self.max_attempts = max_attempts

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryUnstoredMiddleware:
        max_attempts = crawler.settings.getint("NEWSMON_RETRY_UNSTORED_MAX", 5)
        run = crawler.get_extension(CrawlRun)
        if run is None or max_attempts < 1:
            raise NotConfigured("no crawl run, or NEWSMON_RETRY_UNSTORED_MAX is 0")
        return cls(crawler, run, max_attempts)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item_or_request in start:
            yield item_or_request
        spider = self.crawler.spider
        retry = getattr(spider, "retry_request", None)
        if retry is None or getattr(spider, "purpose", "crawl") != "crawl" \
                or getattr(spider, "partial", False):
            return
        urls = urls_to_retry(self.run.reader, self.run.name, self.max_attempts)
        if urls:
            logger.info("%s: fetching %d article(s) again that earlier crawls could not "
                        "store", self.run.name, len(urls))
        for url in urls:
            request = retry(url)
            if request is not None:
                request.dont_filter = False
                if self.crawler.stats is not None:
                    self.crawler.stats.inc_value("newsmon/retry/unstored_requested")
                yield request
