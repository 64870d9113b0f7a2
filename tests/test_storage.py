"""Storage: migrations, WAL, URL uniqueness, same-text linking, FTS, batched writes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from storage.articles import ArticleStore
from storage.db import open_db
from storage.migrations import MIGRATIONS
from storage.runs import finish_run, get_run, start_run


def _article(url: str, text: str, source: str = "a", **extra: Any) -> dict[str, Any]:
    row = {"url": url, "canonical_url": url, "source": source, "title": "T " + url,
           "text": text, "text_hash": str(hash(text)), "authors": ["X"], "keywords": []}
    row.update(extra)
    return row


def test_open_db_sets_wal_and_migrates(db_path: str) -> None:
    db = open_db(db_path)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"articles", "article_urls", "crawl_runs", "sources", "articles_fts"} <= set(
        db.table_names())
    assert db["articles"].detect_fts() == "articles_fts"
    db.close()
    again = open_db(db_path)                     # migrations are not re-applied
    applied = again.execute("SELECT count(*) FROM _sqlite_migrations").fetchone()[0]
    assert applied == len(MIGRATIONS.applied(again)) >= 2 and not MIGRATIONS.pending(again)
    # Steps live in several modules but apply in one order, the order of their numbers (a
    # new database is built in the order every older one was).
    names = [m.name for m in MIGRATIONS.applied(again)]
    assert names == sorted(names) and len({n[:4] for n in names}) == len(names)


def test_url_never_stored_twice_and_recrawl_updates_last_seen(db_path: str) -> None:
    store = ArticleStore(open_db(db_path))
    first = store.upsert(_article("https://x.org/1", "text one"), [], "2025-11-20T00:00:00+00:00")
    assert first.outcome == "new"
    again = store.upsert(_article("https://x.org/1", "text one"), [], "2025-11-21T00:00:00+00:00")
    assert (again.outcome, again.article_id) == ("unchanged", first.article_id)
    edited = store.upsert(_article("https://x.org/1", "text two"), [], "2025-11-22T00:00:00+00:00")
    assert edited.outcome == "updated"
    rows = list(store.db.query("SELECT * FROM articles"))
    assert len(rows) == 1
    assert rows[0]["first_seen_at"].startswith("2025-11-20")
    assert rows[0]["last_seen_at"].startswith("2025-11-22") and rows[0]["text"] == "text two"


def test_alias_urls_lead_to_the_same_article(db_path: str) -> None:
    store = ArticleStore(open_db(db_path))
    first = store.upsert(_article("https://x.org/1", "t"), ["https://x.org/1/amp"], "2025-11-20")
    assert first.outcome == "new"
    via_alias = store.upsert(_article("https://x.org/1/amp", "t"), [], "2025-11-21")
    assert via_alias.article_id == first.article_id
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 1


def test_identical_text_is_linked_not_a_second_story(db_path: str) -> None:
    store = ArticleStore(open_db(db_path))
    original = store.upsert(_article("https://a.org/1", "wire copy", title="Wire"), [],
                            "2025-11-20")
    same_outlet = store.upsert(_article("https://a.org/other-url", "wire copy", title="Wire"), [],
                               "2025-11-20")
    assert (same_outlet.outcome, same_outlet.article_id) == ("linked", original.article_id)
    other_outlet = store.upsert(_article("https://b.org/9", "wire copy", source="b",
                                         title="Wire"), [], "2025-11-20")
    assert other_outlet.outcome == "new" and other_outlet.duplicate_of == original.article_id
    stories = store.db.execute("SELECT count(DISTINCT story_id) FROM articles").fetchone()[0]
    assert stories == 1
    # The other outlet's copy seen again under a new URL links to that outlet's own row.
    again = store.upsert(_article("https://b.org/9?page=1", "wire copy", source="b",
                                  title=" wire"), [], "2025-11-21")
    assert (again.outcome, again.article_id) == ("linked", other_outlet.article_id)
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2


def test_a_short_body_under_another_headline_is_another_article(db_path: str) -> None:
    # An outlet's short body under another headline is another article (each was an alias
    # of the first, and 9 of 1,905 BBC Russian posts were not stored). A body that is about
    # neither headline, under headlines about different things, is the outlet's boilerplate
    # (a channel's video posts: a first line each, made the headline, then the same footer):
    # a story of its own.
    store = ArticleStore(open_db(db_path))
    footer = "Read us without a VPN here, every evening: example.org/news"
    titles = ["Russian drones strike Ukrainian power plant",
              "Ukrainian court sentences Russian soldier",      # 2 words shared, under half
              "Evening storm floods the city"]                   # 1 word shared with the body
    posts = [store.upsert(_article(f"https://t.me/c/{n}", footer, title=title), [],
                          "2025-11-20") for n, title in enumerate(titles)]
    assert [p.outcome for p in posts] == ["new"] * 3
    rows = {r["id"]: r for r in store.db.query("SELECT * FROM articles")}
    assert len({rows[p.article_id]["story_id"] for p in posts}) == 3
    assert all(rows[p.article_id]["duplicate_of"] is None for p in posts)
    # A lead under an updated headline is a copy: about both headlines, or under headlines
    # about one thing.
    lead = "Footage from Belgorod showed damaged buildings and cars on fire."
    winds = "Winds reached 144 kilometres an hour along the coast overnight."
    copies = []
    for body, heads in ((lead, ("Strike on Belgorod kills 10", "Belgorod toll rises to 14")),
                        (winds, ("Storm of the century cuts power to Crimea",
                                 "Storm of the century kills four, cuts power"))):
        made = [store.upsert(_article(f"https://x.org/{hash(h)}", body, title=h), [],
                             "2025-11-20") for h in heads]
        assert made[1].outcome == "new" and made[1].duplicate_of == made[0].article_id, heads
        copies.append(made[1])
    # An empty body is about nothing.
    empty = [store.upsert(_article(f"https://t.me/e/{n}", "", title=f"Russian court news {n}"
                                   " Ukrainian"), [], "2025-11-20") for n in range(2)]
    assert empty[1].outcome == "new" and empty[1].duplicate_of is None
    # The same headline (case and spaces aside) is the same article under a second URL,
    # whichever of the outlet's posts with that body it is.
    for n, (title, body, original) in enumerate((
            ("russian drones  strike UKRAINIAN power plant", footer, posts[0]),
            (titles[2], footer, posts[2]), ("Belgorod toll rises to 14", lead, copies[0]))):
        again = store.upsert(_article(f"https://t.me/c/again{n}", body, title=title), [],
                             "2025-11-21")
        assert (again.outcome, again.article_id) == ("linked", original.article_id)
    # Another outlet's same short text is a copy (a wire lead under its own headline).
    other = store.upsert(_article("https://b.org/1", footer, source="b", title="Other"), [],
                         "2025-11-21")
    assert other.outcome == "new" and other.duplicate_of == posts[0].article_id
    # 30 words or more are one article, whatever its headline (an outlet's A/B title);
    # 29 are not.
    for words, expected in ((30, "linked"), (29, "new")):
        body = " ".join(f"w{words}x{i}" for i in range(words))
        store.upsert(_article(f"https://x.org/{words}/a", body, title="One"), [], "2025-11-20")
        got = store.upsert(_article(f"https://x.org/{words}/b", body, title="Two"), [],
                           "2025-11-20")
        assert got.outcome == expected, words


def test_batches_and_fts(db_path: str) -> None:
    store = ArticleStore(open_db(db_path), batch_size=3)
    for i in range(5):
        store.add(_article(f"https://x.org/{i}", f"иноагентом признан журналист номер {i}"), [],
                  "2025-11-20")
    assert store.pending == 5
    results = store.flush()
    assert [r.outcome for r in results] == ["new"] * 5 and store.pending == 0
    hits = store.db.execute(
        "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'иноагентом'").fetchone()[0]
    assert hits == 5


def test_full_text_index_follows_title_and_text_only(db_path: str) -> None:
    """An edit of the title or text re-indexes the article; an update of any other column
    (tags, story, review) leaves the full-text index alone (it re-indexed the whole text on
    every update before migration m019)."""
    store = ArticleStore(open_db(db_path))
    article_id = store.upsert(_article("https://x.org/e", "иноагентом признан журналист"), [],
                              "2025-11-20").article_id
    db = store.db

    def hits(word: str) -> int:
        return int(db.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                              [word]).fetchone()[0])

    def index_writes() -> list[tuple[int, bytes]]:      # the FTS5 index's stored blocks
        return [tuple(r) for r in db.execute("SELECT id, block FROM articles_fts_data "
                                             "ORDER BY id").fetchall()]

    before = index_writes()
    with db.conn:
        db.execute("UPDATE articles SET relevant = 1, topics = '[\"crackdown\"]', "
                   "story_size = 3, review_status = 'verified' WHERE id = ?", [article_id])
    assert index_writes() == before and hits("иноагентом") == 1
    with db.conn:
        db.execute("UPDATE articles SET text = 'журналиста освободили' WHERE id = ?",
                   [article_id])
    assert hits("иноагентом") == 0 and hits("освободили") == 1
    db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def test_bad_row_is_skipped_with_its_reason_and_the_batch_is_kept(db_path: str) -> None:
    store = ArticleStore(open_db(db_path))
    store.add(_article("https://x.org/ok", "fine"), [], "2025-11-20")
    store.add({"url": None, "source": "a"}, [], "2025-11-20")        # violates NOT NULL
    store.add(_article("https://x.org/ok2", "also fine"), [], "2025-11-20")
    results = store.flush()
    assert [r.outcome for r in results] == ["new", "failed", "new"]
    assert "NOT NULL" in (results[1].error or "")
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 2
    assert store.db.execute("SELECT count(*) FROM article_urls").fetchone()[0] == 2
    # The batch is written first without a savepoint per row, then again row by row when
    # one is refused: nothing of the first attempt stays, in the tables or in their indexes.
    assert [r[0] for r in store.db.execute(
        "SELECT url FROM articles WHERE id IN (SELECT rowid FROM articles_fts WHERE "
        "articles_fts MATCH 'fine') ORDER BY url")] == ["https://x.org/ok", "https://x.org/ok2"]
    store.db.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")
    assert store.db.execute("SELECT count(*) FROM stories").fetchone()[0] == 2
    store.add(_article("https://x.org/ok3", "fine again"), [], "2025-11-21")
    assert [r.outcome for r in store.flush()] == ["new"]


def test_a_batch_is_written_without_a_savepoint_per_row_until_a_row_is_refused(
        db_path: str) -> None:
    """A savepoint makes the full-text indexes write what they hold: one per row made every
    batch dearer. Rows go in without one; a refused row has the batch written again, each
    row inside its own."""
    store = ArticleStore(open_db(db_path))
    statements: list[str] = []
    store.db.conn.set_trace_callback(statements.append)
    for n in range(3):
        store.add(_article(f"https://x.org/{n}", f"text number {n}"), [], "2025-11-20")
    assert [r.outcome for r in store.flush()] == ["new"] * 3
    assert not [s for s in statements if "SAVEPOINT" in s.upper()]
    statements.clear()
    store.add(_article("https://x.org/3", "fine"), [], "2025-11-20")
    store.add({"url": None, "source": "a"}, [], "2025-11-20")
    assert [r.outcome for r in store.flush()] == ["new", "failed"]
    assert sum(s.startswith("SAVEPOINT") for s in statements) == 2      # the second time
    assert store.db.execute("SELECT count(*) FROM articles").fetchone()[0] == 4


def _writer(args: tuple[str, int]) -> int:
    db_path, worker = args
    store = ArticleStore(open_db(db_path), batch_size=25)
    for i in range(200):
        store.add(_article(f"https://x.org/{worker}/{i}", f"text {worker} {i}",
                           source=f"s{worker}"), [], "2025-11-20")
        if store.pending >= store.batch_size:
            store.flush()
    store.flush()
    return worker


def test_concurrent_writers_lose_nothing(db_path: str) -> None:
    import multiprocessing
    open_db(db_path).close()
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        assert sorted(pool.map(_writer, [(db_path, w) for w in range(4)])) == [0, 1, 2, 3]
    db = open_db(db_path)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 800
    assert db.execute("SELECT count(*) FROM article_urls").fetchone()[0] == 800


def test_lock_held_elsewhere_keeps_the_batch_queued(db_path: str) -> None:
    import sqlite3
    import pytest
    store = ArticleStore(open_db(db_path))
    store.db.conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(db_path)
    blocker.execute("BEGIN IMMEDIATE")
    store.add(_article("https://x.org/1", "t"), [], "2025-11-20")
    with pytest.raises(sqlite3.OperationalError):
        store.flush(attempts=2)
    assert store.pending == 1                    # nothing lost
    blocker.rollback()
    assert [r.outcome for r in store.flush()] == ["new"]


def test_crawl_run_rows(db_path: str) -> None:
    db = open_db(db_path)
    run_id = start_run(db, "demo", "2025-11-20T00:00:00+00:00")
    finish_run(db, run_id, finished_at="2025-11-20T00:01:00+00:00", status="finished",
               finish_reason="finished", counters={"new_articles": 3, "dropped": 1},
               stats={"downloader/request_count": 9})
    run = get_run(db, run_id)
    assert run is not None and run["new_articles"] == 3 and run["dropped"] == 1
    assert run["stats"]["downloader/request_count"] == 9


def test_a_record_of_a_page_not_stored_is_kept_once_however_often_it_is_written(
        db_path: str) -> None:
    """A shared crawl's batch that the ingest stores twice (its release went unconfirmed, or
    the next ingest put back a stopped one's batch) writes its records again, under the same
    worker's key: each must stay one row, since a URL's records count as its attempts when
    failed pages are retried. Records without a key (a local crawl's) are all kept."""
    from storage.unstored import record_unstored, urls_to_retry
    db = open_db(db_path)
    first = start_run(db, "demo", "2025-11-20T00:00:00+00:00")
    failed = {"run_id": first, "source": "demo", "url": "https://example.org/a",
              "kind": "error", "stage": "fetch", "reason": "http_503",
              "at": "2025-11-20T00:00:05+00:00", "record_key": "w1-0001"}
    assert record_unstored(db, [failed, dict(failed)]) == 1
    second = start_run(db, "demo", "2025-11-20T00:10:00+00:00")      # the next ingest
    assert record_unstored(db, [{**failed, "run_id": second}]) == 0
    assert urls_to_retry(db, "demo", max_attempts=2) == ["https://example.org/a"]
    # Another attempt is another record: two attempts, no retry left at 2.
    assert record_unstored(db, [{**failed, "record_key": "w2-0001"}]) == 1
    assert urls_to_retry(db, "demo", max_attempts=2) == []
    local = {**failed, "url": "https://example.org/b", "record_key": None}
    assert record_unstored(db, [local, dict(local)]) == 2
    assert db.execute("SELECT count(*) FROM unstored_pages").fetchone()[0] == 4
    assert db.execute("SELECT run_id FROM unstored_pages WHERE record_key = 'w1-0001'"
                      ).fetchall() == [(first,)]


def test_recent_buckets_merge_and_stay_searchable(db_path: str) -> None:
    from pipelines.fingerprint import fingerprint
    from storage.neardup import candidates, merge_recent
    from storage.db import write_transaction
    store = ArticleStore(open_db(db_path))
    text = "The Basmanny court in Moscow arrested the journalist in absentia on Friday. " * 5
    fp = fingerprint(text)
    assert fp is not None
    stored = store.upsert(_article("https://x.org/a", text), [], "2025-11-20",
                          signature=fp.signature, buckets=fp.bands, shingles=fp.shingles)
    assert store.db.execute("SELECT count(*) FROM lsh_recent").fetchone()[0] == len(set(fp.bands))
    assert [c[0] for c in candidates(store.db, fp.bands)] == [stored.article_id]
    with write_transaction(store.db):
        assert merge_recent(store.db, limit=1) == len(set(fp.bands))
    assert store.db.execute("SELECT count(*) FROM lsh_recent").fetchone()[0] == 0
    assert [c[0] for c in candidates(store.db, fp.bands)] == [stored.article_id]


def test_our_minhash_is_datasketchs_affine32_bit_for_bit() -> None:
    """Signatures on disk must stay comparable: our numpy MinHash (no scipy import at crawl
    start, permutations built once) equals datasketch's for the same seed."""
    import random

    from datasketch import MinHash

    from pipelines.fingerprint import NUM_PERM, SEED, fingerprint, minhash_values, shingles
    rng = random.Random(7)
    words = [f"слово{i}" if i % 3 else f"word{i}" for i in range(5000)]
    for length in (14, 40, 300, 4000):
        grams = shingles(" ".join(rng.choice(words) for _ in range(length)))
        reference = MinHash(num_perm=NUM_PERM, seed=SEED)
        reference.update_batch(list(grams))
        assert reference.scheme == "affine32"
        assert reference.hashvalues.astype("<u4").tobytes() == minhash_values(grams).tobytes()
    text = " ".join(rng.choice(words) for _ in range(200))
    assert fingerprint(text) == fingerprint(text)                   # stable
    assert fingerprint(" ".join(words[:10])) is None                # too short to fingerprint


def test_shingles_are_the_lowered_words_three_at_a_time_whatever_the_letters() -> None:
    """Signatures on disk must stay comparable: shingles lowered in one call for the whole
    text are those of each word lowered alone (ё as е), also with letters whose lowercase
    depends on where they stand (Greek final sigma) or is longer (Turkish İ)."""
    import re

    from pipelines.fingerprint import shingles

    def one_word_at_a_time(text: str) -> set[bytes]:
        words = [w.lower().replace("ё", "е") for w in re.findall(r"[^\W_]+", text)]
        return {" ".join(words[i:i + 3]).encode() for i in range(len(words) - 2)}

    for text in ("Суд в Москве ОШТРАФОВАЛ Алёну Ёлкину, 2024-й год; Court FINES «Мемориал»",
                 "ΟΔΥΣΣΕΥΣ and ΣΟΦΟΣ met Σ at İstanbul İİ after Iİ and ıI",
                 "ΟΔΥΣΣΕΥΣ sailed home across the wine dark sea to Ithaca at last",
                 "ΝΟΜΟΣ.ΤΟ ΚΡΑΤΟΣ ΕΙΝΑΙ Ο ΝΟΜΟΣ’ΤΟΥ ΛΑΟΥ:ΟΛΟΙ ΙΣΟΙ"):
        assert shingles(text) == one_word_at_a_time(text)
    assert len(shingles("a b c d")) == 2 and shingles("a b") == set()
    assert shingles("one two three four", size=2) == {b"one two", b"two three", b"three four"}


@pytest.mark.slow
def test_concurrent_first_opens_of_a_new_database_never_fail(tmp_path: Path) -> None:
    """Processes that open (create, switch to WAL, migrate) one new file at the same moment
    all succeed: the WAL switch and the migrations are retried while another holds the lock."""
    import subprocess
    import sys
    code = "import sys; from storage.db import open_db; open_db(sys.argv[1]).close()"
    for round_no in range(4):
        db = tmp_path / f"race-{round_no}.db"
        procs = [subprocess.Popen([sys.executable, "-c", code, str(db)],
                                  cwd=Path(__file__).resolve().parent.parent,
                                  stderr=subprocess.PIPE, text=True) for _ in range(6)]
        errors = [p.communicate(timeout=120)[1] for p in procs]
        assert all(p.returncode == 0 for p in procs), errors
        from storage.db import open_db
        handle = open_db(str(db))
        assert handle.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert handle.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        handle.close()


def test_an_articles_row_is_its_columns_as_asdict_would_give_them() -> None:
    from dataclasses import asdict

    from crawler.items import Article
    article = Article(url="https://x.org/a", canonical_url="https://x.org/a", source="x",
                      title="T", text="body", authors=["A"], keywords=["k"],
                      tags={"topics": ["crackdown"]}, story_keys=["n:abc"],
                      search_stems=("t", "bodi"), aliases=["https://x.org/a?amp"])
    expected = asdict(article)
    for key in Article._NOT_COLUMNS:
        expected.pop(key)
    row = article.as_row()
    assert row == expected and list(row) == list(expected)
    row["authors"].append("B")
    assert article.authors == ["A"]                 # lists are copies, as asdict's were


def test_boilerplate_is_no_near_duplicate_either(tmp_path: Any) -> None:
    # The same, through the whole dedupe path: MinHash finds the footer identical, and the
    # story linker would find its sentences aligned; each video post is a story.
    from tests.test_story_linking import _store_in_order
    footer = ("Read us without a VPN here. Subscribe to our newsletter for the evening "
              "digest. Send your videos and tips to our bot.")
    _, rows = _store_in_order(tmp_path, [(title, footer, "chan") for title in (
        "Protesters fill the square in Tbilisi", "Dolphins play with an alligator")])
    assert len(rows) == 2 and rows[1]["near_duplicate_of"] is None
    assert rows[1]["duplicate_of"] is None and rows[1]["story_id"] != rows[0]["story_id"]


def test_a_repost_of_boilerplate_finds_its_article_however_many_share_the_body(
        db_path: str) -> None:
    store = ArticleStore(open_db(db_path))
    footer = "Read us without a VPN here: example.org/news"
    ids = [store.upsert(_article(f"https://t.me/c/{n}", footer, title=f"Post number {n}"),
                        [], "2025-11-20").article_id for n in range(1002)]
    again = store.upsert(_article("https://t.me/c/again", footer, title="Post number 1001"),
                         [], "2025-11-21")
    assert (again.outcome, again.article_id) == ("linked", ids[1001])
