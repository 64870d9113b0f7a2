"""Article writes: one row per article URL, URL aliases, exact-text links, batched upserts."""

from __future__ import annotations

import difflib
import json
import logging
import re
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

import sqlite_utils

from storage.db import update_by_id, write_transaction
from storage.neardup import add_fingerprint, candidates, merge_recent, signature_similarity
from storage.reviews import send_back_for_review
from storage.search_index import index_stems
from storage.stories import refresh_story
from storage.storylinking import Linker, StoryCandidates, StoryLink
from storage.tags import write_tags
from storage.unstored import resolve_unstored

logger = logging.getLogger(__name__)

# Columns the pipelines may set on an article row (the rest are managed here).
ARTICLE_FIELDS = (
    "url", "canonical_url", "source", "title", "description", "authors", "published_at",
    "published_from", "modified_at", "modified_from", "lang", "lang_declared", "lang_detected",
    "section", "keywords", "image_url", "text", "word_count", "text_hash", "discovered_via",
    "encoding", "http_status", "fetched_at", "paywalled", "extract_rules_missed",
)
_JSON_FIELDS = ("authors", "keywords")
# What a recrawl may refresh on an existing row when the page changed.
_REFRESHABLE = tuple(f for f in ARTICLE_FIELDS if f not in ("url", "source"))
# What the database (or sqlite3's binding) refuses about one row: that row is skipped.
_ROW_ERRORS = (sqlite3.IntegrityError, sqlite3.InterfaceError, ValueError, TypeError)


class _RowRefused(Exception):
    """A row of a batch written without savepoints was refused: write it again, each row
    on its own."""


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
    row["paywalled"] = int(bool(row["paywalled"]))
    return row


@dataclass
class PendingArticle:
    """One queued write: the article row, other URLs that lead to it, tags, fingerprint."""

    row: dict[str, Any]
    aliases: list[str]
    seen_at: str
    tags: dict[str, Any] | None = None
    signature: bytes | None = None       # MinHash signature (pipelines/fingerprint.py)
    buckets: list[int] | None = None     # its LSH buckets
    shingles: int = 0
    story_keys: list[str] = field(default_factory=list)   # names and numbers (storylink)
    profile: Any = None                  # what the linker compares (pipelines/storylink.py)
    stems: tuple[str, str] | None = None  # title and text as stems, for the search index


# A MinHash similarity from which a copy needs no second look (most shingles in common).
STRONG_NEAR_DUP = 0.6
# Texts with fewer word 3-shingles than this (about 100 words) get that second look.
LONG_TEXT_SHINGLES = 100
# A body of fewer words than this that an outlet has already stored under another headline
# is not that article under a second URL: the new one is stored, as a copy of it (an RSS
# entry's lead under an updated headline, a rising death toll) when the body is about both
# headlines (shares a word with each) or the two headlines are about one thing (share two
# words and half the shorter one's). Otherwise the body is the outlet's boilerplate (a
# channel's footer under a video post's first line, RT's "Read Full Article at RT.com" for
# a description; an empty body): the article is a story of its own, since all it says is
# its headline. Another outlet's same short text is a copy (a wire lead under its own
# headline).
SHORT_BODY_WORDS = 30
_LONG_WORD = re.compile(r"[^\W\d_]{5,}")


def _words(text: str | None) -> set[str]:
    """A text's words of 5 letters or more, by their first 5 (a word meets its inflected
    forms: "Белгород", "Белгороде")."""
    return {w[:5] for w in _LONG_WORD.findall((text or "").lower())}


def _one_article(title: str | None, text: str | None, other_title: str | None) -> bool:
    """Whether a short body under two headlines is one article's (see SHORT_BODY_WORDS)."""
    if not (text or "").strip():
        return False
    mine, theirs, body = _words(title), _words(other_title), _words(text)
    if mine & body and theirs & body:
        return True
    shared = len(mine & theirs)
    return shared >= 2 and shared >= 0.5 * min(len(mine), len(theirs))


