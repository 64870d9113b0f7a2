"""Alerts in the database: which events match (articles, stories, failing sources), the outbox
that queues each (subscription, event, subject) once, and the delivery log."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import sqlite_utils

from storage.db import write_transaction

OPEN = ("pending", "sending")


def register_subscription(db: sqlite_utils.Database, name: str, config_json: str,
                          now: str) -> dict[str, Any]:
    """The subscription's row (first_seen_at is kept from the first time it was seen)."""
    with write_transaction(db):
        db.execute("INSERT OR IGNORE INTO alert_subscriptions (name, first_seen_at, config_json)"
                   " VALUES (?, ?, ?)", [name, now, config_json])
        db.execute("UPDATE alert_subscriptions SET config_json = ? WHERE name = ?",
                   [config_json, name])
    return dict(db.table("alert_subscriptions").get(name))


def subscription_state(db: sqlite_utils.Database, name: str) -> dict[str, Any] | None:
    found = list(db.query("SELECT * FROM alert_subscriptions WHERE name = ?", [name]))
    return dict(found[0]) if found else None


def outbox_rows(db: sqlite_utils.Database, subscription: str) -> list[dict[str, Any]]:
    return [dict(r) for r in db.query("SELECT * FROM alert_outbox WHERE subscription = ? "
                                      "ORDER BY id", [subscription])]


def pending_count(db: sqlite_utils.Database, subscription: str) -> int:
    return int(db.table("alert_outbox").count_where(
        "subscription = ? AND status = 'pending'", [subscription]))


