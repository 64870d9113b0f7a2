"""Real Scrapy crawls over HTTP against the mock server, each in its own process."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.dates import to_utc_iso
from tests.conftest import REPO
from tests.mockserver import MockServer
from tests.mockserver.synthetic import SyntheticOutlet

pytestmark = pytest.mark.slow

EXPECTED = json.loads((REPO / "tests" / "demo_site" / "expected.json").read_text(encoding="utf-8"))
ARTICLES = [e for e in EXPECTED if e["kind"] in ("article", "paywall")]
FAST = ["-s", "NEWSMON_RETRY_BACKOFF_BASE=0.05", "-s", "RETRY_TIMES=1",
        "-s", "DOWNLOAD_TIMEOUT=10"]


def newsmon(*args: str, db: str, cwd: Path | None = None,
            check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NEWSMON_DB": db}
    env.pop("NEWSMON_SOURCES", None)
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", *args], env=env,
                            cwd=cwd or REPO, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"newsmon {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result


def rows(db: str, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return list(conn.execute(sql, params))
    finally:
        conn.close()


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One full crawl of the demo site, shared by the read-only assertions below."""
    tmp = tmp_path_factory.mktemp("crawl")
    with MockServer() as server:
        sources = server.write_sources(tmp)
        db = str(tmp / "demo.db")
        result = newsmon("crawl", "--sources", str(sources), db=db)
        yield server, db, result, sources


def test_every_demo_article_is_stored_once_and_correctly(crawled: Any) -> None:
    server, db, result, _ = crawled
    stored = {row["url"]: row for row in rows(db, "SELECT * FROM articles")}
    assert len(stored) == len(ARTICLES) == 35
    for expected in ARTICLES:
        url = f"{server.base_url}/{expected['path']}"
        assert url in stored, url
        row = stored[url]
        assert row["title"] == expected["title"]
        assert row["published_at"] == to_utc_iso(expected["published"]), url
        assert row["published_from"] in ("jsonld", "meta", "markup")
        assert row["lang"] == expected["lang"]
        assert json.loads(row["authors"]) == expected["authors"], url
        text = row["text"]
        assert text.startswith(expected["first_sentence"]), (url, text[:120])
        assert text.rstrip().endswith(expected["last_sentence"]), (url, text[-120:])
        assert row["encoding"] == {"utf-8": "utf_8", "windows-1251": "cp1251"}[expected["encoding"]]
        assert row["first_seen_at"] and row["last_seen_at"]


def test_non_articles_dropped_with_reasons(crawled: Any) -> None:
    _, db, result, _ = crawled
    assert "gallery 1" in result.stdout and "paywall" not in result.stdout
    urls = {row["url"] for row in rows(db, "SELECT url FROM article_urls")}
    assert not any("photo-gallery" in u for u in urls)
    # The paywall teaser is kept (its headline and lead are news), flagged, its prompt cut.
    teaser = rows(db, "SELECT * FROM articles WHERE url LIKE '%kak-zhivut-semi%'")
    assert [r["paywalled"] for r in teaser] == [1]
    assert "подписк" not in teaser[0]["text"]
    assert rows(db, "SELECT count(*) AS n FROM articles WHERE paywalled = 1")[0]["n"] == 1
    # The fixture's crawl: each source's first run (other tests crawl this database again).
    runs = rows(db, "SELECT * FROM crawl_runs WHERE id IN (SELECT min(id) FROM crawl_runs "
                    "GROUP BY source) ORDER BY source")
    assert [r["source"] for r in runs] == ["demo-meduza", "demo-novaya", "demo-ovd", "demo-tmt"]
    assert all(r["status"] == "finished" and r["finished_at"] for r in runs)
    stats = {r["source"]: json.loads(r["stats"]) for r in runs}
    assert stats["demo-tmt"]["newsmon/extract/dropped/gallery"] == 1
    assert "newsmon/extract/dropped/paywall" not in stats["demo-novaya"]
    assert sum(r["new_articles"] for r in runs) == 35


