"""Shared crawls on scrapy-redis with a real redis-server: workers (`newsmon crawl --redis`,
`scrapy crawl -s NEWSMON_REDIS_URL=`) and the one SQLite writer (`newsmon ingest`), against a
generated outlet on 127.0.0.1; every article stored exactly once, also when a worker or the
ingest is killed with SIGKILL mid-run."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from crawler.shared import BAD, ITEMS, KNOWN, PROCESSING, Keys
from tests.mockserver import MockServer
from tests.mockserver.synthetic import SyntheticOutlet

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
IDLE_S = "2"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
    env["NEWSMON_REDIS_IDLE_S"] = IDLE_S
    return env


def worker(redis_url: str, sources: Path, *extra: str, scrapy: bool = False
           ) -> subprocess.Popen[str]:
    if scrapy:
        cmd = [sys.executable, "-m", "scrapy", "crawl", "syn", "-s",
               f"NEWSMON_REDIS_URL={redis_url}", "-s", f"NEWSMON_SOURCES={sources}",
               "-s", "LOG_LEVEL=INFO", *extra]
    else:
        cmd = [sys.executable, "-m", "newsmon.cli", "crawl", "syn", "--sources", str(sources),
               "--redis", redis_url, *extra]
    return subprocess.Popen(cmd, cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def ingest(redis_url: str, db: Path, until_idle: float = 6) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "newsmon.cli", "ingest", "--redis",
                             redis_url, "--db", str(db), "--until-idle", str(until_idle)],
                            cwd=REPO, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc: subprocess.Popen[str], timeout: float = 180) -> tuple[int, str, str]:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()                          # no process left behind by a failed test
        proc.communicate()
        raise
    return proc.returncode, out, err


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url) as connection:
        yield connection


def generated_site(tmp_path: Path, count: int, seed: int
                   ) -> Iterator[tuple[MockServer, SyntheticOutlet, Path, Path]]:
    """The mock server with a generated outlet "syn", its sources file and a database path."""
    server = MockServer()
    outlet = server.add_outlet(SyntheticOutlet(prefix="syn", count=count, seed=seed))
    server.start()
    try:
        yield server, outlet, server.write_sources(tmp_path, demo=False), tmp_path / "shared.db"
    finally:
        server.stop()


@pytest.fixture
def outlet_site(tmp_path: Path) -> Iterator[tuple[MockServer, SyntheticOutlet, Path, Path]]:
    yield from generated_site(tmp_path, 240, 11)


def expected_urls(server: MockServer, outlet: SyntheticOutlet) -> set[str]:
    return {outlet.url(server.base_url, a) for a in outlet.articles()}


def stored(db: Path) -> tuple[list[str], int]:
    """(URLs of the stored articles, captures stored)."""
    with sqlite3.connect(db) as conn:
        urls = [row[0] for row in conn.execute("SELECT url FROM articles")]
    captures_db = db.with_name(db.stem + "-captures.db")
    with sqlite3.connect(captures_db) as conn:
        captures = conn.execute("SELECT count(DISTINCT url) FROM captures").fetchone()[0]
    return urls, captures


def computed(db: Path) -> dict[str, tuple[object, ...]]:
    """Per URL: what the dedupe and tag stages computed, as stored."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT a.url, a.text_hash, a.word_count, a.lang, a.relevant, a.relevance_score,"
            " a.topics, a.subtags, a.tag_evidence, a.taxonomy_version, f.signature,"
            " f.shingles, s.c0, s.c1, (SELECT count(*) FROM story_keys k"
            " WHERE k.article_id = a.id) FROM articles a"
            " LEFT JOIN article_fingerprints f ON f.article_id = a.id"
            " LEFT JOIN articles_stems_content s ON s.id = a.id").fetchall()
    return {row[0]: row[1:] for row in rows}


