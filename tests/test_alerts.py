"""Alerts: alerts.yaml validation, the outbox (at most once, across restarts, a kill -9 and
concurrent senders), retries with backoff, rate limits, batches, and real deliveries to a
local webhook receiver, Telegram-style and Slack-style endpoints and an SMTP server with
STARTTLS and a login, after a real crawl of the demo site."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.alert_receivers import HookServer, MailServer
from tests.conftest import REPO

ISSUE_EXAMPLE = """subscriptions:
  - name: crackdown-ru
    filter: {topics: [crackdown], languages: [ru]}
    channel: {webhook: "http://127.0.0.1:9000/hook"}
    mode: immediate
"""


def newsmon(*args: str, env: dict[str, str] | None = None, check: bool = True,
            cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items()
            if k not in ("NEWSMON_DB", "NEWSMON_SOURCES", "NEWSMON_ALERTS")}
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", *args], cwd=cwd,
                            env={**base, **(env or {})}, capture_output=True, text=True,
                            timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"newsmon {' '.join(args)}:\n{result.stdout}\n{result.stderr}")
    return result


def rows(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, params)]
    finally:
        conn.close()


def copy_db(src: Path, dst: Path) -> Path:
    """A consistent copy (the WAL included) through SQLite's backup API, without the alert
    state the crawl's own subscriptions left."""
    source, target = sqlite3.connect(src), sqlite3.connect(dst)
    try:
        source.backup(target)
        for table in ("alert_outbox", "alert_deliveries", "alert_subscriptions"):
            target.execute(f"DELETE FROM {table}")
        target.commit()
    finally:
        source.close()
        target.close()
    return dst


def expected_new_stories(db: Path, topic: str, lang: str) -> dict[int, str]:
    """story -> title of its first stored article, for relevant articles with the topic."""
    found: dict[int, str] = {}
    for r in rows(db, "SELECT a.id, a.story_id, a.title FROM articles a WHERE a.relevant = 1 "
                      "AND a.duplicate_of IS NULL AND a.lang = ? AND EXISTS (SELECT 1 FROM "
                      "article_tags t WHERE t.article_id = a.id AND t.tag = ?) "
                      "ORDER BY a.first_seen_at, a.id", (lang, topic)):
        found.setdefault(r["story_id"], r["title"])
    return found


@pytest.fixture
def hook() -> Iterator[HookServer]:
    server = HookServer().start()
    try:
        yield server
    finally:
        server.stop()


class Crawled:
    def __init__(self, tmp: Path, db: Path, hook: HookServer, crawl_output: str) -> None:
        self.tmp, self.db, self.hook, self.crawl_output = tmp, db, hook, crawl_output


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    """`newsmon crawl --alerts` of the demo site with three subscriptions, one receiver."""
    tmp = tmp_path_factory.mktemp("alerts")
    hook = HookServer().start()
    config = tmp / "alerts.yaml"
    config.write_text(f"""
desk_url: http://desk.example:8001
subscriptions:
  - name: crackdown-ru
    filter: {{topics: [crackdown], languages: [ru]}}
    channel: {{webhook: "{hook.base}/hook"}}
    mode: immediate
    rate_limit: {{messages: 100, per_minutes: 60}}
  - name: spreading
    filter: {{story_outlets: 2}}
    events: [story_grew]
    channel: {{webhook: "{hook.base}/slack", format: slack}}
  - name: telegram-emigration
    filter: {{topics: [emigration], languages: [en]}}
    channel: {{telegram: "{hook.base}/bot123:SECRET/sendMessage", chat_id: "@newsroom"}}
""", encoding="utf-8")
    db = tmp / "newsroom.db"
    server = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "demo", "--serve-only",
                               "--port", "0", "--sources", str(tmp / "demo-sources.yaml")],
                              cwd=tmp, stdout=subprocess.PIPE, text=True,
                              env={k: v for k, v in os.environ.items() if k != "NEWSMON_DB"})
    try:
        assert server.stdout is not None
        while "demo sources file" not in server.stdout.readline():
            pass
        crawl = newsmon("crawl", "--db", str(db), "--sources", str(tmp / "demo-sources.yaml"),
                        "--alerts", str(config))
        yield Crawled(tmp, db, hook, crawl.stderr)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=20)
        hook.stop()


