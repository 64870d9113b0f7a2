"""Crawl runs: one row per crawl, opened and closed by the crawl itself, read by the rest."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

from storage.locks import FileLock
from storage.paths import Paths

RUN_COUNTERS = ("new_articles", "updated_articles", "unchanged_articles", "linked_duplicates",
                "dropped", "errors", "requests", "article_requests_skipped")


# crawl_runs.status: running, finished, failed, timeout, interrupted (stopped by a shutdown or
# Ctrl-C: not the outlet's fault) or skipped (another crawl of the source held its lock).


def start_run(db: sqlite_utils.Database, source: str, started_at: str,
              triggered_by: str = "manual", log_path: str | None = None,
              run_key: str | None = None) -> int:
    table = db.table("crawl_runs")
    table.insert({"source": source, "started_at": started_at, "status": "running",
                  "triggered_by": triggered_by, "log_path": log_path, "run_key": run_key})
    return int(table.last_pk or 0)


def finish_run(db: sqlite_utils.Database, run_id: int, finished_at: str, status: str,
               finish_reason: str | None, counters: dict[str, int], stats: dict[str, Any],
               error: str | None = None) -> None:
    values: dict[str, Any] = {key: int(counters.get(key, 0)) for key in RUN_COUNTERS}
    values.update(finished_at=finished_at, status=status, finish_reason=finish_reason,
                  stats=json.dumps(stats, default=str, sort_keys=True), error=error)
    db.table("crawl_runs").update(run_id, values)


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    row["stats"] = json.loads(row["stats"]) if row.get("stats") else {}
    return row


def get_run(db: sqlite_utils.Database, run_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
    return _decoded(rows[0]) if rows else None


def get_run_by_key(db: sqlite_utils.Database, run_key: str) -> dict[str, Any] | None:
    """The row a crawl opened with this key (None: the crawl never got that far)."""
    rows = list(db.query("SELECT * FROM crawl_runs WHERE run_key = ?", [run_key]))
    return _decoded(rows[0]) if rows else None


def last_run_started(db: sqlite_utils.Database, source: str) -> str | None:
    """When the source's latest crawl started (recheck runs aside); None: never crawled."""
    row = db.execute("SELECT max(started_at) FROM crawl_runs WHERE source = ? AND "
                     "coalesce(triggered_by, '') <> 'recheck'", [source]).fetchone()
    return row[0] if row and row[0] else None


def close_abandoned_runs(db: sqlite_utils.Database, source: str, finished_at: str) -> int:
    """Close runs of a source left 'running' by a crawl that died (kill -9, OOM, power).

    Call it only while holding the source's lock: then no live crawl owns those rows.
    """
    cursor = db.execute(
        "UPDATE crawl_runs SET status = 'failed', finished_at = ?, "
        "finish_reason = coalesce(finish_reason, 'abandoned'), error = coalesce(error, "
        "'abandoned: the crawl process ended without recording its outcome (killed?)') "
        "WHERE source = ? AND status = 'running'", [finished_at, source])
    return cursor.rowcount


def close_dead_runs(db: sqlite_utils.Database, paths: Paths, finished_at: str) -> int:
    """Close every 'running' row whose crawl is gone: its lock is free (a live crawl holds
    it from before it opens its row until after it closes it). Safe to call any time."""
    closed = 0
    sources = [row[0] for row in db.execute(
        "SELECT DISTINCT source FROM crawl_runs WHERE status = 'running'").fetchall()]
    for source in sources:
        lock = FileLock(paths.lock(source))
        if lock.acquire("closing runs left by a dead crawl"):
            try:
                closed += close_abandoned_runs(db, source, finished_at)
            finally:
                lock.release()
    return closed


def latest_status(db: sqlite_utils.Database, source: str) -> str | None:
    """The status of the source's most recent run (None if it never ran)."""
    found = list(db.query("SELECT status FROM crawl_runs WHERE source = ? ORDER BY id DESC "
                          "LIMIT 1", [source]))
    return str(found[0]["status"]) if found else None
