"""Throughput of our extract -> normalise -> store path vs bare trafilatura.bare_extraction.

Both run in this process on the 181 pages of ../shared/corpus/extraction-benchmark, each
pass repeated and interleaved so machine noise hits both alike. Prints pages/s and the ratio
(target: ours >= 0.85x bare). Run: python benchmarks/extraction_throughput.py [--rounds N]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import trafilatura  # noqa: E402

from crawler.dates import utc_now_iso  # noqa: E402
from newsmon.quality import BENCHMARK_DIR, benchmark_pages  # noqa: E402
from pipelines.extraction import ArticleExtractor, NotAnArticle  # noqa: E402
from pipelines.normalise import normalise_article  # noqa: E402
from storage.articles import ArticleStore  # noqa: E402
from storage.db import open_db  # noqa: E402


def run_ours(pages: list[tuple[str, str, bytes, str]], db_dir: Path, round_no: int) -> float:
    extractor = ArticleExtractor()
    db = open_db(db_dir / f"bench-{round_no}.db")
    store = ArticleStore(db, batch_size=100)
    start = time.perf_counter()
    for _, url, html, _ in pages:
        try:
            article = normalise_article(extractor.extract(html, url, source="bench"))
        except NotAnArticle:
            continue
        store.add(article.as_row(), article.aliases, utc_now_iso())
        if store.pending >= store.batch_size:
            store.flush()
    store.flush()
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def run_bare(pages: list[tuple[str, str, bytes, str]]) -> float:
    start = time.perf_counter()
    for _, url, html, _ in pages:
        trafilatura.bare_extraction(html, url=url)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not BENCHMARK_DIR.is_dir():
        sys.exit(f"benchmark corpus not found at {BENCHMARK_DIR}")
    pages = list(benchmark_pages())
    ours_times, bare_times = [], []
    with tempfile.TemporaryDirectory() as tmp:
        run_bare(pages[:10])                      # warm imports and caches for both
        run_ours(pages[:10], Path(tmp), -1)
        for round_no in range(args.rounds):
            bare_times.append(run_bare(pages))
            ours_times.append(run_ours(pages, Path(tmp), round_no))
    ours_rate = len(pages) / min(ours_times)
    bare_rate = len(pages) / min(bare_times)
    print(f"pages: {len(pages)}, rounds: {args.rounds} (best round of each)")
    print(f"bare trafilatura.bare_extraction: {bare_rate:.1f} pages/s")
    print(f"newsmon extract+normalise+store:  {ours_rate:.1f} pages/s")
    print(f"ratio ours/bare: {ours_rate / bare_rate:.2f} (target >= 0.85)")


if __name__ == "__main__":
    main()
