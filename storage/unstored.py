"""Pages a crawl did not store: recorded with URL, reason and run, retried, later resolved."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.db import write_transaction

COLUMNS = ("run_id", "source", "url", "final_url", "kind", "stage", "reason", "detail",
           "http_status", "at", "record_key")
DETAIL_CHARS = 2000


def record_unstored(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> int:
    """Write a batch of records (each a dict of COLUMNS); return how many were new.

    A record with a `record_key` already kept (a shared crawl's batch stored twice, by one
    ingest or by the next) is not written again: `urls_to_retry` counts the records of a URL
    as its attempts."""
    if not rows:
        return 0
    with write_transaction(db):
        before = db.conn.total_changes
        db.table("unstored_pages").insert_all(
            [{key: (str(row.get(key))[:DETAIL_CHARS] if key == "detail" and row.get(key)
                    else row.get(key)) for key in COLUMNS} for row in rows], ignore=True)
        return db.conn.total_changes - before


def resolve_unstored(db: sqlite_utils.Database, urls: list[str], resolved_at: str,
                     run_id: int | None = None) -> int:
    """Mark the open records of these URLs resolved (inside or outside a transaction)."""
    urls = [u for u in dict.fromkeys(urls) if u]
    if not urls:
        return 0
    marks = ",".join("?" * len(urls))
    cursor = db.execute(
        f"UPDATE unstored_pages SET resolved_at = ?, resolved_run_id = ? WHERE resolved_at "
        f"IS NULL AND (url IN ({marks}) OR final_url IN ({marks}))",
        [resolved_at, run_id, *urls, *urls])
    return cursor.rowcount or 0


def urls_to_retry(db: sqlite_utils.Database, source: str, max_attempts: int,
                  limit: int = 500) -> list[str]:
    """Article URLs of the source whose fetch failed and that no crawl has stored since,
    tried fewer than max_attempts times, oldest first."""
    return [row[0] for row in db.execute(
        "SELECT url FROM unstored_pages WHERE source = ? AND kind = 'error' "
        "AND stage IN ('fetch', 'extract', 'store') AND resolved_at IS NULL "
        "GROUP BY url HAVING count(*) < ? ORDER BY min(id) LIMIT ?",
        [source, max_attempts, limit]).fetchall()]