def _by_path(hook: HookServer, path: str) -> list[Any]:
    return [r for r in hook.received if r.path == path]


# -- after a real crawl ----------------------------------------------------------------------

def test_a_crawl_sends_each_matching_story_once_with_links_and_why(crawled: Crawled) -> None:
    assert re.search(r"alerts: \d+ message\(s\) sent", crawled.crawl_output)
    expected = expected_new_stories(crawled.db, "crackdown", "ru")
    got = _by_path(crawled.hook, "/hook")
    assert expected and len(got) == len(expected)
    titles = [r.body["items"][0]["title"] for r in got]
    assert sorted(titles) == sorted(expected.values())
    ids = {r["title"]: r["id"] for r in rows(crawled.db, "SELECT id, title FROM articles")}
    for received in got:
        [item] = received.body["items"]
        assert received.body["subscription"] == "crackdown-ru"
        assert item["newsmon_url"] == (f"http://desk.example:8001/newsroom/articles/"
                                       f"{ids[item['title']]}")
        assert item["original_url"].startswith("http://127.0.0.1:")
        assert "crackdown" in item["topics"] and item["lang"] == "ru"
        assert item["why"] and ":" in item["why"]          # the term and its snippet
        assert received.headers["X-Newsmon-Delivery"]
    assert len({r.headers["X-Newsmon-Delivery"] for r in got}) == len(got)
    summary = rows(crawled.db, "SELECT status, count(*) AS n FROM alert_outbox WHERE "
                               "subscription = 'crackdown-ru' GROUP BY status")
    assert summary == [{"status": "sent", "n": len(expected)}]


def test_stories_on_several_outlets_go_to_slack_with_their_copies(crawled: Crawled) -> None:
    stories = rows(crawled.db, "SELECT id, outlet_count FROM stories WHERE outlet_count >= 2")
    got = _by_path(crawled.hook, "/slack")
    assert stories and len(got) == len(stories)
    for received in got:
        assert set(received.body) == {"text", "username"}
        text = received.body["text"]
        assert text.startswith("*[newsmon] Story spreading: ") and "Now carried by 2 outlets" in text
        assert re.search(r"<http://desk\.example:8001/newsroom/articles/\d+\|", text)
        assert "Also: <http://127.0.0.1:" in text            # the other outlet's copy


def test_telegram_gets_bot_api_messages(crawled: Crawled) -> None:
    got = _by_path(crawled.hook, "/bot123:SECRET/sendMessage")
    expected = expected_new_stories(crawled.db, "emigration", "en")
    assert expected and len(got) == len(expected)
    for received in got:
        body = received.body
        assert body["chat_id"] == "@newsroom" and body["parse_mode"] == "HTML"
        assert len(body["text"]) <= 4096 and body["text"].startswith("<b>[newsmon] New story: ")
        assert '<a href="http://desk.example:8001/newsroom/articles/' in body["text"]


def test_sending_again_sends_nothing_twice(crawled: Crawled) -> None:
    before = len(crawled.hook.received)
    again = newsmon("alerts", "send", "--config", str(crawled.tmp / "alerts.yaml"), "--db",
                    str(crawled.db))
    assert again.stdout.startswith("alerts: 0 message(s) sent (0 item(s)), 0 failed, "
                                   "0 suppressed")
    assert len(crawled.hook.received) == before


def test_list_shows_subscriptions_last_sends_and_failures(crawled: Crawled) -> None:
    listed = json.loads(newsmon("alerts", "list", "--json", "--config",
                                str(crawled.tmp / "alerts.yaml"), "--db",
                                str(crawled.db)).stdout)
    by_name = {r["name"]: r for r in listed}
    assert set(by_name) == {"crackdown-ru", "spreading", "telegram-emigration"}
    crackdown = by_name["crackdown-ru"]
    assert crackdown["outbox"]["sent"] >= 1 and crackdown["last_sent"]["subject"]
    assert crackdown["last_failure"] is None and crackdown["events"] == ["new_article"]
    assert by_name["telegram-emigration"]["channel"] == \
        f"telegram {crawled.hook.base}/bot<token>/sendMessage"     # the token stays secret
    text = newsmon("alerts", "list", "--config", str(crawled.tmp / "alerts.yaml"), "--db",
                   str(crawled.db)).stdout
    assert "crackdown-ru: new_article → webhook" in text and "last failure: none" in text


