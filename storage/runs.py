"""Crawl runs: one row per `scrapy crawl`, with its outcome and full stats."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

RUN_COUNTERS = ("new_articles", "updated_articles", "unchanged_articles", "linked_duplicates",
                "dropped", "errors", "requests", "article_requests_skipped")


# crawl_runs.status: running, finished, failed, timeout, interrupted (stopped by a shutdown or
# Ctrl-C: not the outlet's fault) or skipped (another crawl of the source held its lock).


def start_run(db: sqlite_utils.Database, source: str, started_at: str,
              triggered_by: str = "manual", log_path: str | None = None) -> int:
    cursor = db.execute(
        "INSERT INTO crawl_runs (source, started_at, status, triggered_by, log_path) "
        "VALUES (?, ?, 'running', ?, ?)", [source, started_at, triggered_by, log_path])
    return int(cursor.lastrowid or 0)


def adopt_run(db: sqlite_utils.Database, run_id: int, source: str,
              triggered_by: str | None = None) -> bool:
    """Take over a run row a scheduler opened for this crawl; False if there is none."""
    cursor = db.execute(
        "UPDATE crawl_runs SET triggered_by = coalesce(?, triggered_by) "
        "WHERE id = ? AND source = ? AND status = 'running'", [triggered_by, run_id, source])
    return cursor.rowcount == 1


def close_run(db: sqlite_utils.Database, run_id: int, *, finished_at: str, exit_code: int | None,
              status_if_open: str, error: str | None,
              force_status: str | None = None) -> dict[str, Any] | None:
    """Record how the crawl process ended; a row its crawl never closed gets status_if_open.

    A crawl killed after its timeout, or one that crashed before its pipeline opened, leaves
    its row 'running': this is where it is closed, so no run stays 'running' for ever.
    """
    db.execute("UPDATE crawl_runs SET exit_code = ? WHERE id = ?", [exit_code, run_id])
    db.execute("UPDATE crawl_runs SET status = ?, finished_at = ?, finish_reason = "
               "coalesce(finish_reason, ?), error = ? WHERE id = ? AND status = 'running'",
               [status_if_open, finished_at, status_if_open, error, run_id])
    if force_status is not None:          # e.g. a timed-out crawl that then closed itself
        db.execute("UPDATE crawl_runs SET status = ? WHERE id = ?", [force_status, run_id])
    if error:
        db.execute("UPDATE crawl_runs SET error = coalesce(error, ?) WHERE id = ?",
                   [error, run_id])
    return get_run(db, run_id)


def finish_run(db: sqlite_utils.Database, run_id: int, *, finished_at: str, status: str,
               finish_reason: str | None, counters: dict[str, int],
               stats: dict[str, Any], error: str | None = None) -> None:
    values: dict[str, Any] = {key: int(counters.get(key, 0)) for key in RUN_COUNTERS}
    values.update(finished_at=finished_at, status=status, finish_reason=finish_reason,
                  stats=json.dumps(stats, default=str, sort_keys=True), error=error)
    sets = ", ".join(f"{key} = ?" for key in values)
    db.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*values.values(), run_id])


def get_run(db: sqlite_utils.Database, run_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
    if not rows:
        return None
    row = rows[0]
    row["stats"] = json.loads(row["stats"]) if row.get("stats") else {}
    return row


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
