"""One crawl per source at a time: a crawl holds its source's lock file while it runs."""

from __future__ import annotations

import logging
from pathlib import Path

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.locks import FileLock, lock_dir_for

logger = logging.getLogger(__name__)

LOCKED_REASON = "already_running"


class SourceLockExtension:
    """Takes `<db>-locks/<source>.lock` when the spider opens, or closes the spider at once.

    `newsmon schedule` takes the lock itself and hands it to the crawl it starts (which then
    has NEWSMON_RUN_ID set), so this covers `newsmon crawl`, `recheck` and `scrapy crawl`.
    """

    def __init__(self, crawler: Crawler, lock: FileLock, held: bool) -> None:
        self.crawler = crawler
        self.lock = lock
        self.held = held

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SourceLockExtension:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_SOURCE_LOCK_ENABLED", True):
            raise NotConfigured("NEWSMON_SOURCE_LOCK_ENABLED is off")
        if settings.getint("NEWSMON_RUN_ID", 0):
            raise NotConfigured("the scheduler that started this crawl holds the lock")
        db = settings.get("NEWSMON_DB")
        name = getattr(crawler.spidercls, "name", None)
        if not db or db == ":memory:" or not name:
            raise NotConfigured("no database file to lock beside")
        # Taken before the store opens its crawl_runs row, so a 'running' row whose source
        # lock is free belongs to a crawl that died (the store closes those).
        lock = FileLock(lock_dir_for(db) / f"{name}.lock")
        held = lock.acquire(f"crawl {name}")
        if held and crawler.stats is not None:
            crawler.stats.set_value("newsmon/lock/acquired", True)
        extension = cls(crawler, lock, held)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    async def spider_opened(self, spider: Spider) -> None:
        if self.held:
            return
        logger.warning("source %s: another crawl of it is running (%s); not crawling it now",
                       spider.name, self.lock.holder())
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("newsmon/lock/held_by", self.lock.holder())
        assert self.crawler.engine is not None
        await self.crawler.engine.close_spider_async(reason=LOCKED_REASON)

    def spider_closed(self, spider: Spider) -> None:
        self.lock.release()
