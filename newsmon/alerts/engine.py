"""Alerts end to end: find the events each subscription wants, queue them in the outbox once,
and send what is due (immediately, or as a batch every N minutes / daily at a time in the
subscriber's zone), within each subscription's rate limit, retrying failures with backoff."""

from __future__ import annotations

import json
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from newsmon.alerts.channels import DeliveryError, deliver, describe
from newsmon.alerts.config import AlertConfig, Subscription
from newsmon.alerts.messages import EVENT_HEADINGS, Item, Message, strongest_evidence
from storage import alerts as store

if TYPE_CHECKING:
    import sqlite_utils

logger = logging.getLogger(__name__)

BACKOFF_S = (60, 300, 900, 3600, 3 * 3600, 6 * 3600)
MAX_ITEMS_PER_MESSAGE = 25
Deliver = Callable[..., None]


@dataclass
class Summary:
    sent: int = 0            # messages that went out
    failed: int = 0          # messages that did not (retried later unless given up)
    suppressed: int = 0      # items folded into an overflow summary by the rate limit
    queued: int = 0          # new outbox rows
    deferred: int = 0        # items waiting for their batch time or the rate limit
    interrupted: int = 0     # items a killed sender left half-sent (not resent)
    items: int = 0           # items carried by the messages sent
    would_send: list[Message] = field(default_factory=list)   # dry run

    def line(self) -> str:
        return (f"alerts: {self.sent} message(s) sent ({self.items} item(s)), {self.failed} "
                f"failed, {self.suppressed} suppressed by rate limits; {self.queued} newly "
                f"queued, {self.deferred} waiting for their time, {self.interrupted} "
                f"interrupted earlier")


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _parse(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def database_name(db_path: str) -> str:
    """The database's name in Datasette's URLs, as `newsmon serve` names it, encoded."""
    from datasette.utils import tilde_encode

    from newsmon.web.serve import datasette_name
    return tilde_encode(datasette_name(db_path))


def _claimer() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(claimer: str | None) -> bool:
    """Whether the sender that claimed a row still runs (a sender on another host is
    presumed alive)."""
    if not claimer or ":" not in claimer:
        return False
    from storage.locks import pid_alive
    host, _, pid = claimer.rpartition(":")
    if host != socket.gethostname():
        return True
    return pid.isdigit() and pid_alive(int(pid))


# -- finding events --------------------------------------------------------------------------

def _since(sub: Subscription, first_seen_at: str, now: datetime, catch_up_days: float) -> str:
    """Where the subscription's events start: its first sight minus its backfill, but never
    further back than the catch-up window (old news is not an alert; the scan stays short)."""
    start = _parse(first_seen_at) - timedelta(hours=sub.backfill_hours)
    return _iso(max(start, now - timedelta(days=catch_up_days)))


def find_events(db: sqlite_utils.Database, sub: Subscription, since: str) -> list[dict[str, Any]]:
    """The outbox rows the subscription's events produce since `since` (not yet filtered
    against what is already queued; the outbox's UNIQUE key does that)."""
    from newsmon.web.search import fts_query
    f = sub.filter
    fts = fts_query(f.query) if f.query else None
    common: dict[str, Any] = dict(topics=f.topics + f.subtags, sources=f.sources,
                                  languages=f.languages, min_score=f.min_score, fts=fts,
                                  relevant_only=f.relevant_only)
    rows: list[dict[str, Any]] = []

    def add(event: str, subject: str, article: dict[str, Any] | None, **detail: Any) -> None:
        rows.append({"subscription": sub.name, "event": event, "subject": subject,
                     "article_id": article["id"] if article else None,
                     "story_id": article.get("story_id") if article else None,
                     "source": article["source"] if article else detail.get("source"),
                     "detail": detail})

    if "new_article" in sub.events:
        announced = store.queued_stories(db, sub.name)
        for article in store.matching_articles(db, changed="first_seen_at", since=since,
                                               min_outlets=f.story_outlets, **common):
            story = article["story_id"]
            if story is not None and story in announced:
                continue                     # a later copy of a story already announced
            if story is not None:
                announced.add(story)
            add("new_article", f"story:{story}" if story else f"article:{article['id']}",
                article)
    if "story_grew" in sub.events:
        least = max(2, f.story_outlets or 2)
        seen: set[tuple[int, int]] = set()
        for article in store.matching_articles(db, changed="first_seen_at", since=since,
                                               min_outlets=least, include_duplicates=True,
                                               **common):
            key = (article["story_id"], article["outlet_count"])
            if article["story_id"] is None or key in seen:
                continue
            seen.add(key)
            add("story_grew", f"story:{key[0]}:outlets:{key[1]}", article,
                outlets=json.loads(article["outlets"] or "[]"))
    if "edited" in sub.events:
        for article in store.matching_articles(db, changed="edited_at", since=since, **common):
            add("edited", f"article:{article['id']}:edit:{article['edit_count'] or 1}", article)
    if "removed" in sub.events:
        for article in store.matching_articles(db, changed="removed_at", since=since,
                                               **common):
            add("removed", f"article:{article['id']}:removed", article,
                reason=article["removed_reason"])
    if "source_failing" in sub.events:
        for failing in store.failing_sources(db, since, f.sources):
            add("source_failing", f"source:{failing['source']}:run:{failing['first_run']}",
                None, **failing)
    return rows


# -- building messages -----------------------------------------------------------------------

def _item(db: sqlite_utils.Database, row: dict[str, Any], desk: str) -> Item:
    detail = json.loads(row.get("detail") or "{}")
    if row["event"] == "source_failing":
        return Item("source_failing", f"{detail.get('source')}: {detail.get('failed_runs')} "
                    f"failed run(s) in a row", source=detail.get("source"),
                    desk_link=f"{desk}/source_health_now",
                    note=f"Failing since {detail.get('since')}: {detail.get('error')}",
                    outbox_id=row["id"])
    article = store.article(db, row["article_id"]) if row["article_id"] else None
    if article is None:
        return Item(row["event"], f"(article {row['article_id']} no longer stored)",
                    outbox_id=row["id"])
    copies = []
    if article["story_id"] is not None:
        for other in store.story_articles(db, article["story_id"]):
            if other["id"] != article["id"]:
                copies.append({"source": other["source"], "title": other["title"],
                               "url": other["url"], "newsmon_url": f"{desk}/articles/{other['id']}",
                               "relation": other["story_relation"] or "first report",
                               "published_at": other["published_at"]})
    note = None
    if row["event"] == "edited":
        note = f"Edited {article['edit_count']} time(s), last on {article['edited_at']}."
    elif row["event"] == "removed":
        note = f"Taken down on {article['removed_at']}: {article['removed_reason']}."
    elif row["event"] == "story_grew":
        outlets = detail.get("outlets") or []
        note = f"Now carried by {len(outlets)} outlets: {', '.join(outlets)}."
    return Item(row["event"], article["title"] or article["url"],
                desk_link=f"{desk}/articles/{article['id']}", original=article["url"],
                source=article["source"], published=article["published_at"],
                lang=article["lang"], topics=json.loads(article["topics"] or "[]"),
                subtags=json.loads(article["subtags"] or "[]"),
                why=strongest_evidence(article["tag_evidence"]), copies=copies, note=note,
                outbox_id=row["id"])


def _subject(sub: Subscription, items: list[Item], overflow: int = 0) -> str:
    if len(items) == 1 and not overflow:
        return f"[newsmon] {EVENT_HEADINGS.get(items[0].event, items[0].event)}: {items[0].title}"
    total = len(items) + overflow
    return f"[newsmon] {sub.name}: {total} alert(s)"


# -- when a batch is due ---------------------------------------------------------------------

def batch_due(sub: Subscription, now: datetime, last_batch_at: str | None,
              first_seen_at: str) -> bool:
    if sub.mode.kind == "immediate":
        return True
    reference = _parse(last_batch_at or first_seen_at)
    if sub.mode.kind == "every":
        return now - reference >= timedelta(minutes=sub.mode.minutes or 60)
    hour, minute = (int(x) for x in (sub.mode.at or "08:00").split(":"))
    local = now.astimezone(sub.zone)
    slot = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if slot > local:
        slot -= timedelta(days=1)
    return slot.astimezone(timezone.utc) > reference


# -- sending ---------------------------------------------------------------------------------

def _messages(db: sqlite_utils.Database, sub: Subscription, rows: list[dict[str, Any]],
              desk: str) -> list[tuple[Message, list[int]]]:
    items = [_item(db, row, desk) for row in rows]
    chunks = ([[item] for item in items] if sub.mode.kind == "immediate" else
              [items[i:i + MAX_ITEMS_PER_MESSAGE]
               for i in range(0, len(items), MAX_ITEMS_PER_MESSAGE)])
    out = []
    for chunk in chunks:
        ids = [int(i.outbox_id) for i in chunk if i.outbox_id is not None]
        key = f"{sub.name}:{ids[0]}-{ids[-1]}:{len(ids)}" if ids else sub.name
        out.append((Message(sub.name, _subject(sub, chunk), chunk, delivery_key=key), ids))
    return out


def _overflow(sub: Subscription, messages: list[tuple[Message, list[int]]], allowed: int,
              desk: str) -> tuple[list[tuple[Message, list[int]]], list[int]]:
    """Within the rate limit: the first allowed-1 messages as they are, then one summary for
    the rest. Returns the messages to send and the outbox ids the summary stands for."""
    if len(messages) <= allowed:
        return messages, []
    keep = messages[:allowed - 1]
    rest = messages[allowed - 1:]
    folded = [i for _, ids in rest for i in ids]
    first_items = rest[0][0].items[:3]
    summary = Message(sub.name, _subject(sub, first_items, len(folded) - len(first_items)),
                      first_items, overflow=len(folded) - len(first_items),
                      overflow_link=f"{desk}/review_queue",
                      delivery_key=f"{sub.name}:overflow:{folded[0]}-{folded[-1]}")
    return keep + [(summary, folded)], folded


def send_due(db_path: str, config: AlertConfig, *, dry_run: bool = False,
             only: str | None = None, immediate_only: bool = False,
             now: datetime | None = None, transport: Deliver = deliver,
             echo: Callable[[str], None] | None = None) -> Summary:
    """Queue new events and send everything due now; the summary says what happened."""
    from storage.db import open_db
    now = now or datetime.now(timezone.utc)
    now_iso = _iso(now)
    summary = Summary()
    desk = f"{config.desk_url}/{database_name(db_path)}"
    db = open_db(db_path)
    try:
        if not dry_run:
            summary.interrupted = store.interrupt_stale(db, _alive, now_iso)
        for sub in config.subscriptions:
            if (only and sub.name != only) or (immediate_only and sub.mode.kind != "immediate"):
                if not dry_run:                # its clock starts and its events queue now
                    _queue_events(db, config, sub, now, summary)
                continue
            _send_subscription(db, config, sub, desk, now, now_iso, dry_run, transport,
                               summary, echo)
    finally:
        db.close()
    return summary


def _send_subscription(db: sqlite_utils.Database, config: AlertConfig, sub: Subscription,
                       desk: str, now: datetime, now_iso: str, dry_run: bool,
                       transport: Deliver, summary: Summary,
                       echo: Callable[[str], None] | None) -> None:
    if dry_run:
        state = store.subscription_state(db, sub.name) or {"first_seen_at": now_iso,
                                                            "last_batch_at": None}
        events = find_events(db, sub, _since(sub, str(state["first_seen_at"]), now,
                                             config.catch_up_days))
        outbox = store.outbox_rows(db, sub.name)
        pending = [r for r in outbox if r["status"] == "pending"]
        known_subjects = {(r["event"], r["subject"]) for r in outbox}
        # Not queued in a dry run: stand-in ids (negative) keep the messages apart.
        fresh = [dict(e, id=-n, detail=json.dumps(e["detail"])) for n, e in enumerate(
                 (e for e in events if (e["event"], e["subject"]) not in known_subjects), 1)]
        rows = pending + fresh
        if not rows:
            return
        if not batch_due(sub, now, state.get("last_batch_at"), str(state["first_seen_at"])):
            summary.deferred += len(rows)
            return
        # The rate limit as a real send applies it: what is over it folds into a summary.
        window = _iso(now - timedelta(minutes=sub.rate_limit.per_minutes))
        allowed = sub.rate_limit.messages - store.sent_in_window(db, sub.name, window)
        if allowed <= 0:
            summary.deferred += len(rows)
            return
        would, _ = _overflow(sub, _messages(db, sub, rows, desk), allowed, desk)
        for message, _ in would:
            summary.would_send.append(message)
            if echo:
                echo(f"--- would send to {describe(sub.channel)}: {message.subject}\n"
                     f"{message.text()}\n")
        return
    state = _queue_events(db, config, sub, now, summary)
    first_seen = str(state["first_seen_at"])
    if not batch_due(sub, now, state.get("last_batch_at"), first_seen):
        summary.deferred += store.pending_count(db, sub.name)
        return
    rows = store.claim_due(db, sub.name, now_iso, _claimer())
    if not rows:
        return
    messages = _messages(db, sub, rows, desk)
    window = _iso(now - timedelta(minutes=sub.rate_limit.per_minutes))
    allowed = sub.rate_limit.messages - store.sent_in_window(db, sub.name, window)
    if allowed <= 0:
        store.release(db, [r["id"] for r in rows])
        summary.deferred += len(rows)
        logger.warning("alerts %s: rate limit reached (%d per %d min); %d item(s) wait",
                       sub.name, sub.rate_limit.messages, sub.rate_limit.per_minutes, len(rows))
        return
    messages, folded = _overflow(sub, messages, allowed, desk)
    folded_set = set(folded)
    sent_before = summary.sent
    for index, (message, ids) in enumerate(messages):
        is_summary = bool(message.overflow)
        delivery = store.start_delivery(db, sub.name, sub.channel.label, ids, message.subject,
                                        is_summary, now_iso)
        try:
            transport(sub.channel, config.smtp, message)
        except DeliveryError as exc:
            attempts = max(int(r["attempts"]) for r in rows if r["id"] in ids) + 1 if ids else 1
            retry_at = None
            if attempts < config.max_attempts:
                wait = max(BACKOFF_S[min(attempts - 1, len(BACKOFF_S) - 1)],
                           exc.retry_after or 0)
                retry_at = _iso(now + timedelta(seconds=wait))
            store.finish_delivery(db, delivery, ids, now_iso, str(exc), retry_at)
            summary.failed += 1
            logger.warning("alerts %s: %s%s", sub.name, exc,
                           f"; retry after {retry_at}" if retry_at else "; giving up")
            # The channel is down: the rest wait with it rather than fail one by one.
            rest = [i for _, later in messages[index + 1:] for i in later]
            store.release(db, rest, retry_at or _iso(now + timedelta(seconds=BACKOFF_S[0])))
            summary.deferred += len(rest)
            break
        if is_summary:
            shown = {i.outbox_id for i in message.items}
            store.finish_delivery(db, delivery, [i for i in ids if i in shown], now_iso, None,
                                  None)
            store.finish_delivery(db, delivery, [i for i in ids if i not in shown], now_iso,
                                  None, None, status_when_sent="suppressed")
            summary.suppressed += len([i for i in ids if i in folded_set and i not in shown])
        else:
            store.finish_delivery(db, delivery, ids, now_iso, None, None)
        summary.sent += 1
        summary.items += len(message.items)
    if sub.mode.kind != "immediate" and summary.sent > sent_before:
        store.set_last_batch(db, sub.name, now_iso)


def _queue_events(db: sqlite_utils.Database, config: AlertConfig, sub: Subscription,
                  now: datetime, summary: Summary) -> dict[str, Any]:
    """Register the subscription (its first sight starts its clock) and queue its new events;
    return its state."""
    now_iso = _iso(now)
    state = store.register_subscription(db, sub.name, sub.config_json(), now_iso)
    since = _since(sub, str(state["first_seen_at"]), now, config.catch_up_days)
    summary.queued += store.queue(db, find_events(db, sub, since), now_iso)
    return state


def sample_message(config: AlertConfig, sub: Subscription) -> Message:
    """`alerts test`: a made-up item in the subscription's format."""
    item = Item("new_article", "Пример: суд арестовал журналиста по делу о «фейках» (newsmon "
                "test alert)", desk_link=f"{config.desk_url}/newsmon/articles/1",
                original="https://example.org/news/test-alert", source="example",
                published=_iso(datetime.now(timezone.utc)), lang="ru",
                topics=["crackdown"], subtags=["arrest_detention"],
                why="арестовал: Суд арестовал журналиста …",
                copies=[{"source": "example-en", "title": "Court jails journalist (test)",
                         "url": "https://example.org/en/test-alert", "relation": "translation",
                         "newsmon_url": None, "published_at": None}])
    return Message(sub.name, f"[newsmon] test alert for {sub.name}", [item],
                   delivery_key=f"{sub.name}:test:{int(datetime.now().timestamp())}")
