"""New relevant stories of a period, one entry per story, for the daily digest."""

from __future__ import annotations

from typing import Any

import sqlite_utils

from storage.export import json_list


def digest_stories(db: sqlite_utils.Database, since: str) -> list[dict[str, Any]]:
    """Stories with a relevant article first seen since the date, with every outlet's copy.

    A story carried by several outlets is one entry; entries come newest story first. A
    verbatim copy (stored with `duplicate_of`) names its outlet when no other article of the
    story does: it is how a syndicated story reached that outlet.
    """
    rows = list(db.query(
        "SELECT a.id, a.story_id, a.source, a.title, a.url, a.published_at, a.first_seen_at, "
        "a.lang, a.topics, a.subtags, a.relevance_score, a.duplicate_of FROM articles a "
        "WHERE (a.relevant = 1 OR a.duplicate_of IS NOT NULL) "
        "AND coalesce(a.story_id, -a.id) IN ("
        "  SELECT coalesce(story_id, -id) FROM articles "
        "  WHERE relevant = 1 AND first_seen_at >= ?) "
        "ORDER BY coalesce(a.published_at, a.first_seen_at), a.id", [since]))
    stories: dict[int, dict[str, Any]] = {}
    copies: list[tuple[int, Any]] = []
    for row in rows:
        key = row["story_id"] if row["story_id"] is not None else -row["id"]
        if row["duplicate_of"] is not None:
            copies.append((key, row))
            continue
        story = stories.setdefault(key, {
            "story_id": row["story_id"], "title": row["title"], "first_url": row["url"],
            "first_source": row["source"], "first_published_at": row["published_at"],
            "topics": [], "subtags": [], "articles": []})
        for field in ("topics", "subtags"):
            for tag in json_list(row[field]):
                if tag not in story[field]:
                    story[field].append(tag)
        story["articles"].append({key: row[key] for key in (
            "id", "source", "title", "url", "published_at", "first_seen_at", "lang")})
    for story_key, row in copies:
        carried = stories.get(story_key)
        if carried is not None and all(a["source"] != row["source"]
                                       for a in carried["articles"]):
            carried["articles"].append({key: row[key] for key in (
                "id", "source", "title", "url", "published_at", "first_seen_at", "lang")})
    result = list(stories.values())
    for story in result:
        story["outlets"] = sorted({a["source"] for a in story["articles"]})
        story["new_since"] = any(a["first_seen_at"] >= since for a in story["articles"])
    result.sort(key=lambda s: s["first_published_at"] or "", reverse=True)
    return result