def test_site_rules_from_the_sources_file_are_applied(crawled: Any) -> None:
    _, db, _, _ = crawled
    ruled = rows(db, "SELECT source, extract_rules_missed AS missed, text FROM articles")
    tmt = [r for r in ruled if r["source"] == "demo-tmt"]
    assert tmt and all(r["missed"] is not None for r in tmt)
    # The banner is on every page; related cards only on some.
    assert {r["missed"] for r in tmt} <= {0, 1} and any(r["missed"] == 0 for r in tmt)
    assert all(r["missed"] is None for r in ruled if r["source"] != "demo-tmt")
    assert not any("Independent journalism about Russia" in r["text"] for r in tmt)


def test_amp_tracking_and_syndication_handled(crawled: Any) -> None:
    server, db, _, _ = crawled
    base = server.base_url
    amp = f"{base}/meduza/news/2025/11/11/sud-zaochno-arestoval-zhurnalistku-uehavshuyu-v-gruziyu"
    alias = rows(db, "SELECT a.url FROM article_urls u JOIN articles a ON a.id = u.article_id "
                     "WHERE u.url = ?", (amp + "/amp",))
    assert [r["url"] for r in alias] == [amp]
    assert not rows(db, "SELECT 1 FROM articles WHERE url LIKE '%utm_%' OR url LIKE '%/amp'")
    tmt, meduza = (rows(db, "SELECT * FROM articles WHERE title LIKE 'Serbia Orders%' AND source = ?",
                        (s,))[0] for s in ("demo-tmt", "demo-meduza"))
    assert tmt["story_id"] == meduza["story_id"]
    assert {tmt["duplicate_of"], meduza["duplicate_of"]} - {None} == {min(tmt["id"], meduza["id"])}
    stories = rows(db, "SELECT count(DISTINCT story_id) AS n FROM articles")[0]["n"]
    assert stories == 34


def test_cyrillic_pages_decoded(crawled: Any) -> None:
    _, db, _, _ = crawled
    ovd = rows(db, "SELECT * FROM articles WHERE source = 'demo-ovd'")
    assert len(ovd) == 6 and all(r["encoding"] == "cp1251" for r in ovd)
    for row in ovd:
        assert re.search(r"[а-яё]{5,}", row["text"]) and "Ð" not in row["text"]
        assert row["lang_detected"] == "ru"


def test_fts_search(crawled: Any) -> None:
    _, db, _, _ = crawled
    hits = rows(db, "SELECT a.title FROM articles_fts f JOIN articles a ON a.id = f.rowid "
                    "WHERE articles_fts MATCH ?", ("treason",))
    assert any("Treason" in h["title"] for h in hits)


def test_recrawl_requests_no_stored_article(crawled: Any, tmp_path: Path) -> None:
    server, db, _, sources = crawled
    before = {r["id"]: r["last_seen_at"] for r in rows(db, "SELECT id, last_seen_at FROM articles")}
    server.clear_log()
    newsmon("crawl", "--sources", str(sources), db=db)
    paths = server.requested_paths()
    assert server.article_requests() == [], paths
    conditional = [r for r in server.requests if "If-None-Match" in r.headers]
    assert conditional and all(r.status == 304 for r in conditional)
    # A changed feed is parsed again, and still no stored article is requested.
    feed = (REPO / "newsmon/demo/site/tmt/rss/news").read_bytes()
    server.replace("tmt/rss/news", feed.replace(b"</channel>", b"<!-- changed --></channel>"))
    server.clear_log()
    result = newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
    assert server.article_requests() == []
    assert "tmt/rss/news" in " ".join(server.requested_paths())
    assert re.search(r"demo-tmt: 0 new, .* [1-9]\d* stored articles skipped", result.stdout)
    after = rows(db, "SELECT id, last_seen_at FROM articles WHERE source = 'demo-tmt'")
    assert any(r["last_seen_at"] > before[r["id"]] for r in after)
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 35
    runs = rows(db, "SELECT * FROM crawl_runs WHERE source = 'demo-tmt' ORDER BY id")
    assert runs[-1]["article_requests_skipped"] > 0 and runs[-1]["new_articles"] == 0


