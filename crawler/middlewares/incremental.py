"""Incremental crawling: skip stored articles, revalidate feeds with conditional GET."""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.misc import build_from_crawler, load_object

from crawler.urls import canonicalize, strip_tracking

logger = logging.getLogger(__name__)

DISCOVERY_KINDS = ("feed", "sitemap", "listing")


class IncrementalMiddleware:
    """Downloader middleware over a crawl-state backend (NEWSMON_STATE_BACKEND).

    Article requests whose URL is already stored are not sent (the article's last_seen_at is
    refreshed instead); feed, sitemap and listing requests carry If-None-Match /
    If-Modified-Since from the previous run, so an unchanged outlet answers 304.
    """

    def __init__(self, state: Any, stats: StatsCollector | None,
                 crawler: Crawler | None = None) -> None:
        self.state = state
        self.stats = stats
        self.crawler = crawler
        self._validators: dict[str, tuple[str | None, str | None, int]] = {}
        self._scope: str | None = None

    @property
    def scope(self) -> str:
        """The crawl's source as configured (Source.validators_scope): validators are saved
        and read under it, never across sources or configurations."""
        if self._scope is None:
            source = getattr(self.crawler.spider if self.crawler else None, "source", None)
            self._scope = source.validators_scope() if source is not None else ""
        return self._scope

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_INCREMENTAL_ENABLED", True):
            raise NotConfigured("NEWSMON_INCREMENTAL_ENABLED is off")
        # Built from the crawler, like Scrapy's HTTPCACHE_STORAGE: the backend finds the
        # crawl's database through the run that owns it.
        backend = build_from_crawler(load_object(settings.get("NEWSMON_STATE_BACKEND")), crawler)
        middleware = cls(backend, crawler.stats, crawler)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def _inc(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(f"newsmon/incremental/{key}")

    def process_request(self, request: Request) -> None:
        kind = request.meta.get("newsmon_kind")
        if kind == "article":
            candidates = [request.url, strip_tracking(request.url), canonicalize(request.url)]
            if self.state.is_known(candidates):
                self.state.touch(canonicalize(request.url))
                self.state.touch(request.url)
                self._inc("known_article_skipped")
                raise IgnoreRequest(f"already stored: {request.url}")
        elif kind in DISCOVERY_KINDS:
            etag, last_modified = self.state.validators(self.scope, request.url)
            if etag:
                request.headers.setdefault(b"If-None-Match", etag.encode("latin-1"))
            if last_modified:
                request.headers.setdefault(b"If-Modified-Since", last_modified.encode("latin-1"))
            if etag or last_modified:
                self._inc("conditional_requests")
        return None

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("newsmon_kind") in DISCOVERY_KINDS and response.status == 200:
            etag = response.headers.get(b"ETag")
            modified = response.headers.get(b"Last-Modified")
            if etag or modified:
                self._validators[request.url] = (etag.decode("latin-1") if etag else None,
                                                 modified.decode("latin-1") if modified else None,
                                                 response.status)
        return response

    async def spider_closed(self, reason: str) -> None:
        """Record validators only for what this run saw whole: a finished, uncapped run and
        feeds none of whose articles failed (they are revalidated and retried next time)."""
        spider = self.crawler.spider if self.crawler is not None else None
        if reason == "finished" and not getattr(spider, "partial", False):
            incomplete: set[str] = getattr(spider, "incomplete_discovery", set())
            for url, (etag, modified, status) in self._validators.items():
                if url in incomplete:
                    self._inc("validators_withheld")
                    continue
                self.state.save_validators(self.scope, url, etag, modified, status)
        elif self._validators:
            self._inc("validators_withheld")
        pending = self.state.close()
        if pending is not None:
            await maybe_deferred_to_future(pending)
