"""Shared crawls on scrapy-redis: many worker processes, on any machines, share one crawl.

Off by default; the setting NEWSMON_REDIS_URL (``newsmon crawl SOURCE --redis URL`` or
``scrapy crawl SOURCE -s NEWSMON_REDIS_URL=URL``) turns a crawl into a worker of the shared
crawl of its source:

- scrapy-redis' scheduler and seen-request filter hold the one request queue and the one
  filter of the source in Redis; conditional-GET validators and the URLs already stored are
  shared there too (``SharedCrawlState``).
- A worker has no database. It fetches, extracts, normalises, fingerprints and tags (all the
  per-article work), then pushes each finished article, each raw capture and each page it
  could not store onto one Redis list (``ITEMS``; pipelines/distributed.py); ``newsmon
  ingest`` is the single SQLite writer that takes them from there and stores them, linking
  copies into stories (crawler/spiders/ingest.py); it keeps the text the worker normalised
  (and fingerprinted); it tags again only an article tagged with
  another taxonomy version than its own.
- A request is leased, not just popped: taking it from the queue also puts it in the
  worker's lease set in the same Redis script, and it leaves the lease set only when Scrapy
  is done with it (downloaded, parsed, its items pushed: the worker pushes in batches and
  empties its batch before it drops leases). A worker killed with ``kill -9``
  stops refreshing its heartbeat key; the next worker that looks puts its leases back on the
  queue. The seen-request filter keeps them from being requested twice meanwhile.
- While Redis cannot be reached a worker holds what it crawled, its leases and the requests
  it finds, and goes on when Redis answers; after NEWSMON_REDIS_WAIT_S seconds it ends, its
  run failed, and its leases wait in Redis for the next worker (``RedisOutage``).
- A worker ends when the shared queue has been empty, and no live worker held a lease, for
  NEWSMON_REDIS_IDLE_S seconds. The last worker of a crawl leaves the filter for the next
  crawl to clear: a worker that joins when no other worker is alive and nothing is queued
  starts a new crawl of the source (the feeds are read again).

Keys (``newsmon:`` prefix): ``<source>:requests`` (sorted set, scrapy-redis' priority queue),
``<source>:dupefilter``, ``<source>:workers``, ``<source>:alive:<worker>``,
``<source>:leases:<worker>``, ``<source>:validators`` (hash), ``known`` (set of stored URLs),
``items``, ``items:processing``, ``items:bad`` (lists).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from dataclasses import fields
from typing import Any, Callable

import zstandard
from scrapy.settings import BaseSettings

from crawler.items import Article, Capture, PageItem, Removal, Seen, Unstored, WorkerOutcome

logger = logging.getLogger(__name__)

PREFIX = "newsmon"
ITEMS = f"{PREFIX}:items"                    # finished items, oldest at the right
PROCESSING = f"{PREFIX}:items:processing"    # taken by the ingest, not yet stored
BAD = f"{PREFIX}:items:bad"                  # messages the ingest could not read
KNOWN = f"{PREFIX}:known"                    # URLs of stored articles (the ingest adds them)
DEFAULT_IDLE_S = 10.0
DEFAULT_WAIT_S = 60.0                        # NEWSMON_REDIS_WAIT_S: Redis away this long ends
OUTAGE_REPORT_S = 10.0                       # while Redis is away, a warning this often
SOCKET_TIMEOUT_S = 5.0                       # a Redis call that has no answer by then fails
HEARTBEAT_S = 1.0
ALIVE_TTL_MS = 6000                          # a worker silent this long is dead
DISCOVERY_KINDS = ("feed", "sitemap", "listing")
_UNSTORED_FIELDS = frozenset(field.name for field in fields(Unstored))

MESSAGE_VERSION = 2                          # 2: a capture's body after the JSON line


class RedisSettingError(ValueError):
    """NEWSMON_REDIS_URL (or --redis) is not a Redis URL."""


def check_redis_url(url: str) -> str:
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise RedisSettingError(f"NEWSMON_REDIS_URL {url!r} is not a Redis URL "
                                f"(redis://host:port/db, rediss://… or unix://…)")
    return url


def connect(url: str) -> Any:
    """A Redis client for the URL (bytes replies)."""
    import redis
    # A Redis that does not answer (a network cut, a paused server) holds each call this
    # long; the worker's parts stop calling it while it is away (RedisOutage.away).
    return redis.Redis.from_url(check_redis_url(url), socket_timeout=SOCKET_TIMEOUT_S,
                                socket_connect_timeout=SOCKET_TIMEOUT_S,
                                health_check_interval=30)


class Keys:
    """The Redis keys of one source's shared crawl."""

    def __init__(self, source: str) -> None:
        base = f"{PREFIX}:{source}"
        self.requests = f"{base}:requests"
        self.dupefilter = f"{base}:dupefilter"
        self.workers = f"{base}:workers"
        self.validators = f"{base}:validators"
        self.alive_prefix = f"{base}:alive:"
        self.leases_prefix = f"{base}:leases:"

    def alive(self, worker: str) -> str:
        return self.alive_prefix + worker

    def leases(self, worker: str) -> str:
        return self.leases_prefix + worker


