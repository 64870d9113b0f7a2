"""Tag writes: tag columns on articles plus the article_tags and article_entities tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import sqlite_utils

from storage.db import update_by_id

TAG_FIELDS = ("relevant", "relevance_score", "topics", "subtags", "tag_evidence", "countries",
              "organisations", "people", "tagged_at", "taxonomy_version")
_JSON_FIELDS = ("topics", "subtags", "tag_evidence", "countries", "organisations", "people")
_ENTITY_KINDS = (("countries", "country"), ("organisations", "organisation"),
                 ("people", "person"))


def _decode(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def write_tags(db: sqlite_utils.Database, article_id: int, tags: dict[str, Any]) -> None:
    """Replace one article's tags (inside the caller's transaction)."""
    values = {}
    for key in TAG_FIELDS:
        value = tags.get(key)
        if key in _JSON_FIELDS and not isinstance(value, str) and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        values[key] = value
    update_by_id(db, "articles", article_id, values)
    db.execute("DELETE FROM article_tags WHERE article_id = ?", [article_id])
    db.execute("DELETE FROM article_entities WHERE article_id = ?", [article_id])
    scores = _decode(tags.get("tag_scores")) or {}
    for kind, names in (("topic", _decode(tags.get("topics")) or []),
                        ("subtag", _decode(tags.get("subtags")) or [])):
        for name in names:
            db.execute("INSERT OR REPLACE INTO article_tags (article_id, tag, kind, score) "
                       "VALUES (?, ?, ?, ?)", [article_id, name, kind, scores.get(name, 0.0)])
    for field, kind in _ENTITY_KINDS:
        for name in _decode(tags.get(field)) or []:
            db.execute("INSERT OR IGNORE INTO article_entities (article_id, kind, name) "
                       "VALUES (?, ?, ?)", [article_id, kind, name])


def iter_articles_for_tagging(db: sqlite_utils.Database,
                              batch: int = 500) -> Iterator[list[dict[str, Any]]]:
    """Every stored article's id, source, title, text and current tags, in batches."""
    last = 0
    while True:
        rows = list(db.query(
            "SELECT id, source, url, lang, title, text, relevant, topics, subtags FROM articles "
            "WHERE id > ? ORDER BY id LIMIT ?", [last, batch]))
        if not rows:
            return
        yield rows
        last = rows[-1]["id"]
