"""A worker of a shared crawl (crawler/shared.py): its run owner, its crawl state and the
stages that push what it finds to Redis for `newsmon ingest`, which stores it."""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from typing import TYPE_CHECKING, Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured

from crawler.dates import utc_now_iso
from crawler.items import Article, PageItem, Removal, Seen, Unstored, WorkerOutcome
from crawler.signals import shared_crawl_joined
from crawler.shared import (ITEMS, KNOWN, Keys, RedisOutage, article_message,
                            capture_message, connect, encode_message, outcome_message,
                            redis_down_errors)
from pipelines.run import HARD_STOP_EXIT_CODE, CrawlRun, run_outcome, written
from storage.articles import touch_urls
from storage.paths import Paths
from storage.runs import finish_run, start_run

if TYPE_CHECKING:
    from crawler.shared_scheduler import SharedScheduler

logger = logging.getLogger(__name__)

# A worker's messages go to Redis in batches, one LPUSH each (a command per message cost
# the worker and Redis about 0.3 ms of CPU per page): when this many are waiting, or
# this many bytes, or every PUSH_EVERY_S, and always before a lease is released.
PUSH_BATCH = 32
PUSH_BATCH_BYTES = 4 << 20
PUSH_EVERY_S = 0.25
# Held while Redis cannot be reached; past this an item fails and the worker ends.
PUSH_HELD_MAX_BYTES = 256 << 20


class RedisHeldError(RuntimeError):
    """A worker held as many messages as it may while Redis took none."""


