"""Spiders that fetch nothing: they feed stored or imported pages through the same pipelines.

`newsmon import` and `newsmon reprocess` run as crawls of these, so an import or a reprocess
is a run like any other: the run owner records it, the stages and their stats are the crawl's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler

from crawler.importing import ImportLineError, read_import_lines
from crawler.items import Article, PageItem
from crawler.sources import Source


class ImportSpider(scrapy.Spider):
    """Yields one Article per good line of a JSON Lines file; keeps the bad lines' errors.

    ``lines`` (bytes lines) and ``default_source`` are passed in-process by `newsmon import`;
    afterwards ``articles`` maps line numbers to the items (their ``stored`` outcome is set
    by the store stage) and ``problems`` lists the lines that were refused.
    """

    name: ClassVar[str] = "import"  # type: ignore[misc]

    def __init__(self, *args: Any, lines: Iterable[bytes] = (), default_source: str = "import",
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = lines
        self.default_source = default_source
        self.articles: dict[int, Article] = {}
        self.problems: list[ImportLineError] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ImportSpider:
        spider: ImportSpider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.item_dropped, signal=signals.item_dropped)
        return spider

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        """A stage dropped a line's article: keep the reason for the line's report."""
        if isinstance(item, Article):
            item.stored, item.store_error = "dropped", str(exception)

    async def start(self) -> AsyncIterator[Any]:
        for number, parsed in read_import_lines(self.lines, self.default_source):
            if isinstance(parsed, ImportLineError):
                self.problems.append(parsed)         # reported by `newsmon import`
                assert self.crawler.stats is not None
                self.crawler.stats.inc_value("newsmon/errors/import_line")
                self.logger.debug("%s", parsed)
                continue
            self.articles[number] = parsed
            yield parsed


class ReprocessSpider(scrapy.Spider):
    """Yields each raw capture (given in-process by `newsmon reprocess`) as a PageItem."""

    name: ClassVar[str] = "reprocess"  # type: ignore[misc]

    def __init__(self, *args: Any, captures: Iterable[Any] = (),
                 sources: Iterable[Source] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.captures = captures
        self.sources = {source.id: source for source in sources}

    async def start(self) -> AsyncIterator[Any]:
        assert self.crawler.stats is not None
        for capture in self.captures:
            if capture.status != 200:
                self.crawler.stats.inc_value("newsmon/reprocess/skipped_status")
                continue
            self.crawler.stats.inc_value("newsmon/reprocess/captures")
            source = self.sources.get(capture.source or "")
            yield PageItem(source=capture.source or "", url=capture.url,
                           requested_url=capture.requested_url or capture.url,
                           status=capture.status, body=capture.body, headers=capture.headers,
                           fetched_at=capture.fetched_at,
                           source_languages=list(source.languages) if source else [],
                           article_pattern=source.article_url_pattern if source else None,
                           rules=source.extract if source else None, purpose="reprocess")
