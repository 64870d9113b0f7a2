"""Source health (the source_health view, `newsmon health`) and the daily digest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from storage.db import open_db
from storage.digest import digest_stories
from storage.health import source_health
from tests.conftest import REPO

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def _at(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat()


class Newsroom:
    """Writes synthetic sources, runs and articles relative to the real clock."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db
        self.n = 0

    def source(self, sid: str) -> None:
        self.db.execute("INSERT INTO sources (id, name, enabled) VALUES (?, ?, 1)", [sid, sid])

    def run(self, sid: str, status: str, hours_ago: float, new: int = 0,
            triggered_by: str = "schedule") -> None:
        self.db.execute("INSERT INTO crawl_runs (source, started_at, finished_at, status, "
                        "new_articles, triggered_by) VALUES (?, ?, ?, ?, ?, ?)",
                        [sid, _at(hours=hours_ago), _at(hours=hours_ago - 0.01), status, new,
                         triggered_by])

    def article(self, sid: str, hours_ago: float, *, dated: bool = True, author: bool = True,
                words: int = 400, **extra: Any) -> int:
        self.n += 1
        row = {"url": f"https://{sid}.example/{self.n}", "canonical_url":
               f"https://{sid}.example/{self.n}", "source": sid, "title": f"{sid} story {self.n}",
               "text": "words " * words, "word_count": words, "text_hash": f"h{self.n}",
               "published_at": _at(hours=hours_ago) if dated else None,
               "authors": json.dumps(["A. Writer"]) if author else "[]",
               "first_seen_at": _at(hours=hours_ago), "last_seen_at": _at(hours=hours_ago),
               **extra}
        self.db.table("articles").insert(row)
        return int(self.db.execute("SELECT last_insert_rowid()").fetchone()[0])

    def steady(self, sid: str, days: int = 20, per_day: int = 4, start: int = 2,
               **kw: Any) -> None:
        """per_day articles around noon (UTC) of each of the calendar days start..start+days-1
        ago."""
        for day in range(start, start + days):
            noon = (NOW - timedelta(days=day)).replace(hour=12, minute=0, second=0)
            for i in range(per_day):
                self.article(sid, hours_ago=(NOW - noon).total_seconds() / 3600 - i / 10,
                             **kw)


@pytest.fixture
def newsroom(db_path: str) -> Any:
    db = open_db(db_path)
    yield Newsroom(db)
    db.close()


def _by_source(db: sqlite_utils.Database) -> dict[str, dict[str, Any]]:
    return {row["source"]: row for row in source_health(db)}


def test_a_healthy_source_is_ok_with_its_usual_range(newsroom: Newsroom) -> None:
    newsroom.source("good")
    newsroom.steady("good", days=20, per_day=4)
    for i in range(4):
        newsroom.article("good", hours_ago=1 + i)
    newsroom.run("good", "finished", hours_ago=0.5, new=2)
    row = _by_source(newsroom.db)["good"]
    assert row["status"] == "ok" and row["flags"] == [], row
    assert row["usual_per_day_low"] == row["usual_per_day_high"] == 4   # yesterday may be 0
    assert row["articles_last_24h"] == 4 and row["consecutive_failures"] == 0
    assert row["hours_since_new_article"] < 2


def test_three_failures_in_a_row_flag_a_failing_source(newsroom: Newsroom) -> None:
    newsroom.source("down")
    newsroom.steady("down", days=3)
    newsroom.run("down", "finished", hours_ago=10)
    for hours in (3, 2, 1):
        newsroom.run("down", "failed", hours_ago=hours)
    newsroom.run("down", "finished", hours_ago=0.5, triggered_by="recheck")  # not a crawl
    row = _by_source(newsroom.db)["down"]
    assert row["consecutive_failures"] == 3 and "failing" in row["flags"]
    assert row["status"] == "alert" and row["last_run_status"] == "failed"


def test_crawls_that_fail_before_recording_a_run_flag_the_source(newsroom: Newsroom) -> None:
    """A crawl process that dies before it opens its run (a broken sources file) leaves no
    crawl_runs row; the scheduler's count of failures in schedule_state still flags it."""
    newsroom.source("broken")
    newsroom.steady("broken", days=3)
    newsroom.run("broken", "finished", hours_ago=10)
    from storage.schedule_state import put_state
    put_state(newsroom.db, "broken", {"kind": "interval", "consecutive_failures": 3,
                                      "last_status": "failed", "last_run_at": _at(hours=1)})
    row = _by_source(newsroom.db)["broken"]
    assert row["consecutive_failures"] == 3 and "failing" in row["flags"]
    # A crawl that works afterwards (by hand, say) ends the alert although the scheduler's
    # own count is still 3.
    newsroom.run("broken", "finished", hours_ago=0.5, triggered_by="manual")
    row = _by_source(newsroom.db)["broken"]
    assert row["consecutive_failures"] == 0 and "failing" not in row["flags"]


