"""The scheduler's per-source rhythm (adapted interval, failures, next run) in schedule_state."""

from __future__ import annotations

from typing import Any

import sqlite_utils

STATE_COLUMNS = ("kind", "base_interval_s", "min_interval_s", "max_interval_s",
                 "current_interval_s", "cron", "consecutive_failures", "consecutive_quiet",
                 "last_run_id", "last_run_at", "last_status", "last_new", "next_run_at", "note",
                 "config", "updated_at", "last_success_at")


def get_state(db: sqlite_utils.Database, source: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM schedule_state WHERE source = ?", [source]))
    return rows[0] if rows else None


def all_states(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in db.query("SELECT * FROM schedule_state")}


def put_state(db: sqlite_utils.Database, source: str, values: dict[str, Any]) -> None:
    """Insert or update the given columns of one job's row."""
    unknown = set(values) - set(STATE_COLUMNS)
    if unknown:
        raise ValueError(f"schedule_state has no column(s) {sorted(unknown)}")
    table = db.table("schedule_state")
    if table.count_where("source = ?", [source]):
        table.update(source, values)
    else:
        table.insert({"source": source, **values})


def drop_states(db: sqlite_utils.Database, keep: set[str]) -> list[str]:
    """Forget the rhythm of sources no longer scheduled; return their ids."""
    gone = [s for s in all_states(db) if s not in keep]
    for source in gone:
        db.table("schedule_state").delete(source)
    return gone
