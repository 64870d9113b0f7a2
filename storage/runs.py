"""Crawl runs: one row per `scrapy crawl`, with its outcome and full stats."""

from __future__ import annotations

import json
from typing import Any

import sqlite_utils

RUN_COUNTERS = ("new_articles", "updated_articles", "unchanged_articles", "linked_duplicates",
                "dropped", "errors", "requests", "article_requests_skipped")


def start_run(db: sqlite_utils.Database, source: str, started_at: str) -> int:
    cursor = db.execute(
        "INSERT INTO crawl_runs (source, started_at, status) VALUES (?, ?, 'running')",
        [source, started_at])
    return int(cursor.lastrowid or 0)


def finish_run(db: sqlite_utils.Database, run_id: int, *, finished_at: str, status: str,
               finish_reason: str | None, counters: dict[str, int],
               stats: dict[str, Any]) -> None:
    values: dict[str, Any] = {key: int(counters.get(key, 0)) for key in RUN_COUNTERS}
    values.update(finished_at=finished_at, status=status, finish_reason=finish_reason,
                  stats=json.dumps(stats, default=str, sort_keys=True))
    sets = ", ".join(f"{key} = ?" for key in values)
    db.execute(f"UPDATE crawl_runs SET {sets} WHERE id = ?", [*values.values(), run_id])


def get_run(db: sqlite_utils.Database, run_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM crawl_runs WHERE id = ?", [run_id]))
    if not rows:
        return None
    row = rows[0]
    row["stats"] = json.loads(row["stats"]) if row.get("stats") else {}
    return row
