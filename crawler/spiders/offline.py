"""Spiders that fetch nothing: they feed stored or imported pages through the same pipelines.

`newsmon import` and `newsmon reprocess` run as crawls of these, so an import or a reprocess
is a run like any other: the run owner records it, the stages and their stats are the crawl's.

Their start() ends only once the pipelines are done with every item it yielded. Scrapy checks
whether a crawl is idle when start() ends and then only on its 5-second heartbeat: a start()
that ended while its last items were still being stored left every import and reprocess
idle for up to 5 s before it closed (4 of the 6 s an 82-line import took).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import defer
from twisted.internet.defer import Deferred

from crawler.importing import ImportLineError, read_import_lines
from crawler.items import Article, PageItem, Unstored
from crawler.sources import Source


class ItemsDone:
    """Counts the items a spider's start() yielded and the ones the pipelines are done with
    (stored, dropped or failed); `wait()` returns once they are equal, or once none has been
    done for `stall_s` (an item that never reaches the pipelines, e.g. one a spider
    middleware filtered out, must not hold start() open: Scrapy's heartbeat then closes the
    crawl, as it did before)."""

    def __init__(self, crawler: Crawler, stall_s: float = 5.0) -> None:
        self.yielded = 0
        self.done = 0
        self.stall_s = stall_s
        self._waiting: Deferred[None] | None = None
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(self._one_done, signal=signal)

    def _one_done(self, **kwargs: Any) -> None:
        self.done += 1
        if self._waiting is not None:
            waiting, self._waiting = self._waiting, None
            waiting.callback(None)

    async def wait(self) -> None:
        from twisted.internet import reactor
        while self.done < self.yielded:
            before = self.done
            waiting: Deferred[None] = Deferred()
            self._waiting = waiting
            waiting.addTimeout(self.stall_s, reactor)  # type: ignore[arg-type]
            try:
                await maybe_deferred_to_future(waiting)
            except defer.TimeoutError:
                self._waiting = None
            if self.done == before:
                return


class ImportSpider(scrapy.Spider):
    """Yields one Article per good line of a JSON Lines file; keeps the bad lines' errors.

    ``lines`` (bytes lines) and ``default_source`` are passed in-process by `newsmon import`;
    afterwards ``articles`` maps line numbers to the items (their ``stored`` outcome is set
    by the store stage) and ``problems`` lists the lines that were refused.
    """

    name: ClassVar[str] = "import"  # type: ignore[misc]
    items_done: ItemsDone

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
        spider.items_done = ItemsDone(crawler)
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
                # Recorded with the run like a page a crawl did not store (unstored_pages).
                self.items_done.yielded += 1
                yield Unstored(self.default_source, parsed.url or f"import:line {number}",
                               "bad_import_line", kind="dropped", stage="import",
                               detail=str(parsed))
                continue
            self.articles[number] = parsed
            self.items_done.yielded += 1
            yield parsed
        await self.items_done.wait()


class ReprocessSpider(scrapy.Spider):
    """Yields each raw capture (given in-process by `newsmon reprocess`) as a PageItem."""

    name: ClassVar[str] = "reprocess"  # type: ignore[misc]
    items_done: ItemsDone

    def __init__(self, *args: Any, captures: Iterable[Any] = (),
                 sources: Iterable[Source] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.captures = captures
        self.sources = {source.id: source for source in sources}
        self.unknown_sources: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> ReprocessSpider:
        spider: ReprocessSpider = super().from_crawler(crawler, *args, **kwargs)
        spider.items_done = ItemsDone(crawler)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        assert self.crawler.stats is not None
        for capture in self.captures:
            if capture.status != 200:
                self.crawler.stats.inc_value("newsmon/reprocess/skipped_status")
                continue
            source = self.sources.get(capture.source or "")
            if source is None and capture.source:
                # Its site rules are unknown: extracted without them, an unchanged page would
                # read as an edit (a new version, the article marked edited).
                self.crawler.stats.inc_value("newsmon/reprocess/skipped_unknown_source")
                self.unknown_sources.add(capture.source)
                continue
            self.crawler.stats.inc_value("newsmon/reprocess/captures")
            self.items_done.yielded += 1
            yield PageItem(source=capture.source or "", url=capture.url,
                           requested_url=capture.requested_url or capture.url,
                           status=capture.status, body=capture.body, headers=capture.headers,
                           fetched_at=capture.fetched_at,
                           source_languages=list(source.languages) if source else [],
                           article_pattern=source.article_url_pattern if source else None,
                           rules=source.extract if source else None, purpose="reprocess")
        await self.items_done.wait()
