"""`newsmon classify` (an external contract), `newsmon retag`, and tags from a real crawl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipelines.taxonomy import DEFAULT_TAXONOMY_PATH
from tests.conftest import REPO
from tests.mockserver import MockServer
from tests.test_crawl_e2e import EXPECTED, newsmon, rows

RECORDS = [
    {"id": "1", "title": "Журналистку признали иноагентом",
     "text": "Минюст признал иноагентом журналистку из Казани, которая уехала в Грузию.",
     "lang": "ru"},
    {"id": 2, "title": "Ruble slides", "text": "The ruble fell against the dollar on Monday "
     "as oil prices dropped, traders in Moscow said."},
    {"id": "3", "title": "Activist detained", "text": "Police in Moscow detained an anti-war "
     "activist after a solo picket.", "url": "https://www.themoscowtimes.com/2025/11/20/x-a1"},
]


def test_classify_contract_file_to_file(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in RECORDS) + "\n",
                      encoding="utf-8")
    out = tmp_path / "out.jsonl"
    newsmon("classify", "--input", str(source), "--output", str(out), db=":memory:")
    results = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in results] == ["1", 2, "3"]
    for result in results:
        assert set(result) == {"id", "relevant", "topics", "subtags", "score", "evidence"}
        assert isinstance(result["relevant"], bool) and isinstance(result["score"], float)
    assert results[0]["relevant"] and "foreign_agent" in results[0]["subtags"]
    assert not results[1]["relevant"] and results[1]["topics"] == []
    assert results[2]["relevant"] and "protest" in results[2]["subtags"]
    assert all(e["snippet"] and e["term"] for e in results[0]["evidence"])


def test_classify_survives_odd_input(tmp_path: Path) -> None:
    odd = tmp_path / "odd.jsonl"
    odd.write_bytes(
        b'\xef\xbb\xbf{"id":"1","title":"t","text":"Police in Moscow detained an anti-war '
        b'activist after a solo picket."}\n\n{"id":2,"title":"x","text":"y","url":5}\n'
        b'{"id":NaN,"title":"x","text":"y"}\n{"id":"s","title":"x","text":"a \\ud800 b"}\n'
        b'\xff\xfe\n')
    out = tmp_path / "out.jsonl"
    result = newsmon("classify", "--input", str(odd), "--output", str(out), db=":memory:",
                     check=False)
    assert result.returncode == 1
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == 6                                 # one per input line, same order
    assert lines[0]["relevant"] is True                    # the BOM did not break line 1
    assert [line.get("error") for line in lines[1:4]] == [
        "empty line", "title, text and url must be strings", "id must be a string or an integer"]
    assert lines[4]["id"] == "s" and "relevant" in lines[4]
    assert lines[5]["error"].startswith("not UTF-8")


def test_classify_stdin_stdout_and_bad_lines() -> None:
    lines = [json.dumps(RECORDS[0], ensure_ascii=False), "{broken json",
             json.dumps({"id": "x", "title": "no text"}), json.dumps(RECORDS[1])]
    env = {**os.environ}
    run = subprocess.run([sys.executable, "-m", "newsmon.cli", "classify"], cwd=REPO, env=env,
                         input="\n".join(lines) + "\n", capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 1
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert len(out) == 4                                   # one output line per input line
    assert out[0]["relevant"] is True and out[3]["relevant"] is False
    assert "error" in out[1] and out[2] == {"id": "x", "error": "missing field(s) text"}
    assert "line 2:" in run.stderr and "line 3: missing field(s) text" in run.stderr


@pytest.fixture(scope="module")
def crawled_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    tmp = tmp_path_factory.mktemp("tagcrawl")
    with MockServer() as server:
        db = str(tmp / "tags.db")
        newsmon("crawl", "--sources", str(server.write_sources(tmp)), db=db)
    return db


def test_crawl_tags_every_article(crawled_db: str) -> None:
    expected = {e["title"]: e["relevant"] for e in EXPECTED
                if e["kind"] in ("article", "paywall")}
    stored = rows(crawled_db, "SELECT title, relevant, topics, subtags, tag_evidence, "
                              "taxonomy_version FROM articles")
    assert len(stored) == 35 and all(r["taxonomy_version"] for r in stored)
    agree = sum(1 for r in stored if bool(r["relevant"]) == expected[r["title"]])
    assert agree >= 33, [(r["title"], r["relevant"]) for r in stored
                         if bool(r["relevant"]) != expected[r["title"]]]
    for row in stored:
        if row["relevant"]:
            assert json.loads(row["topics"]) and json.loads(row["subtags"])
            assert json.loads(row["tag_evidence"])[0]["snippet"]
    tags = rows(crawled_db, "SELECT tag, count(*) AS n FROM article_tags GROUP BY tag")
    assert {r["tag"] for r in tags} >= {"crackdown", "emigration", "foreign_agent"}
    countries = rows(crawled_db, "SELECT DISTINCT name FROM article_entities "
                                 "WHERE kind = 'country'")
    assert {"Georgia", "Serbia", "Lithuania"} <= {r["name"] for r in countries}


def test_retag_applies_a_changed_taxonomy(crawled_db: str, tmp_path: Path) -> None:
    weather = rows(crawled_db, "SELECT id, relevant FROM articles WHERE title LIKE "
                               "'Moscow Braces for First Snow%'")[0]
    assert weather["relevant"] == 0
    custom = tmp_path / "taxonomy.yaml"
    custom.write_text(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "          en: [blocked in Russia, throttled,",
        "          en: [first snow, blocked in Russia, throttled,"), encoding="utf-8")
    assert "first snow" in custom.read_text(encoding="utf-8")
    result = newsmon("retag", "--taxonomy", str(custom), db=crawled_db)
    assert "retagged 35 articles" in result.stdout and "1 became relevant" in result.stdout
    after = rows(crawled_db, "SELECT relevant, subtags FROM articles WHERE id = ?",
                 (weather["id"],))[0]
    assert after["relevant"] == 1 and "censorship_blocking" in json.loads(after["subtags"])
    back = newsmon("retag", db=crawled_db)
    assert "1 no longer relevant" in back.stdout


def test_retag_with_broken_taxonomy_changes_nothing(crawled_db: str, tmp_path: Path) -> None:
    before = rows(crawled_db, "SELECT id, relevant, subtags FROM articles ORDER BY id")
    broken = tmp_path / "bad.yaml"
    broken.write_text("topics: {emigration: {subtags: {x: {strong: {en: [1]}}}}}\n"
                      "context: {}\n", encoding="utf-8")
    result = newsmon("retag", "--taxonomy", str(broken), db=crawled_db, check=False)
    assert result.returncode == 1 and str(broken) in result.stderr
    assert rows(crawled_db, "SELECT id, relevant, subtags FROM articles ORDER BY id") == before


def test_classify_keeps_one_line_per_line_on_hostile_input(tmp_path: Path) -> None:
    source = tmp_path / "hostile.jsonl"
    source.write_text("\n".join([
        "[" * 100_000 + "]" * 100_000,
        '{"id": "\\ud800", "title": "Activist detained in Moscow", "text": "Police detained '
        'an anti-war activist at a solo picket in Moscow."}',
        json.dumps({"id": 3, "title": "Weather", "text": "Snow fell in Moscow."}),
    ]) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", "classify", "--input",
                             str(source), "--output", "-"], capture_output=True, text=True,
                            timeout=120)
    lines = result.stdout.splitlines()
    assert len(lines) == 3, result.stdout + result.stderr
    assert "error" in json.loads(lines[0]) and "nested too deeply" in result.stderr
    assert json.loads(lines[1])["id"] == "\ud800" and "relevant" in json.loads(lines[1])
    assert json.loads(lines[2])["id"] == 3
    assert result.returncode == 1 and "Traceback" not in result.stderr
