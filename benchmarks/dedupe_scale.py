"""Per-article cost of story linking (insert, MinHash lookup and the second stage) at 1,000
and 200,000 stored articles.

Builds two databases of synthetic articles: sentences of Zipf-distributed words with
capitalised names (from 20,000) and numbers, published at 275 a day (so 1,000 articles are
four days, 200,000 two years: the days a candidate search looks at hold as many articles in
both); the stored part is bulk-loaded with its MinHash fingerprints, LSH buckets and story
keys. Then times ArticleStore, with the story linker, writing the same 500 new articles into
each: half fresh (their names find candidates the second stage must compare and reject),
half light rewrites of stored ones (which must be found); then fills the recent-bucket table
to its merge point and times the merge. Prints ms per article at both sizes, the merge cost
amortized over the articles it merged, and the ratio (target <= 1.5).
Run: python benchmarks/dedupe_scale.py [--small 1000] [--large 200000]
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pipelines.fingerprint import text_hash  # noqa: E402
from pipelines.fingerprint import fingerprint  # noqa: E402
from pipelines.fingerprint import BANDS  # noqa: E402
from pipelines.storylink import Linker, story_keys  # noqa: E402
from pipelines.storyprofile import profile  # noqa: E402
from storage.articles import ArticleStore  # noqa: E402
from storage.neardup import RECENT_LIMIT, merge_recent  # noqa: E402
from storage.db import open_db, write_transaction  # noqa: E402

VOCABULARY = [f"w{i}" for i in range(30_000)]
WEIGHTS = [1 / (i + 1) for i in range(len(VOCABULARY))]
_SYLLABLES = ["ka", "vo", "lin", "dar", "mi", "sh", "tro", "pe", "zov", "nik", "ra", "gul"]
NAMES = sorted({"".join(random.Random(i).choices(_SYLLABLES, k=3)).capitalize() + "ov"
                for i in range(60_000)})[:20_000]
NAME_WEIGHTS = [1 / (i + 1) ** 0.8 for i in range(len(NAMES))]
PER_DAY = 275


def synthetic_text(rng: random.Random, words: int = 220) -> str:
    """Sentences of about 15 words, each with a name or a number now and then."""
    out = []
    tokens = rng.choices(VOCABULARY, WEIGHTS, k=words)
    for i in range(0, words, 15):
        sentence = tokens[i:i + 15]
        sentence[0] = sentence[0].capitalize()
        sentence[rng.randrange(1, len(sentence))] = rng.choices(NAMES, NAME_WEIGHTS)[0] \
            if len(sentence) > 1 else sentence[0]
        if rng.random() < 0.4 and len(sentence) > 2:
            sentence[rng.randrange(1, len(sentence))] = str(rng.randrange(10, 100_000))
        out.append(" ".join(sentence) + ".")
    return " ".join(out)


def day_of(index: int) -> str:
    return (date(2024, 1, 1) + timedelta(days=index // PER_DAY)).isoformat()


def rewrite(rng: random.Random, text: str) -> str:
    """A light rewrite: about a tenth of the words replaced."""
    words = text.split()
    for _ in range(len(words) // 10):
        words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
    return " ".join(words)


def bulk_load(db_path: Path, count: int, rng: random.Random) -> list[str]:
    db = open_db(db_path)
    texts = []
    batch_articles, batch_urls, batch_prints, batch_buckets, batch_keys = [], [], [], [], []

    def flush() -> None:
        with write_transaction(db):
            db.conn.executemany(
                "INSERT INTO articles (id, url, canonical_url, source, title, text, text_hash,"
                " story_id, first_seen_at, last_seen_at, published_at, lang) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                batch_articles)
            db.conn.executemany("INSERT INTO article_urls (url, article_id, kind, "
                                "first_seen_at) VALUES (?,?,?,?)", batch_urls)
            db.conn.executemany("INSERT INTO article_fingerprints (article_id, signature, "
                                "shingles) VALUES (?,?,?)", batch_prints)
            db.conn.executemany("INSERT OR IGNORE INTO lsh_buckets (bucket, article_id) "
                                "VALUES (?,?)",
                                batch_buckets)
            db.conn.executemany("INSERT INTO story_keys (key, day, article_id) VALUES (?,?,?)",
                                batch_keys)
        for batch in (batch_articles, batch_urls, batch_prints, batch_buckets, batch_keys):
            batch.clear()

    for article_id in range(1, count + 1):
        text = synthetic_text(rng)
        texts.append(text)
        url = f"https://bench.example/{article_id}"
        day = day_of(article_id)
        batch_articles.append((article_id, url, url, f"s{article_id % 20}", f"t{article_id}",
                               text, text_hash(text), article_id, day, day, day, "en"))
        batch_urls.append((url, article_id, "url", day))
        batch_keys.extend((key, day, article_id)
                          for key in story_keys(profile(f"t{article_id}", text, "en")))
        fp = fingerprint(text)
        assert fp is not None
        batch_prints.append((article_id, fp.signature, fp.shingles))
        batch_buckets.extend((bucket, article_id) for bucket in fp.bands)
        if len(batch_articles) >= 2000:
            flush()
    flush()
    db.execute("INSERT INTO stories (id, article_count, outlet_count) "
               "SELECT id, 1, 1 FROM articles")
    db.close()
    return texts


def time_new_articles(db_path: Path, stored: list[str], rng: random.Random,
                      count: int = 500) -> tuple[float, int]:
    store = ArticleStore(open_db(db_path), batch_size=100, linker=Linker())
    found = 0
    last_day = day_of(len(stored))
    start = time.perf_counter()
    for i in range(count):
        # Rewrites of the last days' articles (a copy comes soon after its origin).
        source = stored[-rng.randrange(1, min(len(stored), PER_DAY * 3))]
        text = rewrite(rng, source) if i % 2 else synthetic_text(rng)
        fp = fingerprint(text)
        assert fp is not None
        prof = profile("t", text, "en")
        url = f"https://new.example/{i}"
        store.add({"url": url, "canonical_url": url, "source": "new", "title": "t",
                   "text": text, "text_hash": text_hash(text), "published_at": last_day,
                   "lang": "en"}, [], last_day,
                  signature=fp.signature, buckets=fp.bands, shingles=fp.shingles,
                  story_keys=story_keys(prof), profile=prof)
        if store.pending >= store.batch_size:
            found += sum(1 for r in store.flush() if r.duplicate_of is not None)
    found += sum(1 for r in store.flush() if r.duplicate_of is not None)
    elapsed = time.perf_counter() - start
    store.db.close()
    return elapsed / count * 1000, found


def time_merge(db_path: Path, rng: random.Random) -> tuple[float, int]:
    """Fill lsh_recent up to its merge point, then time the merge; return (seconds, articles)."""
    store = ArticleStore(open_db(db_path), batch_size=1000)
    start_rows = store.db.execute("SELECT count(*) FROM lsh_recent").fetchone()[0]
    needed = max(0, (RECENT_LIMIT - start_rows) // BANDS - 1)
    for i in range(needed):
        text = synthetic_text(rng)
        fp = fingerprint(text)
        assert fp is not None
        url = f"https://fill.example/{i}"
        store.add({"url": url, "canonical_url": url, "source": "fill", "title": "t",
                   "text": text, "text_hash": text_hash(text)}, [], "2025-11-02",
                  signature=fp.signature, buckets=fp.bands, shingles=fp.shingles)
        if store.pending >= store.batch_size:
            store.flush()
    store.flush()
    rows = store.db.execute("SELECT count(*) FROM lsh_recent").fetchone()[0]
    start = time.perf_counter()
    with write_transaction(store.db):
        merge_recent(store.db, limit=0)
    elapsed = time.perf_counter() - start
    store.db.close()
    return elapsed, rows // BANDS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for size in (args.small, args.large):
            rng = random.Random(size)
            path = Path(tmp) / f"bench-{size}.db"
            start = time.perf_counter()
            stored = bulk_load(path, size, rng)
            print(f"loaded {size} articles in {time.perf_counter() - start:.0f}s", flush=True)
            time_new_articles(path, stored, random.Random(1), count=100)   # warm caches
            ms, found = time_new_articles(path, stored, random.Random(2))
            merge_s, merged = time_merge(path, random.Random(3))
            amortized = ms + merge_s * 1000 / max(1, merged)
            results[size] = (ms, found, merge_s, merged, amortized)
        for size, (ms, found, merge_s, merged, amortized) in results.items():
            print(f"{size:>7} stored: {ms:.2f} ms per new article (insert + lookup), "
                  f"{found}/250 rewrites linked; merging {merged} articles' buckets took "
                  f"{merge_s:.1f}s; amortized {amortized:.2f} ms per article")
        ratio = results[args.large][4] / results[args.small][4]
        print(f"ratio {args.large}/{args.small} (amortized): {ratio:.2f} (target <= 1.5)")


if __name__ == "__main__":
    main()
