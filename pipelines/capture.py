"""Pipeline stage 0: keep every fetched article's raw response as evidence (zstd, SHA-256)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import PageItem
from storage.captures import add_captures, open_captures


class CapturePipeline:
    """Buffers raw responses and writes them to <db>-captures.db in batches.

    Captures live in their own database file so the main one stays small; `newsmon reprocess`
    re-extracts from them and `newsmon export-warc` writes them as WARC files.
    """

    def __init__(self, db_path: str | None, batch_size: int = 50,
                 stats: StatsCollector | None = None) -> None:
        self.db_path = db_path
        self.batch_size = batch_size
        self.stats = stats
        self._pending: list[dict[str, Any]] = []
        self.db: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_CAPTURE_ENABLED", True):
            raise NotConfigured("NEWSMON_CAPTURE_ENABLED is off")
        return cls(settings.get("NEWSMON_DB"), settings.getint("NEWSMON_STORE_BATCH_SIZE", 50),
                   crawler.stats)

    def open_spider(self) -> None:
        self.db = open_captures(self.db_path)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageItem):
            self._pending.append({"url": item.url, "requested_url": item.requested_url,
                                  "source": item.source, "fetched_at": item.fetched_at,
                                  "status": item.status, "headers": item.headers,
                                  "body": item.body})
            if len(self._pending) >= self.batch_size:
                self._flush()
        return item

    def _flush(self) -> None:
        if self._pending and self.db is not None:
            added = add_captures(self.db, self._pending)
            if self.stats is not None:
                self.stats.inc_value("newsmon/capture/stored", added)
            self._pending = []

    def close_spider(self) -> None:
        self._flush()
        if self.db is not None:
            self.db.close()
