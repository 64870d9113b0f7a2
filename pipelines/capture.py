"""Pipeline stage 0: keep every fetched article's raw response as evidence (zstd, SHA-256)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector

from crawler.items import Capture, PageItem
from crawler.signals import flush_requested
from pipelines.run import CrawlRun, written
from storage.captures import add_captures


class CapturePipeline:
    """Buffers raw responses and writes them to the captures file in batches.

    Captures live in their own database file so the main one stays small; `newsmon reprocess`
    re-extracts from them and `newsmon export-warc` writes them as WARC files.
    """

    def __init__(self, run: CrawlRun, batch_size: int = 50,
                 stats: StatsCollector | None = None) -> None:
        self.run = run
        self.batch_size = batch_size
        self.stats = stats
        self._pending: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CapturePipeline:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_CAPTURE_ENABLED", True):
            raise NotConfigured("NEWSMON_CAPTURE_ENABLED is off")
        run = crawler.get_extension(CrawlRun)
        if run is None:
            raise NotConfigured("no crawl run (NEWSMON_STORE_ENABLED is off)")
        pipeline = cls(run, settings.getint("NEWSMON_STORE_BATCH_SIZE", 50), crawler.stats)
        crawler.signals.connect(pipeline._flush, signal=flush_requested)
        return pipeline

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, Capture):
            # One a worker of a shared crawl kept and compressed (the ingest passes it on).
            self._pending.append({**item.__dict__})
        elif isinstance(item, PageItem) and item.purpose != "reprocess":
            self._pending.append({"url": item.url, "requested_url": item.requested_url,
                                  "source": item.source, "fetched_at": item.fetched_at,
                                  "status": item.status, "headers": item.headers,
                                  "body": item.body})
        else:
            return item
        if len(self._pending) >= self.batch_size:
            await self._flush()
        return item

    async def _flush(self) -> None:
        if not self._pending:
            return
        batch, self._pending = self._pending, []
        added = await written(self.run.write_captures(add_captures, batch))
        if self.stats is not None:
            self.stats.inc_value("newsmon/capture/stored", added)

    async def close_spider(self) -> None:
        await self._flush()
