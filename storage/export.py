"""Articles of a topic since a date, for `newsmon export` (CSV, JSON Lines, Atom)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

EXPORT_COLUMNS = ("id", "url", "source", "title", "description", "authors", "published_at",
                  "first_seen_at", "lang", "relevant", "relevance_score", "topics", "subtags",
                  "countries", "story_id", "duplicate_of", "review_status", "reviewer", "note",
                  "reviewed_at", "edited_at", "removed_at", "text")
JSON_COLUMNS = ("authors", "topics", "subtags", "countries")


def export_articles(db: sqlite_utils.Database, *, topic: str | None, since: str | None,
                    relevant_only: bool = True, review_status: str | None = None,
                    include_duplicates: bool = False) -> Iterator[dict[str, Any]]:
    """Matching articles newest first, JSON columns decoded."""
    where, params = [], []
    if topic:
        where.append("id IN (SELECT article_id FROM article_tags WHERE tag = ?)")
        params.append(topic)
    if since:
        where.append("coalesce(published_at, first_seen_at) >= ?")
        params.append(since)
    if relevant_only:
        where.append("relevant = 1")
    if review_status:
        where.append("review_status = ?")
        params.append(review_status)
    if not include_duplicates:
        where.append("duplicate_of IS NULL")
    sql = (f"SELECT {', '.join(EXPORT_COLUMNS)} FROM articles"
           + (f" WHERE {' AND '.join(where)}" if where else "")
           + " ORDER BY coalesce(published_at, first_seen_at) DESC, id DESC")
    for row in db.query(sql, params):
        for column in JSON_COLUMNS:
            row[column] = json_list(row[column])
        yield row


def json_list(value: Any) -> list[Any]:
    """A JSON array column as a list; a malformed value becomes a one-item list, not a crash."""
    if not value:
        return []
    try:
        parsed = json.loads(value)
    except ValueError:
        return [value]
    return parsed if isinstance(parsed, list) else [parsed]


def known_tags(db: sqlite_utils.Database) -> list[str]:
    return [r[0] for r in db.execute("SELECT DISTINCT tag FROM article_tags ORDER BY tag")]
