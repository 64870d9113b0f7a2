"""A worker of a shared crawl while Redis cannot be reached: it holds what it crawled and
its leases, says so once (then every OUTAGE_REPORT_S), goes on when Redis is back, and ends
with its run failed (exit 1) once Redis has been away for NEWSMON_REDIS_WAIT_S; the next
worker then crawls what it had leased. Against a real redis-server with an append-only file,
killed with SIGKILL and started again, and the mock server's generated outlet."""

from __future__ import annotations

import json
import re
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
from tests.test_distributed import _env, expected_urls, finish, ingest, stored, worker

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
    server = MockServer()
    outlet = server.add_outlet(SyntheticOutlet(prefix="syn", count=120, seed=5))
    server.start()
    yield server, outlet, server.write_sources(tmp_path, demo=False), tmp_path / "shared.db"
    server.stop()


def _kill_when_under_way(own_redis: RedisServer, proc: Any) -> None:
    """SIGKILL Redis once the worker has pushed its first messages."""
    with redis.Redis.from_url(own_redis.url) as client:
        deadline = time.monotonic() + 60
        while client.llen(ITEMS) < 10:
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.02)
    own_redis.kill()


def _redis_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if "Redis" in line]


def test_a_worker_waits_out_a_redis_restart_and_loses_nothing(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    server, outlet, sources, db = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=60")
    _kill_when_under_way(own_redis, proc)
    time.sleep(3)
    own_redis.start()                                   # back, with everything it had
    code, out, err = finish(proc)
    assert code == 0, err[-3000:]
    assert "[finished]" in out
    assert "Traceback" not in err
    lines = _redis_lines(err)                           # one warning, one all-clear
    assert len(lines) == 2, lines
    assert "Redis cannot be reached" in lines[0] and "Redis answers again" in lines[1]
    code, _, err = finish(ingest(own_redis.url, db, until_idle=3))
    assert code == 0, err[-3000:]
    urls, captures = stored(db)
    assert len(urls) == len(set(urls)) == captures
    assert set(urls) == expected_urls(server, outlet)
    with redis.Redis.from_url(own_redis.url) as client:
        assert not client.keys(Keys("syn").leases_prefix + "*")


def test_a_worker_ends_failed_when_redis_stays_away_and_the_next_worker_crawls_its_leases(
        own_redis: RedisServer, site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    server, outlet, sources, db = site
    proc = worker(own_redis.url, sources, "-s", "DOWNLOAD_DELAY=0.02",
                  "-s", "NEWSMON_REDIS_WAIT_S=3")
    _kill_when_under_way(own_redis, proc)
    gone = time.monotonic()
    code, out, err = finish(proc, timeout=90)
    assert code == 1
    assert time.monotonic() - gone < 30                 # 3 s, the crawl's close, the exit
    assert "[failed]" in out
    assert "Traceback" not in err
    lines = _redis_lines(err)
    assert 2 <= len(lines) <= 6, lines                  # not one a quarter second
    assert re.search(r"could not be reached for \d+ s \(NEWSMON_REDIS_WAIT_S 3", err)
    ended = next(line for line in lines if "as the worker closed" in line)
    assert re.search(r"\d+ message\(s\) \(\d+ article\(s\)\) and its outcome were not "
                     r"handed in\. Its [1-9]\d* leased request\(s\) stay in Redis", ended)
    own_redis.start()
    time.sleep(6.5)                     # its heartbeat key expires (ALIVE_TTL_MS, 6 s)
    code, out, err = finish(worker(own_redis.url, sources))
    assert code == 0, err[-3000:]
    taken_over = int(re.search(r"(\d+) requests of dead workers taken over", out)[1])
    assert taken_over > 0
    code, out, err = finish(ingest(own_redis.url, db, until_idle=3))
    assert code == 0, err[-3000:]
    urls, _ = stored(db)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(server, outlet)


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
        outage.answered()                               # back in time: the clock restarts
        assert caplog.records[-1].getMessage() == "syn: Redis answers again, after 25.0 s"
        assert outage.down_for() == 0
        caplog.clear()
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
    with redis.Redis.from_url(own_redis.url) as client:
        waiting = client.llen(ITEMS)

    def killed_half_way(wait_s: str) -> Any:
        """An ingest, and Redis killed once it has taken its first batch."""
        import subprocess
        import sys
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
    proc = killed_half_way("60")                         # back 3 s later: goes on
    time.sleep(3)
    own_redis.start()
    code, out, err = finish(proc)
    assert code == 0, err[-3000:]
    assert "Traceback" not in err
    lines = _redis_lines(err)
    assert "Redis cannot be reached" in lines[0] and "Redis answers again" in lines[1]
    urls, captures = stored(db)
    assert len(urls) == len(set(urls)) == captures
    assert set(urls) == expected_urls(server, outlet)
    with redis.Redis.from_url(own_redis.url) as client:
        assert client.llen(ITEMS) == client.llen(PROCESSING) == 0
