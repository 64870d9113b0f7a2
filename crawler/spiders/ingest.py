"""`newsmon ingest`: the one SQLite writer of shared crawls (crawler/shared.py).

Workers push finished articles, raw captures, pages they could not store and their own
outcomes onto one Redis list. The ingest takes them with the reliable-queue pattern: each
message moves atomically from the list to a processing list (LMOVE) and goes through the
crawl's own stages as an item of this offline spider (the workers did the per-article work:
dedupe and tag take what they computed; the store links stories and writes); a batch
leaves the processing list only once every stage has committed what it holds. An ingest
killed with `kill -9` leaves its messages in the processing list, and the next ingest puts
them back first. A message stored twice that way finds its article stored already
(unchanged, keyed on the URL), never makes a second copy. While Redis cannot be reached the
ingest waits for it (NEWSMON_REDIS_WAIT_S; a batch whose acknowledgement failed is put back
and ingested again); past that it ends, failed.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any, ClassVar

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred

from crawler.items import Article, WorkerOutcome
from crawler.shared import (BAD, DEFAULT_WAIT_S, ITEMS, KNOWN, PROCESSING, MessageError,
                            RedisOutage, connect, decode_message, redis_down_errors)
from crawler.signals import flush_requested

_STORED = ("new", "updated", "unchanged", "linked")

# Up to ARGV[1] messages moved from the list to the processing list, each atomically, in one
# command: a pipeline of as many LMOVEs cost the ingest a command and a reply to parse for
# each, most of them empty when it keeps up with the workers.
_TAKE = """
local taken = {}
for _ = 1, tonumber(ARGV[1]) do
  local message = redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
  if not message then break end
  taken[#taken + 1] = message
end
return taken
"""


def _sleep(seconds: float) -> Deferred[None]:
    from twisted.internet import reactor
    from twisted.internet.task import deferLater
    return deferLater(reactor, seconds, lambda: None)  # type: ignore[arg-type]


class IngestSpider(scrapy.Spider):
    """Yields the shared crawls' items from Redis; acknowledges them once stored.

    ``redis_url``; ``until_idle``: end after that many seconds with nothing to take (None:
    run until stopped); ``batch``: messages taken, stored and acknowledged together;
    ``known_urls``: the stored URLs, for the workers to skip (`newsmon ingest` reads them
    from the database). Afterwards ``worker_runs`` holds the workers' outcomes seen and
    ``bad_messages`` counts messages kept aside unread.
    """

    name: ClassVar[str] = "ingest"  # type: ignore[misc]

    def __init__(self, *args: Any, redis_url: str = "", until_idle: float | None = None,
                 batch: int = 200, known_urls: Any = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redis_url = redis_url
        self.until_idle = until_idle
        self.batch = batch
        self.known_urls = known_urls
        self.worker_runs: list[WorkerOutcome] = []
        self.bad_messages = 0
        self._in_pipelines = 0
        self._all_passed: Deferred[None] | None = None
        self._take_script: Any = None
        self._outage: RedisOutage | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> IngestSpider:
        spider: IngestSpider = super().from_crawler(crawler, *args, **kwargs)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(spider._passed, signal=signal)
        return spider

    def _passed(self, item: Any) -> None:
        self._in_pipelines -= 1
        if self._in_pipelines == 0 and self._all_passed is not None:
            waiting, self._all_passed = self._all_passed, None
            waiting.callback(None)

    def _count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/ingest/{key}", value)

    def _fail(self, why: str) -> CloseSpider:
        self.logger.error("%s", why)
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("newsmon/argument_error", why)
        return CloseSpider("redis_unavailable")

    @property
    def outage(self) -> RedisOutage:
        if self._outage is None:
            self._outage = RedisOutage(self.name, self.crawler.settings.getfloat(
                "NEWSMON_REDIS_WAIT_S", DEFAULT_WAIT_S), ending="the ingest ends; what it "
                "had taken and not stored goes back on the list when an ingest starts")
        return self._outage

    async def _wait_for_redis(self, exc: BaseException) -> None:
        """Redis did not answer: report it, and wait a moment, or end the ingest once it
        has not answered for NEWSMON_REDIS_WAIT_S."""
        self.outage.failed(exc)
        if self.outage.ended:
            raise self._fail(f"Redis at {self.redis_url}: {self.outage.ended}") from None
        await maybe_deferred_to_future(_sleep(0.5))

    async def _call(self, command: Any, *args: Any) -> Any:
        """A Redis command, retried while Redis is away (up to NEWSMON_REDIS_WAIT_S)."""
        while True:
            try:
                result = command(*args)
                self.outage.answered()
                return result
            except redis_down_errors() as exc:
                await self._wait_for_redis(exc)

    async def start(self) -> AsyncIterator[Any]:
        import redis
        try:
            server = connect(self.redis_url)
            back = self._recover(server)
            if back:
                self.logger.warning("put back %d message(s) a stopped ingest had taken", back)
            for chunk in self.known_urls:
                server.sadd(KNOWN, *chunk)
        except redis.RedisError as exc:
            raise self._fail(f"Redis at {self.redis_url}: {exc}") from None
        idle_since = time.monotonic()
        down = redis_down_errors()
        while True:
            try:
                raws = self._take(server)
                self.outage.answered()
            except down as exc:
                await self._wait_for_redis(exc)
                continue
            except redis.RedisError as exc:
                raise self._fail(f"Redis at {self.redis_url}: {exc}") from None
            if not raws:
                if self.until_idle is not None and \
                        time.monotonic() - idle_since >= self.until_idle:
                    return
                await maybe_deferred_to_future(_sleep(0.2))
                continue
            async for item in self._ingest(server, raws):
                yield item
            idle_since = time.monotonic()

    @staticmethod
    def _recover(server: Any) -> int:
        """Messages a stopped ingest had taken go back to the end that is read first."""
        back = 0
        while server.lmove(PROCESSING, ITEMS, "LEFT", "RIGHT") is not None:
            back += 1
        return back

    def _acknowledge(self, server: Any, taken: int, urls: list[str]) -> int:
        """Let go of the `taken` messages of the last take, all stored (they are the newest
        of the processing list), with the stored URLs made known, in one transaction. Anything
        still there was taken by a take this ingest never saw the reply of (a timeout that
        redis-py retried after Redis had moved the messages): it goes back on the list, not
        away with the rest. Returns how many went back."""
        pipe = server.pipeline(transaction=True)
        if urls:
            pipe.sadd(KNOWN, *urls)
        pipe.ltrim(PROCESSING, taken, -1)
        pipe.execute()
        return self._recover(server) if server.llen(PROCESSING) else 0

    def _take(self, server: Any) -> list[bytes]:
        if self._take_script is None:
            self._take_script = server.register_script(_TAKE)
        return list(self._take_script(keys=[ITEMS, PROCESSING], args=[self.batch]))

    async def _ingest(self, server: Any, raws: list[bytes]) -> AsyncIterator[Any]:
        items = []
        for raw in raws:
            try:
                items.append(decode_message(raw))
            except MessageError as exc:
                # Kept aside, not dropped: a newer worker's message that this ingest cannot
                # read waits there for one that can (`newsmon ingest` reports them).
                self.bad_messages += 1
                self._count("bad_messages")
                self.logger.error("cannot read a message from %s (%s); kept in %s",
                                  ITEMS, exc, BAD)
                await self._call(server.lpush, BAD, raw)
        self._in_pipelines += len(items)
        for item in items:
            yield item
        if self._in_pipelines > 0:
            self._all_passed = Deferred()
            await maybe_deferred_to_future(self._all_passed)
        # Everything the stages buffered is committed before the messages are let go.
        await self.crawler.signals.send_catch_log_async(flush_requested)
        urls = [u for a in items if isinstance(a, Article) and a.stored in _STORED
                for u in (a.url, *a.aliases)]
        down = redis_down_errors()
        while True:
            try:
                back = self._acknowledge(server, len(raws), urls)
                break
            except down as exc:
                # Let go of or not: Redis may have done it without a word back. Once it
                # answers, whatever is still taken goes back on the list and is ingested
                # again (stored: unchanged).
                await self._wait_for_redis(exc)
                try:
                    again = self._recover(server)
                    self.outage.answered()
                except down:
                    continue
                if again:
                    self.logger.warning("put back %d message(s) whose release Redis did not "
                                        "confirm: they are ingested again", again)
                back = 0
                break
        # (once each: a batch put back after an unconfirmed release comes again)
        self.worker_runs += [i for i in items if isinstance(i, WorkerOutcome) and not any(
            seen.worker == i.worker for seen in self.worker_runs)]
        if back:
            self.logger.warning("put back %d message(s) taken by a take whose reply was lost",
                                back)
        self._count("messages", len(raws))
        self._count("articles", sum(isinstance(i, Article) for i in items))
