"""A worker of a shared crawl while Redis cannot be reached: it holds what it crawled and
its leases, says so once (then every OUTAGE_REPORT_S), goes on when Redis is back, and ends
with its run failed (exit 1) once Redis has been away for NEWSMON_REDIS_WAIT_S; the next
worker then crawls what it had leased. Against a real redis-server with an append-only file,
killed with SIGKILL and started again, and the mock server's generated outlet."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis

from crawler.shared import ITEMS, PROCESSING, Keys, RedisOutage
from tests.conftest import need_redis_server
from tests.mockserver import MockServer
from tests.mockserver.synthetic import SyntheticOutlet
from tests.redis_server import RedisServer
from tests.test_distributed import (_env, expected_urls, finish, generated_site, ingest,
                                    stored, worker)

pytestmark = pytest.mark.slow


@pytest.fixture
def own_redis() -> Iterator[RedisServer]:
    """A redis-server of the test's own (it is killed), every write on disk before Redis
    answers, as a production server with `appendfsync always` keeps it."""
    need_redis_server()
    server = RedisServer(persistent=True).start()
    yield server
    server.stop()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[tuple[MockServer, SyntheticOutlet, Path, Path]]:
    yield from generated_site(tmp_path, 120, 5)


def _when_under_way(own_redis: RedisServer, proc: Any, cut: str = "kill") -> None:
    """SIGKILL Redis (or pause it: `cut="pause"`) once the worker has pushed its first
    messages."""
    with redis.Redis.from_url(own_redis.url) as client:
        deadline = time.monotonic() + 60
        while client.llen(ITEMS) < 10:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
    own_redis.pause() if cut == "pause" else own_redis.kill()


class Stderr:
    """A process's stderr, read as it comes (so a test can wait for a line)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.proc = proc
        self.lines: list[str] = []
        assert proc.stderr is not None
        self._thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        for line in stream:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline and self.proc.poll() is None, self.text()
            time.sleep(0.05)

    def finish(self, timeout: float = 180) -> tuple[int, str, str]:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        self._thread.join(10)
        assert self.proc.stdout is not None and self.proc.stderr is not None
        with self.proc.stdout, self.proc.stderr:
            return self.proc.returncode, self.proc.stdout.read(), self.text()

    def text(self) -> str:
        return "".join(self.lines)


def _ingest_all(own_redis: RedisServer, db: Path, server: MockServer,
                outlet: SyntheticOutlet) -> int:
    """`newsmon ingest` stores what the workers pushed: every article of the outlet, each
    once. Returns how many URLs have a capture."""
    code, _, text = finish(ingest(own_redis.url, db, until_idle=3))
    assert code == 0, text[-3000:]
    urls, captures = stored(db)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(server, outlet)
    return int(captures)


def _nothing_held(own_redis: RedisServer, workers: bool = False) -> None:
    """No lease left in Redis (and, with `workers`, no worker in the crawl's set)."""
    with redis.Redis.from_url(own_redis.url) as client:
        assert not client.keys(Keys("syn").leases_prefix + "*")
        if workers:
            assert client.scard(Keys("syn").workers) == 0


def _redis_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "Redis" in line]


