"""The scheduler of a shared crawl: scrapy-redis' scheduler whose requests are leased, not
just popped, with dead-worker rescue and an idle clock all workers share (crawler/shared.py
says how a shared crawl works)."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy_redis.scheduler import Scheduler as RedisScheduler

from crawler.signals import shared_crawl_joined
from crawler.shared import (ALIVE_TTL_MS, DEFAULT_IDLE_S, DISCOVERY_KINDS, HEARTBEAT_S, Keys,
                            RedisOutage, redis_down_errors, worker_id)

logger = logging.getLogger(__name__)


# Take the first request of the queue and lease it to the worker, in one step.
_POP = """
local r = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #r == 0 then return false end
redis.call('ZREM', KEYS[1], r[1])
redis.call('ZADD', KEYS[2], r[2], r[1])
return r[1]
"""

# Put the leases of every registered worker whose heartbeat key is gone back on the queue,
# and forget the worker. ARGV: the alive and leases key prefixes. Returns requests put back.
_RESCUE = """
local back = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if redis.call('EXISTS', ARGV[1] .. w) == 0 then
    local leased = redis.call('ZRANGE', ARGV[2] .. w, 0, -1, 'WITHSCORES')
    for i = 1, #leased, 2 do
      redis.call('ZADD', KEYS[1], leased[i + 1], leased[i])
      back = back + 1
    end
    redis.call('DEL', ARGV[2] .. w)
    redis.call('SREM', KEYS[2], w)
  end
end
return back
"""

# Join the shared crawl: after rescuing the dead, a worker that finds no other worker alive
# and nothing queued starts a new crawl (the seen-request filter is cleared).
# KEYS: requests, workers, dupefilter; ARGV: alive prefix, leases prefix, worker, ttl ms.
_JOIN = """
local others = 0
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  if w ~= ARGV[3] and redis.call('EXISTS', ARGV[1] .. w) == 1 then others = others + 1 end
end
local fresh = 0
if others == 0 and redis.call('ZCARD', KEYS[1]) == 0 then
  redis.call('DEL', KEYS[3])
  fresh = 1
end
redis.call('SADD', KEYS[2], ARGV[3])
redis.call('SET', ARGV[1] .. ARGV[3], '1', 'PX', ARGV[4])
return fresh
"""

# After an outage: the worker's leases that it does not know of (taken by a pop whose reply
# was lost) go back on the queue. KEYS: requests, leases; ARGV: the leases it knows.
_RECONCILE = """
local known = {}
for i = 1, #ARGV do known[ARGV[i]] = true end
local back = 0
local leased = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
for i = 1, #leased, 2 do
  if not known[leased[i]] then
    redis.call('ZADD', KEYS[1], leased[i + 1], leased[i])
    redis.call('ZREM', KEYS[2], leased[i])
    back = back + 1
  end
