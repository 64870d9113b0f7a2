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
import urllib.request
from pathlib import Path

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
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


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


def test_serve_runs_datasette_with_search_and_facets(demo_db: tuple[Path, str]) -> None:
    db = demo_db[1].split("\n", 1)[0]
    port = _free_port()
    proc = subprocess.Popen([sys.executable, "-m", "newsmon.cli", "serve", "--db", db,
                             "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        found = json.loads(urllib.request.urlopen(
            base + "/newsmon/articles.json?_search=treason&_shape=objects", timeout=10).read())
        assert any("Treason" in r["title"] for r in found["rows"])
        newest = json.loads(urllib.request.urlopen(
            base + "/newsmon/articles.json?_shape=objects&_col=published_at", timeout=10).read())
        dates = [r["published_at"] for r in newest["rows"]]
        assert dates == sorted(dates, reverse=True)          # newest first from metadata
        page = urllib.request.urlopen(base + "/newsmon/articles", timeout=10).read().decode()
        assert 'name="_search"' in page                      # the FTS search box
        for facet in ("source", "lang", "topics", "subtags", "countries"):
            assert f'data-column="{facet}"' in page or f"facet-{facet}" in page, facet
        assert "Articles" in page and "newest first" in page
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
    url = f"{base}/tmt/2025/11/20/activist-detained-in-moscow-a90001"
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