def test_a_source_that_goes_silent_is_flagged(newsroom: Newsroom) -> None:
    newsroom.source("quiet")
    newsroom.steady("quiet", days=20, per_day=5)
    # Nothing since 3 days although it usually has 5 a day; runs still succeed.
    newsroom.db.execute("DELETE FROM articles WHERE first_seen_at > ?", [_at(days=3)])
    newsroom.run("quiet", "finished", hours_ago=0.2)
    row = _by_source(newsroom.db)["quiet"]
    assert "silent" in row["flags"]
    assert row["status"] == "alert" and row["hours_since_new_article"] >= 72


def test_a_day_far_below_the_usual_range_is_flagged(newsroom: Newsroom) -> None:
    newsroom.source("thin")
    newsroom.steady("thin", days=20, per_day=10)
    newsroom.article("thin", hours_ago=2)
    newsroom.run("thin", "finished", hours_ago=0.2, new=1)
    row = _by_source(newsroom.db)["thin"]
    assert row["usual_per_day_low"] == 10 and row["articles_last_24h"] == 1
    assert row["flags"] == ["below_usual"] and row["status"] == "warning"


def test_extraction_that_broke_after_a_redesign_is_flagged(newsroom: Newsroom) -> None:
    newsroom.source("redesigned")
    newsroom.steady("redesigned", days=20, per_day=3)
    for i in range(8):                        # this week: no dates, no authors, short texts
        newsroom.article("redesigned", hours_ago=2 + i * 12, dated=False, author=False,
                         words=30)
    newsroom.run("redesigned", "finished", hours_ago=0.2, new=2)
    row = _by_source(newsroom.db)["redesigned"]
    assert "extraction_degraded" in row["flags"], row
    assert row["share_missing_date"] > 0.3 and row["usual_share_missing_date"] == 0
    assert row["status"] == "warning"


def test_site_rules_that_stop_matching_raise_the_drift_alarm(newsroom: Newsroom) -> None:
    newsroom.source("ruled")
    # Four weeks of pages on which one of three rules (an opinion disclaimer) rarely matched.
    newsroom.steady("ruled", days=20, per_day=3, start=4, extract_rules_missed=1)
    newsroom.source("steady")
    newsroom.steady("steady", days=20, per_day=3, start=4, extract_rules_missed=1)
    for i in range(6):                   # this week the outlet renamed its classes
        newsroom.article("ruled", hours_ago=2 + i * 3, extract_rules_missed=3)
        newsroom.article("steady", hours_ago=2 + i * 3, extract_rules_missed=1)
    for sid in ("ruled", "steady"):
        newsroom.run(sid, "finished", hours_ago=0.2, new=1)
    rows = _by_source(newsroom.db)
    row = rows["ruled"]
    assert row["flags"] == ["rules_stopped_matching"] and row["status"] == "warning", row
    assert (row["rules_missed_per_article"], row["usual_rules_missed_per_article"]) == (3, 1)
    assert rows["steady"]["flags"] == []


def test_texts_that_get_much_shorter_raise_the_drift_alarm(newsroom: Newsroom) -> None:
    newsroom.source("cut")
    newsroom.steady("cut", days=20, per_day=3, start=4, words=600)
    newsroom.source("short")                # an outlet of short news is not drifting
    newsroom.steady("short", days=20, per_day=3, start=4, words=120)
    for i in range(6):                      # the extractor now keeps only the lead
        newsroom.article("cut", hours_ago=2 + i * 3, words=180)
        newsroom.article("short", hours_ago=2 + i * 3, words=110)
    for sid in ("cut", "short"):
        newsroom.run(sid, "finished", hours_ago=0.2, new=1)
    rows = _by_source(newsroom.db)
    assert rows["cut"]["flags"] == ["text_shorter"], rows["cut"]
    assert (rows["cut"]["median_words"], rows["cut"]["usual_median_words"]) == (180, 600)
    assert rows["short"]["flags"] == []


