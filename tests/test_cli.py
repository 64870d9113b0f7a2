"""The newsmon command: demo, sources, stats, extract, serve (real Datasette), errors."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO
from tests.test_crawl_e2e import newsmon, rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    tmp = tmp_path_factory.mktemp("demo")
    db = str(tmp / "newsmon.db")
    result = newsmon("demo", "--port", "0", db=db, cwd=tmp)
    return tmp, db + "\n" + result.stdout


def test_demo_crawls_the_snapshot(demo_db: tuple[Path, str]) -> None:
    tmp, packed = demo_db
    db, output = packed.split("\n", 1)
    sources_line = re.search(r"demo sources file: (\S+)", output)
    assert sources_line and Path(sources_line.group(1)).is_absolute()
    assert Path(sources_line.group(1)) == tmp / "demo-sources.yaml"
    assert "35 articles in 34 stories from 4 sources" in output
    assert f"newsmon serve --db {db}" in output
    assert rows(db, "SELECT count(*) AS n FROM articles")[0]["n"] == 35


def test_demo_serve_only_then_crawl(tmp_path: Path) -> None:
    port = _free_port()
    env = {**os.environ, "NEWSMON_DB": str(tmp_path / "x.db")}
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "demo", "--serve-only",
                             "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]
        sources = re.search(r"demo sources file: (\S+)", "".join(lines))
        assert sources, lines
        result = newsmon("crawl", "demo-ovd", "--sources", sources.group(1),
                         db=str(tmp_path / "x.db"))
        assert "demo-ovd: 6 new" in result.stdout
        # All four outlets in two worker processes, one database: the same result as one
        # process (the wire story on two outlets is still one story).
        parallel = newsmon("crawl", "--workers", "2", "--sources", sources.group(1),
                           db=str(tmp_path / "w.db"))
        lines = sorted(line.split(":")[0] for line in parallel.stdout.splitlines())
        assert lines == ["demo-meduza", "demo-novaya", "demo-ovd", "demo-tmt"]
        assert "(2 worker processes)" in parallel.stderr and "locked" not in parallel.stderr
        w = str(tmp_path / "w.db")
        assert [dict(r) for r in rows(w, "SELECT count(*) AS n, count(DISTINCT story_id) "
                                         "AS s FROM articles")] == [{"n": 35, "s": 34}]
        assert {r["status"] for r in rows(w, "SELECT status FROM crawl_runs")} == {"finished"}
        # `scrapy crawl <demo outlet>` by hand, with no sources file named: the demo's
        # demo-sources.yaml in the working directory names it.
        scrapy_env = {k: v for k, v in env.items() if k != "NEWSMON_SOURCES"}
        scrapy_env.update(SCRAPY_SETTINGS_MODULE="crawler.settings", PYTHONPATH=str(REPO))
        by_hand = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-tmt"],
                                 cwd=tmp_path, env=scrapy_env, capture_output=True, text=True,
                                 timeout=300)
        assert by_hand.returncode == 0, by_hand.stderr[-2000:]
        assert rows(str(tmp_path / "x.db"), "SELECT count(*) AS n FROM articles WHERE "
                                            "source = 'demo-tmt'")[0]["n"] == 10
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        missing = subprocess.run([sys.executable, "-m", "scrapy", "crawl", "demo-tmt"],
                                 cwd=elsewhere, env=scrapy_env, capture_output=True, text=True,
                                 timeout=300)
        assert missing.returncode != 0 and "newsmon demo --serve-only" in missing.stderr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_the_demo_is_recent_and_shows_edits_takedowns_and_re_review(
        demo_db: tuple[Path, str]) -> None:
    from datetime import datetime, timedelta, timezone
    tmp, packed = demo_db
    db, output = packed.split("\n", 1)
    assert "second pass" in output and "1 edited, 1 removed" in output
    dates = [datetime.fromisoformat(r["published_at"]) for r in
             rows(db, "SELECT published_at FROM articles WHERE published_at IS NOT NULL")]
    now = datetime.now(timezone.utc)
    assert dates and max(dates) <= now and now - max(dates) < timedelta(days=3)
    assert now - min(dates) < timedelta(days=60)
    # Texts say the same dates as their pages' metadata: no "November 2025" left behind.
    assert not rows(db, "SELECT id FROM articles WHERE url LIKE '%/2025/11/%'")
    recent = newsmon("export", "--since", "7d", "--format", "jsonl", db=db).stdout.splitlines()
    assert len(recent) >= 5
    edited = rows(db, "SELECT a.id, a.edit_count, a.review_status, "
                      "(SELECT count(*) FROM article_versions v WHERE v.article_id = a.id) AS versions "
                      "FROM articles a WHERE a.edited_at IS NOT NULL")
    removed = rows(db, "SELECT id, review_status, removed_reason FROM articles "
                       "WHERE removed_at IS NOT NULL")
    assert len(edited) == 1 and edited[0]["versions"] >= 1 and edited[0]["edit_count"] == 1
    assert len(removed) == 1 and "404" in removed[0]["removed_reason"]
    for article, why in ((edited[0]["id"], "re-review: text edited"),
                         (removed[0]["id"], "re-review: taken down")):
        log = rows(db, f"SELECT old_status, new_status, note FROM review_log "
                       f"WHERE article_id = {article} ORDER BY id")
        assert [(r["old_status"], r["new_status"]) for r in log] == [
            ("new", "verified"), ("verified", "new")]
        assert log[-1]["note"].startswith(why)
    # Serving, checking health and the stats never add the bundled real outlets.
    newsmon("health", db=db, check=False)
    assert {r["id"] for r in rows(db, "SELECT id FROM sources")} == {
        "demo-tmt", "demo-meduza", "demo-novaya", "demo-ovd"}


def test_sources_and_stats(demo_db: tuple[Path, str]) -> None:
    tmp, packed = demo_db
    db = packed.split("\n", 1)[0]
    listed = json.loads(newsmon("sources", "--json", "--sources",
                                str(tmp / "demo-sources.yaml"), db=db).stdout)
    by_id = {s["id"]: s for s in listed}
    assert by_id["demo-ovd"]["articles"] == 6 and by_id["demo-ovd"]["last_run_status"] == "finished"
    assert by_id["demo-novaya"]["discovery"] == ["sitemap"]
    stats = json.loads(newsmon("stats", "--json", db=db).stdout)
    assert stats["articles"] == 35 and stats["stories"] == 34
    assert stats["by_lang"] == {"ru": 21, "en": 14}
    text = newsmon("stats", db=db).stdout
    assert "35 articles in 34 stories" in text


def test_stats_on_missing_db_is_a_clear_error(tmp_path: Path) -> None:
    result = newsmon("stats", db=str(tmp_path / "none.db"), check=False)
    assert result.returncode == 1 and "does not exist" in result.stderr
    assert not (tmp_path / "none.db").exists()


def test_extract_prints_json(corpus: Path) -> None:
    page = corpus / "themoscowtimes" / "article-a76042.html"
    result = newsmon("extract", str(page), "--url",
                     "https://www.themoscowtimes.com/2022/01/14/x-a76042/amp", db=":memory:")
    article = json.loads(result.stdout)
    assert article["title"].startswith("Russia Had 1,500 Political Emigres")
    assert article["published_at"].startswith("2022-01-14")
    assert article["url"].endswith("rights-group-a76042")          # rel=canonical, same site
    assert article["published_from"] == "jsonld" and article["word_count"] > 200
    # The Moscow Times' site rules (crawler/sources.yaml) take out the related-story card.
    assert article["source"] == "themoscowtimes" and article["extract_rules_missed"] == 0
    assert "5 Million Russian Citizens Left Russia Under Putin" not in article["text"]
    plain = json.loads(newsmon("extract", str(page), "--no-rules", "--url",
                               "https://www.themoscowtimes.com/2022/01/14/x-a76042",
                               db=":memory:").stdout)
    assert plain["extract_rules_missed"] is None
    assert "5 Million Russian Citizens Left Russia Under Putin" in plain["text"]


def test_extract_missing_file(tmp_path: Path) -> None:
    result = newsmon("extract", str(tmp_path / "nope.html"), db=":memory:", check=False)
    assert result.returncode == 1 and "no such file" in result.stderr


def test_help_and_version() -> None:
    out = newsmon("-h", db=":memory:").stdout
    for command in ("crawl", "sources", "stats", "serve", "extract", "demo"):
        assert command in out
    assert "newsmon, version" in newsmon("--version", db=":memory:").stdout


def rows_of(db: str, sql: str) -> list[dict[str, Any]]:
    import sqlite3
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql)]
    finally:
        conn.close()


def test_serve_runs_datasette_with_search_and_facets(demo_db: tuple[Path, str]) -> None:
    db = demo_db[1].split("\n", 1)[0]
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "serve", "--db", db,
                             "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"

    def fetch(url: str, timeout: float = 10) -> bytes:
        with urllib.request.urlopen(url, timeout=timeout) as response:   # closed, not leaked
            return bytes(response.read())

    try:
        for _ in range(100):
            try:
                fetch(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        found = json.loads(fetch(
            base + "/newsmon/articles.json?_search=treason&_shape=objects"))
        assert any("Treason" in r["title"] for r in found["rows"])

        def search(query: str, where: str = "articles.json?_search=") -> list[dict[str, Any]]:
            url = base + "/newsmon/" + where + urllib.parse.quote(query) + "&_shape=objects"
            return list(json.loads(fetch(url))["rows"])

        # Inflected forms: the texts say «иноагентов», «Навального», "detained".
        for query, must in (("иноагент", "иноагент"), ("Навальный", "Навальн"),
                            ("detain", "etain")):
            rows = search(query)
            assert rows, query
            stored = {r["id"]: r for r in rows_of(db, "SELECT id, title, text FROM articles")}
            assert all(must.lower() in (stored[r["id"]]["title"] + stored[r["id"]]["text"])
                       .lower() for r in rows), query
        assert search('"solo picket"') and not search('"picket solo"')
        assert search("навальн*") and search("treason OR госизмена")
        every = {r["id"] for r in search("detain")}
        assert 0 < len({r["id"] for r in search("detain -Moscow")}) < len(every)
        ranked = search("Навальный", "search.json?q=")
        assert ranked and "**Навального" in ranked[0]["snippet"]
        assert search("", "search.json?q=") == []          # an empty query finds nothing
        assert search('"', "search.json?q=") == [] and search("AND OR", "search.json?q=") == []
        newest = json.loads(fetch(
            base + "/newsmon/articles.json?_shape=objects&_col=published_at"))
        dates = [r["published_at"] for r in newest["rows"]]
        assert dates == sorted(dates, reverse=True)          # newest first from metadata
        page = fetch(base + "/newsmon/articles").decode()
        assert 'name="_search"' in page                      # the FTS search box
        for facet in ("source", "lang", "topics", "subtags", "countries"):
            assert f'data-column="{facet}"' in page or f"facet-{facet}" in page, facet
        assert "Articles" in page and "Newest first" in page
        # The desk's list: titles link to the article pages, no wide columns inline.
        assert 'class="desk-title"' in page and "tag_evidence" not in page.split("desk-list")[1]
        home = fetch(base + "/").decode()
        assert "waiting for review" in home and "lsh_recent" not in home
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_extract_names_source_and_stored_article(demo_db: tuple[Path, str]) -> None:
    tmp, packed = demo_db
    db = packed.split("\n", 1)[0]
    sources = tmp / "demo-sources.yaml"
    base = re.search(r'homepage: "(http://127\.0\.0\.1:\d+)/tmt/"',
                     sources.read_text(encoding="utf-8")).group(1)      # type: ignore[union-attr]
    page = REPO / "newsmon/demo/site/tmt/2025/11/20/activist-detained-in-moscow-a90001"
    # The demo serves its pages dated relative to today: the stored URL carries that date.
    [stored_url] = rows(db, "SELECT url FROM articles WHERE url LIKE ?",
                        ("%/activist-detained-in-moscow-a90001",))
    url = stored_url["url"]
    assert url.startswith(f"{base}/tmt/") and "/2025/11/20/" not in url
    result = json.loads(newsmon("extract", str(page), "--url", url + "?utm_source=x",
                                "--sources", str(sources), db=db).stdout)
    assert result["source"] == "demo-tmt"
    stored = rows(db, "SELECT id FROM articles WHERE url = ?", (url,))
    assert result["stored_article_id"] == stored[0]["id"]


def test_stats_lists_configured_sources_without_articles(demo_db: tuple[Path, str]) -> None:
    db = demo_db[1].split("\n", 1)[0]
    stats = json.loads(newsmon("stats", "--json", db=db).stdout)
    assert stats["by_source"]["svoboda"]["articles"] == 0       # bundled sources, never crawled


def test_not_a_newsmon_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = newsmon("stats", db=str(junk), check=False)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert str(junk) in result.stderr
    import sqlite3
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    result = newsmon("stats", db=str(other), check=False)
    assert result.returncode == 1 and "not a newsmon database" in result.stderr


@pytest.mark.parametrize("command", [
    ("serve",), ("retag",), ("health",), ("schedule", "--list"), ("user", "list"),
    ("recheck",), ("reprocess",), ("export",), ("digest",), ("stats",), ("export-warc",)])
def test_a_database_that_does_not_exist_is_an_error(tmp_path: Path,
                                                    command: tuple[str, ...]) -> None:
    """A typo in --db must not quietly create an empty database (only crawl, demo and
    import create one, and say so)."""
    db = tmp_path / "typo.db"
    result = newsmon(*command, "--db", str(db), db=str(db), check=False)
    assert result.returncode == 1, (command, result.stdout, result.stderr)
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    assert not db.exists() and not list(tmp_path.iterdir())


def test_commands_that_create_a_database_say_so(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"url": "https://x.example/1", "title": "t",
                                  "text": "A court in Kazan fined an activist. " * 8}) + "\n")
    result = newsmon("import", str(source), "--db", str(db), db=str(db))
    assert f"creating a new database at {db}" in result.stderr and db.exists()


def test_demo_moves_off_a_busy_default_port_but_not_off_a_chosen_one(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            busy.bind(("127.0.0.1", 8765))
            busy.listen()
        except OSError:
            pass                                   # already taken by something else: as good
        proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "demo", "--serve-only"],
                                cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, env={k: v for k, v in os.environ.items()
                                                if not k.startswith("NEWSMON_")})
        try:
            assert proc.stdout is not None and proc.stderr is not None
            site = proc.stdout.readline()
            assert "port 8765 is in use" in proc.stderr.readline()
            assert site.startswith("demo site: http://127.0.0.1:") and ":8765/" not in site
        finally:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=20)
        chosen = newsmon("demo", "--serve-only", "--port", "8765", db=str(tmp_path / "x.db"),
                         cwd=tmp_path, check=False)
        assert chosen.returncode == 1 and "try --port 0" in chosen.stderr


def _imported(tmp_path: Path, name: str, title: str = "t",
              text: str = "A court in Kazan fined an activist. " * 8) -> Path:
    """A database holding one imported article."""
    db = tmp_path / name
    source = tmp_path / f"{name}.jsonl"
    source.write_text(json.dumps({"url": "https://x.example/1", "title": title,
                                  "text": text}) + "\n", encoding="utf-8")
    newsmon("import", str(source), "--db", str(db), db=str(db))
    return db


def test_mistakes_in_digest_and_alerts_options_are_one_line(tmp_path: Path) -> None:
    db = _imported(tmp_path, "new.db")
    a_file = tmp_path / "afile"
    a_file.write_text("x")
    digest = newsmon("digest", "--out", str(a_file / "sub"), "--db", str(db), db=str(db),
                     check=False)
    assert digest.returncode == 1 and "Traceback" not in digest.stderr, digest.stderr
    assert f"cannot write the digest into --out {a_file / 'sub'}" in digest.stderr
    alerts = tmp_path / "alerts.yaml"
    alerts.write_text("subscriptions:\n  - name: desk\n    channel: {webhook: "
                      "'http://127.0.0.1:9/hook'}\n", encoding="utf-8")
    only = newsmon("alerts", "send", "--config", str(alerts), "--only", "nosuch", "--db",
                   str(db), db=str(db), check=False)
    assert only.returncode == 1 and "Traceback" not in only.stderr, only.stderr
    assert "no subscription named 'nosuch' (there are: desk)" in only.stderr


def test_control_characters_in_imported_text_never_reach_the_store_or_a_feed(
        tmp_path: Path) -> None:
    """A crawled page loses its control characters at extraction; an imported record kept
    them, and an Atom export with one was not well-formed XML."""
    import sqlite3
    import xml.etree.ElementTree as ElementTree
    db = tmp_path / "ctrl.db"
    source = tmp_path / "ctrl.jsonl"
    source.write_text(json.dumps({"url": "https://x.example/1", "title": "Court\x1b fines\x08",
                                  "text": "A court in Kazan\x01 fined an activist.\x0c " * 8})
                      + "\n", encoding="utf-8")
    newsmon("import", str(source), "--db", str(db), db=str(db))
    (row,) = rows_of(str(db), "SELECT title, text FROM articles")
    assert row["title"] == "Court fines" and "\x01" not in row["text"] \
        and "\x0c" not in row["text"]
    sqlite3.connect(db).execute("UPDATE articles SET title = 'Old\x1b row'").connection.commit()
    atom = newsmon("export", "--db", str(db), "--all", "--format", "atom", db=str(db)).stdout
    (entry,) = ElementTree.fromstring(atom).iter("{http://www.w3.org/2005/Atom}entry")
    assert entry.findtext("{http://www.w3.org/2005/Atom}title") == "Old row"


def test_bad_since_values_and_a_broken_gzip_page_are_one_line(tmp_path: Path) -> None:
    db = _imported(tmp_path, "since.db")
    for command in ("reprocess", "export-warc"):
        bad = newsmon(command, "--since", "garbage", "--db", str(db), db=str(db), check=False)
        assert bad.returncode == 2 and "--since" in bad.stderr, (command, bad.stderr)
        assert "Traceback" not in bad.stderr
    page = tmp_path / "page.html.gz"
    page.write_bytes(b"<html>not gzip</html>")
    broken = newsmon("extract", str(page), db=str(db), check=False)
    assert broken.returncode == 1 and "not a readable gzip file" in broken.stderr, broken.stderr
    assert "Traceback" not in broken.stderr


def test_an_alerts_file_with_a_key_given_twice_is_refused() -> None:
    from newsmon.alerts.config import AlertConfigError, parse_config
    one = "subscriptions:\n  - name: a\n    channel: {webhook: 'http://127.0.0.1:9/a'}\n"
    assert [s.name for s in parse_config(one, "alerts.yaml").subscriptions] == ["a"]
    with pytest.raises(AlertConfigError, match="key 'subscriptions' appears twice"):
        parse_config(one + one.replace("name: a", "name: b"), "alerts.yaml")


@pytest.mark.parametrize("at", ["T08:00", "0800", "08:00+03:00", "8:00"])
def test_an_alerts_daily_time_must_be_hh_mm(at: str) -> None:
    """fromisoformat takes these, then the time was cut to its first five characters."""
    from newsmon.alerts.config import AlertConfigError, parse_config
    text = ("subscriptions:\n  - name: a\n    channel: {webhook: 'http://127.0.0.1:9/a'}\n"
            f"    mode: {{daily_at: '{at}'}}\n")
    with pytest.raises(AlertConfigError, match=r"mode.*is not a time of day like 08:30"):
        parse_config(text, "alerts.yaml")
    good = parse_config(text.replace(at, "08:05"), "alerts.yaml")
    assert good.subscriptions[0].mode.at == "08:05"
    seconds = parse_config(text.replace(at, "08:05:00"), "alerts.yaml")
    assert seconds.subscriptions[0].mode.at == "08:05"
    with pytest.raises(AlertConfigError, match="write the time in quotes"):
        parse_config(text.replace(f"'{at}'", "18:30"), "alerts.yaml")     # YAML: 1110


def test_export_of_a_taxonomy_topic_nothing_carries_yet_is_empty_not_an_error(
        tmp_path: Path) -> None:
    db = _imported(tmp_path, "quiet.db", "Weather", "Snow is expected in Moscow on Friday. " * 8)
    quiet = newsmon("export", "--db", str(db), "--topic", "emigration", db=str(db))
    assert quiet.stdout == ""
    typo = newsmon("export", "--db", str(db), "--topic", "emigraton", db=str(db), check=False)
    assert typo.returncode == 2 and "not a topic or subtag of the taxonomy" in typo.stderr


def test_a_crawl_window_that_holds_no_date_is_refused(tmp_path: Path) -> None:
    db = str(tmp_path / "w.db")
    inverted = newsmon("crawl", "--since", "2d", "--until", "5d", db=db, check=False)
    assert inverted.returncode == 2 and "is not before --until" in inverted.stderr
    assert not Path(db).exists()


def test_an_unset_variable_in_an_alerts_channel_is_refused(monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    """It was sent as it stood: POST /hook/${NOPE_UNSET}, counted as delivered."""
    from newsmon.alerts.config import AlertConfigError, parse_config
    monkeypatch.delenv("NEWSMON_TEST_UNSET", raising=False)
    monkeypatch.setenv("NEWSMON_TEST_TOKEN", "abc")
    text = ("subscriptions:\n  - name: a\n    channel: {webhook: "
            "'http://127.0.0.1:9/hook/${NEWSMON_TEST_TOKEN}'}\n")
    assert parse_config(text, "a.yaml").subscriptions[0].channel.url.endswith("/hook/abc")
    with pytest.raises(AlertConfigError, match=r"channel.webhook: environment variable "
                                               r"NEWSMON_TEST_UNSET is not set"):
        parse_config(text.replace("TOKEN", "UNSET"), "a.yaml")
    headers = text.replace("}\n", ", headers: {Authorization: 'Bearer ${NEWSMON_TEST_UNSET}'}}\n")
    with pytest.raises(AlertConfigError, match=r"headers.Authorization: environment"):
        parse_config(headers, "a.yaml")
    # A bare $ that names nothing set is part of the value (an OData query, a secret).
    literal = text.replace("/hook/${NEWSMON_TEST_TOKEN}", "/hook?$format=json")
    literal = literal.replace("}\n", ", headers: {X-Key: 'k$NEWSMON_TEST_UNSET'}}\n")
    channel = parse_config(literal, "a.yaml").subscriptions[0].channel
    assert channel.url.endswith("/hook?$format=json")
    assert channel.headers == (("X-Key", "k$NEWSMON_TEST_UNSET"),)


def test_scrapy_crawl_with_a_broken_sources_file_or_an_unknown_source_is_one_line(
        tmp_path: Path) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text("sources:\n  - id: x\n", encoding="utf-8")
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": "crawler.settings", "PYTHONPATH": str(REPO)}
    for sources, spider, says in (
            (str(broken), "x", "ERROR: " + str(broken) + ", source 'x', field 'name': is required"),
            ("", "nosuch", "ERROR: Spider not found: nosuch; configured sources: ")):
        run = subprocess.run([sys.executable, "-m", "scrapy", "crawl", spider], cwd=tmp_path,
                             env={**env, "NEWSMON_SOURCES": sources}, capture_output=True,
                             text=True, timeout=120)
        assert run.returncode == 1 and says in run.stderr, run.stderr[-2000:]
        assert "Traceback" not in run.stderr


def test_a_skipped_import_line_leaves_a_record_with_its_run(tmp_path: Path) -> None:
    """A record that is not stored leaves a row in unstored_pages, like a page a crawl did
    not store: its url (or its line), the reason and the import's run."""
    import sqlite3
    db = tmp_path / "skip.db"
    source = tmp_path / "skip.jsonl"
    good = {"url": "https://x.example/1", "title": "t",
            "text": "A court in Kazan fined an activist. " * 8}
    source.write_text("\n".join([json.dumps(good),
                                 json.dumps({**good, "url": "https://x.example/2",
                                             "published_at": "someday"}),
                                 "{not json"]) + "\n", encoding="utf-8")
    result = newsmon("import", str(source), "--db", str(db), db=str(db), check=False)
    assert result.returncode == 1 and "2 line(s) skipped" in result.stdout, result.stdout
    conn = sqlite3.connect(db)
    run_id = conn.execute("SELECT id FROM crawl_runs WHERE source = 'import'").fetchone()[0]
    records = conn.execute("SELECT run_id, url, kind, stage, reason, detail FROM "
                           "unstored_pages ORDER BY id").fetchall()
    assert [r[:5] for r in records] == [
        (run_id, "https://x.example/2", "dropped", "import", "bad_import_line"),
        (run_id, "import:line 3", "dropped", "import", "bad_import_line")]
    assert records[0][5].startswith("line 2: published_at 'someday' is not a date")