# -- the outbox under faults -----------------------------------------------------------------

def _config(tmp: Path, body: str) -> Path:
    path = tmp / "alerts.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def _load(path: Path) -> Any:
    from newsmon.alerts.config import load_config
    return load_config(path)


def test_kill_9_mid_send_then_restart_sends_nothing_twice(crawled: Crawled, hook: HookServer,
                                                           tmp_path: Path) -> None:
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _config(tmp_path, f"""subscriptions:
  - name: every-relevant
    channel: {{webhook: "{hook.base}/hook"}}
    rate_limit: {{messages: 1000, per_minutes: 60}}
""")
    expected = rows(db, "SELECT count(DISTINCT story_id) AS n FROM articles WHERE relevant = 1 "
                        "AND duplicate_of IS NULL")[0]["n"]
    assert expected >= 6
    hook.stall_on = 3
    sender = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "alerts", "send", "--config",
                               str(config), "--db", str(db)], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert hook.stalled.wait(60), "the sender never reached its third message"
    sender.send_signal(signal.SIGKILL)
    sender.wait(timeout=20)
    hook.release.set()
    hook.stall_on = None
    result = newsmon("alerts", "send", "--config", str(config), "--db", str(db))
    assert "1 interrupted earlier" in result.stdout
    keys = [r.headers["X-Newsmon-Delivery"] for r in hook.received]
    subjects = [r.body["subject"] for r in hook.received]
    assert len(keys) == len(set(keys)) and len(subjects) == len(set(subjects)) == expected
    states = {r["status"]: r["n"] for r in rows(db, "SELECT status, count(*) AS n FROM "
                                                    "alert_outbox WHERE subscription = "
                                                    "'every-relevant' GROUP BY status")}
    assert states == {"sent": expected - 1, "interrupted": 1}