def test_never_run_and_never_succeeded(newsroom: Newsroom) -> None:
    newsroom.source("new")
    newsroom.source("broken")
    newsroom.run("broken", "failed", hours_ago=1)
    rows = _by_source(newsroom.db)
    assert rows["new"]["flags"] == ["never_run"]
    assert "never_succeeded" in rows["broken"]["flags"] and rows["broken"]["status"] == "alert"


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSMON_DB", "NEWSMON_SOURCES")}
    return subprocess.run([sys.executable, "-m", "newsmon.cli", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)


def test_health_command_and_check_exit_code(newsroom: Newsroom, db_path: str,
                                            tmp_path: Path) -> None:
    newsroom.source("demo-tmt")
    newsroom.steady("demo-tmt", days=3)
    for hours in (3, 2, 1):
        newsroom.run("demo-tmt", "failed", hours_ago=hours)
    sources = tmp_path / "s.yaml"
    sources.write_text((REPO / "newsmon" / "demo" / "sources.yaml.tmpl").read_text()
                       .replace("{{BASE_RE}}", "http://127\\.0\\.0\\.1:1")
                       .replace("{{BASE}}", "http://127.0.0.1:1"), encoding="utf-8")
    table = _cli("health", "--db", db_path, "--sources", str(sources))
    assert table.returncode == 0, table.stderr
    assert "demo-tmt" in table.stdout and "failing" in table.stdout
    assert "failing: the last 3 or more runs failed" in table.stdout
    as_json = json.loads(_cli("health", "--db", db_path, "--sources", str(sources),
                              "--json").stdout)
    assert {r["source"] for r in as_json} >= {"demo-tmt", "demo-ovd"}
    assert _cli("health", "--db", db_path, "--sources", str(sources), "--check").returncode == 1


def test_digest_lists_each_new_relevant_story_once_with_its_outlets(newsroom: Newsroom) -> None:
    story = dict(relevant=1, topics=json.dumps(["crackdown"]), subtags=json.dumps(["arrest"]))
    first = newsroom.article("tmt", hours_ago=5, story_id=1, **story)
    newsroom.article("meduza", hours_ago=3, story_id=1, **story)
    newsroom.article("ovd", hours_ago=4, story_id=2, **story)
    newsroom.article("ovd", hours_ago=2, story_id=3, relevant=0)
    newsroom.article("tmt", hours_ago=60, story_id=4, **story)          # older than the window
    stories = digest_stories(newsroom.db, _at(days=1))
    # newest story first: story 2 was published 4 h ago, story 1 (first report) 5 h ago
    assert [s["story_id"] for s in stories] == [2, 1]
    one = next(s for s in stories if s["story_id"] == 1)
    assert one["outlets"] == ["meduza", "tmt"] and one["articles"][0]["id"] == first
    assert one["topics"] == ["crackdown"] and one["subtags"] == ["arrest"]


def test_the_digest_names_the_outlets_of_verbatim_copies(newsroom: Newsroom) -> None:
    """A syndicated story's verbatim copy on another outlet is stored with duplicate_of (and
    left untagged): the digest still names that outlet, once, and no copy from an outlet
    already listed."""
    story = dict(relevant=1, topics=json.dumps(["crackdown"]), subtags=json.dumps(["arrest"]))
    first = newsroom.article("tmt", hours_ago=5, story_id=7, **story)
    copy = newsroom.article("meduza", hours_ago=4, story_id=7, duplicate_of=first)
    newsroom.article("tmt", hours_ago=3, story_id=7, duplicate_of=first)    # same outlet
    newsroom.article("ovd", hours_ago=2, story_id=8, duplicate_of=first, relevant=0)
    (one,) = digest_stories(newsroom.db, _at(days=1))
    assert one["story_id"] == 7 and one["outlets"] == ["meduza", "tmt"]
    assert [a["id"] for a in one["articles"]] == [first, copy]
    assert one["topics"] == ["crackdown"]


def test_a_weekly_cron_source_is_not_stale_between_its_runs(newsroom: Newsroom) -> None:
    from schedules.plan import plan_for_source
    from tests.test_schedule import _sources
    plan = plan_for_source(_sources({"cron": "0 6 * * 1"})[0])
    week = plan.cron_period_s(NOW)
    assert week == 7 * 86400
    newsroom.source("weekly")
    newsroom.article("weekly", hours_ago=96)
    newsroom.run("weekly", "finished", hours_ago=96, new=1)
    newsroom.db.execute("INSERT INTO schedule_state (source, kind, cron, current_interval_s) "
                        "VALUES ('weekly', 'cron', '0 6 * * 1', ?)", [week])
    assert "stale" not in _by_source(newsroom.db)["weekly"]["flags"]
    newsroom.db.execute("UPDATE schedule_state SET current_interval_s = 86400")   # daily
    assert "stale" in _by_source(newsroom.db)["weekly"]["flags"]


def test_a_skipped_run_is_not_the_sources_last_run(newsroom: Newsroom) -> None:
    newsroom.source("busy")
    newsroom.article("busy", hours_ago=1)
    newsroom.run("busy", "finished", hours_ago=1, new=1)
    newsroom.run("busy", "skipped", hours_ago=0.5, triggered_by="manual")
    newsroom.run("busy", "interrupted", hours_ago=0.2)
    row = _by_source(newsroom.db)["busy"]
    assert row["last_run_status"] == "interrupted" and row["consecutive_failures"] == 0
    assert row["status"] == "ok"