def test_a_worker_waits_out_a_redis_restart_and_loses_nothing(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    server, outlet, sources, db = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=60")
    err = Stderr(proc)
    _when_under_way(own_redis, proc)
    err.wait_for("Redis cannot be reached")
    time.sleep(1)
    own_redis.start()                                   # back, with everything it had
    code, out, text = err.finish()
    assert code == 0, text[-3000:]
    assert "[finished]" in out
    assert "Traceback" not in text
    lines = _redis_lines(text)                          # one warning, one all-clear
    assert len(lines) == 2, lines
    assert "Redis cannot be reached" in lines[0] and "Redis answers again" in lines[1]
    assert _ingest_all(own_redis, db, server, outlet) == len(expected_urls(server, outlet))
    _nothing_held(own_redis, workers=True)


def test_a_worker_ends_failed_when_redis_stays_away_and_the_next_worker_crawls_its_leases(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    """Redis hung (a network cut: nothing answers, every call waits for its socket's
    timeout; a Redis that refuses connections is the quicker case, which the ingest's test
    covers): the worker ends a few seconds after NEWSMON_REDIS_WAIT_S, not minutes later."""
    cut = "pause"
    server, outlet, sources, db = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=3")
    _when_under_way(own_redis, proc, cut)
    gone = time.monotonic()
    code, out, err = finish(proc, timeout=120)
    took = time.monotonic() - gone
    assert code == 1
    assert took < 30, took                  # 3 s, then at most a few of 5 s socket waits
    assert "[failed]" in out
    assert "Traceback" not in err
    lines = _redis_lines(err)
    assert 2 <= len(lines) <= 6, lines                  # not one a quarter second
    assert re.search(r"could not be reached for \d+ s \(NEWSMON_REDIS_WAIT_S 3", err)
    ended = next(line for line in lines if "as the worker closed" in line)
    assert re.search(r"\d+ message\(s\) \(\d+ article\(s\)\) and its outcome were not "
                     r"handed in\. Its [1-9]\d* leased request\(s\) stay in Redis", ended)
    if cut == "pause":
        own_redis.resume()
    else:
        own_redis.start()
    time.sleep(6.5)                     # its heartbeat key expires (ALIVE_TTL_MS, 6 s)
    code, out, err = finish(worker(own_redis.url, sources))
    assert code == 0, err[-3000:]
    taken_over = int(re.search(r"(\d+) requests of dead workers taken over", out)[1])
    assert taken_over > 0
    _ingest_all(own_redis, db, server, outlet)


def test_a_worker_whose_redis_hung_and_came_back_finishes_the_crawl(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    """Redis paused (a network cut that heals): calls time out, and Redis runs them when it
    resumes, a pop among them whose reply was lost: its lease goes back on the queue (the
    crawl would never be idle otherwise) and the worker finishes the crawl."""
    server, outlet, sources, db = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=60")
    err = Stderr(proc)
    _when_under_way(own_redis, proc, "pause")
    err.wait_for("Redis cannot be reached")
    time.sleep(1)
    own_redis.resume()
    code, out, text = err.finish(timeout=120)
    assert code == 0 and "[finished]" in out, text[-3000:]
    assert "Traceback" not in text
    _ingest_all(own_redis, db, server, outlet)
    _nothing_held(own_redis)


def test_live_workers_are_not_taken_for_dead_after_an_outage_longer_than_their_heartbeat(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    """Redis away for 8 s: every heartbeat key has expired when it comes back. The first
    worker to look must not put the other's leases back on the queue (nor drop it from the
    crawl's workers, where its later leases would count for nothing)."""
    server, outlet, sources, db = site
    slow = ("-s", "DOWNLOAD_DELAY=0.04", "-s", "NEWSMON_REDIS_WAIT_S=60")
    first = worker(own_redis.url, sources, *slow)
    first_err = Stderr(first)
    with redis.Redis.from_url(own_redis.url) as client:
        deadline = time.monotonic() + 60
        while client.llen(ITEMS) < 10:
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.02)
    second = worker(own_redis.url, sources, *slow)
    second_err = Stderr(second)
    time.sleep(2)                                       # both at work
    own_redis.kill()
    time.sleep(8)
    own_redis.start()
    results = [first_err.finish(), second_err.finish()]
    for code, out, text in results:
        assert code == 0 and "[finished]" in out, text[-3000:]
        assert "of a dead worker" not in text
        assert "requests of dead workers taken over" in out
        assert int(re.search(r"(\d+) requests of dead workers taken over", out)[1]) == 0
    _ingest_all(own_redis, db, server, outlet)
    _nothing_held(own_redis, workers=True)


def test_a_worker_stopped_while_redis_is_away_ends_failed_within_its_stop_grace(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    """SIGTERM during an outage: the stop does not wait NEWSMON_REDIS_WAIT_S for Redis, and
    what the worker could not hand in makes its run failed (exit 1), not interrupted."""
    _, _, sources, _ = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=120", "-s", "NEWSMON_STOP_GRACE=5")
    err = Stderr(proc)
    _when_under_way(own_redis, proc)
    err.wait_for("Redis cannot be reached")
    stopped = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    code, out, text = err.finish(timeout=120)
    assert time.monotonic() - stopped < 15
    assert code == 1 and "[failed]" in out, (out, text[-3000:])
    assert "and its outcome were not handed in" in text
    assert "Traceback" not in text


def test_an_outage_is_reported_once_then_every_ten_seconds_and_ends_the_worker_once(
        caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    ended: list[str] = []
    outage = RedisOutage("syn", 30.0, ended.append, clock=lambda: now[0])
    down = redis.ConnectionError("Connection refused")
    with caplog.at_level("WARNING", logger="crawler.shared"):
        for _ in range(4 * 25):                         # 25 s of failures, 4 a second
            outage.failed(down, held=7)
            now[0] += 0.25
        assert [r.getMessage().split(" (")[0] for r in caplog.records] == [
            "syn: Redis cannot be reached", "syn: Redis has not answered for 10 s",
            "syn: Redis has not answered for 20 s"]
        assert "7 message(s) held" in caplog.records[0].getMessage()
        assert ended == [] and 24 < outage.down_for() < 26
        outage.answered()                               # back in time
        assert caplog.records[-1].getMessage() == "syn: Redis answers again, after 25.0 s"
        assert outage.down_for() == 0 and not outage.away
        caplog.clear()
        now[0] += 2                                     # away again at once: Redis flaps,
        outage.failed(down)                             # the same outage goes on, unsaid
        assert caplog.records == [] and outage.down_for() == 27
        outage.probed()                                 # a heartbeat: calls again, and
        assert not outage.away and outage.since is not None     # its clock still runs
        outage.answered()
        assert caplog.records == []                     # "answers again": once per 10 s
        now[0] += 11                                    # a new outage: a new clock
        for _ in range(4 * 40):
            outage.failed(down)
            now[0] += 0.25
    assert len(ended) == 1 and "could not be reached for 30 s" in ended[0]
    assert "NEWSMON_REDIS_WAIT_S 30" in ended[0]
    assert [r.levelname for r in caplog.records].count("ERROR") == 1


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")    # scrapy-redis' own call
def test_a_worker_outcome_is_pushed_once_however_often_its_push_failed(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Closing while Redis is away, the worker retries handing in its outcome: each try
    pushes the messages held, and the outcome goes once, not once per try."""
    from tests.test_shared_worker import _unit_scheduler
    scheduler, run, _ = _unit_scheduler(redis_url, "outcome-unit", set())
    client = redis.Redis.from_url(redis_url)
    real_lpush = run.server.lpush
    try:
        run.push({"type": "touch", "urls": ["http://x.example/a"]})

        def refused(key: str, *values: bytes) -> int:
            # The items get through; Redis goes away as the outcome is sent.
            if any(json.loads(v.split(b"\n")[0])["type"] == "run" for v in values):
                raise redis.ConnectionError("Redis went away")
            return int(real_lpush(key, *values))
        monkeypatch.setattr(run.server, "lpush", refused)
        for _ in range(3):
            with pytest.raises(redis.ConnectionError):
                run._push_outcome("finished", "finished")
        monkeypatch.setattr(run.server, "lpush", real_lpush)
        run._push_outcome("finished", "finished")
        kinds = [json.loads(raw)["type"] for raw in reversed(client.lrange(ITEMS, 0, -1))]
        assert kinds == ["touch", "run"]
    finally:
        monkeypatch.undo()
        scheduler.close("finished")
        client.close()


def test_the_ingest_waits_out_a_redis_restart_and_ends_failed_when_it_stays_away(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    server, outlet, sources, db = site
    code, _, err = finish(worker(own_redis.url, sources))      # everything waits in Redis
    assert code == 0, err[-3000:]

    def killed_half_way(wait_s: str) -> subprocess.Popen[str]:
        """An ingest, and Redis killed once it has taken its first batch."""
        with redis.Redis.from_url(own_redis.url) as client:
            while client.lmove(PROCESSING, ITEMS, "LEFT", "RIGHT"):   # as an ingest starts
                pass
            left = client.llen(ITEMS)
        proc = subprocess.Popen(
            [sys.executable, "-m", "newsmon.cli", "ingest", "--redis", own_redis.url, "--db",
             str(db), "--until-idle", "3"], cwd=Path(__file__).resolve().parent.parent,
            env={**_env(), "NEWSMON_REDIS_WAIT_S": wait_s}, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        with redis.Redis.from_url(own_redis.url) as client:
            deadline = time.monotonic() + 60
            while client.llen(ITEMS) >= left:
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.01)
        own_redis.kill()
        return proc

    proc = killed_half_way("3")                          # stays away: failed, in seconds
    gone = time.monotonic()
    code, out, err = finish(proc, timeout=60)
    assert code == 1 and time.monotonic() - gone < 20
    assert "Traceback" not in err
    assert re.search(r"the ingest run ended failed: .*could not be reached for \d+ s", err)
    own_redis.start()
    proc = killed_half_way("60")                         # back once it noticed: goes on
    watch = Stderr(proc)
    watch.wait_for("Redis cannot be reached")
    own_redis.start()
    code, out, err = watch.finish()
    assert code == 0, err[-3000:]
    assert "Traceback" not in err
    lines = [line for line in _redis_lines(err) if "put back" not in line]
    assert len(lines) == 2, lines
    assert "Redis cannot be reached" in lines[0] and "Redis answers again" in lines[1]
    urls, captures = stored(db)
    assert len(urls) == len(set(urls)) == captures
    assert set(urls) == expected_urls(server, outlet)
    with redis.Redis.from_url(own_redis.url) as client:
        assert client.llen(ITEMS) == client.llen(PROCESSING) == 0
    with sqlite3.connect(db) as conn:                    # each worker's outcome once
        runs = conn.execute("SELECT count(*), count(DISTINCT run_key) FROM crawl_runs "
                            "WHERE triggered_by = 'redis'").fetchone()
    assert runs == (1, 1)


@pytest.mark.filterwarnings("ignore:Passing a 'spider' argument")    # scrapy-redis' own call
def test_requests_found_while_redis_is_away_are_queued_when_it_answers(
        redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """A request whose enqueue failed half-way (marked seen, not queued) is held, and
    queued once Redis answers, whatever the seen-request filter says; leases wait for it."""
    from scrapy import Request

    from tests.test_shared_worker import _unit_scheduler
    in_progress: set[Request] = set()
    scheduler, _, clock = _unit_scheduler(redis_url, "held-requests", in_progress)
    client = redis.Redis.from_url(redis_url)
    leases = scheduler.keys.leases(scheduler.worker)
    try:
        scheduler.enqueue_request(Request("http://x.example/parent"))
        parent = scheduler.next_request()
        assert parent is not None
        in_progress.add(parent)
        real_push = scheduler.queue.push

        def cut(request: Request) -> None:
            raise redis.ConnectionError("Redis went away")
        monkeypatch.setattr(scheduler.queue, "push", cut)     # SADD done, ZADD refused
        assert scheduler.enqueue_request(Request("http://x.example/child")) is True
        assert scheduler.outage.away and client.zcard(scheduler.keys.requests) == 0
        scheduler.enqueue_request(Request("http://x.example/other"))  # held, not tried
        in_progress.discard(parent)                       # Scrapy is done with the parent
        scheduler.observe()                               # Redis away: nothing released
        assert client.zcard(leases) == 1
        monkeypatch.setattr(scheduler.queue, "push", real_push)
        scheduler.tick()                                  # the heartbeat finds Redis back
        assert not scheduler.outage.away
        queued = {scheduler.queue._decode_request(raw).url
                  for raw in client.zrange(scheduler.keys.requests, 0, -1)}
        assert queued == {"http://x.example/child", "http://x.example/other"}
        assert client.zcard(leases) == 0                  # released after they were queued
    finally:
        monkeypatch.undo()
        scheduler.close("finished")
        client.close()


def test_a_worker_outcome_ingested_twice_is_one_run(tmp_path: Path) -> None:
    from crawler.items import WorkerOutcome
    from pipelines.distributed import record_worker_outcome
    from storage.db import open_db
    db = open_db(tmp_path / "runs.db")
    outcome = WorkerOutcome("syn", "host:1:abc", "2026-12-01T00:00:00+00:00",
                            "2026-12-01T00:01:00+00:00", "finished", "finished", None,
                            {"new_articles": 3}, {})
    first = record_worker_outcome(db, outcome)
    assert record_worker_outcome(db, outcome) == first
    assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 1