def test_broken_page_and_broken_outlet_do_not_stop_the_crawl(tmp_path: Path) -> None:
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "faults.db")
        broken = ARTICLES[0]["path"]
        server.fail(broken, status=500)
        server.fail("meduza/rss/all", status=503)
        server.fail("meduza/rss/en/all", status=200, body=b"<html>not a feed</html>")
        server.replace("ovd/news/2025/11/21/v-ekaterinburge-zaderzhali-uchastnikov-piketa",
                       b"\xff\xfe<<<garbage")
        result = newsmon("crawl", "--sources", str(sources), *FAST, db=db, check=False)
        assert sum(1 for p in server.requested_paths() if p.endswith(broken)) == 2  # one retry
    # The other outlets were crawled to the end; the exit status tells a cron job that one
    # outlet failed.
    assert result.returncode == 1 and "1 of 4 crawl(s) failed: demo-meduza" in result.stderr
    stored = rows(db, "SELECT source, count(*) AS n FROM articles GROUP BY source")
    counts = {r["source"]: r["n"] for r in stored}
    assert counts["demo-tmt"] == 9 and counts["demo-novaya"] == 9 and counts["demo-ovd"] == 5
    assert "demo-meduza" not in counts
    runs = {r["source"]: r for r in rows(db, "SELECT * FROM crawl_runs")}
    # The crawl ran to its end, but an outlet whose every feed failed is a failed run
    # (what `newsmon health` counts); one broken page leaves its outlet's run finished.
    meduza = runs["demo-meduza"]
    assert meduza["status"] == "failed" and meduza["finish_reason"] == "finished"
    assert meduza["errors"] >= 1 and "every feed" in meduza["error"]
    assert runs["demo-tmt"]["errors"] >= 1 and runs["demo-tmt"]["status"] == "finished"
    assert "demo-meduza: 0 new" in result.stdout


def test_date_window_and_max_articles(tmp_path: Path) -> None:
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "window.db")
        newsmon("crawl", "demo-tmt", "demo-novaya", "--sources", str(sources),
                "--since", "2025-11-18", "--until", "2025-11-20", db=db)
        dates = [r["published_at"] for r in rows(db, "SELECT published_at FROM articles")]
        assert dates and all("2025-11-18" <= d[:10] <= "2025-11-20" for d in dates), dates
        db2 = str(tmp_path / "max.db")
        env = {**os.environ, "NEWSMON_DB": db2, "NEWSMON_SOURCES": str(sources)}
        run = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-ovd",
                              "-a", "max_articles=2"], cwd=REPO, env=env, capture_output=True,
                             text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        assert rows(db2, "SELECT count(*) AS n FROM articles")[0]["n"] == 2


def test_scrapy_list_shows_every_source(tmp_path: Path) -> None:
    from crawler.sources import load_sources
    bundled = sorted(s.id for s in load_sources())
    env = {**os.environ}
    env.pop("NEWSMON_SOURCES", None)
    # In the checkout (scrapy.cfg): the bundled sources, plus the demo's outlets when the
    # quick start's `newsmon demo` left a demo-sources.yaml there.
    listed = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    demo = REPO / "demo-sources.yaml"
    extra = sorted(s.id for s in load_sources(demo)) if demo.exists() else []
    assert listed.stdout.split() == sorted(bundled + extra)
    # Anywhere else with the settings module named: exactly the bundled sources.
    env.update(SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO))
    elsewhere = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=tmp_path, env=env,
                               capture_output=True, text=True, timeout=120)
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert elsewhere.stdout.split() == bundled


