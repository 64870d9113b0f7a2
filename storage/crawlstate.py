"""What a crawl asks before fetching: stored article URLs and conditional-GET validators."""

from __future__ import annotations

from collections.abc import Iterator

import sqlite_utils

from storage.db import write_transaction


def any_known(db: sqlite_utils.Database, urls: list[str]) -> bool:
    """Whether any of these URLs leads to a stored article."""
    urls = [u for u in dict.fromkeys(urls) if u]
    if not urls:
        return False
    marks = ",".join("?" * len(urls))
    return db.execute(f"SELECT 1 FROM article_urls WHERE url IN ({marks}) LIMIT 1",
                      urls).fetchone() is not None


def validators_for(db: sqlite_utils.Database, scope: str,
                   url: str) -> tuple[str | None, str | None]:
    """(ETag, Last-Modified) stored for a feed, sitemap or listing URL as the source (and
    configuration) named by `scope` last read it whole."""
    row = db.execute("SELECT etag, last_modified FROM http_validators WHERE scope = ? AND "
                     "url = ?", [scope, url]).fetchone()
    return (row[0], row[1]) if row else (None, None)


def save_validators(db: sqlite_utils.Database,
                    validators: dict[tuple[str, str], tuple[str | None, str | None, int]],
                    checked_at: str) -> None:
    """Validators keyed by (scope, url)."""
    with write_transaction(db):
        db.table("http_validators").upsert_all(
            [{"scope": scope, "url": url, "etag": etag, "last_modified": modified,
              "last_status": status, "checked_at": checked_at}
             for (scope, url), (etag, modified, status) in validators.items()],
            pk=("scope", "url"))


def stored_url_chunks(db: sqlite_utils.Database, size: int = 10_000) -> Iterator[list[str]]:
    """Every URL that leads to a stored article, `size` at a time."""
    cursor = db.execute("SELECT url FROM article_urls")
    while rows := cursor.fetchmany(size):
        yield [row[0] for row in rows]
