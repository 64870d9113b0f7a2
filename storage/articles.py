"""Article writes: one row per article URL, URL aliases, exact-text links, batched upserts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import sqlite_utils

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

    outcome: str
    article_id: int
    duplicate_of: int | None = None


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
        self._pending: list[tuple[dict[str, Any], list[str], str]] = []

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

    def find_by_text_hash(self, text_hash: str) -> tuple[int, str, int | None] | None:
        """(id, source, story_id) of the first article with exactly this text."""
        row = self.db.execute(
            "SELECT id, source, story_id FROM articles WHERE text_hash = ? ORDER BY id LIMIT 1",
            [text_hash]).fetchone()
        return (int(row[0]), str(row[1]), row[2]) if row else None

    # -- writes --------------------------------------------------------------------------

    def add(self, article: dict[str, Any], aliases: list[str], seen_at: str) -> None:
        """Queue an article; `aliases` are other URLs that lead to it (requested, AMP...)."""
        self._pending.append((article, aliases, seen_at))

    @property
    def pending(self) -> int:
        return len(self._pending)

    def flush(self) -> list[UpsertResult]:
        """Write every queued article in one transaction; return what happened to each."""
        if not self._pending:
            return []
        batch, self._pending = self._pending, []
        results = []
        with self.db.atomic():
            for article, aliases, seen_at in batch:
                results.append(self._upsert(article, aliases, seen_at))
        return results

    def upsert(self, article: dict[str, Any], aliases: list[str], seen_at: str) -> UpsertResult:
        """Write one article now (its own transaction)."""
        with self.db.atomic():
            return self._upsert(article, aliases, seen_at)

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
        same_text = self.find_by_text_hash(row["text_hash"])
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
    with db.atomic():
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
    with db.atomic():
        db.table("sources").upsert_all(rows, pk="id")