def test_malformed_sources_stop_everything(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("sources:\n  - id: x\n    name: X\n    homepage: nope\n", encoding="utf-8")
    db = str(tmp_path / "untouched.db")
    result = newsmon("crawl", "--sources", str(bad), db=db, check=False)
    assert result.returncode != 0
    assert f"{bad}, source 'x', field 'homepage'" in result.stderr
    assert not Path(db).exists()


def test_capped_runs_move_on_and_a_full_run_completes(tmp_path: Path) -> None:
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "cap.db")
        first = newsmon("crawl", "demo-tmt", "--max-articles", "2", "--sources", str(sources),
                        db=db)
        assert "demo-tmt: 2 new" in first.stdout
        second = newsmon("crawl", "demo-tmt", "--max-articles", "2", "--sources", str(sources),
                         db=db)
        # Stored articles are skipped before the cap counts: two new pages were fetched (the
        # listing's photo gallery, dropped, may be one of them).
        new = int(re.search(r"demo-tmt: (\d+) new", second.stdout).group(1))  # type: ignore[union-attr]
        gallery = 1 if "gallery 1" in second.stdout else 0
        assert new + gallery == 2 and "2 stored articles skipped" in second.stdout
        full = newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
        assert f"demo-tmt: {8 - new} new" in full.stdout    # capped runs recorded no validators
        assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 10


def test_failed_article_is_retried_next_run(tmp_path: Path) -> None:
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "retry.db")
        path = "tmt/2025/11/21/serbia-orders-russian-anti-war-activist-to-leave-the-country-a90005"
        server.fail(path, status=404)
        newsmon("crawl", "demo-tmt", "--sources", str(sources), *FAST, db=db)
        runs = rows(db, "SELECT errors FROM crawl_runs")
        assert runs[-1]["errors"] >= 1                      # a 404 is an error, not "ignored"
        server.faults.clear()
        again = newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
        assert "demo-tmt: 1 new" in again.stdout


def test_sitemap_index_loop_terminates(tmp_path: Path) -> None:
    with MockServer() as server:
        loop = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/'
                b'sitemap/0.9"><sitemap><loc>{{BASE}}/novaya/sitemap.xml</loc></sitemap>'
                b'<sitemap><loc>{{BASE}}/novaya/sitemap_news.xml</loc></sitemap>'
                b'<sitemap><loc>{{BASE}}/novaya/back.xml</loc></sitemap></sitemapindex>')
        server.replace("novaya/sitemap.xml", loop)
        server.replace("novaya/back.xml", loop)
        sources = server.write_sources(tmp_path)
        db = str(tmp_path / "loop.db")
        result = newsmon("crawl", "demo-novaya", "--sources", str(sources), db=db)
        assert "demo-novaya: 9 new" in result.stdout and "[finished]" in result.stdout
        assert server.requested_paths().count("/novaya/sitemap.xml") == 1


def test_scrapy_crawl_by_hand_is_quiet_and_bad_arguments_are_one_line(tmp_path: Path) -> None:
    """A dropped item is logged as its reason, never with the page; a bad -a argument is one
    clear line and a failed run, not a traceback. A failed run exits 1, as with `newsmon
    crawl` (Scrapy's own command exits 0 however the crawl ended)."""
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        server.fail("meduza/rss/all", status=503)
        server.fail("meduza/rss/en/all", status=503)
        env = {**os.environ, "NEWSMON_DB": str(tmp_path / "hand.db"),
               "NEWSMON_SOURCES": str(sources), "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
        crawl = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-tmt"], env=env,
                               cwd=tmp_path, capture_output=True, text=True, timeout=300)
        bad = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-ovd", "-a",
                              "since=garbage"], env=env, cwd=tmp_path, capture_output=True,
                             text=True, timeout=300)
        dead = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-meduza", "-s",
                               "RETRY_TIMES=0"], env=env, cwd=tmp_path, capture_output=True,
                              text=True, timeout=300)
    output = crawl.stdout + crawl.stderr
    assert crawl.returncode == 0 and "Dropped: gallery:" in output
    assert len(output) < 20_000 and "<html" not in output, len(output)
    assert "Traceback" not in bad.stderr
    assert "spider argument since='garbage': expected a date" in bad.stderr
    runs = {r["source"]: r for r in rows(str(tmp_path / "hand.db"), "SELECT * FROM crawl_runs")}
    assert runs["demo-ovd"]["status"] == "failed" and "since='garbage'" in runs["demo-ovd"]["error"]
    assert bad.returncode == 1
    assert runs["demo-meduza"]["status"] == "failed" and dead.returncode == 1, dead.stderr[-2000:]
    assert runs["demo-tmt"]["status"] == "finished"