end
return back
"""

# Whether the shared crawl has work: queued requests plus the leases of live workers.
_BUSY = """
local n = redis.call('ZCARD', KEYS[1])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  n = n + redis.call('ZCARD', ARGV[1] .. w)
end
return n
"""


class SharedScheduler(RedisScheduler):
    """scrapy-redis' scheduler with leased requests, dead-worker rescue and a shared idle
    clock (see the module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crawler: Crawler | None = None
        self.worker = worker_id()
        self.idle_s = DEFAULT_IDLE_S
        self.keys: Keys | None = None
        self.fresh = False                   # this worker started the shared crawl
        self._leased: dict[Request, bytes] = {}
        # Requests found while Redis could not be reached: queued when it answers again (and
        # before any lease is dropped, so a worker that dies first is crawled again); True
        # for one whose enqueue Redis cut half-way (it may be marked seen already).
        self._unqueued: list[tuple[Request, bool]] = []
        self._recovered_seen = 0
        self._reconcile_at = float("inf")    # a moment after an outage: lost pops' leases
        self._rescue_after = float("-inf")   # no rescue until live workers have beaten again
        self._down = redis_down_errors()
        self.left = False                    # out of the shared crawl's worker set
        self._give_back = False
        self._idle_since: float | None = None
        self._observed_at = float("-inf")
        self._ticker: Any = None
        self.clock: Any = None               # callLater's provider: the reactor (tests: a Clock)
        self._wake_call: Any = None          # the wake at the idle clock's end
        self._scripts: dict[str, Any] = {}
        # Called before leases are dropped (the worker pushes its waiting messages); one
        # that raises keeps them.
        self.before_release: list[Callable[[], None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        instance: SharedScheduler = super().from_crawler(crawler)  # type: ignore[assignment]
        instance.crawler = crawler
        instance.idle_s = crawler.settings.getfloat("NEWSMON_REDIS_IDLE_S", DEFAULT_IDLE_S)
        return instance

    @property
    def outage(self) -> RedisOutage:
        return RedisOutage.of(self.crawler)

    def _trouble(self, exc: Exception) -> None:
        """A Redis call failed: an outage is reported (and may end the worker); anything
        else is logged."""
        if isinstance(exc, self._down):
            self.outage.failed(exc)
        else:
            logger.warning("%s: Redis: %s", self.keys.requests if self.keys else "?", exc)

    def _script(self, name: str, text: str) -> Any:
        if name not in self._scripts:
            self._scripts[name] = self.server.register_script(text)
        return self._scripts[name]

    def open(self, spider: Spider) -> None:
        super().open(spider)
        self.keys = Keys(spider.name)
        self.rescue()
        self.fresh = bool(self._script("join", _JOIN)(
            keys=[self.keys.requests, self.keys.workers, self.keys.dupefilter],
            args=[self.keys.alive_prefix, self.keys.leases_prefix, self.worker,
                  ALIVE_TTL_MS]))
        logger.info("%s: worker %s %s the shared crawl (%d requests queued)", spider.name,
                    self.worker, "started" if self.fresh else "joined", len(self.queue))
        if self.stats is not None:
            self.stats.set_value("newsmon/redis/worker", self.worker)
            self.stats.set_value("newsmon/redis/started_crawl", int(self.fresh))
        if self.crawler is not None:
            self.crawler.signals.send_catch_log(shared_crawl_joined, scheduler=self)
        from twisted.internet.task import LoopingCall
        if self.clock is None:
            from twisted.internet import reactor
            self.clock = reactor
        self._ticker = LoopingCall(self.tick)
        self._ticker.clock = self.clock
        self._ticker.start(HEARTBEAT_S / 2, now=False)

    def close(self, reason: str) -> None:
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        self._end_idle()
        if self.keys is not None:
            self._give_back = reason == "shutdown"
            if not self.outage.ended:        # (gone for good: each call would wait in vain)
                try:
                    self.release(everything=not self._give_back)
                except Exception as exc:     # its items did not reach Redis: crawled again
                    if not isinstance(exc, self._down):    # (Redis away: said below)
                        logger.warning("%s: %s; the worker's requests go back on the queue",
                                       self.keys.requests, exc)
                    self._give_back = True
                try:
                    self._requeue()          # (again, if the release failed: left implies it)
                    self._leave(self._give_back)
                except self._down as exc:
                    self.outage.failed(exc)
            if not self.left:
                logger.error("%s: could not leave the shared crawl: the %d request(s) this "
                             "worker leased go back on the queue once Redis answers and its "
                             "heartbeat key has expired%s", self.keys.requests,
                             len(self._leased),
                             f" (and with them the {len(self._unqueued)} they led to while "
                             f"Redis was away)" if self._unqueued else "")
        super().close(reason)

    def leave_late(self) -> None:
        """Leave the shared crawl after all, once Redis answers again at the worker's close
        (its messages are in Redis by then): its leases are not left for a rescue."""
        if self.left or self.keys is None:
            return
        self._requeue()
        self._leave(self._give_back)
        logger.warning("%s: left the shared crawl once Redis answered", self.keys.requests)

    def _leave(self, give_back: bool) -> None:
        assert self.keys is not None
        pipe = self.server.pipeline()
        pipe.srem(self.keys.workers, self.worker)
        pipe.delete(self.keys.alive(self.worker))
        if give_back:
            # Stopped before its leases were done: give them back now, not after the TTL.
            pipe.zunionstore(self.keys.requests,
                             [self.keys.requests, self.keys.leases(self.worker)],
                             aggregate="MIN")
        pipe.delete(self.keys.leases(self.worker))
        pipe.execute()
        self.left = True

    def enqueue_request(self, request: Request) -> bool:
        if not self.outage.away:
            try:
                return self._enqueue(request)
            except self._down as exc:
                self.outage.failed(exc)
                self._unqueued.append((request, True))
                return True
        self._unqueued.append((request, False))
        return True

    def _requeue(self) -> None:
        """Queue the requests found while Redis was away; raises (keeping the rest) if it
        still is. One whose enqueue Redis cut half-way goes on the queue whatever the
        seen-request filter says (Redis may have marked it seen and not queued it: at worst
        a page is asked for twice); the others are enqueued as usual."""
        while self._unqueued:
            request, cut = self._unqueued[0]
            if cut:
                self.df.request_seen(request)
                self.queue.push(request)
            else:
                self._enqueue(request)
            del self._unqueued[0]

    def has_pending_requests(self) -> bool:
        if self.outage.away:
            return True                      # not idle: waiting for Redis
        try:
            return bool(super().has_pending_requests()) or bool(self._unqueued)
        except self._down as exc:
            self.outage.failed(exc)
            return True                      # not idle: waiting for Redis

    def _enqueue(self, request: Request) -> bool:
        # Start requests of feeds, sitemaps and listings are not filtered by a local crawl
        # (dont_filter); in the shared crawl they are, so that only the worker that starts
        # the crawl reads them. Retries and redirects of them keep their dont_filter.
        if request.dont_filter and request.meta.get("newsmon_kind") in DISCOVERY_KINDS \
                and "retry_times" not in request.meta and "redirect_urls" not in request.meta:
            if self.df.request_seen(request):
                if self.stats is not None:
                    self.stats.inc_value("newsmon/redis/discovery_already_queued")
                return False
            if self.stats is not None:
                self.stats.inc_value("scheduler/enqueued/redis")
            self.queue.push(request)
            return True
        return bool(super().enqueue_request(request))

    def next_request(self) -> Request | None:
        assert self.keys is not None
        if self.outage.away:                 # the heartbeat finds out when it is back
            return None
        try:
            data = self._script("pop", _POP)(keys=[self.keys.requests,
                                                   self.keys.leases(self.worker)])
        except self._down as exc:
            self.outage.failed(exc)
            return None
        if not data:
            return None
        request = self.queue._decode_request(data)
        self._leased[request] = data
        if self.stats is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    # -- on the reactor, every half heartbeat ----------------------------------------------

    def tick(self) -> None:
        assert self.keys is not None
        try:
            pipe = self.server.pipeline(transaction=False)
            pipe.set(self.keys.alive(self.worker), b"1", px=ALIVE_TTL_MS)
            # In the crawl's worker set again if another worker took it for dead while Redis
            # was away (its leases were put back then; new ones must count as work).
            pipe.sadd(self.keys.workers, self.worker)
            pipe.execute()
            self.outage.probed()
            self._requeue()
            now = time.monotonic()
            if self.outage.recovered != self._recovered_seen or self.outage.since is not None:
                # After an outage: give the other live workers a heartbeat's time before
                # taking them for dead, and look for lost pops a moment later.
                self._recovered_seen = self.outage.recovered
                self._rescue_after = now + ALIVE_TTL_MS / 1000
                self._reconcile_at = now + HEARTBEAT_S
            if now >= self._reconcile_at:
                self._reconcile_at = float("inf")
                self._reconcile()
            if now >= self._rescue_after:
                self.rescue()
        except Exception as exc:             # Redis away for a moment: the next tick retries
            self._trouble(exc)
            self._end_idle()
            return
        self.observe()
        self._wake()

    def _reconcile(self) -> None:
        """Put back on the queue this worker's leases that it does not hold (a pop that
        Redis ran after its reply timed out): nobody would crawl or release them."""
        assert self.keys is not None
        back = int(self._script("reconcile", _RECONCILE)(
            keys=[self.keys.requests, self.keys.leases(self.worker)],
            args=list(self._leased.values())))
        if back:
            logger.warning("%s: put back %d request(s) leased by a take whose reply was lost",
                           self.keys.requests, back)

    def observe(self, unless_within: float = 0.0) -> None:
        """Release what Scrapy is done with and look whether the shared crawl has work; the
        idle clock starts when it first has none. Every tick does, and the engine when it
        runs dry (spider_idle; not again if the tick that woke it just did, `unless_within`
        seconds), so the clock starts when the crawl ran out of work, not up to half a
        heartbeat later; its end wakes the engine to close then, not at the next tick."""
        assert self.keys is not None
        now = time.monotonic()
        if now - self._observed_at < unless_within or self.outage.away:
            return
        self._observed_at = now
        try:
            self.release()
            busy = int(self._script("busy", _BUSY)(
                keys=[self.keys.requests, self.keys.workers], args=[self.keys.leases_prefix]))
        except Exception as exc:             # Redis away for a moment: the next tick retries
            self._trouble(exc)
            self._end_idle()
            return
        self.outage.answered()
        if busy or self._unqueued:
            self._end_idle()
        elif self._idle_since is None:
            self._idle_since = now
            # A hair late, so that the clock has run its full length when the engine looks.
            self._wake_call = self.clock.callLater(self.idle_s + 0.01, self._wake)

    def _end_idle(self) -> None:
        self._idle_since = None
        if self._wake_call is not None and self._wake_call.active():
            self._wake_call.cancel()
        self._wake_call = None

    def release(self, everything: bool = False) -> None:
        """Drop the leases of requests Scrapy is done with (downloaded, parsed, their items
        pushed): they have left the engine's in-progress set."""
        assert self.keys is not None
        self._requeue()                      # what they found is queued first
        in_progress = self._in_progress()
        if in_progress is None and not everything:
            return
        done = [r for r in self._leased if everything or r not in (in_progress or ())]
        if not done:
            return
        for hook in self.before_release:
            hook()
        self.server.zrem(self.keys.leases(self.worker), *[self._leased[r] for r in done])
        for request in done:
            del self._leased[request]

    def rescue(self) -> int:
        assert self.keys is not None
        back = int(self._script("rescue", _RESCUE)(
            keys=[self.keys.requests, self.keys.workers],
            args=[self.keys.alive_prefix, self.keys.leases_prefix]))
        if back:
            logger.warning("%s: put %d request(s) of a dead worker back on the queue",
                           self.keys.requests, back)
            if self.stats is not None:
                self.stats.inc_value("newsmon/redis/rescued_requests", back)
        return back

    def idle_for(self) -> float:
        """Seconds the shared crawl has had nothing queued and nothing leased."""
        return 0.0 if self._idle_since is None else time.monotonic() - self._idle_since

    def _slot(self) -> Any:
        engine = self.crawler.engine if self.crawler is not None else None
        return getattr(engine, "_slot", None)

    def _in_progress(self) -> set[Request] | None:
        # Scrapy keeps a request in its engine slot from download until its callback's
        # output (and the items' pipelines) are done; there is no public API for that set.
        slot = self._slot()
        return getattr(slot, "inprogress", None)

    def _wake(self) -> None:
        """Let an idle engine look at the shared queue now, not at its next 5 s heartbeat."""
        slot = self._slot()
        nextcall = getattr(slot, "nextcall", None)
        if nextcall is not None:
            nextcall.schedule()


