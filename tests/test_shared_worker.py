"""A shared crawl's parts on their own, against a real redis-server: the scheduler's idle
clock and leases, the worker's batched pushes (a lease goes only once its items are in Redis;
what happens when Redis takes nothing), the ingest's take, the message format."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis

from crawler.shared import ITEMS, KNOWN, PROCESSING

pytestmark = pytest.mark.slow


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as connection:
        yield connection


def _unit_scheduler(redis_url: str, name: str, in_progress: set[Any],
                    **settings_: Any) -> tuple[Any, Any, Any]:
    """A shared crawl's scheduler (and the worker's run owner) outside a crawl, on a test
    clock, with the engine's in-progress set in the caller's hands."""
    from types import SimpleNamespace

    from scrapy import Spider
    from scrapy.settings import Settings
    from scrapy.utils.test import get_crawler
    from twisted.internet import reactor  # noqa: F401  (get_crawler wants one installed)
    from twisted.internet.task import Clock

    from crawler.shared import apply_redis_settings
    from crawler.shared_scheduler import SharedScheduler
    from pipelines.distributed import WorkerRun

    unit = type("Unit", (Spider,), {"name": name})
    settings = Settings()
    settings.setmodule("crawler.settings")
    settings.set("NEWSMON_REDIS_URL", redis_url)
    for key, value in settings_.items():
        settings.set(key, value)
    apply_redis_settings(settings)
    crawler = get_crawler(unit, {**dict(settings.items()), "TWISTED_REACTOR": None})
    crawler.engine = SimpleNamespace(_slot=SimpleNamespace(   # type: ignore[assignment]
        inprogress=in_progress, nextcall=SimpleNamespace(schedule=lambda: None)))
    run = WorkerRun.from_crawler(crawler)
    scheduler = SharedScheduler.from_crawler(crawler)
    scheduler.clock = clock = Clock()
    scheduler.open(unit.from_crawler(crawler))
    return scheduler, run, clock


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")    # scrapy-redis' own call
def test_the_idle_clock_starts_when_the_shared_crawl_runs_out_of_work(redis_url: str) -> None:
    """The scheduler's idle clock, on a test clock: it starts when nothing is queued or
    leased (as the engine asks when it runs dry), a request queued or leased stops it and
    cancels its wake, and its wake comes NEWSMON_REDIS_IDLE_S after the start, not at a tick."""
    from scrapy import Request
    in_progress: set[Request] = set()
    scheduler, _, clock = _unit_scheduler(redis_url, "idle-unit", in_progress,
                                          NEWSMON_REDIS_IDLE_S=3.0)

    def wakes() -> list[float]:
        return [c.getTime() for c in clock.getDelayedCalls() if c.func == scheduler._wake]

    try:
        scheduler.observe()                                   # nothing queued, nothing leased
        assert scheduler._idle_since is not None
        assert wakes() == [pytest.approx(3.01)]
        scheduler.enqueue_request(Request("http://x.example/a"))
        scheduler.observe()
        assert scheduler._idle_since is None and wakes() == []
        request = scheduler.next_request()                    # leased while Scrapy works on it
        assert request is not None
        in_progress.add(request)
        clock.advance(1.0)
        scheduler.observe()
        assert scheduler._idle_since is None and wakes() == []
        in_progress.discard(request)                          # done: the lease goes
        clock.advance(0.2)
        scheduler.observe()
        assert scheduler._idle_since is not None and wakes() == [pytest.approx(4.21)]
        scheduler.observe()                                   # still idle: one wake, not two
        assert wakes() == [pytest.approx(4.21)]
    finally:
        scheduler.close("finished")
    assert wakes() == []


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")    # scrapy-redis' own call
def test_a_lease_goes_only_once_its_items_are_in_redis(
        redis_url: str, client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker pushes its messages in batches (one LPUSH per PUSH_BATCH, or per timer);
    the lease of a request Scrapy is done with is dropped only after the messages waiting
    are in Redis, and not at all while Redis refuses them (a worker killed then loses
    nothing: its leases go back on the queue). The ingest reads them oldest first."""
    from scrapy import Request

    from pipelines import distributed
    in_progress: set[Request] = set()
    scheduler, run, _ = _unit_scheduler(redis_url, "lease-unit", in_progress)
    client.delete(ITEMS)
    leases = scheduler.keys.leases(scheduler.worker)
    try:
        scheduler.enqueue_request(Request("http://x.example/a"))
        request = scheduler.next_request()
        assert request is not None and client.zcard(leases) == 1
        in_progress.add(request)
        run.push({"type": "touch", "urls": ["http://x.example/a"]})
        run.push({"type": "touch", "urls": ["http://x.example/b"]})
        assert client.llen(ITEMS) == 0                        # waiting for its batch
        in_progress.discard(request)                          # Scrapy is done with it

        def refused(*args: Any) -> None:
            raise redis.ConnectionError("Redis went away")
        monkeypatch.setattr(run.server, "lpush", refused)
        scheduler.observe()                                   # the push fails: lease kept
        assert client.zcard(leases) == 1 and client.llen(ITEMS) == 0
        monkeypatch.undo()
        scheduler.observe()                                   # Redis away: not asked again
        assert client.zcard(leases) == 1
        scheduler.tick()                                      # the heartbeat finds it back
        assert client.zcard(leases) == 0
        assert [json.loads(client.rpop(ITEMS))["urls"] for _ in range(2)] == \
            [["http://x.example/a"], ["http://x.example/b"]]   # oldest first
        for n in range(distributed.PUSH_BATCH):               # a full batch goes at once
            run.push({"type": "touch", "urls": [f"http://x.example/{n}"]})
        assert client.llen(ITEMS) == distributed.PUSH_BATCH
    finally:
        scheduler.close("finished")
        client.delete(ITEMS)


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")    # scrapy-redis' own call
def test_a_worker_that_cannot_hold_more_keeps_its_leases_and_loses_no_message(
        redis_url: str, client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past PUSH_HELD_MAX_BYTES held while Redis takes nothing, an item fails and the worker
    keeps every lease from then on (its requests go back on the queue when it is gone), even
    once Redis is back; the hard stop's timer thread and the reactor flushing at once neither
    drop nor repeat a message."""
    import threading

    from scrapy import Request

    from pipelines import distributed
    in_progress: set[Request] = set()
    scheduler, run, _ = _unit_scheduler(redis_url, "held-unit", in_progress)
    client.delete(ITEMS)
    leases = scheduler.keys.leases(scheduler.worker)
    real_lpush = run.server.lpush
    try:
        # Two flushes at once: one LPUSH is on the wire when another message comes.
        entered, go, sent = threading.Event(), threading.Event(), []

        def slow(key: str, *values: bytes) -> int:
            sent.append(values)
            entered.set()
            go.wait(5)
            return int(real_lpush(key, *values))
        run.push({"type": "touch", "urls": ["a"]})
        monkeypatch.setattr(run.server, "lpush", slow)
        flusher = threading.Thread(target=run.flush_pushes)
        flusher.start()
        assert entered.wait(5)
        pusher = threading.Thread(target=run.push, args=({"type": "touch", "urls": ["m"]},))
        pusher.start()
        time.sleep(0.2)
        go.set()
        flusher.join(5)
        pusher.join(5)
        run.flush_pushes()
        assert [json.loads(v)["urls"] for batch in sent for v in batch] == [["a"], ["m"]]
        assert [json.loads(client.rpop(ITEMS))["urls"] for _ in range(2)] == [["a"], ["m"]]

        scheduler.enqueue_request(Request("http://x.example/held"))
        request = scheduler.next_request()
        assert request is not None
        in_progress.add(request)

        def refused(*args: Any) -> None:
            raise redis.ConnectionError("Redis went away")
        monkeypatch.setattr(run.server, "lpush", refused)
        monkeypatch.setattr(distributed, "PUSH_HELD_MAX_BYTES", 2000)
        closed: list[str] = []
        run.crawler.engine.close_spider_async = lambda reason: closed.append(reason)
        with pytest.raises(distributed.RedisHeldError):
            for n in range(100):
                run.push({"type": "touch", "urls": [f"http://x.example/{n}" * 5]})
        assert 0 < n < 100 and closed == ["redis_unreachable"]     # the worker ends
        with pytest.raises(distributed.RedisHeldError):
            run.push({"type": "touch", "urls": ["refused too"]})
        in_progress.discard(request)
        monkeypatch.setattr(run.server, "lpush", real_lpush)       # Redis is back
        scheduler.observe()
        assert client.zcard(leases) == 1                          # kept: crawled again
        assert client.llen(ITEMS) == 0
        run._push_outcome("redis_unreachable", "redis_unreachable", run._refusing)
        assert client.llen(ITEMS) == n + 1                         # held, then the outcome
        last = json.loads(client.lindex(ITEMS, 0))
        assert last["type"] == "run" and "bytes were held" in last["run"]["error"]
        scheduler.close("redis_unreachable")
        assert client.zcard(leases) == 0 and client.zcard(scheduler.keys.requests) == 1
    finally:
        monkeypatch.undo()
        if scheduler._ticker.running:
            scheduler.close("shutdown")
        client.delete(ITEMS, scheduler.keys.requests)


def test_a_take_whose_reply_was_lost_loses_no_message(client: redis.Redis) -> None:
    """redis-py retries a command that timed out: a take Redis ran but whose reply never
    came leaves messages in the processing list that the ingest did not see. Acknowledging
    the messages it stored lets go of those only; the others go back on the list, oldest
    first (it used to delete the whole processing list)."""
    from crawler.spiders.ingest import IngestSpider
    client.delete(ITEMS, PROCESSING)
    client.lpush(ITEMS, b"m1", b"m2", b"m3", b"m4", b"m5")    # m1 is read first
    spider = IngestSpider(redis_url="redis://unused", batch=3)
    client.lmove(ITEMS, PROCESSING, "RIGHT", "LEFT")         # the lost take's work: m1
    client.lmove(ITEMS, PROCESSING, "RIGHT", "LEFT")         # ... and m2
    taken = spider._take(client)                             # the retried take's
    assert taken == [b"m3", b"m4", b"m5"]
    assert spider._acknowledge(client, len(taken), ["https://x.example/a"]) == 2
    assert client.llen(PROCESSING) == 0 and client.sismember(KNOWN, "https://x.example/a")
    assert spider._take(client) == [b"m1", b"m2"]            # seen now, in order
    assert spider._acknowledge(client, 2, []) == 0
    assert client.llen(ITEMS) == client.llen(PROCESSING) == 0


def test_a_capture_travels_as_bytes_and_version_1_messages_still_read() -> None:
    """A capture's compressed body follows its JSON line as it is (no base64); the ingest
    still reads version-1 messages (base64 in the JSON), and a body whose length is not the
    one announced is an unreadable message, not a capture stored cut short."""
    import base64

    import zstandard

    from crawler.items import Capture, PageItem
    from crawler.shared import MessageError, capture_message, decode_message, encode_message
    page = b"<html>\n<p>\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82\n\n</p></html>" * 50
    item = PageItem("unit", "https://x.example/a", "https://x.example/a?utm=1", 200, page,
                    {"Content-Type": "text/html"}, "2026-12-01T00:00:00Z")
    raw = encode_message(capture_message(item), "w1")
    head = raw.partition(b"\n")[0]
    assert json.loads(head)["v"] == 2 and len(raw) < len(head) + len(page)
    capture = decode_message(raw)
    assert isinstance(capture, Capture) and capture.size == len(page)
    assert zstandard.ZstdDecompressor().decompress(capture.compressed) == page
    old = json.loads(head)
    old["v"] = 1
    old["capture"]["compressed"] = base64.b64encode(capture.compressed).decode("ascii")
    again = decode_message(json.dumps(old).encode())
    assert isinstance(again, Capture) and again.compressed == capture.compressed
    with pytest.raises(MessageError, match="bytes of body"):
        decode_message(raw[:-1])
    with pytest.raises(MessageError, match="payload after its JSON"):
        decode_message(json.dumps({"v": 2, "type": "touch", "urls": []}).encode() + b"\nx")


def test_a_page_not_stored_travels_with_the_workers_key_and_time() -> None:
    """The worker names and stamps the record, so the ingest storing its batch twice writes
    the same record twice (kept once by the store) rather than two records; a field this
    version does not know (a newer worker's) is left out, not a message kept aside."""
    from types import SimpleNamespace

    from crawler.items import Unstored
    from crawler.shared import decode_message, encode_message
    from pipelines.distributed import WorkerRun
    pushed: list[dict[str, Any]] = []
    worker = SimpleNamespace(push=lambda message, **_: pushed.append(message))
    WorkerRun.record(worker, Unstored("unit", "https://x.example/a", "http_503"))  # type: ignore[arg-type]
    record = decode_message(encode_message(pushed[0], "w1"))
    assert isinstance(record, Unstored) and record.url == "https://x.example/a"
    assert record.at is not None and record.at == pushed[0]["unstored"]["at"]
    assert record.record_key and record.record_key == pushed[0]["unstored"]["record_key"]
    assert decode_message(encode_message(pushed[0], "w1")) == record
    WorkerRun.record(worker, Unstored("unit", "https://x.example/a", "http_503"))  # type: ignore[arg-type]
    assert pushed[1]["unstored"]["record_key"] != record.record_key
    newer = {**pushed[0], "unstored": {**pushed[0]["unstored"], "attempt": 2}}
    assert decode_message(encode_message(newer, "w1")) == record