def test_concurrent_senders_never_send_the_same_alert(crawled: Crawled, hook: HookServer,
                                                       tmp_path: Path) -> None:
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _config(tmp_path, f"""subscriptions:
  - name: every-relevant
    channel: {{webhook: "{hook.base}/hook"}}
    rate_limit: {{messages: 1000, per_minutes: 60}}
""")
    senders = [subprocess.Popen([sys.executable, "-m", "newsmon.cli", "alerts", "send",
                                 "--config", str(config), "--db", str(db)], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(3)]
    outputs = [s.communicate(timeout=300) for s in senders]
    assert all(s.returncode == 0 for s in senders), outputs
    expected = rows(db, "SELECT count(*) AS n FROM alert_outbox WHERE subscription = "
                        "'every-relevant'")[0]["n"]
    subjects = [r.body["subject"] for r in hook.received]
    assert expected >= 6 and len(subjects) == len(set(subjects)) == expected


def test_failures_are_recorded_and_retried_with_backoff(crawled: Crawled, hook: HookServer,
                                                         tmp_path: Path) -> None:
    from newsmon.alerts.engine import send_due
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _load(_config(tmp_path, f"""subscriptions:
  - name: crackdown-ru
    filter: {{topics: [crackdown], languages: [ru]}}
    channel: {{webhook: "{hook.base}/hook"}}
max_attempts: 3
"""))
    expected = len(expected_new_stories(db, "crackdown", "ru"))
    t0 = datetime.now(timezone.utc)
    hook.fail_next = 1000
    first = send_due(str(db), config, now=t0)
    # The channel is down: one message fails, the rest wait with it.
    assert (first.sent, first.failed, first.deferred) == (0, 1, expected - 1)
    [failure] = rows(db, "SELECT status, error FROM alert_deliveries")
    assert failure["status"] == "failed" and "HTTP 500" in failure["error"]
    pending = rows(db, "SELECT attempts, next_attempt_at, last_error FROM alert_outbox")
    assert all(r["next_attempt_at"] > t0.isoformat() for r in pending)
    assert sum(r["attempts"] for r in pending) == 1
    assert send_due(str(db), config, now=t0 + timedelta(seconds=30)).failed == 0  # not due
    hook.fail_next, hook.fail_status, hook.retry_after = 1, 429, "900"
    second = send_due(str(db), config, now=t0 + timedelta(minutes=2))
    assert second.failed == 1 and second.sent == 0
    later = rows(db, "SELECT min(next_attempt_at) AS t FROM alert_outbox")[0]["t"]
    assert later >= (t0 + timedelta(minutes=2, seconds=900)).replace(microsecond=0).isoformat()
    third = send_due(str(db), config, now=t0 + timedelta(minutes=20))
    assert third.sent == expected and third.failed == 0
    assert len(hook.received) == expected
    assert rows(db, "SELECT DISTINCT status FROM alert_outbox") == [{"status": "sent"}]


def test_a_message_that_keeps_failing_is_given_up_and_shown(crawled: Crawled, tmp_path: Path,
                                                             hook: HookServer) -> None:
    from newsmon.alerts.engine import send_due
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _load(_config(tmp_path, f"""subscriptions:
  - name: one
    filter: {{topics: [crackdown], languages: [ru], query: "Томск"}}
    channel: {{webhook: "{hook.base}/hook"}}
max_attempts: 2
"""))
    hook.fail_next = 1000
    t0 = datetime.now(timezone.utc)
    assert send_due(str(db), config, now=t0).failed == 1
    assert send_due(str(db), config, now=t0 + timedelta(hours=1)).failed == 1
    assert send_due(str(db), config, now=t0 + timedelta(days=1)).failed == 0
    assert rows(db, "SELECT DISTINCT status FROM alert_outbox") == [{"status": "failed"}]


def test_the_rate_limit_sends_a_summary_instead_of_a_flood(crawled: Crawled, hook: HookServer,
                                                           tmp_path: Path) -> None:
    from newsmon.alerts.engine import send_due
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _load(_config(tmp_path, f"""subscriptions:
  - name: flood
    channel: {{webhook: "{hook.base}/hook"}}
    rate_limit: {{messages: 3, per_minutes: 60}}
"""))
    dry = send_due(str(db), config, dry_run=True)        # says what a send would: 3 messages
    assert len(dry.would_send) == 3 and dry.would_send[-1].overflow and not hook.received
    summary = send_due(str(db), config)
    total = rows(db, "SELECT count(*) AS n FROM alert_outbox")[0]["n"]
    assert total >= 8 and summary.sent == 3 and len(hook.received) == 3
    overflow = hook.received[-1].body
    assert overflow["overflow"] == total - 2 - len(overflow["items"]) > 0
    assert summary.suppressed == overflow["overflow"]
    states = {r["status"]: r["n"] for r in rows(db, "SELECT status, count(*) AS n FROM "
                                                    "alert_outbox GROUP BY status")}
    assert states == {"sent": 2 + len(overflow["items"]), "suppressed": overflow["overflow"]}
    # Within the hour nothing more goes out, even for new items.
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alert_outbox SET status = 'pending' WHERE status = 'suppressed'")
    conn.commit()
    conn.close()
    assert send_due(str(db), config).sent == 0 and len(hook.received) == 3


def test_batches_go_out_every_n_minutes_or_daily_in_the_subscribers_zone(
        crawled: Crawled, hook: HookServer, tmp_path: Path) -> None:
    from newsmon.alerts.engine import batch_due, send_due
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _load(_config(tmp_path, f"""subscriptions:
  - name: half-hourly
    filter: {{topics: [crackdown], languages: [ru]}}
    channel: {{webhook: "{hook.base}/hook"}}
    mode: {{every_minutes: 30}}
    backfill_hours: 48
  - name: morning
    filter: {{topics: [emigration]}}
    channel: {{webhook: "{hook.base}/morning"}}
    mode: {{daily_at: "08:00"}}
    time_zone: Europe/Moscow
    backfill_hours: 48
"""))
    # Tomorrow 04:00 UTC, 07:00 in Moscow (the demo's articles were stored minutes ago).
    t0 = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=4, minute=0, second=0,
                                                                  microsecond=0)
    first = send_due(str(db), config, now=t0)
    assert first.sent == 0 and first.deferred > 0 and not hook.received
    second = send_due(str(db), config, now=t0 + timedelta(minutes=31))
    [batch] = _by_path(hook, "/hook")
    crackdown = rows(db, "SELECT count(*) AS n FROM alert_outbox WHERE subscription = "
                         "'half-hourly'")[0]["n"]
    assert second.sent == 1 and len(batch.body["items"]) == crackdown > 1
    assert batch.body["subject"] == f"[newsmon] half-hourly: {crackdown} alert(s)"
    assert not _by_path(hook, "/morning")                          # 07:31 in Moscow
    send_due(str(db), config, now=t0 + timedelta(minutes=61))      # 08:01 in Moscow
    assert len(_by_path(hook, "/morning")) == 1 and len(_by_path(hook, "/hook")) == 1
    sub = config.get("morning")
    last = (t0 + timedelta(minutes=61)).isoformat()
    assert not batch_due(sub, t0 + timedelta(hours=20), last, last)   # 03:01 next day
    assert not batch_due(sub, t0 + timedelta(hours=24, minutes=1), last, last)  # 07:01
    assert batch_due(sub, t0 + timedelta(hours=25, minutes=1), last, last)      # 08:01