def test_the_local_server_queues_every_connection_a_crawl_opens() -> None:
    """The demo and mock server accepts a crawl's connections as a web server does: with
    socketserver's backlog of 5, a crawl that opened more at once (two workers, 8 per
    domain each) had the rest of its SYNs dropped and retried by TCP a second later, an
    idle second at the start of every crawl. Nobody accepts here: the kernel must queue
    all of them."""
    import socket
    server = MockServer()                            # not started: no accept() at all
    opened: list[socket.socket] = []
    try:
        for _ in range(32):
            opened.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
    finally:
        for sock in opened:
            sock.close()
        server.stop()
    assert len(opened) == 32


def test_a_crawl_process_imports_nothing_it_does_not_run(tmp_path: Path) -> None:
    """Each crawl process pays for what it imports at startup (with `--workers` and on a
    schedule, once per source): not scipy (datasketch's import), not the model-training or
    review-web stacks, not Scrapy's telnet console, remote control or cookie handling."""
    with MockServer() as server:
        server.add_outlet(SyntheticOutlet("imports", 3, seed=2))
        sources = server.write_sources(tmp_path, demo=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSMON_")}
        result = subprocess.run([sys.executable, "-X", "importtime", "-m", "newsmon.cli", "crawl",
                                 "--sources", str(sources), "--db", str(tmp_path / "i.db"),
                                 "imports"], env=env, cwd=REPO, capture_output=True, text=True,
                                timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert {"scrapy", "trafilatura", "pipelines.tagging", "storage.articles"} <= imported
    for module in ("scipy", "datasketch", "sklearn", "datasette", "selenium",
                   "scrapy.extensions.telnet", "scrapy.extensions.remote_control",
                   "scrapy.downloadermiddlewares.cookies"):
        assert module not in imported, module


def test_connections_to_an_outlet_are_kept_alive(tmp_path: Path) -> None:
    """Requests reuse kept-alive connections: Scrapy's own pool closed about a third of its
    connections as they came back (103 TCP connections for 302 requests at 8 per domain),
    a handshake each (a TLS one on a real outlet). The pool keeps room for twice the
    requests in flight; in flight stays at the outlet's limit."""
    with MockServer() as server:
        server.add_outlet(SyntheticOutlet("keep", 120, seed=4))
        sources = server.write_sources(tmp_path, demo=False)     # 8 requests per domain
        newsmon("crawl", "--sources", str(sources), db=str(tmp_path / "keep.db"))
        requests = server.requests
        connections = {r.client for r in requests}
    assert len(requests) > 120 and None not in connections
    assert len(connections) <= 2 * 8, (len(connections), len(requests))


def test_a_crawl_that_cannot_start_fails(tmp_path: Path) -> None:
    """A bad -s value makes Scrapy fail as the crawl starts, before any run is recorded:
    that is a failed crawl (exit 1), not a summary line marked [running] and exit 0."""
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        for workers in ("1", "2"):
            result = newsmon("crawl", "demo-tmt", "demo-ovd", "--workers", workers,
                             "--sources", str(sources), "-s", "DOWNLOAD_DELAY=abc",
                             db=str(tmp_path / f"bad{workers}.db"), check=False)
            assert result.returncode == 1, (workers, result.stdout, result.stderr[-2000:])
            assert "2 of 2 crawl(s) failed" in result.stderr, result.stderr[-2000:]
        assert server.requested_paths() == []


def test_a_corrected_article_pattern_reads_the_feed_whole_again(tmp_path: Path) -> None:
    """A 304 skips what the last crawl took from a feed; after the article pattern was
    corrected (or for another source sharing the feed) that is not what this crawl would
    take: validators belong to the source as configured, and the feed is read whole."""
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        text = sources.read_text(encoding="utf-8")
        assert text.count(r"-a\d+$'") == 1
        wrong = tmp_path / "wrong.yaml"
        wrong.write_text(text.replace(r"-a\d+$'", r"-x\d+$'"), encoding="utf-8")
        db = str(tmp_path / "fixed.db")
        first = newsmon("crawl", "demo-tmt", "--sources", str(wrong), db=db)
        assert "demo-tmt: 0 new" in first.stdout
        fixed = newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
        assert "demo-tmt: 10 new" in fixed.stdout, fixed.stdout
        again = newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
        assert "demo-tmt: 0 new" in again.stdout and "0 feeds/sitemaps not modified" not in \
            again.stdout, again.stdout                   # the same configuration: 304s


def test_validators_belong_to_a_source_as_it_reads_its_feeds() -> None:
    from dataclasses import replace

    from crawler.sources import Schedule, Source
    source = Source("a", "A", "https://a.example/", ("en",), ("a.example",),
                    r"^https://a\.example/\d+$", feeds=("https://a.example/rss",))
    scope = source.validators_scope()
    assert scope.startswith("a:") and scope == replace(source).validators_scope()
    assert replace(source, id="b").validators_scope() != scope
    assert replace(source, article_url_pattern=r"^https://a\.example/n/\d+$"
                   ).validators_scope() != scope
    assert replace(source, languages=("en", "ru")).validators_scope() != scope
    # How often or how politely it is crawled does not change what it takes from a feed.
    assert replace(source, schedule=Schedule(interval_minutes=5), name="Other",
                   enabled=False).validators_scope() == scope


def test_sigterm_stops_a_crawl_in_workers_and_its_workers(tmp_path: Path) -> None:
    """SIGTERM to `newsmon crawl --workers 2` ended the parent at once and left its workers
    crawling unsupervised; sent to its whole process group (systemd's stop, Ctrl-C in a
    terminal) each worker got it twice and left its run `running`. Now the parent stops
    them: each run is recorded interrupted, and the exit status is not 0."""
    import signal
    import time
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        slow = tmp_path / "slow.yaml"
        slow.write_text(sources.read_text(encoding="utf-8").replace(
            "download_delay: 0", "download_delay: 5"), encoding="utf-8")
        db = str(tmp_path / "term.db")
        env = {**os.environ, "NEWSMON_DB": db}
        env.pop("NEWSMON_SOURCES", None)
        proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "crawl", "demo-tmt",
                                 "demo-ovd", "--workers", "2", "--sources", str(slow)],
                                cwd=REPO, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                try:                       # (the database may still be being created)
                    if Path(db).exists() and len(rows(
                            db, "SELECT id FROM crawl_runs WHERE status = 'running'")) == 2:
                        break
                except sqlite3.OperationalError:
                    pass
                time.sleep(0.2)
            os.killpg(proc.pid, signal.SIGTERM)            # the whole group, as systemd does
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    assert proc.returncode not in (0, None), err[-2000:]
    runs = rows(db, "SELECT source, status FROM crawl_runs")
    assert sorted((r["source"], r["status"]) for r in runs) == [
        ("demo-ovd", "interrupted"), ("demo-tmt", "interrupted")], err[-2000:]


def test_a_recheck_of_an_outlet_that_is_down_fails(tmp_path: Path) -> None:
    """Every article unreachable is nothing rechecked: that must not read as a quiet
    success (it printed "0 edited, 0 removed" and exited 0)."""
    db = str(tmp_path / "down.db")
    with MockServer() as server:
        sources = server.write_sources(tmp_path)
        newsmon("crawl", "demo-tmt", "--sources", str(sources), db=db)
    result = newsmon("recheck", "--since", "9999", "--sources", str(sources), *FAST, db=db,
                     check=False)
    assert result.returncode == 1, (result.stdout, result.stderr[-2000:])
    assert "10 could not be fetched" in result.stdout
    assert "10 article(s) could not be fetched" in result.stderr
    bad = newsmon("recheck", "-s", "DOWNLOAD_DELAY", db=db, check=False)
    assert bad.returncode == 2 and "is not NAME=VALUE" in bad.stderr
