"""The incremental middleware's crawl-state backend (NEWSMON_STATE_BACKEND) over the run's database."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet.defer import Deferred

from crawler.dates import utc_now_iso
from pipelines.run import CrawlRun, wait_for
from storage.articles import touch_urls
from storage.crawlstate import any_known, save_validators, validators_for


class CrawlState:
    """Reads known URLs and validators on the reactor thread; buffers the writes for close().

    The interface the middleware relies on: is_known, touch, validators, save_validators and
    close (which returns a Deferred to wait for, or None).
    """

    def __init__(self, run: CrawlRun) -> None:
        self.run = run
        self._touched: list[str] = []
        self._validators: dict[tuple[str, str], tuple[str | None, str | None, int]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlState:
        run = crawler.get_extension(CrawlRun)
        if run is None:
            raise NotConfigured("no crawl run: nothing stored to compare with")
        return cls(run)

    def is_known(self, urls: list[str]) -> bool:
        return any_known(self.run.reader, urls)

    def touch(self, url: str) -> None:
        self._touched.append(url)

    def validators(self, scope: str, url: str) -> tuple[str | None, str | None]:
        if (scope, url) in self._validators:
            etag, modified, _ = self._validators[scope, url]
            return etag, modified
        return validators_for(self.run.reader, scope, url)

    def save_validators(self, scope: str, url: str, etag: str | None,
                        last_modified: str | None, status: int) -> None:
        self._validators[scope, url] = (etag, last_modified, status)

    def close(self) -> Deferred[None] | None:
        touched, validators = self._touched, self._validators
        self._touched, self._validators = [], {}
        if not touched and not validators:
            return None

        def flush(db: Any) -> None:
            now = utc_now_iso()
            if touched:
                touch_urls(db, touched, now)
            if validators:
                save_validators(db, validators, now)

        return wait_for(self.run.write(flush))
