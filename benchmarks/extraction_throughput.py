"""Throughput of our extract -> normalise -> store path vs bare trafilatura.bare_extraction,
and the cost of tagging relative to extraction.

All run in this process on the 181 pages of ../shared/corpus/extraction-benchmark, each
pass repeated and interleaved so machine noise hits them alike. Prints pages/s and the ratio
(target: ours >= 0.85x bare), then ms per article for extraction and for tagging (target:
tagging < 10% of extraction). Run: python benchmarks/extraction_throughput.py [--rounds N]
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
from pipelines.fingerprint import text_hash  # noqa: E402
from pipelines.normalise import normalise_article  # noqa: E402
from pipelines.tagging import Tagger  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402
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
        article.text_hash = text_hash(article.text)        # the dedupe stage's job
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


def time_extract_and_tag(pages: list[tuple[str, str, bytes, str]]) -> tuple[float, float, int]:
    """Seconds spent extracting and tagging the same articles, measured article by article."""
    extractor = ArticleExtractor()
    tagger = Tagger(load_taxonomy())
    extract_s = tag_s = 0.0
    count = 0
    for _, url, html, _ in pages:
        start = time.perf_counter()
        try:
            article = extractor.extract(html, url, source="bench")
        except NotAnArticle:
            continue
        middle = time.perf_counter()
        tagger.tag(article.title, article.text, source_context=1.0)
        end = time.perf_counter()
        extract_s += middle - start
        tag_s += end - middle
        count += 1
    return extract_s, tag_s, count


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
    best = min((time_extract_and_tag(pages) for _ in range(args.rounds)),
               key=lambda r: r[0] + r[1])
    extract_s, tag_s, count = best
    print(f"extraction: {extract_s / count * 1000:.2f} ms/article, tagging: "
          f"{tag_s / count * 1000:.2f} ms/article over {count} articles; tagging = "
          f"{tag_s / extract_s:.1%} of extraction (target < 10%)")


if __name__ == "__main__":
    main()
