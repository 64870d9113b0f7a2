"""Search index size and query time on 100,000 articles (the stemmed FTS5 index).

Builds a database of synthetic Russian and English articles (Zipf-distributed words with
inflected endings, 250 words each), measures the size of the stemmed index (articles_stems)
against the articles table, the time to stem and index an article, and the median time of
typical desk queries through the same escape_fts the desk uses (one word, an inflected
name, a phrase, a prefix, OR, a negation), each run 20 times.
Run: python benchmarks/search.py [--articles 100000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsmon.web.search import fts_query  # noqa: E402
from pipelines.morphology import Normaliser  # noqa: E402
from storage.search_index import index_stems  # noqa: E402
from storage.db import open_db, write_transaction  # noqa: E402

RU_STEMS = ["суд", "арест", "иноагент", "журналист", "активист", "навальн", "приговор",
            "обыск", "митинг", "эмигрант", "колони", "реестр", "полици", "задержан"]
RU_ENDINGS = ["", "а", "у", "ом", "ов", "ы", "е", "ами"]
EN_WORDS = ["court", "detained", "detains", "activist", "activists", "journalist", "foreign",
            "agent", "agents", "prison", "sentenced", "exile", "protest", "police"]


def vocabulary(rng: random.Random) -> list[str]:
    syllables = ["ka", "ro", "mi", "sta", "vel", "no", "tri", "per", "lo", "den"]
    ru = ["ка", "ро", "ми", "ста", "вел", "но", "три", "пер", "ло", "ден"]
    words = ["".join(rng.choices(syllables, k=rng.randint(2, 4))) for _ in range(15_000)]
    words += ["".join(rng.choices(ru, k=rng.randint(2, 4))) for _ in range(15_000)]
    return words


def article(rng: random.Random, words: list[str], weights: list[float]) -> tuple[str, str]:
    body = rng.choices(words, weights, k=250)
    for _ in range(6):
        body[rng.randrange(len(body))] = (rng.choice(RU_STEMS) + rng.choice(RU_ENDINGS)
                                          if rng.random() < 0.5 else rng.choice(EN_WORDS))
    return " ".join(body[:8]).capitalize(), " ".join(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(7)
    words = vocabulary(rng)
    weights = [1 / (i + 1) for i in range(len(words))]
    stemmer = Normaliser("stem")
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "search.db")
        index_s = 0.0
        batch = []
        for article_id in range(1, args.articles + 1):
            title, text = article(rng, words, weights)
            batch.append((article_id, title, text))
            if len(batch) == 2000 or article_id == args.articles:
                with write_transaction(db):
                    db.conn.executemany(
                        "INSERT INTO articles (id, url, canonical_url, source, title, text, "
                        "text_hash, first_seen_at, last_seen_at) VALUES (?, ?, ?, 's', ?, ?, ?, "
                        "'2026-11-30', '2026-11-30')",
                        [(i, f"https://x.org/{i}", f"https://x.org/{i}", t, x, str(i))
                         for i, t, x in batch])
                    start = time.perf_counter()
                    for i, t, x in batch:
                        index_stems(db, i, stemmer.stem_text(t), stemmer.stem_text(x))
                    index_s += time.perf_counter() - start
                batch = []
        page = db.execute("PRAGMA page_size").fetchone()[0]

        def pages(prefix: str) -> int:
            try:
                return int(db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE ?",
                                      [prefix + "%"]).fetchone()[0] or 0)
            except Exception:                       # dbstat not compiled in
                return 0

        stems_bytes, fts_bytes = pages("articles_stems"), pages("articles_fts")
        table_bytes = pages("articles") - stems_bytes - fts_bytes
        db.conn.create_function("escape_fts", 1, fts_query)
        queries = ["иноагент", "Навальный", '"foreign agent"', "журналист*",
                   "treason OR госизмена", "detain -exile"]
        print(f"{args.articles:,} articles; page size {page}")
        if stems_bytes:
            print(f"stemmed index: {stems_bytes / 1e6:.1f} MB; articles table "
                  f"{table_bytes / 1e6:.1f} MB; plain FTS index {fts_bytes / 1e6:.1f} MB")
        print(f"stem + index: {index_s / args.articles * 1000:.3f} ms per article")
        for query in queries:
            times, found = [], 0
            for _ in range(20):
                start = time.perf_counter()
                found = max(found, len(db.execute(
                    "SELECT rowid FROM articles_stems WHERE articles_stems MATCH escape_fts(?) "
                    "ORDER BY bm25(articles_stems, 4.0, 1.0) LIMIT 50", [query]).fetchall()))
                times.append(time.perf_counter() - start)
            total = db.execute("SELECT count(*) FROM articles_stems WHERE articles_stems "
                               "MATCH escape_fts(?)", [query]).fetchone()[0]
            print(f"  {query!r:26} {total:>7,} matches, first {found} ranked in "
                  f"{statistics.median(times) * 1000:.1f} ms (median of 20)")
        db.close()


if __name__ == "__main__":
    main()
