"""Review writes outside the desk: a review set by a tool, and the automatic send-back of a
reviewed article that changed (edited, taken down); the review log's trigger records both."""

from __future__ import annotations

import sqlite_utils

from storage.db import write_transaction

REREVIEW_BY = "newsmon"          # the review log's reviewer for automatic re-reviews


def record_review(db: sqlite_utils.Database, url: str, status: str, reviewer: str,
                  note: str, at: str) -> int | None:
    """Set the review of the article behind a URL (the review log's trigger records it);
    return its id. The desk writes reviews itself; this is for tools and the demo."""
    row = db.execute("SELECT article_id FROM article_urls WHERE url = ?", [url]).fetchone()
    if row is None:
        return None
    with write_transaction(db):
        db.execute("UPDATE articles SET review_status = ?, reviewer = ?, reviewed_at = ?, "
                   "note = ? WHERE id = ?", [status, reviewer, at, note, row[0]])
    return int(row[0])


def send_back_for_review(db: sqlite_utils.Database, article_id: int, reason: str,
                         at: str) -> bool:
    """A reviewed article that changed (edited, taken down) goes back to the queue, the
    reason in its note; the review log records it like any review (its trigger)."""
    cursor = db.execute(
        "UPDATE articles SET review_status = 'new', reviewer = ?, reviewed_at = ?, "
        "note = ? WHERE id = ? AND review_status != 'new'",
        [REREVIEW_BY, at, f"re-review: {reason}"[:2000], article_id])
    return bool(cursor.rowcount)
