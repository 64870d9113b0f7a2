"""Read-only summaries of what the database holds (for `newsmon stats` and `sources`)."""

from __future__ import annotations

from typing import Any

import sqlite_utils


def database_summary(db: sqlite_utils.Database) -> dict[str, Any]:
    """Counts per table, per source and per language, the date range and the last runs."""
    one = lambda sql: db.execute(sql).fetchone()  # noqa: E731
    summary: dict[str, Any] = {
        "articles": one("SELECT count(*) FROM articles")[0],
        "stories": one("SELECT count(DISTINCT story_id) FROM articles")[0],
        "urls": one("SELECT count(*) FROM article_urls")[0],
        "crawl_runs": one("SELECT count(*) FROM crawl_runs")[0],
    }
    first, last = one("SELECT min(published_at), max(published_at) FROM articles")
    summary["published_range"] = [first, last]
    summary["by_source"] = {
        row["source"]: {"articles": row["n"], "last_seen_at": row["last_seen"],
                        "newest_published_at": row["newest"]}
        for row in db.query(
            "SELECT source, count(*) AS n, max(last_seen_at) AS last_seen, "
            "max(published_at) AS newest FROM articles GROUP BY source ORDER BY source")}
    summary["by_lang"] = {row["lang"] or "unknown": row["n"] for row in db.query(
        "SELECT lang, count(*) AS n FROM articles GROUP BY lang ORDER BY n DESC")}
    return summary


def source_states(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    """Per source: stored articles, last run (start, status, new) and last success."""
    states: dict[str, dict[str, Any]] = {}
    for row in db.query("SELECT source, count(*) AS n, max(first_seen_at) AS newest "
                        "FROM articles GROUP BY source"):
        states.setdefault(row["source"], {}).update(articles=row["n"],
                                                    last_new_article_at=row["newest"])
    for row in db.query(
            "SELECT source, started_at, status, new_articles, errors FROM crawl_runs r "
            "WHERE id = (SELECT max(id) FROM crawl_runs WHERE source = r.source "
            "AND status <> 'skipped')"):
        states.setdefault(row["source"], {}).update(
            last_run_at=row["started_at"], last_run_status=row["status"],
            last_run_new=row["new_articles"], last_run_errors=row["errors"])
    return states


def articles_to_recheck(db: sqlite_utils.Database, since: str) -> list[tuple[str, str]]:
    """(source, url) of articles first seen since the date and not already removed."""
    return [(row[0], row[1]) for row in db.execute(
        "SELECT source, url FROM articles WHERE first_seen_at >= ? AND removed_at IS NULL "
        "ORDER BY source, id", [since]).fetchall()]
