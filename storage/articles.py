"""Article writes: one row per article URL, URL aliases, exact-text links, batched upserts."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from storage.db import write_transaction
from storage.tags import write_tags

logger = logging.getLogger(__name__)

# Columns the pipelines may set on an article row (the rest are managed here).
ARTICLE_FIELDS = (
    "url", "canonical_url", "source", "title", "description", "authors", "published_at",
    "published_from", "modified_at", "modified_from", "lang", "lang_declared", "lang_detected",
    "section", "keywords", "image_url", "text", "word_count", "text_hash", "discovered_via",
    "encoding", "http_status", "fetched_at",
)
_JSON_FIELDS = ("authors", "keywords")
# What a recrawl may refresh on an existing row when the page changed.
_REFRESHABLE = tuple(f for f in ARTICLE_FIELDS if f not in ("url", "source"))


@dataclass
class UpsertResult:
    """What happened to one article: new, updated, unchanged or linked (same text, same outlet)."""

    outcome: str                 # new, updated, unchanged, linked, failed
    article_id: int
    duplicate_of: int | None = None
    error: str | None = None


def _row(article: dict[str, Any]) -> dict[str, Any]:
    row = {key: article.get(key) for key in ARTICLE_FIELDS}
    for key in _JSON_FIELDS:
        value = row[key]
        if isinstance(value, (list, tuple)):
            row[key] = json.dumps(list(value), ensure_ascii=False)
    return row


class ArticleStore:
    """Buffers article rows and writes them in one transaction per batch."""

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 100) -> None:
        self.db = db
        self.batch_size = batch_size
        self._pending: list[tuple[dict[str, Any], list[str], str, dict[str, Any] | None]] = []

    # -- lookups -------------------------------------------------------------------------

    def find_by_urls(self, urls: list[str]) -> int | None:
        """The article id any of these URLs already points to."""
        urls = [u for u in dict.fromkeys(urls) if u]
        if not urls:
            return None
        marks = ",".join("?" * len(urls))
        row = self.db.execute(
            f"SELECT article_id FROM article_urls WHERE url IN ({marks}) LIMIT 1", urls
        ).fetchone()
        return int(row[0]) if row else None

    def find_by_text_hash(self, text_hash: str,
                          source: str = "") -> tuple[int, str, int | None] | None:
        """(id, source, story_id) of an article with exactly this text: the same source's
        first, else the first of any source."""
        row = self.db.execute(
            "SELECT id, source, story_id FROM articles WHERE text_hash = ? "
            "ORDER BY source = ? DESC, id LIMIT 1", [text_hash, source]).fetchone()
        return (int(row[0]), str(row[1]), row[2]) if row else None

    # -- writes --------------------------------------------------------------------------

    def add(self, article: dict[str, Any], aliases: list[str], seen_at: str,
            tags: dict[str, Any] | None = None) -> None:
        """Queue an article; `aliases` are other URLs that lead to it (requested, AMP...)."""
        self._pending.append((article, aliases, seen_at, tags))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self, attempts: int = 5) -> list[UpsertResult]:
        """Write every queued article in one transaction; return what happened to each.

        The batch stays queued until its transaction commits: when the database stays locked
        past the busy timeout, it is retried, and finally raised with nothing lost from the
        queue. A row the database refuses is skipped with its reason ("failed").
        """
        if not self._pending:
            return []
        for attempt in range(attempts):
            try:
                with write_transaction(self.db):
                    results = [self._upsert_row(*entry) for entry in self._pending]
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if attempt == attempts - 1:
                    raise
                logger.warning("database busy (%s); retrying batch of %d", exc,
                               len(self._pending))
                time.sleep(0.5 * (attempt + 1))
                continue
            self._pending = []
            return results
        return []

    def _upsert_row(self, article: dict[str, Any], aliases: list[str], seen_at: str,
                    tags: dict[str, Any] | None = None) -> UpsertResult:
        self.db.conn.execute("SAVEPOINT article_row")
        try:
            result = self._upsert(article, aliases, seen_at)
            if tags is not None and result.outcome != "linked":
                write_tags(self.db, result.article_id, tags)
        except (sqlite3.IntegrityError, sqlite3.InterfaceError, ValueError, TypeError) as exc:
            self.db.conn.execute("ROLLBACK TO SAVEPOINT article_row")
            self.db.conn.execute("RELEASE SAVEPOINT article_row")
            logger.error("article %s not stored: %s", article.get("url"), exc)
            return UpsertResult("failed", 0, error=str(exc))
        self.db.conn.execute("RELEASE SAVEPOINT article_row")
        return result

    def upsert(self, article: dict[str, Any], aliases: list[str], seen_at: str,
               tags: dict[str, Any] | None = None) -> UpsertResult:
        """Write one article now (its own transaction)."""
        self.add(article, aliases, seen_at, tags)
        return self.flush()[0]

    def _link_urls(self, article_id: int, urls: list[tuple[str, str]], seen_at: str) -> None:
        for url, kind in urls:
            if url:
                self.db.execute(
                    "INSERT OR IGNORE INTO article_urls (url, article_id, kind, first_seen_at) "
                    "VALUES (?, ?, ?, ?)", [url, article_id, kind, seen_at])

    def _upsert(self, article: dict[str, Any], aliases: list[str], seen_at: str) -> UpsertResult:
        row = _row(article)
        url_keys = [(row["url"], "url"), (row["canonical_url"], "canonical")]
        url_keys += [(alias, "alias") for alias in aliases]
        existing = self.find_by_urls([u for u, _ in url_keys])
        if existing is not None:
            current = self.db.execute("SELECT text_hash FROM articles WHERE id = ?",
                                      [existing]).fetchone()
            changes = {"last_seen_at": seen_at}
            outcome = "unchanged"
            if current is not None and current[0] != row["text_hash"]:
                changes.update({k: row[k] for k in _REFRESHABLE if row.get(k) is not None})
                outcome = "updated"
            sets = ", ".join(f"{k} = ?" for k in changes)
            self.db.execute(f"UPDATE articles SET {sets} WHERE id = ?",
                            [*changes.values(), existing])
            self._link_urls(existing, url_keys, seen_at)
            return UpsertResult(outcome, existing)
        same_text = self.find_by_text_hash(row["text_hash"], row["source"])
        if same_text is not None and same_text[1] == row["source"]:
            # The outlet serves one article under a second URL: an alias, not a new story.
            self._link_urls(same_text[0], [(u, "same_text") for u, _ in url_keys], seen_at)
            self.db.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?",
                            [seen_at, same_text[0]])
            return UpsertResult("linked", same_text[0], same_text[0])
        row.update(first_seen_at=seen_at, last_seen_at=seen_at)
        if same_text is not None:
            row.update(duplicate_of=same_text[0], story_id=same_text[2] or same_text[0])
        cursor = self.db.execute(
            f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))
        article_id = int(cursor.lastrowid or 0)
        if same_text is None:
            self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?",
                            [article_id, article_id])
        self._link_urls(article_id, url_keys, seen_at)
        return UpsertResult("new", article_id, same_text[0] if same_text else None)


def touch_urls(db: sqlite_utils.Database, urls: list[str], seen_at: str) -> int:
    """Mark the articles behind these URLs as seen again; return how many rows changed."""
    changed = 0
    with write_transaction(db):
        for url in urls:
            cursor = db.execute(
                "UPDATE articles SET last_seen_at = ? WHERE id = "
                "(SELECT article_id FROM article_urls WHERE url = ?)", [seen_at, url])
            changed += cursor.rowcount or 0
    return changed


def upsert_sources(db: sqlite_utils.Database, sources: list[dict[str, Any]]) -> None:
    """Record the configured sources (id, name, homepage, languages, discovery, enabled)."""
    rows = []
    for source in sources:
        row = dict(source)
        for key in ("languages", "discovery"):
            if isinstance(row.get(key), (list, tuple)):
                row[key] = json.dumps(list(row[key]))
        rows.append(row)
    with write_transaction(db):
        db.table("sources").upsert_all(rows, pk="id")