class WorkerRun(CrawlRun):
    """The run owner of a worker: no lock (many workers crawl one source) and no database;
    pages it did not store, and its outcome, are pushed for the ingest to record."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerRun:
        settings = crawler.settings
        if not settings.get("NEWSMON_REDIS_URL"):
            raise NotConfigured("NEWSMON_REDIS_URL is not set")
        spider = crawler.spider
        name = spider.name if spider is not None else crawler.spidercls.name
        run = cls(Paths.for_db(settings.get("NEWSMON_DB") or "newsmon.db"), name,
                  stats=crawler.stats, trigger="redis", crawler=crawler,
                  timeout_s=settings.getfloat("NEWSMON_RUN_TIMEOUT", 0.0),
                  stop_grace_s=settings.getfloat("NEWSMON_STOP_GRACE", 30.0))
        run.server = connect(settings["NEWSMON_REDIS_URL"])
        run.started_at = utc_now_iso()
        run.scheduler = None
        run._pending = []
        run._pending_bytes = 0
        run._pending_articles = 0
        run._pusher = None
        run._push_lock = threading.RLock()   # _refuse may close the spider inside
        run._refusing = ""
        run._outcome_queued = False
        run.outage = RedisOutage.of(crawler)
        run.connect(crawler)
        crawler.signals.connect(run.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(run.joined, signal=shared_crawl_joined)
        return run

    server: Any
    started_at: str
    scheduler: SharedScheduler | None
    _pending: list[bytes]
    _pending_bytes: int
    _pending_articles: int
    _pusher: Any
    _push_lock: threading.RLock
    _refusing: str
    _outcome_queued: bool
    outage: RedisOutage

    def joined(self, scheduler: SharedScheduler) -> None:
        self.scheduler = scheduler
        # A request's lease goes only once the messages of its items are in Redis.
        scheduler.before_release.append(self.before_release)

    @property
    def worker(self) -> str:
        return self.scheduler.worker if self.scheduler is not None else "?"

    def push(self, message: dict[str, Any], *, article: bool = False) -> None:
        """Queue a message for the ingest; it reaches Redis with its batch (PUSH_BATCH)."""
        raw = encode_message(message, self.worker)
        with self._push_lock:
            if self._refusing:
                raise RedisHeldError(self._refusing)
            if self._pending_bytes + len(raw) > PUSH_HELD_MAX_BYTES:
                try:
                    if self.outage.away:
                        raise RuntimeError(f"Redis away for {self.outage.down_for():.0f} s")
                    self._flush_locked()
                except Exception as exc:
                    self._refuse(f"Redis took no message while {self._pending_bytes} bytes "
                                 f"were held ({type(exc).__name__}: {exc})")
                    raise RedisHeldError(self._refusing) from None
            self._pending.append(raw)
            self._pending_bytes += len(raw)
            self._pending_articles += article
            if len(self._pending) >= PUSH_BATCH or self._pending_bytes >= PUSH_BATCH_BYTES:
                self._flush_or_hold()

    def flush_pushes(self) -> None:
        """Push the waiting messages in one LPUSH, oldest first for the ingest; raises (and
        keeps them) when Redis cannot take them. The reactor and the hard stop's timer
        thread both flush: one at a time."""
        with self._push_lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if not self._pending:
            return
        self.server.lpush(ITEMS, *self._pending)
        if self._pending_articles and self.stats is not None:
            self.stats.inc_value("newsmon/redis/articles_pushed", self._pending_articles)
        self._pending, self._pending_bytes, self._pending_articles = [], 0, 0

    def before_release(self) -> None:
        """The scheduler's hook: leases go only once the items' messages are in Redis, and
        not at all after this worker refused an item (its request must be crawled again)."""
        if self._refusing:
            raise RedisHeldError(f"{self._refusing}: the leases are kept")
        self.flush_pushes()

    def _refuse(self, why: str) -> None:
        """Past PUSH_HELD_MAX_BYTES held: refuse further items, keep every lease and end this
        worker (its scheduler gives the leases back to the queue as it closes, or, if Redis
        is still away then, the other workers do once its heartbeat key expires)."""
        self._refusing = why
        logger.error("%s: %s; this worker ends and leaves its requests to the others",
                     self.name, why)
        if self.stats is not None:
            self.stats.set_value("newsmon/redis/refused", why)
        if self.crawler is not None and self.crawler.engine is not None:
            from scrapy.utils.defer import deferred_from_coro      # pushes run on the reactor
            deferred_from_coro(self.crawler.engine.close_spider_async(
                reason="redis_unreachable"))

    def _flush_or_hold(self) -> None:
        """Flush; when Redis cannot take the messages they are kept for the next flush
        (while Redis is away, the flush waits for the heartbeat to find it back)."""
        if self.outage.away:
            return
        try:
            self.flush_pushes()
            self.outage.answered()
        except Exception as exc:
            if isinstance(exc, redis_down_errors()):
                self.outage.failed(exc, held=len(self._pending))
            else:
                logger.warning("%s: Redis: %s (%d message(s) held)", self.name, exc,
                               len(self._pending))

    def record(self, unstored: Unstored) -> None:
        # Stamped here: a batch stored twice (its release went unconfirmed, or the next
        # ingest put back what a stopped one had taken) carries the same key, which the
        # store keeps once.
        self.push({"type": "unstored", "unstored": {
            **unstored.__dict__, "at": unstored.at or utc_now_iso(),
            "record_key": unstored.record_key or uuid.uuid4().hex}})

    def flush_unstored(self) -> None:
        return None

    async def flush_now(self) -> None:
        return None

    async def spider_opened(self, spider: Spider) -> None:
        self.held = True
        self._watch_stops()
        from twisted.internet.task import LoopingCall
        self._pusher = LoopingCall(self._flush_or_hold)
        self._pusher.start(PUSH_EVERY_S, now=False)

    def spider_idle(self) -> None:
        scheduler = self.scheduler
        if scheduler is None:
            return
        scheduler.observe(unless_within=0.05)
        idle = scheduler.idle_for()
        if idle < scheduler.idle_s:
            raise DontCloseSpider
        # How long the shared crawl had no work when this worker ended (NEWSMON_REDIS_IDLE_S
        # and at most a moment more: the idle clock's end wakes the engine).
        if self.stats is not None:
            self.stats.set_value("newsmon/shared/idle_s_at_close", round(idle, 3))
        logger.info("%s: the shared crawl has had no work for %.1f s (NEWSMON_REDIS_IDLE_S "
                    "%g): this worker ends", self.name, idle, scheduler.idle_s)

    async def spider_closed(self, spider: Spider, reason: str) -> None:
        if self._hard_stop is not None:
            self._hard_stop.cancel()
        if self._pusher is not None and self._pusher.running:
            self._pusher.stop()
        await self._hand_in(reason)
        self._finished.set()

    async def _hand_in(self, reason: str) -> None:
        """Push the messages held and the outcome; while Redis cannot be reached, retry
        until the outage has lasted NEWSMON_REDIS_WAIT_S. Past that nothing more can be done
        here: the run is failed (the process exits non-zero) and says what stayed behind."""
        from scrapy.utils.defer import maybe_deferred_to_future
        from twisted.internet import reactor
        from twisted.internet.task import deferLater
        down = redis_down_errors()
        while True:
            try:
                self._push_outcome(reason, reason, self._refusing or None)
                self.outage.answered()
                if self.scheduler is not None and not self.scheduler.left:
                    self.scheduler.leave_late()
                return
            except down as exc:
                self.outage.failed(exc, held=len(self._pending))
                left = self.outage.limit_s - self.outage.down_for()
                if left <= 0 or reason == "shutdown":     # a stop does not wait for Redis
                    break
            await maybe_deferred_to_future(deferLater(reactor, min(1.0, left), lambda: None))
        leased = len(self.scheduler._leased) if self.scheduler is not None else 0
        why = (f"{self.outage.ended or 'Redis could not be reached'} as the worker closed: "
               f"{len(self._pending) - self._outcome_queued} message(s) "
               f"({self._pending_articles} article(s)) and its outcome were not handed in")
        logger.error("%s: %s. Its %d leased request(s) stay in Redis: once Redis answers and "
                     "its heartbeat key has expired, the next worker of the crawl (`newsmon "
                     "crawl %s --redis URL`) puts them back on the queue and crawls them "
                     "again", self.name, why, leased, self.name)
        if self.stats is not None:
            self.stats.set_value("newsmon/failure", why)
            self.stats.set_value("newsmon/redis/not_handed_in", len(self._pending))

    def _push_outcome(self, reason: str, status_reason: str, error: str | None = None) -> None:
        """Push the messages held, then the outcome (queued once: the reactor and the hard
        stop's timer thread may both try, each any number of times)."""
        with self._push_lock:                # also after a refusal: the outcome goes
            if not self._outcome_queued:
                self._flush_locked()         # the items first (and their count in the stats)
                stats = self._stats_copy()
                status, why, counters = run_outcome(status_reason, stats, None)
                self._pending.append(encode_message(outcome_message(WorkerOutcome(
                    self.name, self.worker, self.started_at, utc_now_iso(), status, reason,
                    error or why, counters, json.loads(json.dumps(stats, default=str)))),
                    self.worker))
                self._outcome_queued = True
            self._flush_locked()

    def _end_now(self, status: str, why: str) -> None:
        if self._finished.is_set():
            return
        try:
            self._push_outcome(f"hard_stop_{status}", status,
                               f"{why}; it did not close within {self.stop_grace_s:g} s")
            self._finished.set()
        except BaseException:
            logger.exception("%s: could not push the hard stop", self.name)
        finally:
            os._exit(HARD_STOP_EXIT_CODE)

    def close(self) -> None:
        self._closed = True


class SharedCrawlState:
    """The incremental middleware's backend in a shared crawl: validators in a Redis hash
    (every worker revalidates with the same ETag / Last-Modified), stored URLs in the set the
    ingest keeps; URLs seen again go to the ingest with the worker's outcome."""

    def __init__(self, server: Any, source: str, outage: RedisOutage | None = None) -> None:
        self.server = server
        self.keys = Keys(source)
        self._touched: list[str] = []
        # While Redis cannot be reached, a page is fetched as if new (the ingest finds it
        # stored) and a feed without its validators: nothing fails for want of them.
        self.outage = outage or RedisOutage(source, float("inf"))
        self._down = redis_down_errors()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawlState:
        url = crawler.settings.get("NEWSMON_REDIS_URL")
        if not url:
            raise NotConfigured("NEWSMON_REDIS_URL is not set")
        outage = RedisOutage.of(crawler)
        return cls(connect(url), outage.name, outage)

    def is_known(self, urls: list[str]) -> bool:
        urls = [u for u in dict.fromkeys(urls) if u]
        if not urls or self.outage.away:
            return False
        try:
            return any(self.server.smismember(KNOWN, urls))
        except self._down as exc:
            self.outage.failed(exc)
            return False

    def touch(self, url: str) -> None:
        self._touched.append(url)

    def validators(self, scope: str, url: str) -> tuple[str | None, str | None]:
        if self.outage.away:
            return None, None
        try:
            raw = self.server.hget(self.keys.validators, f"{scope} {url}")
        except self._down as exc:
            self.outage.failed(exc)
            return None, None
        if not raw:
            return None, None
        etag, modified = json.loads(raw)[:2]
        return etag, modified

    def save_validators(self, scope: str, url: str, etag: str | None,
                        last_modified: str | None, status: int) -> None:
        if self.outage.away:
            return
        try:
            self.server.hset(self.keys.validators, f"{scope} {url}",
                             json.dumps([etag, last_modified, status]))
        except self._down as exc:           # the next crawl fetches the feed in full
            self.outage.failed(exc)

    def close(self) -> None:
        touched, self._touched = self._touched, []
        if not touched:
            return
        if self.outage.away:
            logger.warning("%s: Redis away: the last-seen times of %d stored article(s) "
                           "listed again are not refreshed", self.keys.requests, len(touched))
            return
        try:
            self.server.lpush(ITEMS, encode_message({"type": "touch", "urls": touched}, ""))
        except self._down as exc:
            logger.warning("%s: Redis: %s: the last-seen times of %d stored article(s) "
                           "listed again are not refreshed", self.keys.requests, exc,
                           len(touched))


class _WorkerStage:
    """A stage of a worker of a shared crawl: it pushes through the worker's run."""

    def __init__(self, run: WorkerRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        run = crawler.get_extension(WorkerRun)
        if run is None:
            raise NotConfigured("not a worker of a shared crawl")
        return cls(run)


class PushCapturePipeline(_WorkerStage):
    """A worker's stage 0: each fetched article's raw response goes to the ingest."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        if not crawler.settings.getbool("NEWSMON_CAPTURE_ENABLED", True):
            raise NotConfigured("NEWSMON_CAPTURE_ENABLED is off")
        return super().from_crawler(crawler)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageItem) and item.purpose != "reprocess":
            self.run.push(capture_message(item))
        return item


class PushPipeline(_WorkerStage):
    """A worker's last stage: a finished article (or a page not stored, or a removal) goes to
    the ingest, which stores it."""

    def process_item(self, item: Any) -> Any:
        if isinstance(item, Article):
            self.run.push(article_message(item), article=True)
        elif isinstance(item, Unstored):
            self.run.record(item)
        elif isinstance(item, Removal):
            self.run.push({"type": "removal", "removal": dict(item.__dict__)})
        return item


# -- the ingest's side -------------------------------------------------------------------------

WORKER_TRIGGER = "redis"     # crawl_runs.triggered_by of a worker's part of a shared crawl


def record_worker_outcome(db: Any, outcome: WorkerOutcome) -> int:
    """One crawl_runs row for a worker's part of a shared crawl (run_key: the worker); an
    outcome ingested again (its batch's release went unconfirmed) finds its row."""
    row = db.execute("SELECT id FROM crawl_runs WHERE run_key = ? AND triggered_by = ?",
                     [outcome.worker, WORKER_TRIGGER]).fetchone()
    if row is not None:
        return int(row[0])
    run_id = start_run(db, outcome.source, outcome.started_at, WORKER_TRIGGER,
                       run_key=outcome.worker)
    finish_run(db, run_id, outcome.finished_at, outcome.status, outcome.reason,
               outcome.counters, outcome.stats, outcome.error)
    return run_id


class SharedCrawlRecordsPipeline:
    """The ingest's stage for what workers report besides articles: their outcomes (a
    crawl_runs row each) and the stored articles their feeds listed again."""

    def __init__(self, run: CrawlRun) -> None:
        self.run = run

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawlRecordsPipeline:
        run = crawler.get_extension(CrawlRun)
        if run is None or isinstance(run, WorkerRun):
            raise NotConfigured("no database to record in")
        return cls(run)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, WorkerOutcome):
            await written(self.run.write(record_worker_outcome, item))
        elif isinstance(item, Seen):
            await written(self.run.write(touch_urls, item.urls, utc_now_iso()))
        return item
