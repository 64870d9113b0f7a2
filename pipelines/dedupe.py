"""Pipeline stage 3: fingerprint the text and drop a URL already passed on in this run.

Across runs (and across processes) the store links URLs and identical texts in SQLite
(storage/articles.py): a second URL of one outlet's text becomes an alias of the first, and
the same text on another outlet is stored once more but linked to the first as one story.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from pipelines.extraction import Article, text_hash


class DedupePipeline:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats
        self._urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Article) -> Article:
        item.text_hash = text_hash(item.text)
        if item.url in self._urls:
            if self.stats is not None:
                self.stats.inc_value("newsmon/dedupe/same_url")
                self.stats.inc_value("newsmon/dropped")
            raise DropItem(f"same_url: {item.url} already passed in this run",
                           log_level="DEBUG")
        self._urls.add(item.url)
        return item
