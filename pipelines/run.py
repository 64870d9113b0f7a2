"""The run owner: one crawl's lock, its crawl_runs row and its database access, open to close.

Scrapy's CoreStats owns a crawl's stats; this extension owns its run in the same way. It
takes the lock of what it crawls when it is built, opens the `crawl_runs` row when the spider
opens and records the outcome when the spider closes. Whoever started the crawl (the
scheduler) passes a run key and only reads the row. The other components reach the crawl's
database through it: `reader` for lookups on the reactor thread, `writer` (one thread, one
connection) for every write, awaited with `wait_for`.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from concurrent.futures import Future
from types import FrameType
from typing import Any, TypeVar

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.dates import utc_now_iso
from crawler.items import Article, Dropped, PageItem, Unstored
from crawler.signals import flush_requested
from storage.sources import upsert_sources
from storage.db import LOOKUP_CACHE_KIB, open_db
from storage.locks import FileLock
from storage.paths import Paths
from storage.runs import close_abandoned_runs, finish_run, start_run
from storage.unstored import record_unstored
from storage.writer import Writer

logger = logging.getLogger(__name__)

T = TypeVar("T")

SKIPPED = "skipped"          # the close reason of a crawl whose lock another crawl holds
_OUTCOME_COUNTER = {"new": "new_articles", "updated": "updated_articles",
                    "unchanged": "unchanged_articles", "linked": "linked_duplicates"}
# How a spider's close reason reads as a run status (anything else: failed).
_STATUS = {"finished": "finished", "timeout": "timeout", "closespider_timeout": "timeout",
           "shutdown": "interrupted", SKIPPED: "skipped"}
HARD_STOP_EXIT_CODE = 75     # the process ended itself after a stop it could not finish


def wait_for(future: Future[T]) -> Deferred[T]:
    """A Deferred that fires on the reactor thread when the writer's future is done."""
    from twisted.internet import reactor
    deferred: Deferred[T] = Deferred()

    def done(finished: Future[T]) -> None:
        error = finished.exception()
        if error is not None:
            reactor.callFromThread(deferred.errback, error)  # type: ignore[attr-defined]
        else:
            reactor.callFromThread(deferred.callback, finished.result())  # type: ignore[attr-defined]

    future.add_done_callback(done)
    return deferred


async def written(future: Future[T]) -> T:
    """Await a write queued on the writer from a Scrapy coroutine."""
    return await maybe_deferred_to_future(wait_for(future))


def discovery_failed(stats: dict[str, Any]) -> bool:
    """True when discovery fetched nothing at all because every attempt failed (outlet down)."""
    failed = sum(int(stats.get(f"newsmon/discovery/{kind}_errors", 0))
                 + int(stats.get(f"newsmon/errors/{kind}", 0))
                 for kind in ("feed", "sitemap", "listing"))
    found = sum(int(v) for k, v in stats.items() if k.startswith("newsmon/discovery/")
                and (k.endswith(("_entries", "_links", "_not_modified"))))
    return failed > 0 and found == 0


def run_outcome(reason: str, stats: dict[str, Any],
                lock_holder: str | None) -> tuple[str, str | None, dict[str, int]]:
    """(status, error, counters) of a finished crawl, from its close reason and stats."""
    counters = {counter: int(stats.get(f"newsmon/store/{outcome}", 0))
                for outcome, counter in _OUTCOME_COUNTER.items()}
    counters["dropped"] = int(stats.get("newsmon/dropped", 0))
    # Every failure counts once, under newsmon/errors/ (log lines are not failures).
    counters["errors"] = sum(int(v) for k, v in stats.items() if k.startswith("newsmon/errors/"))
    counters["requests"] = int(stats.get("downloader/request_count", 0))
    counters["article_requests_skipped"] = int(
        stats.get("newsmon/incremental/known_article_skipped", 0))
    status = _STATUS.get(reason, "failed")
    error: str | None = None
    if status == "skipped":
        error = f"another crawl of this source is running ({lock_holder or 'unknown'})"
    elif status == "interrupted":          # Ctrl-C or a stop: not the outlet's fault
        error = "interrupted (SIGINT/SIGTERM) before it finished"
    elif status == "timeout":
        error = "stopped at its time limit (NEWSMON_RUN_TIMEOUT)"
    elif status == "failed":
        error = (stats.get("newsmon/argument_error") or stats.get("newsmon/failure")
                 or f"the crawl ended with reason {reason!r}")
    if status in ("finished", "interrupted") and stats.get("newsmon/failure"):
        # A part of the crawl that failed after its pages were done (a worker of a shared
        # crawl that could not hand in what it crawled, also when it was stopped).
        status, error = "failed", str(stats["newsmon/failure"])
    if status == "finished" and discovery_failed(stats):
        status, error = "failed", "every feed, sitemap and section page request failed"
    return status, error, counters