def test_edits_takedowns_and_failing_sources_are_events(crawled: Crawled, hook: HookServer,
                                                        tmp_path: Path) -> None:
    from newsmon.alerts.engine import send_due
    from storage.db import open_db
    from storage.runs import finish_run, start_run
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    now = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    [edited, removed] = rows(db, "SELECT id FROM articles WHERE relevant = 1 ORDER BY id "
                                 "LIMIT 2")
    conn = sqlite3.connect(db)
    conn.execute("UPDATE articles SET edited_at = ?, edit_count = 1 WHERE id = ?",
                 (now, edited["id"]))
    conn.execute("UPDATE articles SET removed_at = ?, removed_reason = 'HTTP 410' WHERE id = ?",
                 (now, removed["id"]))
    conn.commit()
    conn.close()
    handle = open_db(str(db))
    for _ in range(2):
        run = start_run(handle, "demo-ovd", now)
        finish_run(handle, run, now, "failed", "error", {}, {}, error="connection refused")
    handle.close()
    config = _load(_config(tmp_path, f"""subscriptions:
  - name: changes
    events: [edited, removed, source_failing]
    channel: {{webhook: "{hook.base}/hook"}}
"""))
    assert send_due(str(db), config).sent == 3
    items = {r.body["items"][0]["event"]: r.body["items"][0] for r in hook.received}
    assert set(items) == {"edited", "removed", "source_failing"}
    assert "Taken down" in items["removed"]["note"] and "HTTP 410" in items["removed"]["note"]
    assert items["source_failing"]["title"] == "demo-ovd: 2 failed run(s) in a row"
    assert "connection refused" in items["source_failing"]["note"]
    assert send_due(str(db), config).sent == 0                     # the same streak: once


def test_dry_run_prints_and_changes_nothing(crawled: Crawled, hook: HookServer,
                                            tmp_path: Path) -> None:
    db = copy_db(crawled.db, tmp_path / "newsroom.db")
    config = _config(tmp_path, ISSUE_EXAMPLE.replace("http://127.0.0.1:9000", hook.base))
    out = newsmon("alerts", "send", "--dry-run", "--config", str(config), "--db", str(db)).stdout
    expected = expected_new_stories(db, "crackdown", "ru")
    assert out.count("--- would send to webhook") == len(expected)
    assert f"dry run: {len(expected)} message(s) would be sent" in out
    assert not hook.received
    assert rows(db, "SELECT count(*) AS n FROM alert_outbox")[0]["n"] == 0
    real = newsmon("alerts", "send", "--config", str(config), "--db", str(db)).stdout
    assert real.startswith(f"alerts: {len(expected)} message(s) sent")


# -- e-mail ----------------------------------------------------------------------------------

