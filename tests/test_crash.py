"""Crash suite: kill -9 at random points of crawls, reprocess, retag and the scheduler.

After every kill the database must be intact (SQLite and FTS integrity checks), and once a
last crawl has run, everything the mock outlet serves is stored exactly once and no run is
left `running`. The kills are seeded, so a failure can be replayed.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from storage.locks import FileLock
from storage.paths import Paths
from tests.conftest import REPO
from tests.mockserver import MockServer
from tests.mockserver.synthetic import SyntheticOutlet

pytestmark = pytest.mark.slow

SEED = 20261130
CYCLES = 24
START, GROWTH = 40, 15              # the outlet publishes 15 new articles between kills
ARTICLES = START + GROWTH * CYCLES


def _env(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSMON_SOURCES",)}
    env["NEWSMON_DB"] = str(db)
    return env


def _start(args: list[str], db: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as handle:
        return subprocess.Popen([sys.executable, "-m", "newsmon.cli", *args], cwd=REPO,
                                env=_env(db), stdout=handle, stderr=subprocess.STDOUT,
                                start_new_session=True)


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=30)


def _check_integrity(db: Path) -> None:
    for path in (db, db.with_name(db.stem + "-captures.db")):
        if path.exists():
            conn = sqlite3.connect(path, timeout=30)
            try:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path
            finally:
                conn.close()
    conn = sqlite3.connect(db, timeout=30)
    try:
        conn.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    finally:
        conn.close()


def _sources(server: MockServer, outlet: SyntheticOutlet, directory: Path,
             timeout_minutes: float = 5) -> Path:
    path = server.write_sources(directory, demo=False)
    text = path.read_text(encoding="utf-8").replace(
        "download_delay: 0", "download_delay: 0.15").replace(
        "concurrency_per_domain: 8", "concurrency_per_domain: 3")
    text += (f"    schedule: {{interval_minutes: 0.05, timeout_minutes: {timeout_minutes}, "
             f"jitter_seconds: 0}}\n")
    path.write_text(text, encoding="utf-8")
    return path


def test_random_kills_lose_nothing_and_duplicate_nothing(tmp_path: Path) -> None:
    rng = random.Random(SEED)
    db = tmp_path / "crash.db"
    log = tmp_path / "crash.log"
    actions: list[tuple[str, float]] = []
    with MockServer() as server:
        outlet = server.add_outlet(SyntheticOutlet("crashy", START, seed=5))
        sources = _sources(server, outlet, tmp_path)
        for cycle in range(CYCLES):
            outlet.count += GROWTH
            action = rng.choices(["crawl", "reprocess", "retag", "schedule"],
                                 [0.55, 0.15, 0.15, 0.15])[0]
            if action in ("reprocess", "retag") and not db.exists():
                action = "crawl"
            delay = rng.uniform(0.5, 5.0)          # start-up is ~1.5 s, a crawl ~3 s more
            actions.append((action, round(delay, 2)))
            args = {"crawl": ["crawl", "--sources", str(sources)],
                    "reprocess": ["reprocess", "--sources", str(sources)],
                    "retag": ["retag"],
                    "schedule": ["schedule", "--sources", str(sources), "--recheck-cron", "",
                                 "--digest-cron", ""]}[action]
            proc = _start(args, db, log)
            time.sleep(delay)
            _kill_group(proc)
            if action == "schedule":
                # The scheduler's child crawl leads its own process group and outlives the
                # kill; let it end by itself (it is short), as a real one would.
                time.sleep(0.5)
            if db.exists():
                _check_integrity(db)
        # A scheduler's child crawl outlives the scheduler's kill and finishes (or times out)
        # on its own; the last crawl would only be skipped while it holds the source's lock.
        lock = FileLock(Paths.for_db(db).lock("crashy"))
        deadline = time.monotonic() + 180
        while not lock.acquire("waiting for orphaned crawls") and time.monotonic() < deadline:
            time.sleep(0.5)
        lock.release()
        conn = sqlite3.connect(db, timeout=30)
        before = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
        conn.close()
        final = subprocess.run([sys.executable, "-m", "newsmon.cli", "crawl", "--sources",
                                str(sources)], cwd=REPO, env=_env(db), capture_output=True,
                               text=True, timeout=300)
        assert final.returncode == 0 and "[finished]" in final.stdout, final.stderr[-3000:]
        again = subprocess.run([sys.executable, "-m", "newsmon.cli", "reprocess", "--sources",
                                str(sources)], cwd=REPO,
                               env=_env(db), capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr[-3000:]
        served = {outlet.url(server.base_url, a) for a in outlet.articles()}
    _check_integrity(db)
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        urls = [r["url"] for r in conn.execute("SELECT url FROM articles")]
        assert set(urls) == served, f"lost {sorted(served - set(urls))[:5]} in {actions}"
        assert len(urls) == len(set(urls)) == ARTICLES, actions           # none twice
        running = [dict(r) for r in conn.execute(
            "SELECT id, source, started_at FROM crawl_runs WHERE status = 'running'")]
        assert not running, (running, actions)
        fts = conn.execute("SELECT count(*) FROM articles_fts").fetchone()[0]
        assert fts == ARTICLES
        orphans = conn.execute("SELECT count(*) FROM article_urls u LEFT JOIN articles a "
                               "ON a.id = u.article_id WHERE a.id IS NULL").fetchone()[0]
        assert orphans == 0
        open_errors = conn.execute("SELECT count(*) FROM unstored_pages WHERE kind = 'error' "
                                   "AND resolved_at IS NULL").fetchone()[0]
        assert open_errors == 0
        killed = conn.execute("SELECT count(*) FROM crawl_runs WHERE finish_reason = "
                              "'abandoned'").fetchone()[0]
    finally:
        conn.close()
    print(f"\n{CYCLES} kill cycles ({', '.join(f'{a}@{d}s' for a, d in actions)}): "
          f"{before} stored by the killed processes, {ARTICLES} served, {len(urls)} stored "
          f"after a last crawl, 0 lost, 0 duplicated, {killed} abandoned runs closed")
    assert len(actions) >= 20


def test_an_orphaned_crawl_stops_at_its_timeout_when_the_scheduler_dies(tmp_path: Path) -> None:
    db = tmp_path / "orphan.db"
    log = tmp_path / "orphan.log"
    with MockServer() as server:
        outlet = server.add_outlet(SyntheticOutlet("slow", 40, seed=9))
        for article in outlet.articles():                 # every page takes 20 s
            server.fail(f"slow/{article.path}", status=200, delay=20,
                        body=outlet.page(server.base_url, article).encode(),
                        headers={"Content-Type": "text/html; charset=utf-8"})
        sources = _sources(server, outlet, tmp_path, timeout_minutes=0.05)   # 3 s
        scheduler = _start(["schedule", "--sources", str(sources), "--recheck-cron", "",
                            "--digest-cron", "", "--kill-grace", "3"], db, log)
        deadline = time.monotonic() + 60
        child: dict[str, Any] = {}
        while time.monotonic() < deadline and not child:
            time.sleep(0.3)
            if db.exists():
                conn = sqlite3.connect(db, timeout=30)
                try:
                    rows = conn.execute("SELECT id FROM crawl_runs WHERE status = 'running'"
                                        ).fetchall()
                except sqlite3.OperationalError:
                    rows = []
                conn.close()
                if rows:
                    child["run"] = rows[0][0]
        assert child, log.read_text()
        os.kill(scheduler.pid, signal.SIGKILL)             # the scheduler only
        scheduler.wait(timeout=10)
        killed_at = time.monotonic()
        # Its child crawl has no supervisor now: it must end by itself at its time limit
        # (3 s) plus its stop grace (3 s), recording why.
        while time.monotonic() - killed_at < 30:
            conn = sqlite3.connect(db, timeout=30)
            status = conn.execute("SELECT status, error FROM crawl_runs WHERE id = ?",
                                  [child["run"]]).fetchone()
            conn.close()
            if status[0] != "running":
                break
            time.sleep(0.3)
        ended_in = time.monotonic() - killed_at
    assert status[0] == "timeout", (status, log.read_text()[-3000:])
    assert "time limit of 3 s reached" in status[1] and ended_in < 15
    lock = FileLock(Paths.for_db(db).lock("slow"))
    deadline = time.monotonic() + 10                       # the orphan ends, freeing its lock
    while not lock.acquire("test") and time.monotonic() < deadline:
        time.sleep(0.2)
    assert lock.acquire("test"), lock.holder()
    lock.release()