class CrawlRun:
    """Owns one crawl's run (see the module docstring). Tests build it directly.

    Nothing is opened until the spider opens (a crawler that fails before leaks no lock,
    thread or connection): then the lock is taken, the database opened and the row written.
    """

    def __init__(self, paths: Paths, name: str, *, stats: StatsCollector | None = None,
                 source_row: dict[str, Any] | None = None, trigger: str = "manual",
                 run_key: str | None = None, log_path: str | None = None,
                 lock: FileLock | None = None, crawler: Crawler | None = None,
                 timeout_s: float = 0.0, stop_grace_s: float = 30.0) -> None:
        self.paths = paths
        self.name = name
        self.stats = stats
        self.source_row = source_row
        self.trigger = trigger
        self.run_key = run_key
        self.log_path = log_path
        self.lock = lock
        self.crawler = crawler
        self.timeout_s = timeout_s
        self.stop_grace_s = stop_grace_s
        self.held = False
        self.run_id: int | None = None
        self._reader: Any = None
        self._writer: Writer | None = None
        self._closed = False
        self._finished = threading.Event()      # the row has its outcome
        self._hard_stop: threading.Timer | None = None
        self._unstored: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRun:
        settings = crawler.settings
        if not settings.getbool("NEWSMON_STORE_ENABLED", True):
            raise NotConfigured("NEWSMON_STORE_ENABLED is off: a dry run records nothing")
        spider = crawler.spider
        name = spider.name if spider is not None else crawler.spidercls.name
        paths = Paths.for_db(settings["NEWSMON_DB"])
        if paths.in_memory:
            logger.warning("NEWSMON_DB is :memory:, which the crawl's reader and writer cannot "
                           "share: a dry run, nothing is recorded or stored")
            raise NotConfigured("NEWSMON_DB is :memory:")
        lock = None
        if settings.getbool("NEWSMON_SOURCE_LOCK_ENABLED", True):
            lock = FileLock(paths.lock(name))
        purpose = getattr(spider, "purpose", "crawl")
        trigger = settings.get("NEWSMON_RUN_TRIGGER") or (
            "recheck" if purpose == "recheck" else "manual")
        if purpose == "recheck" and trigger != "recheck":
            trigger = "recheck"              # health and schedules leave rechecks aside
        source = getattr(spider, "source", None)
        source_row = None
        if source is not None:
            source_row = {"id": source.id, "name": source.name, "homepage": source.homepage,
                          "languages": list(source.languages),
                          "discovery": source.discovery_methods(),
                          "enabled": int(source.enabled)}
        run = cls(paths, name, stats=crawler.stats, source_row=source_row, trigger=trigger,
                  run_key=settings.get("NEWSMON_RUN_KEY") or None,
                  log_path=settings.get("LOG_FILE") or None, lock=lock, crawler=crawler,
                  timeout_s=settings.getfloat("NEWSMON_RUN_TIMEOUT", 0.0),
                  stop_grace_s=settings.getfloat("NEWSMON_STOP_GRACE", 30.0))
        run.connect(crawler)
        return run

    def connect(self, crawler: Crawler) -> None:
        """Listen to the crawl's signals (from_crawler does it)."""
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(self.item_error, signal=signals.item_error)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(self.flush_now, signal=flush_requested)

    # -- what the run did not store ----------------------------------------------------

    def record(self, unstored: Unstored) -> None:
        """Keep a page the crawl did not store (written with the next batch, at the latest
        before the run's outcome)."""
        self._unstored.append({**unstored.__dict__, "run_id": self.run_id,
                               "at": unstored.at or utc_now_iso()})
        if len(self._unstored) >= 50:
            self.flush_unstored()

    def flush_unstored(self) -> Future[Any] | None:
        rows, self._unstored = self._unstored, []
        return self.write(record_unstored, rows) if rows else None

    async def flush_now(self) -> None:
        pending = self.flush_unstored()
        if pending is not None:
            await written(pending)

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, Dropped) and exception.record:
            url, final = _item_urls(item)
            self.record(Unstored(getattr(item, "source", self.name), url, exception.reason,
                                 kind=exception.kind, stage=exception.stage,
                                 detail=str(exception), final_url=final,
                                 http_status=getattr(item, "status", None)))

    def item_error(self, item: Any, failure: Any) -> None:
        """A stage raised an unexpected exception: the page is not stored; record why."""
        self._count("newsmon/errors/item")
        url, final = _item_urls(item)
        self.record(Unstored(getattr(item, "source", self.name), url, "pipeline_error",
                             stage="store", detail=failure.getErrorMessage(), final_url=final))

    def spider_error(self, failure: Any, response: Any) -> None:
        self._count("newsmon/errors/spider")
        request = getattr(response, "request", None)
        kind = request.meta.get("newsmon_kind") if request is not None else None
        if request is None and response is None:       # the spider's start() failed
            self.record(Unstored(self.name, f"start:{self.name}", "spider_error",
                                 stage="discovery", detail=failure.getErrorMessage()))
            return
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None \
            else response.url
        self.record(Unstored(self.name, url, "spider_error",
                             stage="discovery" if kind in ("feed", "sitemap", "listing")
                             else "fetch", detail=failure.getErrorMessage(),
                             final_url=getattr(response, "url", None)))

    def request_dropped(self, request: Any) -> None:
        """A redirect that comes back to a URL already requested (A -> A, A -> B -> A) is
        dropped by Scrapy's duplicate filter, without an error: it is one here."""
        hops = request.meta.get("redirect_urls")
        if not hops or request.meta.get("newsmon_kind") not in ("article", "recheck"):
            return
        self._count(f"newsmon/errors/{request.meta['newsmon_kind']}")
        if request.meta.get("newsmon_kind") == "article":
            self.record(Unstored(self.name, hops[0], "redirect_loop",
                                 detail=f"redirects lead back to {request.url}: "
                                        f"{' -> '.join([*hops, request.url])}",
                                 final_url=request.url))

    @property
    def reader(self) -> Any:
        """The crawl's connection for lookups on the reactor thread."""
        if self._reader is None:
            self._reader = open_db(self.paths, cache_kib=LOOKUP_CACHE_KIB)
        return self._reader

    @property
    def writer(self) -> Writer:
        if self._writer is None:
            self._writer = Writer(self.paths)
        return self._writer

    def write(self, fn: Any, *args: Any) -> Future[Any]:
        """Queue `fn(db, *args)` on the crawl's writer thread (the main database)."""
        return self.writer.submit(fn, *args)

    def write_captures(self, fn: Any, *args: Any) -> Future[Any]:
        """Queue `fn(captures_db, *args)` on the crawl's writer thread."""
        return self.writer.submit_captures(fn, *args)

    def _open(self, db: Any) -> int:
        now = utc_now_iso()
        if self.held:
            # This crawl holds the lock, so no live crawl owns a 'running' row of it.
            closed = close_abandoned_runs(db, self.name, now)
            if closed:
                logger.warning("%s: closed %d run(s) left 'running' by a crawl that died",
                               self.name, closed)
            if self.source_row is not None:
                upsert_sources(db, [{**self.source_row, "updated_at": now}])
        return start_run(db, self.name, now, self.trigger, log_path=self.log_path,
                         run_key=self.run_key)

    async def spider_opened(self, spider: Spider) -> None:
        self.held = self.lock is None or self.lock.acquire(f"crawl {self.name}")
        try:
            self.run_id = await written(self.write(self._open))
        except Exception as exc:
            # A crawl that cannot record its run must not crawl: what it fetched would
            # leave no trace.
            logger.error("%s: cannot record the run in %s (%s); not crawling",
                         self.name, self.paths.db, exc)
            raise CloseSpider("run_not_recorded") from None
        if self.stats is not None:
            self.stats.set_value("newsmon/run_id", self.run_id)
        if not self.held:
            assert self.lock is not None
            logger.warning("%s: another crawl of it is running (%s); not crawling it now",
                           self.name, self.lock.holder())
            raise CloseSpider(SKIPPED)
        self._watch_stops()

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        """Record the outcome; the pipelines have flushed their batches by now."""
        if self._hard_stop is not None:
            self._hard_stop.cancel()
        status = "failed"        # a run that could not be recorded, or not closed, failed
        try:
            if self.run_id is not None:
                pending = self.flush_unstored()
                if pending is not None:
                    await written(pending)
                outcome, error, counters = run_outcome(reason, self._stats_copy(),
                                                       self._holder())
                await written(self.write(finish_run, self.run_id, utc_now_iso(), outcome,
                                         reason, counters, self._stats_copy(), error))
                status = outcome
        finally:
            if self.stats is not None:
                # For `scrapy crawl`'s exit status (crawler/commands/crawl.py).
                self.stats.set_value("newsmon/run_status", status)
        self._finished.set()
        if reason in (SKIPPED, "run_not_recorded"):
            # The engine never started, so engine_stopped will not come: close now (no
            # other component has anything to write).
            self.close()

    def engine_stopped(self) -> None:
        """Last: every component has written what it had; close the database and the lock."""
        self.close()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._writer is not None:
            self._writer.close()
        if self._reader is not None:
            self._reader.close()
        if self.lock is not None and self.held:
            self.lock.release()

    # -- stops that must end even when a download hangs ----------------------------------

    def _watch_stops(self) -> None:
        """Time limit and stop signals: ask Scrapy to close, and make sure the run ends.

        Scrapy closes a spider only once its in-flight downloads are done, which a hanging
        server can delay for the whole download timeout. So after a stop signal (SIGINT,
        SIGTERM) or the time limit, the crawl gets `stop_grace_s` to close; then this run
        records its outcome itself and ends the process, even if its parent (the scheduler)
        died, abandoning the requests in flight (they are fetched again next run).
        """
        from twisted.internet import reactor
        if self.timeout_s > 0:
            reactor.callLater(self.timeout_s, self._time_up)  # type: ignore[attr-defined,arg-type]
        if threading.current_thread() is not threading.main_thread():
            return
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: FrameType | None, previous: Any = previous) -> None:
                self._arm_hard_stop("interrupted", f"stopped by signal {signum}")
                if callable(previous):
                    previous(signum, frame)

            signal.signal(sig, handler)

    def _time_up(self) -> None:
        if self._finished.is_set() or self.crawler is None or self.crawler.engine is None:
            return
        logger.warning("%s: time limit of %g s reached; closing", self.name, self.timeout_s)
        self._arm_hard_stop("timeout", f"time limit of {self.timeout_s:g} s reached")
        from scrapy.utils.defer import deferred_from_coro
        deferred_from_coro(self.crawler.engine.close_spider_async(reason="timeout"))

    def _arm_hard_stop(self, status: str, why: str) -> None:
        if self._hard_stop is not None or self._finished.is_set():
            return
        self._hard_stop = threading.Timer(self.stop_grace_s, self._end_now, (status, why))
        self._hard_stop.daemon = True
        self._hard_stop.start()

    def _end_now(self, status: str, why: str) -> None:
        """Runs on a timer thread when the crawl did not close in time: record, then exit."""
        if self._finished.is_set() or self.run_id is None:
            return
        error = (f"{why}; it did not close within {self.stop_grace_s:g} s (a download hung), "
                 f"so it ended itself, abandoning the requests in flight")
        try:
            logger.error("%s: %s", self.name, error)
            stats = self._stats_copy()
            _, _, counters = run_outcome(status, stats, None)
            db = open_db(self.paths)           # the writer may be stuck behind the reactor
            try:
                finish_run(db, self.run_id, utc_now_iso(), status, f"hard_stop_{status}",
                           counters, stats, error)
            finally:
                db.close()
            self._finished.set()
            time.sleep(0.5)                    # let other runs of this process do the same
        except BaseException:                  # the exit must happen whatever went wrong
            logger.exception("%s: could not record the hard stop; the next crawl of the "
                             "source closes the run as abandoned", self.name)
        finally:
            os._exit(HARD_STOP_EXIT_CODE)

    def _stats_copy(self) -> dict[str, Any]:
        if self.stats is None:
            return {}
        for _ in range(10):
            try:
                return dict(self.stats.get_stats())
            except RuntimeError:               # changed while copied from another thread
                time.sleep(0.01)
        return {}

    def _holder(self) -> str | None:
        return self.lock.holder() if self.lock is not None and not self.held else None


def _item_urls(item: Any) -> tuple[str, str | None]:
    """(the URL asked for, where it came from if elsewhere) of a page item or article."""
    if isinstance(item, PageItem):
        return item.requested_url, (item.url if item.url != item.requested_url else None)
    if isinstance(item, Article):
        return item.url, None
    return str(getattr(item, "url", "?")), None