def apply_redis_settings(settings: BaseSettings) -> None:
    """Turn a crawl into a worker of the shared crawl (called by the spider's update_settings
    when NEWSMON_REDIS_URL is set): scrapy-redis' scheduler and filter, the worker's run
    owner, the pipelines that push to Redis instead of writing SQLite."""
    url = check_redis_url(str(settings.get("NEWSMON_REDIS_URL")))
    prio = "spider"
    settings.set("REDIS_URL", url, priority=prio)
    # scrapy-redis' own client (the queue, the filter, the scheduler's scripts) waits as long
    # as ours, and does not send a command again after a timeout (its default: 30 s, twice).
    settings.set("REDIS_PARAMS", {"socket_timeout": SOCKET_TIMEOUT_S,
                                  "socket_connect_timeout": SOCKET_TIMEOUT_S,
                                  "retry_on_timeout": False, "health_check_interval": 30},
                 priority=prio)
    settings.set("SCHEDULER", "crawler.shared_scheduler.SharedScheduler", priority=prio)
    settings.set("DUPEFILTER_CLASS", "scrapy_redis.dupefilter.RFPDupeFilter", priority=prio)
    settings.set("SCHEDULER_QUEUE_CLASS", "scrapy_redis.queue.PriorityQueue", priority=prio)
    settings.set("SCHEDULER_QUEUE_KEY", f"{PREFIX}:%(spider)s:requests", priority=prio)
    settings.set("SCHEDULER_DUPEFILTER_KEY", f"{PREFIX}:%(spider)s:dupefilter", priority=prio)
    settings.set("SCHEDULER_PERSIST", True, priority=prio)    # the queue outlives a worker
    settings.set("NEWSMON_STATE_BACKEND", "pipelines.distributed.SharedCrawlState",
                 priority=prio)
    extensions = dict(settings.getdict("EXTENSIONS"))
    extensions["pipelines.run.CrawlRun"] = None
    extensions["pipelines.distributed.WorkerRun"] = 100
    settings.set("EXTENSIONS", extensions, priority=prio)
    pipelines = dict(settings.getdict("ITEM_PIPELINES"))
    for stage in ("pipelines.capture.CapturePipeline", "pipelines.store.StorePipeline",
                  "pipelines.distributed.SharedCrawlRecordsPipeline"):
        pipelines[stage] = None          # the ingest writes, for every worker
    pipelines["pipelines.distributed.PushCapturePipeline"] = 50
    pipelines["pipelines.distributed.PushPipeline"] = 900
    settings.set("ITEM_PIPELINES", pipelines, priority=prio)
    middlewares = dict(settings.getdict("SPIDER_MIDDLEWARES"))
    # Pages that earlier crawls failed to store are retried by local crawls (they read the
    # database); a worker has none.
    middlewares["pipelines.retries.RetryUnstoredMiddleware"] = None
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority=prio)


def redis_down_errors() -> tuple[type[BaseException], ...]:
    """What a Redis call raises when the server cannot be reached (not a refused command)."""
    import redis
    return (redis.ConnectionError, redis.TimeoutError, OSError)


