"""The maintenance jobs as functions: what `newsmon recheck` and `digest` do, and what the
scheduler runs (recheck in a child process, since it crawls; digest in the scheduler)."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)


def recheck_job(db_path: str, sources_path: str | None, days: float,
                settings: dict[str, Any]) -> None:
    """Recheck the articles first seen in the last DAYS days of every configured source.

    Raises when a recheck crawl did not finish, so the scheduler records a failure.
    """
    from crawler.sources import load_sources
    from newsmon.maintenance import recheck_jobs
    from newsmon.runner import crawl_settings, format_outcome, run_crawls
    from storage.db import open_db
    jobs = recheck_jobs(open_db(db_path), load_sources(sources_path), days)
    if not jobs:
        logger.info("nothing to recheck in the last %g days", days)
        return
    results = run_crawls(jobs, crawl_settings(db_path, sources_path, {
        "NEWSMON_RUN_TRIGGER": "recheck", **settings}))
    failed = []
    for outcome, _ in results.values():
        logger.info("%s", format_outcome(outcome))
        if outcome.status not in ("finished", "skipped"):
            failed.append(f"{outcome.source}: {outcome.status}")
        elif outcome.errors:
            # An outlet that was down was not rechecked (as `newsmon recheck` says).
            failed.append(f"{outcome.source}: {outcome.errors} article(s) could not be "
                          f"fetched")
    if failed:
        raise RuntimeError(f"recheck did not finish for {', '.join(failed)}")


def render_digest(db_path: str, since: str) -> tuple[str, list[dict[str, Any]], str]:
    """(since as UTC ISO, stories, Markdown) of the new relevant stories since `since` (an
    ISO time, a date or a span like 1d / 12h)."""
    from newsmon.options import since_to_iso
    from storage.db import open_db
    from storage.digest import digest_stories
    since_iso = since if "T" in since else since_to_iso(since)
    db = open_db(db_path, readonly=True)
    try:
        stories = digest_stories(db, since_iso)
    finally:
        db.close()
    return since_iso, stories, digest_markdown(stories, since_iso)


def digest_job(db_path: str, since: str, out_dir: str) -> int:
    """Write digest-<date>.md and .json to out_dir; return how many stories they list."""
    since_iso, stories, markdown = render_digest(db_path, since)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    now = datetime.now(timezone.utc)
    stem = f"digest-{now:%Y-%m-%d}"
    if (out / f"{stem}.md").exists():           # a second digest today keeps the first
        stem = f"digest-{now:%Y-%m-%d-%H%M%S}"
    (out / f"{stem}.md").write_text(markdown, encoding="utf-8")
    (out / f"{stem}.json").write_text(
        json.dumps({"since": since_iso, "until": now.replace(microsecond=0).isoformat(),
                    "stories": stories}, indent=2, ensure_ascii=False), encoding="utf-8")
    logger.info("%d stories since %s -> %s", len(stories), since_iso, out / f"{stem}.md")
    return len(stories)


def digest_markdown(stories: list[dict[str, Any]], since: str) -> str:
    lines = [f"# newsmon digest: {len(stories)} new relevant stories since {since}", ""]
    by_topic: dict[str, list[dict[str, Any]]] = {}
    for story in stories:
        by_topic.setdefault((story["topics"] or ["untagged"])[0], []).append(story)
    for topic in sorted(by_topic):
        lines += [f"## {topic}", ""]
        for story in by_topic[topic]:
            outlets = ", ".join(story["outlets"])
            tags = ", ".join(story["subtags"])
            lines.append(f"- [{story['title']}]({story['first_url']}) "
                         f"({story['first_published_at'] or 'undated'}; {outlets}"
                         + (f"; {tags}" if tags else "") + ")")
            for article in story["articles"][1:]:
                lines.append(f"  - {article['source']}: [{article['title']}]({article['url']})")
        lines.append("")
    return "\n".join(lines)


def alerts_job(alerts_path: str) -> Any:
    """The scheduler's alerts function for this alerts file: it is read again on every call,
    so a changed filter applies at once (batch times on the scheduler's restart)."""
    from newsmon.alerts.config import load_checked
    from newsmon.alerts.engine import send_due

    def send(db_path: str, only: str | None = None,
             immediate_only: bool = False) -> tuple[int, int]:
        config = load_checked(alerts_path)
        summary = send_due(db_path, config, only=only, immediate_only=immediate_only)
        logger.info("%s", summary.line())
        return summary.sent, summary.failed

    return send


def alert_batches(config: Any) -> tuple[Any, ...]:
    """The scheduler's jobs for the batched subscriptions of an alerts file."""
    from schedules.plan import AlertBatch
    batches = []
    for sub in config.subscriptions:
        if sub.mode.kind == "every":
            batches.append(AlertBatch(sub.name, every_minutes=sub.mode.minutes))
        elif sub.mode.kind == "daily":
            hour, minute = (int(x) for x in (sub.mode.at or "08:00").split(":"))
            batches.append(AlertBatch(sub.name, cron=f"{minute} {hour} * * *",
                                      time_zone=sub.time_zone))
    return tuple(batches)