def article(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    found = list(db.query("SELECT * FROM articles WHERE id = ?", [article_id]))
    return dict(found[0]) if found else None


def set_last_batch(db: sqlite_utils.Database, name: str, at: str) -> None:
    with write_transaction(db):
        db.execute("UPDATE alert_subscriptions SET last_batch_at = ? WHERE name = ?", [at, name])


def _where(conditions: list[str]) -> str:
    return " AND ".join(conditions) if conditions else "1"


def matching_articles(db: sqlite_utils.Database, *, changed: str, since: str,
                      topics: Sequence[str] = (), sources: Sequence[str] = (),
                      languages: Sequence[str] = (), min_score: float | None = None,
                      fts: str | None = None, min_outlets: int | None = None,
                      relevant_only: bool = True, include_duplicates: bool = False,
                      limit: int = 5000) -> list[dict[str, Any]]:
    """Articles whose `changed` time column (first_seen_at, edited_at, removed_at) is at or
    after `since` and that pass the filter, oldest change first. `topics` matches topics
    and subtags alike; `fts` is an FTS5 expression for the stemmed index."""
    if changed not in ("first_seen_at", "edited_at", "removed_at"):
        raise ValueError(f"not a change column: {changed}")
    conditions = [f"a.{changed} IS NOT NULL", f"a.{changed} >= :since"]
    if not include_duplicates:
        conditions.append("a.duplicate_of IS NULL")
    params: dict[str, Any] = {"since": since}
    if relevant_only:
        conditions.append("a.relevant = 1")
    if topics:
        conditions.append("EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id "
                          "AND t.tag IN (SELECT value FROM json_each(:topics)))")
        params["topics"] = json.dumps(list(topics))
    if sources:
        conditions.append("a.source IN (SELECT value FROM json_each(:sources))")
        params["sources"] = json.dumps(list(sources))
    if languages:
        conditions.append("a.lang IN (SELECT value FROM json_each(:languages))")
        params["languages"] = json.dumps(list(languages))
    if min_score is not None:
        conditions.append("coalesce(a.relevance_score, 0) >= :min_score")
        params["min_score"] = min_score
    if fts is not None:
        conditions.append("a.id IN (SELECT rowid FROM articles_stems WHERE articles_stems "
                          "MATCH :fts)")
        params["fts"] = fts
    if min_outlets is not None:
        conditions.append("coalesce(s.outlet_count, 1) >= :min_outlets")
        params["min_outlets"] = min_outlets
    params["limit"] = limit
    sql = (f"SELECT a.id, a.url, a.source, a.title, a.lang, a.published_at, a.first_seen_at, "
           f"a.relevance_score, a.topics, a.subtags, a.tag_evidence, a.story_id, a.edited_at, "
           f"a.edit_count, a.removed_at, a.removed_reason, a.story_relation, "
           f"s.outlet_count, s.outlets "
           f"FROM articles a LEFT JOIN stories s ON s.id = a.story_id "
           f"WHERE {_where(conditions)} ORDER BY a.{changed}, a.id LIMIT :limit")
    return [dict(r) for r in db.query(sql, params)]


def story_articles(db: sqlite_utils.Database, story_id: int) -> list[dict[str, Any]]:
    """A story's copies, earliest publication first (the first report leads)."""
    return [dict(r) for r in db.query(
        "SELECT id, url, source, title, lang, published_at, first_seen_at, story_relation "
        "FROM articles WHERE story_id = ? ORDER BY coalesce(published_at, first_seen_at), id",
        [story_id])]


def failing_sources(db: sqlite_utils.Database, since: str,
                    sources: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Sources whose latest finished run failed, with the first failed run of that streak
    (a new streak after a success is a new event), the streak's length and last error."""
    rows = []
    names = [r["source"] for r in db.query(
        "SELECT DISTINCT source FROM crawl_runs WHERE status IN ('failed', 'finished')")]
    for name in names:
        if sources and name not in sources:
            continue
        runs = list(db.query(
            "SELECT id, status, started_at, error, finish_reason FROM crawl_runs "
            "WHERE source = ? AND status IN ('failed', 'finished') ORDER BY id DESC LIMIT 50",
            [name]))
        streak = []
        for run in runs:
            if run["status"] != "failed":
                break
            streak.append(run)
        if not streak or streak[0]["started_at"] < since:
            continue
        first, last = streak[-1], streak[0]
        rows.append({"source": name, "first_run": first["id"], "failed_runs": len(streak),
                     "since": first["started_at"], "last_run": last["id"],
                     "error": last["error"] or last["finish_reason"] or "failed"})
    return rows


def queue(db: sqlite_utils.Database, items: Iterable[dict[str, Any]], now: str) -> int:
    """Queue outbox rows; one already queued for the same subscription, event and subject is
    left alone (sent at most once). Returns how many were new."""
    added = 0
    with write_transaction(db):
        for item in items:
            cursor = db.execute(
                "INSERT OR IGNORE INTO alert_outbox (subscription, event, subject, article_id, "
                "story_id, source, detail, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [item["subscription"], item["event"], item["subject"], item.get("article_id"),
                 item.get("story_id"), item.get("source"),
                 json.dumps(item.get("detail") or {}, ensure_ascii=False), now])
            added += cursor.rowcount
    return added


def queued_stories(db: sqlite_utils.Database, subscription: str) -> set[int]:
    """Stories already announced as new to this subscription (its later copies are not new)."""
    return {r["story_id"] for r in db.query(
        "SELECT DISTINCT story_id FROM alert_outbox WHERE subscription = ? AND "
        "event = 'new_article' AND story_id IS NOT NULL", [subscription])}


def interrupt_stale(db: sqlite_utils.Database, alive: Any, now: str) -> int:
    """Rows a sender claimed and never finished (it was killed). Those whose message had
    started going out are marked interrupted and never sent again on their own (it may have
    arrived: nothing is sent twice); those it had not reached yet go back to the queue.
    Returns how many were interrupted."""
    stale = [r for r in db.query("SELECT id, claimed_by, delivery_id FROM alert_outbox "
                                 "WHERE status = 'sending'") if not alive(r["claimed_by"])]
    interrupted = 0
    if not stale:
        return 0
    with write_transaction(db):
        for row in stale:
            if row["delivery_id"] is None:
                db.execute("UPDATE alert_outbox SET status = 'pending', claimed_by = NULL, "
                           "claimed_at = NULL WHERE id = ? AND status = 'sending'", [row["id"]])
                continue
            interrupted += 1
            db.execute("UPDATE alert_outbox SET status = 'interrupted', last_error = ? "
                       "WHERE id = ? AND status = 'sending'",
                       [f"the sender {row['claimed_by']} stopped while this message was going "
                        f"out; not resent, so nothing is sent twice", row["id"]])
            db.execute("UPDATE alert_deliveries SET status = 'interrupted', finished_at = ? "
                       "WHERE id = ? AND status = 'sending'", [now, row["delivery_id"]])
    return interrupted


def claim_due(db: sqlite_utils.Database, subscription: str, now: str,
              claimer: str) -> list[dict[str, Any]]:
    """Take the subscription's due rows for this sender, in one write transaction, so two
    senders never take the same row."""
    with write_transaction(db):
        rows = [dict(r) for r in db.query(
            "SELECT * FROM alert_outbox WHERE subscription = ? AND status = 'pending' AND "
            "(next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id",
            [subscription, now])]
        for row in rows:
            db.execute("UPDATE alert_outbox SET status = 'sending', claimed_by = ?, "
                       "claimed_at = ? WHERE id = ?", [claimer, now, row["id"]])
    return rows


def release(db: sqlite_utils.Database, ids: Sequence[int], until: str | None = None) -> None:
    """Give claimed rows back without an attempt counted (the rate limit is reached, or the
    channel just failed on an earlier message: then they wait `until` too)."""
    with write_transaction(db):
        for row_id in ids:
            db.execute("UPDATE alert_outbox SET status = 'pending', claimed_by = NULL, "
                       "claimed_at = NULL, next_attempt_at = coalesce(?, next_attempt_at) "
                       "WHERE id = ? AND status = 'sending'", [until, row_id])


def start_delivery(db: sqlite_utils.Database, subscription: str, channel: str,
                   ids: Sequence[int], subject: str, overflow: bool, now: str) -> int:
    with write_transaction(db):
        cursor = db.execute(
            "INSERT INTO alert_deliveries (subscription, channel, started_at, status, items, "
            "overflow, subject) VALUES (?, ?, ?, 'sending', ?, ?, ?)",
            [subscription, channel, now, len(ids), int(overflow), subject])
        delivery = int(cursor.lastrowid or 0)
        for row_id in ids:
            db.execute("UPDATE alert_outbox SET delivery_id = ? WHERE id = ?", [delivery, row_id])
    return delivery


def finish_delivery(db: sqlite_utils.Database, delivery: int, ids: Sequence[int], now: str,
                    error: str | None, retry_at: str | None, status_when_sent: str = "sent",
                    ) -> None:
    """Record one message's outcome. Sent: its rows are `sent` (or `suppressed`, for rows an
    overflow summary stood for). Failed: the rows go back to pending until retry_at, or are
    `failed` for good when retry_at is None."""
    with write_transaction(db):
        db.execute("UPDATE alert_deliveries SET status = ?, finished_at = ?, error = ? "
                   "WHERE id = ?", ["failed" if error else "sent", now, error, delivery])
        for row_id in ids:
            if error is None:
                db.execute("UPDATE alert_outbox SET status = ?, sent_at = ?, attempts = "
                           "attempts + 1, last_error = NULL WHERE id = ?",
                           [status_when_sent, now, row_id])
            else:
                db.execute("UPDATE alert_outbox SET status = ?, attempts = attempts + 1, "
                           "last_error = ?, next_attempt_at = ?, claimed_by = NULL, "
                           "claimed_at = NULL WHERE id = ?",
                           ["pending" if retry_at else "failed", error, retry_at, row_id])


def sent_in_window(db: sqlite_utils.Database, subscription: str, since: str) -> int:
    """Messages that went out (or may have) to this subscription since `since`."""
    row = next(db.query("SELECT count(*) AS n FROM alert_deliveries WHERE subscription = ? "
                        "AND started_at >= ? AND status IN ('sent', 'sending', 'interrupted')",
                        [subscription, since]))
    return int(row["n"])


def subscription_report(db: sqlite_utils.Database, name: str) -> dict[str, Any]:
    """What `alerts list` shows: the outbox by status, the last message sent, the last
    failure."""
    counts = {r["status"]: r["n"] for r in db.query(
        "SELECT status, count(*) AS n FROM alert_outbox WHERE subscription = ? GROUP BY status",
        [name])}
    last_sent = next(db.query("SELECT finished_at, subject, items FROM alert_deliveries WHERE "
                              "subscription = ? AND status = 'sent' ORDER BY id DESC LIMIT 1",
                              [name]), None)
    last_failure = next(db.query("SELECT finished_at, error FROM alert_deliveries WHERE "
                                 "subscription = ? AND status = 'failed' ORDER BY id DESC "
                                 "LIMIT 1", [name]), None)
    registered = db["alert_subscriptions"].count_where("name = ?", [name])
    return {"outbox": counts, "last_sent": dict(last_sent) if last_sent else None,
            "last_failure": dict(last_failure) if last_failure else None,
            "registered": bool(registered)}