def test_two_workers_and_one_ingest_store_every_article_once(
        redis_url: str, outlet_site: tuple[MockServer, SyntheticOutlet, Path, Path],
        tmp_path: Path, client: redis.Redis) -> None:
    server, outlet, sources, db = outlet_site
    a = worker(redis_url, sources)
    b = worker(redis_url, sources, scrapy=True)       # Scrapy's own command joins too
    sink = ingest(redis_url, db)
    code_a, out_a, err_a = finish(a)
    code_b, out_b, err_b = finish(b)
    code_i, out_i, err_i = finish(sink)
    assert (code_a, code_b, code_i) == (0, 0, 0), (err_a[-2000:], err_b[-2000:], err_i[-2000:])
    urls, captures = stored(db)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(server, outlet)
    assert captures == len(urls)
    from storage.captures import iter_captures
    from storage.db import open_captures
    cdb = open_captures(str(db), readonly=True)
    try:
        kept = {c.url: c for c in iter_captures(cdb)}
    finally:
        cdb.close()
    for url, capture in kept.items():      # the raw bytes as served, and their hash
        served = outlet.respond(server.base_url, url.split(server.base_url + "/", 1)[1])
        assert served is not None and capture.body == served[0]
        assert capture.size == len(served[0])
    # Every article was fetched once, by one worker or the other.
    fetched = server.article_requests()
    assert len(fetched) == len(set(fetched)) == len(urls)
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT source, triggered_by, status, run_key, requests "
                            "FROM crawl_runs ORDER BY id").fetchall()
    worker_runs = [r for r in runs if r[1] == "redis"]
    assert [r[0] for r in worker_runs] == ["syn", "syn"]
    assert all(r[2] == "finished" for r in runs)
    # Both did a share of the work (the one that joined took requests off the queue).
    assert all(r[4] > 0 for r in worker_runs)
    assert sum(r[4] for r in worker_runs) >= len(urls)
    assert "articles pushed" in out_a and "worker run(s) recorded" in out_i
    assert client.llen(ITEMS) == client.llen(PROCESSING) == 0
    assert client.scard(KNOWN) >= len(urls)

    # What the workers computed (fingerprints, search stems, tags) is what a local crawl of
    # the same outlet stores.
    local = tmp_path / "local.db"
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", "crawl", "syn", "--sources",
                             str(sources), "--db", str(local)], cwd=REPO, env=_env(),
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-2000:]
    assert computed(db) == computed(local)
    assert len(computed(db)) == len(urls)

    # Crawled again: the new shared crawl reads the feed again and skips what is stored.
    before = len(server.article_requests())
    again = worker(redis_url, sources)
    sink = ingest(redis_url, db, until_idle=4)
    code, out, err = finish(again)
    assert code == 0, err[-2000:]
    assert "started the shared crawl" in out
    assert f"{len(urls)} stored articles skipped" in out
    assert finish(sink)[0] == 0
    assert len(server.article_requests()) == before
    assert stored(db)[0] == urls


def test_a_worker_exits_once_the_shared_crawl_has_had_no_work_for_idle_s(
        redis_url: str, outlet_site: tuple[MockServer, SyntheticOutlet, Path, Path]) -> None:
    """NEWSMON_REDIS_IDLE_S after its last request (nothing queued, nothing leased by any
    worker since), not before, and without waiting out Scrapy's 5 s heartbeat."""
    server, outlet, sources, db = outlet_site
    sink = ingest(redis_url, db)
    crawl = worker(redis_url, sources)
    deadline = time.monotonic() + 180
    while crawl.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    exited = time.monotonic()
    code, _, err = finish(crawl)
    assert code == 0, err[-2000:]
    assert finish(sink)[0] == 0
    idle = exited - max(r.at for r in server.requests)
    assert float(IDLE_S) <= idle <= float(IDLE_S) + 4.0, idle    # exit: shutdown included
    # When it decided to end, by its own clock (its exit adds Scrapy's shutdown, which a busy
    # machine stretches): at the idle clock's end, not at Scrapy's next 5 s heartbeat.
    conn = sqlite3.connect(db)
    try:
        [stats] = [json.loads(r[0]) for r in conn.execute(
            "SELECT stats FROM crawl_runs WHERE source = ? AND stats LIKE '%idle_s_at_close%'",
            [outlet.prefix])]
    finally:
        conn.close()
    assert float(IDLE_S) <= stats["newsmon/shared/idle_s_at_close"] <= float(IDLE_S) + 1.0


