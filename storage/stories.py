"""Stories: the row of each story (origin, outlets, languages, counts), kept from its
articles by the store (storage/articles.py)."""

from __future__ import annotations

import json

import sqlite_utils


def refresh_story(db: sqlite_utils.Database, story_id: int) -> None:
    """Recompute one story's row from its articles: the origin (earliest publication),
    outlets and languages in first-published order, counts."""
    rows = db.execute(
        "SELECT id, source, title, published_at, lang FROM articles WHERE story_id = ? "
        "ORDER BY coalesce(published_at, first_seen_at), id", [story_id]).fetchall()
    if not rows:
        db.execute("DELETE FROM stories WHERE id = ?", [story_id])
        return
    outlets = list(dict.fromkeys(r[1] for r in rows))
    languages = list(dict.fromkeys(r[4] for r in rows if r[4]))
    published = [r[3] for r in rows if r[3]]
    db.execute(
        "INSERT INTO stories (id, title, first_article_id, first_source, first_published_at, "
        "last_published_at, article_count, outlet_count, outlets, languages, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, datetime('now')) ON CONFLICT(id) DO UPDATE SET "
        "title = excluded.title, first_article_id = excluded.first_article_id, "
        "first_source = excluded.first_source, first_published_at = excluded.first_published_at,"
        " last_published_at = excluded.last_published_at, "
        "article_count = excluded.article_count, outlet_count = excluded.outlet_count, "
        "outlets = excluded.outlets, languages = excluded.languages, "
        "updated_at = excluded.updated_at",
        [story_id, rows[0][2], rows[0][0], rows[0][1], min(published, default=None),
         max(published, default=None), len(rows), len(outlets), json.dumps(outlets),
         json.dumps(languages)])
    db.execute("UPDATE articles SET story_size = ? WHERE story_id = ? AND "
               "story_size IS NOT ?", [len(rows), story_id, len(rows)])


def merge_stories(db: sqlite_utils.Database, one: int, other: int) -> int:
    """Join two stories (an article that is a copy of both): the older id (the lower) keeps
    every article and the alerts already queued for either; the other story's row goes.
    Returns the story that remains; the caller refreshes it."""
    keep, gone = min(one, other), max(one, other)
    if keep != gone:
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", [keep, gone])
        db.execute("UPDATE alert_outbox SET story_id = ? WHERE story_id = ?", [keep, gone])
        refresh_story(db, gone)                 # no articles left: its row goes
    return keep


def stories_by_url(db: sqlite_utils.Database) -> dict[str, int]:
    """Every known URL (canonical, alias...) with the story of its article."""
    return {str(url): int(story) for url, story in db.execute(
        "SELECT u.url, a.story_id FROM article_urls u JOIN articles a ON a.id = u.article_id "
        "WHERE a.story_id IS NOT NULL")}