def _folded(title: str | None) -> str:
    return " ".join((title or "").lower().split())


class ArticleStore(StoryCandidates):
    """Buffers article rows and writes them in one transaction per batch.

    Linking happens here, inside the write transaction, so concurrent crawls agree: a known
    URL updates its article (keeping the old text as a version when it changed); the same
    text from the same outlet becomes a URL alias; the same text or a near-duplicate (MinHash
    similarity >= near_dup_threshold) from elsewhere joins that article's story.
    """

    def __init__(self, db: sqlite_utils.Database, batch_size: int = 100,
                 near_dup_threshold: float = 0.22, linker: Linker | None = None) -> None:
        self.db = db
        self.batch_size = batch_size
        self.near_dup_threshold = near_dup_threshold
        self.linker = linker
        self._pending: list[PendingArticle] = []

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

    def find_near_duplicate(self, signature: bytes, buckets: list[int],
                            exclude: int | None = None) -> tuple[int, float] | None:
        """(article id, similarity) of the most similar indexed article above the threshold."""
        best: tuple[int, float] | None = None
        for article_id, other in candidates(self.db, buckets, exclude=exclude):
            score = signature_similarity(signature, other)
            if score >= self.near_dup_threshold and (best is None or score > best[1]):
                best = (article_id, score)
        return best

    # -- writes --------------------------------------------------------------------------

    def add(self, article: dict[str, Any], aliases: list[str], seen_at: str,
            tags: dict[str, Any] | None = None, signature: bytes | None = None,
            buckets: list[int] | None = None, shingles: int = 0,
            story_keys: list[str] | None = None, profile: Any = None,
            stems: tuple[str, str] | None = None) -> None:
        """Queue an article; `aliases` are other URLs that lead to it (requested, AMP...)."""
        self.queue(PendingArticle(article, aliases, seen_at, tags, signature, buckets,
                                  shingles, story_keys or [], profile, stems))

    def queue(self, pending: PendingArticle) -> None:
        self._pending.append(pending)

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
        # First without a savepoint per row: the full-text indexes write a segment at every
        # savepoint, which made the batch's writes 20% dearer. A row the database refuses
        # undoes that attempt, and the batch is written again with each row on its own.
        isolate = False
        attempt = 0
        while attempt < attempts:
            try:
                write = self._upsert_row if isolate else self._upsert_unguarded
                with write_transaction(self.db):
                    results = [write(entry) for entry in self._pending]
                    merge_recent(self.db)
            except _RowRefused:
                isolate = True
                continue
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if attempt == attempts - 1:
                    raise
                logger.warning("database busy (%s); retrying batch of %d", exc,
                               len(self._pending))
                attempt += 1
                time.sleep(0.5 * attempt)
                continue
            self._pending = []
            return results
        return []

    def _write(self, entry: PendingArticle) -> UpsertResult:
        """One article's row, URLs, indexes and story, and its tags."""
        result = self._upsert(entry)
        if entry.tags is not None and result.outcome != "linked":
            write_tags(self.db, result.article_id, entry.tags)
        return result

    def _upsert_unguarded(self, entry: PendingArticle) -> UpsertResult:
        """_upsert_row without its savepoint: a refused row raises _RowRefused, which undoes
        the whole batch's transaction."""
        try:
            return self._write(entry)
        except _ROW_ERRORS as exc:
            raise _RowRefused() from exc

    def _upsert_row(self, entry: PendingArticle) -> UpsertResult:
        self.db.conn.execute("SAVEPOINT article_row")
        try:
            result = self._write(entry)
        except _ROW_ERRORS as exc:
            self.db.conn.execute("ROLLBACK TO SAVEPOINT article_row")
            self.db.conn.execute("RELEASE SAVEPOINT article_row")
            logger.error("article %s not stored: %s", entry.row.get("url"), exc)
            return UpsertResult("failed", 0, error=str(exc))
        self.db.conn.execute("RELEASE SAVEPOINT article_row")
        return result

    def upsert(self, article: dict[str, Any], aliases: list[str], seen_at: str,
               tags: dict[str, Any] | None = None, signature: bytes | None = None,
               buckets: list[int] | None = None, shingles: int = 0,
               story_keys: list[str] | None = None, profile: Any = None) -> UpsertResult:
        """Write one article now (its own transaction)."""
        self.add(article, aliases, seen_at, tags, signature, buckets, shingles, story_keys,
                 profile)
        return self.flush()[0]

    def _link_urls(self, article_id: int, urls: list[tuple[str, str]], seen_at: str) -> None:
        for url, kind in urls:
            if url:
                self.db.execute(
                    "INSERT OR IGNORE INTO article_urls (url, article_id, kind, first_seen_at) "
                    "VALUES (?, ?, ?, ?)", [url, article_id, kind, seen_at])

    def _index(self, article_id: int, entry: PendingArticle, day: str | None = None) -> None:
        if entry.stems is not None:
            index_stems(self.db, article_id, *entry.stems)
        if entry.signature is not None and entry.buckets:
            add_fingerprint(self.db, article_id, entry.signature, entry.buckets, entry.shingles)
        if day and entry.story_keys:
            self.db.execute("DELETE FROM story_keys WHERE article_id = ?", [article_id])
            self.db.conn.executemany(
                "INSERT INTO story_keys (key, day, article_id) VALUES (?, ?, ?)",
                [(key, day, article_id) for key in entry.story_keys])

    def _update_existing(self, article_id: int, entry: PendingArticle,
                         url_keys: list[tuple[str, str]]) -> UpsertResult:
        row = _row(entry.row)
        current = self.db.execute(
            "SELECT text_hash, text, title, fetched_at, coalesce(edit_count, 0) FROM articles "
            "WHERE id = ?", [article_id]).fetchone()
        changes: dict[str, Any] = {"last_seen_at": entry.seen_at, "removed_at": None,
                                   "removed_reason": None}
        outcome = "unchanged"
        if current is not None and current[0] != row["text_hash"]:
            # The page changed since we stored it: keep what it said as a version.
            self.db.execute(
                "INSERT INTO article_versions (article_id, fetched_at, replaced_at, text_hash, "
                "title, text, diff_summary) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [article_id, current[3], entry.seen_at, current[0], current[2], current[1],
                 diff_summary(current[1], row["text"], current[2], row.get("title"))])
            changes.update({k: row[k] for k in _REFRESHABLE if row.get(k) is not None})
            changes.update(edited_at=entry.seen_at, edit_count=current[4] + 1)
            outcome = "updated"
            send_back_for_review(self.db, article_id, "text edited: " + diff_summary(
                current[1], row["text"], current[2], row.get("title")), entry.seen_at)
            self._index(article_id, entry, _day(row, entry.seen_at))
        elif self.db.execute("SELECT 1 FROM article_fingerprints WHERE article_id = ?",
                             [article_id]).fetchone() is None:
            self._index(article_id, entry)       # stored before its fingerprint existed
        update_by_id(self.db, "articles", article_id, changes)
        self._link_urls(article_id, url_keys, entry.seen_at)
        return UpsertResult(outcome, article_id)

    def _outlet_short_text(self, row: dict[str, Any]
                           ) -> tuple[tuple[int, str, int | None] | None, str]:
        """What a short body the outlet has stored before is (SHORT_BODY_WORDS): "alias"
        of its article with this headline too (case and spaces aside), else "copy" of its
        first article with this body when they are one article's, else "boilerplate"; with
        (id, source, story_id) of that article."""
        key = [row["text_hash"], row["source"]]
        exact = self.db.execute(
            "SELECT id, source, story_id FROM articles WHERE text_hash = ? AND source = ? AND "
            "title IS ? ORDER BY id LIMIT 1", [*key, row.get("title")]).fetchone()
        if exact is not None:
            return (int(exact[0]), str(exact[1]), exact[2]), "alias"
        title = _folded(row.get("title"))
        first: tuple[tuple[int, str, int | None], str | None] | None = None
        for found in self.db.execute(
                "SELECT id, source, story_id, title FROM articles WHERE text_hash = ? AND "
                "source = ? ORDER BY id LIMIT 1000", key):
            stored = int(found[0]), str(found[1]), found[2]
            if _folded(found[3]) == title:
                return stored, "alias"
            first = first or (stored, found[3])
        if first is not None and _one_article(row.get("title"), row.get("text"), first[1]):
            return first[0], "copy"
        return None, "boilerplate"

    def _upsert(self, entry: PendingArticle) -> UpsertResult:
        row = _row(entry.row)
        seen_at = entry.seen_at
        url_keys = [(row["url"], "url"), (row["canonical_url"], "canonical")]
        url_keys += [(alias, "alias") for alias in entry.aliases]
        existing = self.find_by_urls([u for u, _ in url_keys])
        if existing is not None:
            return self._update_existing(existing, PendingArticle(
                row, entry.aliases, seen_at, entry.tags, entry.signature, entry.buckets,
                entry.shingles, entry.story_keys, entry.profile, entry.stems), url_keys)
        same_text = self.find_by_text_hash(row["text_hash"], row["source"])
        kind = "alias"
        if same_text is not None and same_text[1] == row["source"] and len(
                str(row.get("text") or "").split(None, SHORT_BODY_WORDS)) < SHORT_BODY_WORDS:
            same_text, kind = self._outlet_short_text(row)       # see SHORT_BODY_WORDS
        boilerplate = kind == "boilerplate"
        if same_text is not None and same_text[1] == row["source"] and kind == "alias":
            # The outlet serves one article under a second URL: an alias, not a new story.
            self._link_urls(same_text[0], [(u, "same_text") for u, _ in url_keys], seen_at)
            self.db.execute("UPDATE articles SET last_seen_at = ? WHERE id = ?",
                            [seen_at, same_text[0]])
            return UpsertResult("linked", same_text[0], same_text[0])
        row.update(first_seen_at=seen_at, last_seen_at=seen_at)
        linked_to: int | None = None
        bridges: list[StoryLink] = []
        day = _day(row, seen_at)
        if same_text is not None:
            linked_to = same_text[0]
            row.update(duplicate_of=same_text[0], story_id=same_text[2] or same_text[0],
                       similarity=1.0, story_relation="verbatim", related_to=same_text[0])
        elif not boilerplate:           # boilerplate: a story of its own (SHORT_BODY_WORDS)
            near = self.find_near_duplicate(entry.signature, entry.buckets) \
                if entry.signature is not None and entry.buckets else None
            if near is not None and (self.linker is None or near[1] >= STRONG_NEAR_DUP
                                     or entry.shingles >= LONG_TEXT_SHINGLES):
                # Without the second stage, for a copy with most shingles in common, or for
                # a long text (many shingles make the estimate sure), MinHash decides alone.
                linked_to = near[0]
                row.update(near_duplicate_of=near[0], similarity=round(near[1], 3),
                           story_id=self._story_of(near[0]), related_to=near[0],
                           story_relation="verbatim" if near[1] >= 0.8 else "rewrite")
                if near[1] < 0.8:       # a verbatim copy repeats nothing its original lacks
                    bridges = self._outlet_bridges(entry, day, near[0])
            else:
                # MinHash's weaker candidates are checked sentence by sentence with the rest:
                # two one-line posts can share half their shingles and tell different news.
                links = self.find_story_links(entry, day, [near[0]] if near else None)
                if links:
                    link = links[0]
                    linked_to = link.article_id
                    row.update(related_to=link.article_id, story_relation=link.kind,
                               similarity=round(link.similarity, 3),
                               story_id=self._story_of(link.article_id))
                    if near is not None and near[0] == link.article_id:
                        row["near_duplicate_of"] = near[0]
        # The hot path of every crawl: a plain INSERT (sqlite-utils' insert() inspects the
        # table on each call, several times the cost of the statement itself).
        cursor = self.db.execute(
            f"INSERT INTO articles ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))
        article_id = int(cursor.lastrowid or 0)
        story_id = row.get("story_id")
        if story_id is None:
            story_id = article_id
            self.db.execute("UPDATE articles SET story_id = ? WHERE id = ?",
                            [article_id, article_id])
        self._link_urls(article_id, url_keys, seen_at)
        self._index(article_id, entry, day)
        if linked_to is not None and bridges:
            story_id = self._bridge(int(story_id), article_id, linked_to, bridges)
        refresh_story(self.db, int(story_id))
        if self.linker is not None and entry.profile is not None:
            self.linker.remember(article_id, row["title"], row["text"], row["lang"],
                                 entry.profile)
        return UpsertResult("new", article_id, linked_to)


def _day(row: dict[str, Any], seen_at: str) -> str:
    """The day an article belongs to for candidate search: published, else first seen."""
    return str(row.get("published_at") or seen_at or "")[:10]


def write_articles(db: sqlite_utils.Database, batch: list[PendingArticle],
                   near_dup_threshold: float = 0.22, run_id: int | None = None,
                   linker: Linker | None = None) -> list[UpsertResult]:
    """Write one batch in one transaction on this connection (the crawl's writer thread);
    resolve the earlier records of pages not stored that these articles now are."""
    store = ArticleStore(db, len(batch), near_dup_threshold, linker)
    for entry in batch:
        store.queue(entry)
    results = store.flush()
    stored = [str(u) for entry, result in zip(batch, results) if result.outcome != "failed"
              for u in (entry.row.get("url"), entry.row.get("canonical_url"), *entry.aliases)
              if u]
    if stored:
        resolve_unstored(db, stored, batch[0].seen_at, run_id)
    return results


def diff_summary(old: str, new: str, old_title: str | None = None,
                 new_title: str | None = None) -> str:
    """A short account of an edit: title change, paragraphs and words added and removed."""
    old_paras = [p for p in old.split("\n\n") if p.strip()]
    new_paras = [p for p in new.split("\n\n") if p.strip()]
    matcher = difflib.SequenceMatcher(a=old_paras, b=new_paras, autojunk=False)
    added = removed = changed = 0
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "insert":
            added += b2 - b1
        elif op == "delete":
            removed += a2 - a1
        elif op == "replace":
            changed += max(a2 - a1, b2 - b1)
    words = len(new.split()) - len(old.split())
    parts = []
    if old_title is not None and new_title is not None and old_title != new_title:
        parts.append(f"title: {old_title!r} -> {new_title!r}")
    parts.append(f"paragraphs +{added} -{removed} ~{changed}")
    parts.append(f"words {words:+d}")
    return "; ".join(parts)


def mark_removed(db: sqlite_utils.Database, urls: list[str], removed_at: str,
                 reason: str) -> int | None:
    """Mark the article behind these URLs removed (404/410/451, redirect to a non-article)."""
    marks = ",".join("?" * len(urls))
    row = db.execute(f"SELECT article_id FROM article_urls WHERE url IN ({marks}) LIMIT 1",
                     urls).fetchone()
    if row is None:
        return None
    with write_transaction(db):
        first = db.execute("SELECT removed_at IS NULL FROM articles WHERE id = ?",
                           [row[0]]).fetchone()
        db.execute("UPDATE articles SET removed_at = coalesce(removed_at, ?), "
                   "removed_reason = ?, checked_at = ? WHERE id = ?",
                   [removed_at, reason, removed_at, row[0]])
        if first and first[0]:
            send_back_for_review(db, int(row[0]), f"taken down: {reason}", removed_at)
    return int(row[0])


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
