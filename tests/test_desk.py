"""The reviewer's desk without a server: search parsing and snippets, re-review after an
edit or takedown, the demo's date shift."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest

from newsmon.demo.server import DateShift, days_to_recent
from newsmon.web.search import NOTHING, fts_query, snippet
from pipelines.morphology import Normaliser
from storage.articles import ArticleStore, mark_removed
from storage.reviews import record_review
from storage.search_index import index_stems
from storage.db import open_db


@pytest.mark.parametrize("query, expected", [
    ("иноагент", '"иноагент"'),
    ("Навальный", '"навальн"'),
    ("detained", '"detain"'),
    ('"foreign agents"', '"foreign agent"'),
    ("навальн*", '"навальн"*'),
    ("treason OR госизмена", '"treason" OR "госизм"'),
    ("activist -Georgia", '"activist" NOT "georgia"'),
    ("activist NOT Georgia", '"activist" NOT "georgia"'),
    ("", NOTHING), ('"', NOTHING), ("AND OR NOT", NOTHING), ("***", NOTHING),
    ("Russia's (war)", '"russia" "war"'),
])
def test_queries_become_safe_stemmed_fts(query: str, expected: str) -> None:
    assert fts_query(query) == expected


def _search_db(tmp_path: Path) -> sqlite3.Connection:
    db = open_db(tmp_path / "s.db")
    stem = Normaliser("stem")
    texts = {1: ("Минюст внес в реестр иноагентов трех журналистов", "Текст о реестре."),
             2: ("Police detained activists in Kazan", "They were detained at a picket."),
             3: ("Суд арестовал сторонника Навального", "Сторонник Навального арестован."),
             4: ("Weather in Moscow", "Snow is expected; nobody was detained.")}
    for article_id, (title, text) in texts.items():
        index_stems(db, article_id, stem.stem_text(title), stem.stem_text(text))
    conn = db.conn
    conn.create_function("escape_fts", 1, fts_query)
    return conn


@pytest.mark.parametrize("query, ids", [
    ("иноагент", [1]), ("иноагенты", [1]), ("Навальный", [3]), ("detain", [2, 4]),
    ('"detained activists"', [2]), ("detain -weather", [2]), ("навальн*", [3]),
    ("", []), ('"', []), ("Kazan OR Moscow", [2, 4]),
])
def test_stemmed_index_finds_inflected_forms(tmp_path: Path, query: str,
                                              ids: list[int]) -> None:
    conn = _search_db(tmp_path)
    found = [r[0] for r in conn.execute(
        "SELECT rowid FROM articles_stems WHERE articles_stems MATCH escape_fts(?) "
        "ORDER BY bm25(articles_stems, 4.0, 1.0)", [query])]
    assert sorted(found) == ids
    if query == "detain":
        assert found[0] == 2                       # title and text both match: ranked first


def test_snippet_marks_inflected_matches() -> None:
    text = ("Первый абзац о погоде. " * 30 + "Суд признал виновным сторонника Навального. "
            "Сторонники Навального вышли на пикет.")
    out = snippet(text, "Навальный")
    assert "**Навального.**" in out and out.startswith("…")
    assert snippet("no match here", "иноагент") == "no match here"
    assert snippet(None, "x") == ""


def _article(store: ArticleStore, url: str, text: str) -> int:
    import hashlib
    result = store.upsert({"url": url, "canonical_url": url, "source": "s", "title": "T",
                           "text": text, "text_hash": hashlib.sha256(text.encode()).hexdigest()},
                          [], "2026-11-30T10:00:00+00:00")
    return result.article_id


def test_an_edited_or_removed_reviewed_article_goes_back_to_the_queue(tmp_path: Path) -> None:
    store = ArticleStore(open_db(tmp_path / "r.db"))
    first = _article(store, "https://x.org/a", "A court jailed the activist. " * 10)
    second = _article(store, "https://x.org/b", "Police detained a journalist. " * 10)
    untouched = _article(store, "https://x.org/c", "Another story entirely. " * 10)
    for url in ("https://x.org/a", "https://x.org/b"):
        record_review(store.db, url, "verified", "anna", "ok", "2026-11-30T11:00:00+00:00")
    _article(store, "https://x.org/a", "A court jailed the activist. " * 10 + "Update: appeal.")
    mark_removed(store.db, ["https://x.org/b"], "2026-11-30T12:00:00+00:00", "HTTP 410")
    mark_removed(store.db, ["https://x.org/b"], "2026-11-30T13:00:00+00:00", "HTTP 410")
    rows = {r["id"]: r for r in store.db.query("SELECT * FROM articles")}
    assert rows[first]["review_status"] == "new" and "text edited" in rows[first]["note"]
    assert rows[second]["review_status"] == "new" and "taken down" in rows[second]["note"]
    assert rows[untouched]["review_status"] == "new" and rows[untouched]["note"] is None
    log = list(store.db.query("SELECT article_id, reviewer, old_status, new_status, note "
                              "FROM review_log ORDER BY id"))
    back = [r for r in log if r["reviewer"] == "newsmon"]
    assert [(r["article_id"], r["old_status"], r["new_status"]) for r in back] == [
        (first, "verified", "new"), (second, "verified", "new")]   # the second 410: no re-log


def test_demo_dates_move_to_recent_days_once() -> None:
    shift = DateShift(days_to_recent(date(2026, 11, 30)))
    assert shift.days == 373
    text = ("2025-11-21T16:05:00+03:00 /ovd/news/2025/11/21/x Fri, 21 Nov 2025 "
            "21 ноября 2025 Nov. 21, 2025 21 Nov 2025 21.11.2025")
    moved = shift.text(text)
    assert moved == ("2026-11-29T16:05:00+03:00 /ovd/news/2026/11/29/x Sun, 29 Nov 2026 "
                     "29 ноября 2026 Nov. 29, 2026 29 Nov 2026 29.11.2026")
    assert shift.path("ovd/news/2026/11/29/x", sign=-1) == "ovd/news/2025/11/21/x"
    assert DateShift(0).text(text) == text
