"""The stemmed search index (articles_stems): written with each article, filled for older
rows by `newsmon reindex`."""

from __future__ import annotations

import sqlite_utils


def index_stems(db: sqlite_utils.Database, article_id: int, title: str, body: str) -> None:
    """Put one article's stemmed title and text in the search index (replacing any)."""
    db.execute("DELETE FROM articles_stems WHERE rowid = ?", [article_id])
    db.execute("INSERT INTO articles_stems (rowid, title, body) VALUES (?, ?, ?)",
               [article_id, title, body])


def articles_missing_stems(db: sqlite_utils.Database, limit: int = 1000
                           ) -> list[tuple[int, str, str]]:
    """(id, title, text) of articles not yet in the search index, oldest first."""
    return [(int(r[0]), r[1] or "", r[2] or "") for r in db.execute(
        "SELECT id, title, text FROM articles WHERE id NOT IN (SELECT rowid FROM "
        "articles_stems) ORDER BY id LIMIT ?", [limit])]