def test_email_over_starttls_with_a_login_in_russian(crawled: Crawled, tmp_path: Path) -> None:
    mail = MailServer(tmp_path)
    try:
        db = copy_db(crawled.db, tmp_path / "newsroom.db")
        config = _config(tmp_path, f"""smtp:
  host: 127.0.0.1
  port: {mail.port}
  starttls: true
  username: newsroom
  password_env: TEST_SMTP_PASSWORD
  from: "newsmon <alerts@newsroom.example>"
  ca_file: {mail.cert}
subscriptions:
  - name: editor
    filter: {{topics: [crackdown], languages: [ru]}}
    channel: {{email: [editor@newsroom.example]}}
    rate_limit: {{messages: 1000, per_minutes: 60}}
""")
        wrong = newsmon("alerts", "send", "--config", str(config), "--db", str(db),
                        env={"TEST_SMTP_PASSWORD": "wrong"}, check=False)
        assert wrong.returncode == 1 and "1 failed" in wrong.stdout and not mail.messages
        assert "SMTPAuthenticationError" in rows(db, "SELECT error FROM alert_deliveries")[0][
            "error"]
        conn = sqlite3.connect(db)
        conn.execute("UPDATE alert_outbox SET next_attempt_at = NULL")
        conn.commit()
        conn.close()
        newsmon("alerts", "send", "--config", str(config), "--db", str(db),
                env={"TEST_SMTP_PASSWORD": "s3cret pass"})
        expected = expected_new_stories(db, "crackdown", "ru")
        assert len(mail.messages) == len(expected)
        assert all(to == ["editor@newsroom.example"] for _, to in mail.envelopes)
        subjects = set()
        for message in mail.messages:
            raw_subject = str(message.get("Subject"))
            subjects.add(raw_subject.removeprefix("[newsmon] New story: "))
            plain = message.get_body(("plain",))
            rich = message.get_body(("html",))
            assert plain is not None and rich is not None
            text = plain.get_content()
            assert "In newsmon: http://127.0.0.1:8001/newsroom/articles/" in text
            assert "Original: http://127.0.0.1:" in text and "Why: " in text
            assert '<a href="http://127.0.0.1:8001/newsroom/articles/' in rich.get_content()
        assert subjects == set(expected.values())
        # Cyrillic subjects travel encoded (RFC 2047) and decode back exactly (above).
        for raw in mail.raw:
            assert re.search(rb"^Subject: .*=\?utf-8\?[bq]\?", raw, re.M | re.I), raw[:300]
            assert raw.isascii()                       # bodies too: transfer-encoded
    finally:
        mail.stop()


def test_alerts_test_sends_one_sample(hook: HookServer, tmp_path: Path) -> None:
    config = _config(tmp_path, ISSUE_EXAMPLE.replace("http://127.0.0.1:9000", hook.base))
    result = newsmon("alerts", "test", "crackdown-ru", "--config", str(config))
    assert result.stdout.startswith("test alert sent to webhook")
    [received] = hook.received
    assert received.body["subject"] == "[newsmon] test alert for crackdown-ru"
    missing = newsmon("alerts", "test", "nobody", "--config", str(config), check=False)
    assert missing.returncode == 1 and "no subscription named 'nobody'" in missing.stderr
    hook.fail_next = 1
    down = newsmon("alerts", "test", "crackdown-ru", "--config", str(config), check=False)
    assert down.returncode == 1 and "HTTP 500" in down.stderr


# -- the file --------------------------------------------------------------------------------

def test_the_issue_example_works_as_written(tmp_path: Path) -> None:
    config = _load(_config(tmp_path, ISSUE_EXAMPLE))
    [sub] = config.subscriptions
    assert sub.name == "crackdown-ru" and sub.filter.topics == ("crackdown",)
    assert sub.filter.languages == ("ru",) and sub.mode.kind == "immediate"
    assert sub.channel.kind == "webhook" and sub.channel.url == "http://127.0.0.1:9000/hook"


