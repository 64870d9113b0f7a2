"""Stories, versions, takedowns, raw captures (reprocess, WARC) and `newsmon import`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.mockserver import MockServer
from tests.test_crawl_e2e import REPO, newsmon, rows

pytestmark = pytest.mark.slow

EDITED = "tmt/2025/11/20/activist-detained-in-moscow-a90001"
GONE = "ovd/news/2025/11/21/v-ekaterinburge-zaderzhali-uchastnikov-piketa"
MOVED = "novaya/2025/11/20/sud-arestoval-zhurnalista"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("versions")
    with MockServer() as server:
        sources = server.write_sources(tmp)
        db = str(tmp / "news.db")
        newsmon("crawl", "--sources", str(sources), db=db)
        yield server, db, sources, tmp


def test_stories_table_shows_the_syndicated_story(site: Any) -> None:
    _, db, _, _ = site
    stories = rows(db, "SELECT * FROM stories WHERE outlet_count > 1")
    assert len(stories) == 1
    story = stories[0]
    assert story["article_count"] == 2 and story["title"].startswith("Serbia Orders")
    assert sorted(json.loads(story["outlets"])) == ["demo-meduza", "demo-tmt"]
    assert story["first_source"] == json.loads(story["outlets"])[0]
    assert rows(db, "SELECT count(*) AS n FROM stories")[0]["n"] == 34


def test_captures_keep_raw_responses(site: Any) -> None:
    _, db, _, _ = site
    import hashlib

    from storage.captures import iter_captures
    from storage.db import open_captures
    from storage.paths import Paths
    captures_file = Paths.for_db(db).captures
    assert captures_file.exists() and captures_file.name == "news-captures.db"
    captures = list(iter_captures(open_captures(db)))
    assert len(captures) >= 36                             # 35 articles + gallery
    one = next(c for c in captures if c.url.endswith(EDITED))
    assert one.status == 200 and one.headers["content-type"].startswith("text/html")
    assert hashlib.sha256(one.body).hexdigest() == one.sha256
    assert one.body == (REPO / "newsmon/demo/site" / EDITED).read_bytes().replace(
        b"{{BASE}}", site[0].base_url.encode())
    main_size = Path(db).stat().st_size
    assert main_size < captures_file.stat().st_size * 10


def test_recheck_finds_edits_and_takedowns(site: Any) -> None:
    server, db, sources, _ = site
    page = (REPO / "newsmon/demo/site" / EDITED).read_bytes()
    edited = page.replace(b"A court hearing in her case is scheduled for next week.",
                          b"On Friday a court fined her 20,000 rubles. Her lawyer will appeal.")
    assert edited != page
    server.replace(EDITED, edited)
    server.fail(GONE, status=410, body=b"Gone")
    server.fail(MOVED, status=301, body=b"", headers={"Location": "/novaya/"})
    result = newsmon("recheck", "--since", "9999", "--sources", str(sources), db=db)
    assert "1 edited, 2 removed" in result.stdout, result.stdout
    article = rows(db, "SELECT * FROM articles WHERE url LIKE ?", (f"%{EDITED}",))[0]
    assert article["edited_at"] and article["edit_count"] == 1
    assert "court fined her" in article["text"]
    versions = rows(db, "SELECT * FROM article_versions WHERE article_id = ?", (article["id"],))
    assert len(versions) == 1 and "scheduled for next week" in versions[0]["text"]
    assert "paragraphs" in versions[0]["diff_summary"]
    gone = rows(db, "SELECT removed_at, removed_reason FROM articles WHERE url LIKE ?",
                (f"%{GONE}",))[0]
    assert gone["removed_at"] and gone["removed_reason"] == "HTTP 410"
    moved = rows(db, "SELECT removed_at, removed_reason FROM articles WHERE url LIKE ?",
                 (f"%{MOVED}",))[0]
    assert moved["removed_at"] and "redirected to" in moved["removed_reason"]
    unchanged = rows(db, "SELECT count(*) AS n FROM articles WHERE edited_at IS NOT NULL")
    assert unchanged[0]["n"] == 1


def test_reprocess_works_offline(site: Any, tmp_path: Path) -> None:
    _, db, sources, _ = site
    edited = rows(db, "SELECT count(*) AS n FROM articles WHERE edited_at IS NOT NULL")[0]["n"]
    result = newsmon("reprocess", "--sources", str(sources), db=db)   # no server needed
    reprocessed = int(result.stdout.split("reprocessed ", 1)[1].split()[0])
    assert reprocessed >= 35 and "0 new" in result.stdout, result.stdout
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 35
    runs = rows(db, "SELECT * FROM crawl_runs WHERE source = 'reprocess'")
    assert runs and runs[-1]["status"] == "finished"
    # Without the sources file the demo outlets were crawled with, their site rules are
    # unknown: their captures are left alone, not re-extracted into false edits.
    blind = newsmon("reprocess", db=db)
    assert "reprocessed 0 capture(s)" in blind.stdout, blind.stdout
    assert "left as they are" in blind.stderr and "demo-tmt" in blind.stderr
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE edited_at IS NOT NULL"
                )[0]["n"] == edited


def test_export_warc_is_valid(site: Any, tmp_path: Path) -> None:
    _, db, _, _ = site
    from warcio.archiveiterator import ArchiveIterator
    target = tmp_path / "out.warc.gz"
    result = newsmon("export-warc", "--output", str(target), db=db)
    assert "response record(s)" in result.stdout
    responses = []
    with target.open("rb") as handle:
        for record in ArchiveIterator(handle, check_digests="raise"):
            if record.rec_type == "response":
                body = record.content_stream().read()
                responses.append((record.rec_headers.get_header("WARC-Target-URI"),
                                  record.http_headers.get_statuscode(), body))
    assert len(responses) >= 36
    from storage.captures import iter_captures
    from storage.db import open_captures
    edited = [r for r in responses if r[0].endswith(EDITED)]
    # One response per capture of the page: two once the recheck test has fetched the
    # edited version, one when this test runs alone.
    captured = open_captures(db)
    try:
        expected = sum(c.url.endswith(EDITED) for c in iter_captures(captured))
    finally:
        captured.close()
    assert len(edited) == expected >= 1 and all(code == "200" for _, code, _ in edited)


def test_import_contract(site: Any, tmp_path: Path) -> None:
    _, db, _, _ = site
    original = rows(db, "SELECT * FROM articles WHERE url LIKE ?", (f"%{EDITED}",))[0]
    rewrite = original["text"].replace("Police in central Moscow", "Moscow police").replace(
        "rights monitors said", "monitors said")
    lines = [
        json.dumps({"url": "https://archive.example/a/1", "title": "Activist held",
                    "text": rewrite, "published_at": "2025-11-20T12:00:00Z",
                    "source": "archive-x", "lang": "en", "id": "x1"}),
        "{not json",
        json.dumps({"url": "https://archive.example/a/2", "title": "No text"}),
        json.dumps({"url": "ftp://nope", "title": "t", "text": "some text"}),
        json.dumps({"url": "https://archive.example/a/3", "title": "Снегопад в Москве",
                    "text": "В Москве выпал первый снег, синоптики обещают метель. " * 8,
                    "published_at": "not a date"}),
        json.dumps({"url": "https://archive.example/a/4", "title": "Weather",
                    "text": "Snow fell in Moscow on Thursday and more is expected. " * 8}),
    ]
    source = tmp_path / "archive.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = newsmon("import", str(source), db=db, check=False)
    assert result.returncode == 1
    for number in (2, 3, 4, 5):
        assert f"line {number}:" in result.stderr
    assert "published_at 'not a date' is not a date" in result.stderr
    assert "imported 2 record(s)" in result.stdout and "2 new" in result.stdout
    imported = rows(db, "SELECT * FROM articles WHERE url LIKE 'https://archive.example/%' "
                        "ORDER BY url")
    assert [r["url"].rsplit("/", 1)[1] for r in imported] == ["1", "4"]
    assert imported[0]["source"] == "archive-x" and imported[1]["source"] == "import"
    assert imported[0]["story_id"] == original["story_id"]    # a light rewrite: one story
    assert imported[0]["near_duplicate_of"] == original["id"] and imported[0]["similarity"] < 1
    assert imported[0]["relevant"] == 1 and imported[0]["published_at"].startswith("2025-11-20")
    assert imported[1]["story_id"] not in (original["story_id"], None)


def test_import_keeps_versions_and_refuses_bad_text(tmp_path: Path) -> None:
    db = str(tmp_path / "imp.db")
    base = {"url": "https://archive.example/v", "title": "Court case in Kazan",
            "text": "A court in Kazan fined an activist over an anti-war post. " * 6}
    edited = dict(base, text=base["text"] + "She will appeal the decision next week.")
    source = tmp_path / "versions.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + "\n".join([
        json.dumps(base), json.dumps(edited),
        '{"url": "https://archive.example/s", "title": "x", "text": "bad \\ud800 text"}',
        json.dumps(dict(base, url="https://archive.example/t", title=True)),
    ]).encode("utf-8") + b"\n\xff\xfe broken\n")
    result = newsmon("import", str(source), db=db, check=False)
    assert result.returncode == 1
    assert "imported 2 record(s)" in result.stdout and "1 new, 1 updated" in result.stdout
    assert "line 3: field text holds an unpaired surrogate" in result.stderr
    assert "line 4: field title must be a string" in result.stderr
    assert "line 5: not UTF-8" in result.stderr
    article = rows(db, "SELECT * FROM articles")
    assert len(article) == 1 and article[0]["edit_count"] == 1
    assert rows(db, "SELECT count(*) AS n FROM article_versions")[0]["n"] == 1


def test_an_import_skipped_for_a_running_import_fails_loudly(tmp_path: Path) -> None:
    from storage.locks import FileLock
    from storage.paths import Paths
    db = str(tmp_path / "imp.db")
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"url": "https://archive.example/1", "title": "t",
                                  "text": "A court in Kazan fined an activist. " * 8}) + "\n")
    held = FileLock(Paths.for_db(db).lock("import"))
    assert held.acquire("another import")
    try:
        result = newsmon("import", str(source), db=db, check=False)
    finally:
        held.release()
    assert result.returncode == 1 and "another import is running" in result.stderr
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 0
    assert rows(db, "SELECT status FROM crawl_runs")[0]["status"] == "skipped"
    again = newsmon("import", str(source), db=db)
    assert "imported 1 record(s)" in again.stdout


def test_import_survives_hostile_lines(tmp_path: Path) -> None:
    db = str(tmp_path / "hostile.db")
    good = {"url": "https://archive.example/ok", "title": "Kazan court",
            "text": "A court in Kazan fined an activist over an anti-war post. " * 6}
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join([
        "[" * 100_000 + "]" * 100_000,                         # nested past the recursion limit
        json.dumps(dict(good, url="https://javascript:alert(1)//" + "x" * 50)),
        json.dumps(dict(good, url="https://archive.example:notaport/a")),
        json.dumps(good),
    ]) + "\n", encoding="utf-8")
    result = newsmon("import", str(source), db=db, check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "line 1: JSON nested too deeply" in result.stderr
    assert "line 2: url" in result.stderr and "line 3: url" in result.stderr
    assert "imported 1 record(s)" in result.stdout
    assert [r["url"] for r in rows(db, "SELECT url FROM articles")] == [good["url"]]


def test_a_wrong_drop_is_recorded_and_undone_by_reprocess(tmp_path: Path) -> None:
    """A too strict length limit drops real articles: each drop is recorded (reason, URL,
    source, run, raw capture) and counted per source; `newsmon reprocess` with the limit
    fixed stores them and marks their records resolved."""
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "strict.db")
        result = newsmon("crawl", "demo-ovd", "--sources", str(sources),
                         "-s", "NEWSMON_MIN_WORDS=5000", db=db)
    assert "too_short 6" in result.stdout, result.stdout
    dropped = rows(db, "SELECT * FROM unstored_pages WHERE reason = 'too_short'")
    assert len(dropped) == 6 and all(
        r["source"] == "demo-ovd" and r["stage"] == "extract" and r["run_id"] and r["at"]
        and r["resolved_at"] is None for r in dropped)
    stats = json.loads(rows(db, "SELECT stats FROM crawl_runs WHERE source = 'demo-ovd'")[0][0])
    assert stats["newsmon/extract/dropped/too_short"] == 6
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 0
    from storage.captures import iter_captures
    from storage.db import open_captures
    captured = {c.url for c in iter_captures(open_captures(db))}
    assert {r["url"] for r in dropped} <= captured          # the raw page is kept

    result = newsmon("reprocess", "--sources", str(sources), db=db)   # default limit, offline
    assert "6 new" in result.stdout, result.stdout
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE source = 'demo-ovd'")[0]["n"] == 6
    assert not rows(db, "SELECT * FROM unstored_pages WHERE resolved_at IS NULL")


def test_import_and_reprocess_close_as_soon_as_their_items_are_stored(site: Any,
                                                                     tmp_path: Path) -> None:
    """Scrapy checks whether a crawl is idle when its start() ends, then only on the engine's
    heartbeat (5 s): an import or reprocess whose start() ended while its last items were
    still being stored sat idle until the heartbeat (4 of the 6 s an 82-line import took).
    With the heartbeat set to 10 minutes, both must still close at once."""
    import os
    import subprocess
    import sys
    _, db, sources, _ = site
    script = ("import sys\nfrom scrapy.core.engine import ExecutionEngine\n"
              "ExecutionEngine._SLOT_HEARTBEAT_INTERVAL = 600.0\n"
              "from newsmon.cli import main\nsys.argv[0] = 'newsmon'\nmain()\n")
    lines = tmp_path / "three.jsonl"
    lines.write_text("".join(json.dumps({
        "url": f"https://example.org/{n}", "title": f"Title {n}",
        "text": f"Story number {n}. " + "A court in Moscow sentenced an activist. " * 20})
        + "\n" for n in range(3)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSMON_DB", "NEWSMON_SOURCES")}
    for args in (["import", str(lines), "--db", str(tmp_path / "imported.db")],
                 ["reprocess", "--db", db, "--sources", str(sources)]):
        done = subprocess.run([sys.executable, "-c", script, *args], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert " 0 capture(s)" not in done.stdout, done.stdout
    assert rows(str(tmp_path / "imported.db"), "SELECT count(*) AS n FROM articles")[0]["n"] == 3


def test_the_wait_for_items_gives_up_on_an_item_that_never_reaches_the_pipelines() -> None:
    """An item a spider middleware filtered out never gets a signal: start() must still end
    once nothing has been done for `stall_s`, leaving the close to Scrapy's heartbeat."""
    import subprocess
    import sys
    script = """
import time
from scrapy import signals
from scrapy.signalmanager import SignalManager
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import reactor, task
from crawler.spiders.offline import ItemsDone

def main(reactor):
    manager = SignalManager()
    done = ItemsDone(type("C", (), {"signals": manager})(), stall_s=0.5)
    done.yielded = 3
    reactor.callLater(0.2, manager.send_catch_log, signals.item_scraped, item=1)
    reactor.callLater(0.4, manager.send_catch_log, signals.item_dropped, item=2)
    started = time.monotonic()
    def report(_):
        print(f"{done.done} {time.monotonic() - started:.2f}")
    return deferred_from_coro(done.wait()).addCallback(report)

task.react(main)
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True,
                         text=True, timeout=30)
    assert run.returncode == 0, run.stderr[-2000:]
    done, waited = run.stdout.split()
    assert done == "2" and 0.8 < float(waited) < 3.0, run.stdout