class RedisOutage:
    """One worker's view of whether Redis answers. Every part of the worker that talks to
    Redis reports here: the first failure is a warning, then one every OUTAGE_REPORT_S
    (each part retries on its own clock, several times a second), and the first answer after
    an outage says how long it lasted. While it is `away`, only the scheduler's heartbeat
    asks Redis (every other call would wait for the socket's timeout when Redis hangs
    instead of refusing). After NEWSMON_REDIS_WAIT_S seconds without an answer the worker
    ends, its run failed: it cannot take requests or hand in what it crawled, and its leases
    stay in Redis for the next worker."""

    def __init__(self, name: str, limit_s: float, end: Callable[[str], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 ending: str = "this worker ends, and leaves its requests to the next "
                               "worker") -> None:
        self.name = name
        self.ending = ending
        self.limit_s = limit_s
        self.end = end
        self.clock = clock
        self.since: float | None = None       # the outage's start (None: Redis answers)
        self._away = False                     # skip calls until the heartbeat probes
        self.recovered = 0                     # outages over (the scheduler reconciles)
        self._over_at = float("-inf")          # when the last outage ended, and its start:
        self._last_since = 0.0                 # one that starts again soon continues it
        self._told_back = float("-inf")
        self.ended = ""
        self.error = ""
        self._reported = 0.0
        self._lock = threading.Lock()     # reports may come from more than one thread

    @classmethod
    def of(cls, crawler: Any) -> RedisOutage:
        """The crawler's one tracker (the scheduler, the run owner and the crawl state
        share it)."""
        outage: RedisOutage | None = getattr(crawler, "newsmon_redis_outage", None)
        if outage is None:
            spider = crawler.spider
            name = spider.name if spider is not None else crawler.spidercls.name
            outage = cls(name, crawler.settings.getfloat("NEWSMON_REDIS_WAIT_S", DEFAULT_WAIT_S),
                         lambda why: _close(crawler, why))
            crawler.newsmon_redis_outage = outage
        return outage

    @property
    def away(self) -> bool:
        """Redis did not answer the last call: skip calls that can wait for the heartbeat."""
        return self._away

    def probed(self) -> None:
        """The heartbeat got an answer: calls are made again. The outage is over (and its
        clock stops) only when one of them succeeds (`answered`): a heartbeat alone does not
        show that the rest works."""
        self._away = False

    def down_for(self) -> float:
        since = self.since
        return 0.0 if since is None else self.clock() - since

    def failed(self, exc: BaseException, held: int | None = None) -> None:
        now = self.clock()
        self.error = f"{type(exc).__name__}: {exc}"
        extra = f"; {held} message(s) held" if held else ""
        with self._lock:
            self._away = True
            if self.since is None and now - self._over_at < OUTAGE_REPORT_S:
                # Redis flaps (or one part of the worker fails while another gets answers):
                # the same outage, its clock still running, not a new warning.
                self.since = self._last_since
            elif self.since is None:
                self.since = self._reported = now
                logger.warning("%s: Redis cannot be reached (%s)%s; retrying for up to %g s "
                               "(NEWSMON_REDIS_WAIT_S)", self.name, self.error, extra,
                               self.limit_s)
            elif now - self._reported >= OUTAGE_REPORT_S:
                self._reported = now
                logger.warning("%s: Redis has not answered for %.0f s (%s)%s", self.name,
                               now - self.since, self.error, extra)
            if self.ended or now - self.since < self.limit_s:
                return
            self.ended = (f"Redis could not be reached for {now - self.since:.0f} s "
                          f"(NEWSMON_REDIS_WAIT_S {self.limit_s:g}; {self.error})")
        logger.error("%s: %s: %s", self.name, self.ended, self.ending)
        if self.end is not None:
            self.end(self.ended)

    def answered(self) -> None:
        """A call beyond the heartbeat succeeded: any outage is over."""
        if self.since is None:
            return
        now = self.clock()
        with self._lock:
            since, self.since, self._away = self.since, None, False
            if since is None:
                return
            self.recovered += 1
            self._over_at, self._last_since = now, since
            told, self._told_back = self._told_back, now
        if now - told >= OUTAGE_REPORT_S:
            logger.warning("%s: Redis answers again, after %.1f s", self.name, now - since)


def _close(crawler: Any, why: str) -> None:
    if crawler.stats is not None:
        crawler.stats.set_value("newsmon/failure", why)
    if crawler.engine is not None:
        from scrapy.utils.defer import deferred_from_coro
        deferred_from_coro(crawler.engine.close_spider_async(reason="redis_unreachable"))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


# -- messages on the items list --------------------------------------------------------------

_ARTICLE_FIELDS = {f.name for f in fields(Article)}
_LOCAL = threading.local()


def encode_message(message: dict[str, Any], worker: str) -> bytes:
    """A message: one line of JSON; a capture's compressed body follows the line as it is
    (version 1 carried it in the JSON as base64, 0.3 ms more per page for the worker and
    the ingest; the ingest reads both)."""
    body = None
    if message.get("type") == "capture" and isinstance(message["capture"]["compressed"], bytes):
        body = message["capture"]["compressed"]
        message = {**message, "capture": {**message["capture"], "compressed": len(body)}}
    head = json.dumps({"v": MESSAGE_VERSION, "worker": worker, **message},
                      ensure_ascii=False).encode("utf-8")       # no raw newline in JSON
    return head if body is None else head + b"\n" + body


def article_message(article: Article) -> dict[str, Any]:
    """An article as the worker finished it: its columns, and what the worker's dedupe and tag
    stages computed (fingerprints, story profile, search stems, tags), so that the ingest,
    the one writer, only stores."""
    fp, prof = article.fingerprint, article.story_profile
    return {"type": "article", "article": {
        **article.as_row(), "aliases": list(article.aliases),
        "article_pattern": article.article_pattern, "purpose": article.purpose,
        "tags": article.tags, "story_keys": list(article.story_keys),
        "search_stems": list(article.search_stems) if article.search_stems else None,
        "fingerprint": fp.to_wire() if fp is not None else None,
        "story_profile": prof.to_wire() if prof is not None else None}}


def capture_message(item: PageItem) -> dict[str, Any]:
    if not hasattr(_LOCAL, "compressor"):       # one per thread, made once (0.1 ms each)
        _LOCAL.compressor = zstandard.ZstdCompressor(level=3)   # the captures file's level
    body = _LOCAL.compressor.compress(item.body)
    return {"type": "capture", "capture": {
        "url": item.url, "requested_url": item.requested_url, "source": item.source,
        "fetched_at": item.fetched_at, "status": item.status, "headers": item.headers,
        "sha256": hashlib.sha256(item.body).hexdigest(), "size": len(item.body),
        "compressed": body}}


def outcome_message(outcome: WorkerOutcome) -> dict[str, Any]:
    return {"type": "run", "run": dict(outcome.__dict__)}


class MessageError(ValueError):
    """A message on the items list that this version cannot read."""


def decode_message(raw: bytes) -> Article | Capture | Unstored | Removal | WorkerOutcome | Seen:
    """The item a worker's message carries."""
    try:
        head, newline, body = raw.partition(b"\n")
        message = json.loads(head)
        kind = message["type"]
        if newline and kind != "capture":
            raise MessageError(f"a {kind!r} message has a payload after its JSON")
        if kind == "article":
            data = message["article"]
            unknown = set(data) - _ARTICLE_FIELDS
            if unknown:
                raise MessageError(f"unknown article field(s) {', '.join(sorted(unknown))}")
            return Article(**data)
        if kind == "capture":
            data = dict(message["capture"])
            if newline:
                if data["compressed"] != len(body):
                    raise MessageError(f"capture of {data.get('url')!r}: {len(body)} bytes of "
                                       f"body, {data['compressed']!r} announced")
                data["compressed"] = body
            else:                            # version 1: base64 in the JSON
                data["compressed"] = base64.b64decode(data["compressed"], validate=True)
            return Capture(**data)
        if kind == "unstored":
            # Fields this version does not know (a newer worker's) are left out.
            return Unstored(**{k: v for k, v in message["unstored"].items()
                               if k in _UNSTORED_FIELDS})
        if kind == "removal":
            return Removal(**message["removal"])
        if kind == "run":
            return WorkerOutcome(**message["run"])
        if kind == "touch":
            return Seen([str(u) for u in message["urls"]])
        raise MessageError(f"unknown message type {kind!r}")
    except MessageError:
        raise
    except (ValueError, KeyError, TypeError, zstandard.ZstdError) as exc:
        raise MessageError(f"{type(exc).__name__}: {exc}") from None