BAD = [
    ("subscriptions: []", "top level.subscriptions: needs a non-empty list"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    filter: "
     "{topics: [crackdwn]}", "subscriptions[0] (a).filter.topics: unknown topic or subtag "
                             "'crackdwn'"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'ftp://x/h'}",
     "subscriptions[0] (a).channel.webhook: 'ftp://x/h' is not an http(s) URL"),
    ("subscriptions:\n  - name: a", "subscriptions[0] (a).channel: is required"),
    ("subscriptions:\n  - name: a\n    channel: {email: me@x.org}",
     "subscriptions[0] (a).channel.email: e-mail needs an smtp: section"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    mode: hourly",
     "subscriptions[0] (a).mode: must be immediate"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    mode: "
     "{daily_at: '25:00'}", "subscriptions[0] (a).mode.daily_at: '25:00' is not a time of day"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    time_zone: Mars/Base",
     "subscriptions[0] (a).time_zone: unknown time zone 'Mars/Base'"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    events: [new]",
     "subscriptions[0] (a).events: unknown event 'new'"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    filtre: {}",
     "subscriptions[0] (a).filtre: unknown field"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n  - name: a\n    "
     "channel: {webhook: 'http://x/h'}", "subscriptions[1] (a).name: used twice"),
    ("subscriptions:\n  - name: a\n    channel: {telegram: 'https://api.telegram.org/x'}",
     "subscriptions[0] (a).channel.telegram: must be a Telegram Bot API sendMessage URL"),
    ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://x/h'}\n    filter: "
     "{query: '\"'}", "subscriptions[0] (a).filter.query: '\"' has no words"),
    ("subscriptions: [\n", "not valid YAML"),
]


@pytest.mark.parametrize("body,message", BAD, ids=[m[:40] for _, m in BAD])
def test_a_bad_alerts_file_is_refused_naming_the_place(tmp_path: Path, body: str,
                                                       message: str) -> None:
    config = _config(tmp_path, body)
    db = tmp_path / "x.db"
    from storage.db import open_db
    open_db(str(db)).close()
    result = newsmon("alerts", "send", "--config", str(config), "--db", str(db), check=False)
    assert result.returncode == 2
    assert f"{config}: " in result.stderr and message in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


# -- where alerts run ------------------------------------------------------------------------

def test_the_scheduler_has_a_job_per_batched_subscription(tmp_path: Path) -> None:
    from newsmon.jobs import alert_batches
    from schedules.service import Maintenance, MonitorService, ServiceConfig
    from storage.db import open_db
    config = _load(_config(tmp_path, """subscriptions:
  - name: now
    channel: {webhook: "http://127.0.0.1:9/h"}
  - name: morning
    channel: {webhook: "http://127.0.0.1:9/h"}
    mode: {daily_at: "08:30"}
    time_zone: Asia/Yerevan
  - name: hourly
    channel: {webhook: "http://127.0.0.1:9/h"}
    mode: {every_minutes: 60}
"""))
    db = tmp_path / "s.db"
    open_db(str(db)).close()
    calls: list[tuple[str | None, bool]] = []

    def fake_alerts(db_path: str, only: str | None = None,
                    immediate_only: bool = False) -> tuple[int, int]:
        calls.append((only, immediate_only))
        return (2, 0) if only == "morning" else (0, 1)

    service = MonitorService(ServiceConfig(db_path=str(db), recheck_cron=None, digest_cron=None,
                                           alert_batches=alert_batches(config),
                                           maintenance=Maintenance(alerts=fake_alerts)), [])
    assert set(service.plans) == {"alerts:morning", "alerts:hourly"}
    morning = service.plans["alerts:morning"]
    assert morning.describe() == "cron 30 8 * * * Asia/Yerevan"
    fire = morning.first_fire_after(datetime(2030, 1, 1, tzinfo=timezone.utc))
    assert fire == datetime(2030, 1, 1, 4, 30, tzinfo=timezone.utc)   # 08:30 in Yerevan
    assert service.plans["alerts:hourly"].interval_s == 3600
    outcome = service._run(morning, "schedule")
    assert outcome.status == "finished" and outcome.new == 2 and calls == [("morning", False)]
    failing = service._run(service.plans["alerts:hourly"], "schedule")
    assert failing.status == "failed" and "retried later" in (failing.error or "")
    listed = json.loads(newsmon("schedule", "--list", "--json", "--db", str(db), "--alerts",
                                str(tmp_path / "alerts.yaml")).stdout)
    jobs = {r["job"]: r for r in listed}
    assert jobs["alerts:morning"]["schedule"] == "cron 30 8 * * * Asia/Yerevan"
    assert "alerts:now" not in jobs and "themoscowtimes" in jobs     # immediate: after crawls


def test_alert_state_is_visible_in_datasette(crawled: Crawled) -> None:
    import yaml
    metadata = yaml.safe_load((REPO / "storage/metadata.yml").read_text(encoding="utf-8"))
    [database] = metadata["databases"].values()
    for table in ("alert_outbox", "alert_deliveries", "alert_subscriptions"):
        assert not database["tables"][table].get("hidden") and database["tables"][table][
            "description"]
    state = {r["subscription"]: r for r in rows(crawled.db,
                                                database["queries"]["alert_state"]["sql"])}
    assert set(state) == {"crackdown-ru", "spreading", "telegram-emigration"}
    assert state["crackdown-ru"]["sent"] == len(_by_path(crawled.hook, "/hook"))
    assert state["crackdown-ru"]["last_sent"] and state["crackdown-ru"]["last_failure"] is None


def test_the_scheduler_sends_immediate_alerts_after_a_crawl_and_batches_on_time(
        tmp_path: Path, mock_site: Any, hook: HookServer) -> None:
    sources = tmp_path / "s.yaml"
    sources.write_text(mock_site.render_sources(), encoding="utf-8")
    config = _config(tmp_path, f"""subscriptions:
  - name: now
    channel: {{webhook: "{hook.base}/now"}}
    rate_limit: {{messages: 1000, per_minutes: 60}}
  - name: digest-like
    channel: {{webhook: "{hook.base}/batch"}}
    mode: {{every_minutes: 1}}
    backfill_hours: 1
""")
    db = str(tmp_path / "sched.db")
    result = newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now", "demo-tmt",
                     "--alerts", str(config), "--json")
    assert json.loads(result.stdout)["status"] == "finished"
    stories = rows(Path(db), "SELECT count(DISTINCT story_id) AS n FROM articles WHERE "
                             "relevant = 1 AND duplicate_of IS NULL")[0]["n"]
    assert stories and len(_by_path(hook, "/now")) == stories       # right after the crawl
    assert not _by_path(hook, "/batch")                             # not its time yet
    # Its clock started with that crawl (queued, not sent): a minute later it is due.
    queued = rows(Path(db), "SELECT count(*) AS n FROM alert_outbox WHERE subscription = "
                            "'digest-like' AND status = 'pending'")[0]["n"]
    assert queued == stories
    conn = sqlite3.connect(db)
    conn.execute("UPDATE alert_subscriptions SET first_seen_at = datetime(first_seen_at, "
                 "'-2 minutes') WHERE name = 'digest-like'")
    conn.commit()
    conn.close()
    batch = newsmon("schedule", "--db", db, "--sources", str(sources), "--run-now",
                    "alerts:digest-like", "--alerts", str(config), "--json")
    assert json.loads(batch.stdout)["status"] == "finished"
    [received] = _by_path(hook, "/batch")
    assert len(received.body["items"]) == stories


def test_the_readme_example_is_a_valid_alerts_file(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.taxonomy import load_taxonomy
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Alerts", 1)[1]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    taxonomy = load_taxonomy()
    from newsmon.alerts.config import parse_config
    config = parse_config(example, "README.md", set(taxonomy.topics) | set(taxonomy.subtags))
    names = [s.name for s in config.subscriptions]
    assert names == ["editor-crackdown-ru", "spreading", "ops-sources", "morning-emigration",
                     "watch-navalny"]
    assert config.smtp is not None and config.smtp.starttls and config.smtp.port == 587
    telegram = config.get("spreading").channel
    assert telegram.url == "https://api.telegram.org/bot123:abc/sendMessage"
    from newsmon.alerts.channels import describe
    assert describe(telegram) == "telegram https://api.telegram.org/bot<token>/sendMessage"
    assert config.get("morning-emigration").mode.at == "08:00"
