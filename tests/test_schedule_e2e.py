"""`newsmon schedule` end to end: real child crawls of the demo site, stop signals, run-now."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO
from tests.mockserver import MockServer

pytestmark = pytest.mark.slow

EXPECTED = json.loads((REPO / "tests" / "demo_site" / "expected.json").read_text(encoding="utf-8"))
PER_SOURCE: dict[str, int] = {}
for entry in EXPECTED:
    if entry["kind"] in ("article", "paywall"):            # the teaser is stored
        source_id = f"demo-{entry['outlet']}"
        PER_SOURCE[source_id] = PER_SOURCE.get(source_id, 0) + 1
FAST_SCHEDULE = {"interval_minutes": 0.05, "min_interval_minutes": 0.05,
                 "max_interval_minutes": 0.1, "jitter_seconds": 0, "timeout_minutes": 2}


def _env() -> dict[str, str]:
    env = {**os.environ}
    for key in ("NEWSMON_DB", "NEWSMON_SOURCES"):
        env.pop(key, None)
    return env


def _newsmon(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "newsmon.cli", *args], env=_env(), cwd=REPO,
                          capture_output=True, text=True, timeout=timeout)


def _start(*args: str, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "wb") as handle:      # the child keeps its own copy of the descriptor
        return subprocess.Popen([sys.executable, "-m", "newsmon.cli", *args], env=_env(),
                                cwd=REPO, stdout=handle, stderr=subprocess.STDOUT)


def _query(db: str, sql: str) -> list[dict[str, Any]]:
    if not Path(db).exists():
        return []
    conn = sqlite3.connect(db, timeout=10)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    except sqlite3.OperationalError:
        return []                        # not migrated yet
    finally:
        conn.close()


def _wait(condition: Callable[[], bool], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}; log:\n"
                         + log.read_text(encoding="utf-8", errors="replace")[-4000:])


def _fast_sources(raw: str, path: Path, keep: tuple[str, ...] | None = None) -> Path:
    doc = yaml.safe_load(raw)
    doc.setdefault("defaults", {})["schedule"] = FAST_SCHEDULE
    if keep:
        doc["sources"] = [s for s in doc["sources"] if s["id"] in keep]
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@pytest.fixture
def demo_site(tmp_path: Path) -> Iterator[Path]:
    """`newsmon demo --serve-only` in its own process; yields the sources file it wrote."""
    sources = tmp_path / "demo-sources.yaml"
    log = tmp_path / "demo.log"
    proc = _start("demo", "--serve-only", "--port", "0", "--sources", str(sources), log=log)
    try:
        _wait(lambda: sources.exists() and "{{BASE}}" not in sources.read_text(), 60,
              "the demo site", log)
        time.sleep(0.5)
        yield sources
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_schedule_crawls_every_source_repeatedly_and_stores_articles_once(
        tmp_path: Path, demo_site: Path) -> None:
    sources = _fast_sources(demo_site.read_text(encoding="utf-8"), tmp_path / "fast.yaml")
    db = str(tmp_path / "monitor.db")
    log = tmp_path / "schedule.log"
    common = ("--db", db, "--sources", str(sources), "--recheck-cron", "",
              "--digest-cron", "")
    proc = _start("schedule", *common, "--max-parallel", "2", "--grace", "30", "-v", log=log)
    try:
        def enough_runs() -> bool:
            counts = _query(db, "SELECT source, count(*) AS n FROM crawl_runs "
                                "WHERE status = 'finished' GROUP BY source")
            return len(counts) == 4 and all(r["n"] >= 2 for r in counts)
        _wait(enough_runs, 150, "two finished runs of every source", log)

        second = _newsmon("schedule", *common)
        assert second.returncode != 0 and "already runs" in second.stderr
        listing = _newsmon("schedule", *common, "--list", "--json")
        assert listing.returncode == 0, listing.stderr
        assert "scheduler running: pid" in listing.stderr
        jobs = {row["job"]: row for row in json.loads(listing.stdout)}
        assert set(jobs) == set(PER_SOURCE)
        assert all(row["scheduled"] and row["next_run_at"] for row in jobs.values())
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=90)
    output = log.read_text(encoding="utf-8")
    assert proc.returncode == 0, output
    assert "scheduler stopped" in output

    runs = _query(db, "SELECT * FROM crawl_runs ORDER BY id")
    assert not [r for r in runs if r["status"] == "running"], runs
    for source, expected in PER_SOURCE.items():
        mine = [r for r in runs if r["source"] == source and r["status"] == "finished"]
        assert len(mine) >= 2 and all(r["triggered_by"] == "schedule" for r in mine)
        assert sum(r["new_articles"] for r in mine) == expected, source
        assert all(r["new_articles"] == 0 for r in mine[1:]), source
    stored = _query(db, "SELECT count(*) AS n, count(DISTINCT url) AS urls FROM articles")[0]
    assert stored["n"] == stored["urls"] == sum(PER_SOURCE.values())

    health = _newsmon("health", "--db", db, "--sources", str(sources), "--json")
    assert health.returncode == 0, health.stderr
    rows = {r["source"]: r for r in json.loads(health.stdout)}
    assert all(rows[s]["last_success_at"] and rows[s]["consecutive_failures"] == 0
               for s in PER_SOURCE)
    assert all(rows[s]["poll_interval_minutes"] is not None for s in PER_SOURCE)


def test_sigterm_interrupts_a_hanging_crawl_after_the_grace_period(tmp_path: Path) -> None:
    with MockServer() as server:
        server.fail("ovd/news", status=200, delay=60)
        sources = _fast_sources(server.render_sources(), tmp_path / "hang.yaml",
                                keep=("demo-ovd",))
        db = str(tmp_path / "hang.db")
        log = tmp_path / "schedule.log"
        proc = _start("schedule", "--db", db, "--sources", str(sources), "--recheck-cron", "",
                      "--digest-cron", "", "--grace", "1", "--kill-grace", "3", log=log)
        try:
            _wait(lambda: bool(_query(db, "SELECT id FROM crawl_runs WHERE status = 'running'")),
                  60, "a running crawl", log)
            time.sleep(2)
        finally:
            started = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
        stopped_in = time.monotonic() - started
    assert proc.returncode == 0, log.read_text(encoding="utf-8")
    assert stopped_in < 30
    [run] = _query(db, "SELECT * FROM crawl_runs")
    assert run["status"] == "interrupted" and run["finished_at"]   # not the outlet's fault
    assert "stopped by signal" in run["error"] and "abandoning the requests" in run["error"]
    [state] = _query(db, "SELECT * FROM schedule_state WHERE source = 'demo-ovd'")
    assert state["consecutive_failures"] == 0 and state["last_status"] == "interrupted"


def test_run_now_runs_one_job_in_the_foreground(tmp_path: Path, mock_site: MockServer) -> None:
    sources = _fast_sources(mock_site.render_sources(), tmp_path / "s.yaml")
    db = str(tmp_path / "now.db")
    result = _newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now",
                      "demo-tmt", "--json")
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["status"] == "finished" and outcome["new"] == PER_SOURCE["demo-tmt"]
    [run] = _query(db, "SELECT * FROM crawl_runs")
    assert run["triggered_by"] == "run-now" and run["id"] == outcome["run_id"]
    state = _query(db, "SELECT * FROM schedule_state WHERE source = 'demo-tmt'")
    assert state and state[0]["last_status"] == "finished"

    digests = tmp_path / "digests"
    result = _newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now", "digest",
                      "--digest-dir", str(digests))
    assert result.returncode == 0, result.stderr
    [markdown] = digests.glob("digest-*.md")
    assert markdown.read_text(encoding="utf-8").startswith("# newsmon digest:")
    first = json.loads(markdown.with_suffix(".json").read_text(encoding="utf-8"))
    assert first["stories"] and first["since"] < first["until"]
    # The next digest starts where the last one that worked began: nothing is lost.
    again = _newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now", "digest",
                     "--digest-dir", str(digests))
    assert again.returncode == 0, again.stderr
    second = json.loads(max(digests.glob("digest-*.json"),
                            key=lambda p: p.stat().st_mtime).read_text(encoding="utf-8"))
    assert first["since"] < second["since"] <= first["until"]

    bad_cron = _newsmon("schedule", "--db", db, "--sources", str(sources), "--digest-cron",
                        "0 6 * * 9", "--list")
    assert bad_cron.returncode == 2 and "day of week '9'" in bad_cron.stderr

    bad = _newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now", "nope")
    assert bad.returncode != 0 and "unknown job 'nope'" in bad.stderr
    assert "demo-tmt" in bad.stderr
