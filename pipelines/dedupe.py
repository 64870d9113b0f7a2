"""Pipeline stage 3: fingerprint the text and drop a URL already passed on in this run.

The fingerprints are an exact hash and a MinHash signature with LSH buckets. Across runs
(and processes) the store links them in SQLite (storage/articles.py, storage/neardup.py):
a second URL of one outlet's text becomes an alias of the first; the same text, or a copy
or light rewrite, on another outlet is stored as its own article in the same story.
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from pipelines.extraction import Article, Removal, text_hash
from pipelines.fingerprint import fingerprint


class DedupePipeline:
    def __init__(self, stats: StatsCollector | None = None,
                 drop_repeated_urls: bool = True) -> None:
        self.stats = stats
        self.drop_repeated_urls = drop_repeated_urls
        self._urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupePipeline:
        return cls(crawler.stats)

    def process_item(self, item: Article | Removal) -> Article | Removal:
        if not isinstance(item, Article):
            return item
        item.text_hash = text_hash(item.text)
        item.fingerprint = fingerprint(item.text)
        if self.drop_repeated_urls and item.url in self._urls:
            if self.stats is not None:
                self.stats.inc_value("newsmon/dedupe/same_url")
                self.stats.inc_value("newsmon/dropped")
            raise DropItem(f"same_url: {item.url} already passed in this run",
                           log_level="DEBUG")
        self._urls.add(item.url)
        return item