def test_a_worker_killed_mid_run_loses_nothing(
        redis_url: str, outlet_site: tuple[MockServer, SyntheticOutlet, Path, Path],
        tmp_path: Path, client: redis.Redis) -> None:
    server, outlet, sources, db = outlet_site
    slow = ("-s", "DOWNLOAD_DELAY=0.04")
    victim = worker(redis_url, sources, *slow)
    deadline = time.monotonic() + 60
    while client.scard(Keys("syn").dupefilter) < 40:       # the crawl is under way
        assert time.monotonic() < deadline and victim.poll() is None
        time.sleep(0.05)
    survivor = worker(redis_url, sources, *slow)
    time.sleep(1.0)
    leased = sum(client.zcard(k) for k in client.keys(Keys("syn").leases_prefix + "*"))
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=30)
    sink = ingest(redis_url, db)
    code_s, out_s, err_s = finish(survivor)
    code_i, out_i, err_i = finish(sink)
    assert (code_s, code_i) == (0, 0), (err_s[-3000:], err_i[-3000:])
    urls, _ = stored(db)
    assert len(urls) == len(set(urls))
    assert set(urls) == expected_urls(server, outlet)
    assert leased > 0
    assert "requests of dead workers taken over" in out_s
    taken_over = int(out_s.split(" requests of dead workers taken over")[0].rsplit(" ", 1)[1])
    assert taken_over > 0
    assert client.scard(Keys("syn").workers) == 0
    assert not client.keys(Keys("syn").leases_prefix + "*")


def test_an_ingest_killed_mid_run_loses_nothing(
        redis_url: str, outlet_site: tuple[MockServer, SyntheticOutlet, Path, Path],
        tmp_path: Path, client: redis.Redis) -> None:
    server, outlet, sources, db = outlet_site
    code, out, err = finish(worker(redis_url, sources))     # everything waits in Redis
    assert code == 0, err[-2000:]
    waiting = client.llen(ITEMS)
    assert waiting > 240
    first = ingest(redis_url, db)
    deadline = time.monotonic() + 90
    while client.llen(ITEMS) > waiting * 0.5:                # about half taken
        assert time.monotonic() < deadline and first.poll() is None
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    with sqlite3.connect(db) as conn:
        partial = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert partial < 240
    code, out, err = finish(ingest(redis_url, db))
    assert code == 0, err[-3000:]
    urls, captures = stored(db)
    assert len(urls) == len(set(urls)) == captures
    assert set(urls) == expected_urls(server, outlet)
    assert client.llen(ITEMS) == client.llen(PROCESSING) == 0


def test_unreadable_messages_are_kept_and_reported(redis_url: str, tmp_path: Path,
                                                  client: redis.Redis) -> None:
    client.lpush(ITEMS, b"{not json", json.dumps({"v": 1, "type": "novel"}).encode())
    code, out, err = finish(ingest(redis_url, tmp_path / "x.db", until_idle=0.5), 60)
    assert code == 1
    assert "2 message(s) could not be read" in err and BAD in err
    assert client.llen(BAD) == 2 and client.llen(PROCESSING) == 0


def test_bad_or_unreachable_redis_is_one_clear_error(tmp_path: Path) -> None:
    from tests.redis_server import free_port
    cases = {("crawl", "demo-tmt", "--redis", "http://example.org"): (2, "not a Redis URL"),
             ("crawl", "demo-tmt", "--redis", f"redis://127.0.0.1:{free_port()}/0"):
                 (1, "cannot reach Redis"),
             ("ingest", "--db", str(tmp_path / "x.db"), "--redis",
              f"redis://127.0.0.1:{free_port()}/0"): (1, "cannot reach Redis")}
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
    for args, (status, message) in cases.items():
        if args[0] == "crawl":
            args = (*args, "--sources", str(sources))
        result = subprocess.run([sys.executable, "-m", "newsmon.cli", *args], cwd=REPO,
                                env=_env(), capture_output=True, text=True, timeout=60)
        assert result.returncode == status, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr
