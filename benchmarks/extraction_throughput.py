"""Extraction throughput per core: newsmon against bare trafilatura, and the cost of tagging.

All in this process on the 181 pages of ../shared/corpus/extraction-benchmark. Each round
runs every pass once, in a rotating order, so machine noise hits them alike; each figure is
the median over rounds of CPU time (time.process_time: what one core spends, whatever else
the shared machine does). Prints:
- newsmon's extractor (ArticleExtractor.extract, bytes in) against trafilatura.extract on
  the same bytes (target: ours >= 0.95x);
- the whole extract -> normalise -> store path against trafilatura.bare_extraction
  (target: >= 0.85x);
- the whole pipeline (capture, extract, normalise, dedupe, tag, store, each stage's own
  code) against trafilatura.extract (target: >= 0.95x);
- ms per article for extraction and for tagging (target: tagging < 10% of extraction), for a
  new tagger (cold word caches), for the same tagger again (warm), and as the crawl
  pipeline runs it (a new normaliser shared with the dedupe stage, which stems each article
  for the search index first).
Run: python benchmarks/extraction_throughput.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
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
from pipelines.morphology import Normaliser  # noqa: E402
from pipelines.normalise import normalise_article  # noqa: E402
from pipelines.tagging import Tagger  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402
from storage.articles import ArticleStore  # noqa: E402
from storage.db import open_db  # noqa: E402


def run_ours(pages: list[tuple[str, str, bytes, str]], db_dir: Path, round_no: int) -> float:
    extractor = ArticleExtractor()
    db = open_db(db_dir / f"bench-{round_no}.db")
    store = ArticleStore(db, batch_size=100)
    start = time.process_time()
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
    elapsed = time.process_time() - start
    db.close()
    return elapsed


def run_whole(pages: list[tuple[str, str, bytes, str]], db_dir: Path, round_no: int) -> float:
    """Every stage a crawled page goes through, with the production code of each: capture
    (the raw page compressed as the captures file stores it), extract, normalise, dedupe
    (hash, MinHash, story profile and keys, search stems: DedupePipeline), tag (TagPipeline)
    and store (batched writes with the near-duplicate lookup and the second linking stage)."""
    from pipelines.dedupe import DedupePipeline
    from pipelines.store import pending_article
    from pipelines.storylink import Linker
    from pipelines.tag import TagPipeline
    from storage.captures import compressor as _compressor
    extractor = ArticleExtractor()
    # One normaliser for both stages, as a crawl process shares one; a new one each round, so
    # every round starts with cold word caches.
    normaliser = Normaliser("stem")
    dedupe = DedupePipeline(stemmer=normaliser)
    tag = TagPipeline(Tagger(load_taxonomy(normaliser=normaliser)))
    db = open_db(db_dir / f"whole-{round_no}.db")
    store = ArticleStore(db, batch_size=100, linker=Linker())
    compressor = _compressor()
    start = time.process_time()
    for _, url, html, _ in pages:
        compressor.compress(html)
        try:
            article = normalise_article(extractor.extract(html, url, source="bench"))
        except NotAnArticle:
            continue
        dedupe.process(article)
        tag.process(article)
        store.queue(pending_article(article, utc_now_iso()))
        if store.pending >= store.batch_size:
            store.flush()
    store.flush()
    elapsed = time.process_time() - start
    db.close()
    return elapsed


def run_bare(pages: list[tuple[str, str, bytes, str]]) -> float:
    start = time.process_time()
    for _, url, html, _ in pages:
        trafilatura.bare_extraction(html, url=url)
    return time.process_time() - start


def run_plain_extract(pages: list[tuple[str, str, bytes, str]]) -> float:
    start = time.process_time()
    for _, url, html, _ in pages:
        trafilatura.extract(html, url=url)
    return time.process_time() - start


def run_our_extract(pages: list[tuple[str, str, bytes, str]]) -> float:
    extractor = ArticleExtractor()
    start = time.process_time()
    for _, url, html, _ in pages:
        try:
            extractor.extract(html, url, source="bench")
        except NotAnArticle:
            pass
    return time.process_time() - start


def time_extract_and_tag(pages: list[tuple[str, str, bytes, str]]
                         ) -> tuple[float, float, int, float, float]:
    """Seconds spent extracting and tagging the same articles, measured article by article;
    the seconds of a second tagging pass over them with the same tagger (warm caches, as in
    a crawl that has seen a few hundred articles); and the seconds of tagging as the crawl
    pipeline runs it, with a new normaliser of its own: after the dedupe stage has stemmed
    the same article for the search index with it (one normaliser for both stages), so the
    words new to it were stemmed there."""
    extractor = ArticleExtractor()
    tagger = Tagger(load_taxonomy(normaliser=Normaliser("stem")))   # cold word caches
    shared = Normaliser("stem")
    in_pipeline = Tagger(load_taxonomy(normaliser=shared))
    extract_s = tag_s = pipeline_s = 0.0
    count = 0
    articles = []
    for _, url, html, _ in pages:
        start = time.process_time()
        try:
            article = extractor.extract(html, url, source="bench")
        except NotAnArticle:
            continue
        middle = time.process_time()
        tagger.tag(article.title, article.text, source_context=1.0)
        end = time.process_time()
        extract_s += middle - start
        tag_s += end - middle
        shared.stem_text(article.title or "")           # the dedupe stage's search stems
        shared.stem_text(article.text)
        start = time.process_time()
        in_pipeline.tag(article.title, article.text, source_context=1.0)
        pipeline_s += time.process_time() - start
        count += 1
        articles.append(article)
    start = time.process_time()
    for article in articles:
        tagger.tag(article.title, article.text, source_context=1.0)
    return extract_s, tag_s, count, time.process_time() - start, pipeline_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not BENCHMARK_DIR.is_dir():
        sys.exit(f"benchmark corpus not found at {BENCHMARK_DIR} "
                 f"(python scripts/fetch_benchmark.py gets it when online)")
    pages = list(benchmark_pages())
    times: dict[str, list[float]] = {"plain": [], "ours": [], "bare": [], "pipeline": [],
                                     "whole": []}
    with tempfile.TemporaryDirectory() as tmp:
        passes = {"plain": lambda _: run_plain_extract(pages),
                  "ours": lambda _: run_our_extract(pages),
                  "bare": lambda _: run_bare(pages),
                  "pipeline": lambda n: run_ours(pages, Path(tmp), n),
                  "whole": lambda n: run_whole(pages, Path(tmp), n)}
        run_plain_extract(pages[:10])             # warm imports and caches for all
        run_our_extract(pages[:10])
        run_ours(pages[:10], Path(tmp), -1)
        run_whole(pages[:10], Path(tmp), -1)
        names = list(passes)
        for round_no in range(args.rounds):
            shift = round_no % len(names)
            for name in names[shift:] + names[:shift]:
                times[name].append(passes[name](round_no))
    rate = {name: len(pages) / statistics.median(values) for name, values in times.items()}
    print(f"pages: {len(pages)}, rounds: {args.rounds}, median CPU seconds of one core")
    print(f"trafilatura.extract:              {rate['plain']:.1f} pages/s")
    print(f"newsmon ArticleExtractor.extract: {rate['ours']:.1f} pages/s")
    print(f"ratio ours/trafilatura.extract: {rate['ours'] / rate['plain']:.2f} (target >= 0.95)")
    print(f"trafilatura.bare_extraction:      {rate['bare']:.1f} pages/s")
    print(f"newsmon extract+normalise+store:  {rate['pipeline']:.1f} pages/s")
    print(f"ratio pipeline/bare_extraction: {rate['pipeline'] / rate['bare']:.2f} "
          f"(target >= 0.85)")
    print(f"newsmon whole pipeline (capture, extract, normalise, dedupe, tag, store): "
          f"{rate['whole']:.1f} pages/s")
    print(f"ratio whole/trafilatura.extract: {rate['whole'] / rate['plain']:.2f} "
          f"(target >= 0.95)")
    # Each round a new tagger (cold word caches, as a crawl process starts), articles
    # extracted and tagged in turn; the median over rounds of each figure and of the ratio.
    rounds = [time_extract_and_tag(pages) for _ in range(args.rounds)]
    count = rounds[0][2]
    extract_ms = statistics.median(r[0] for r in rounds) / count * 1000
    tag_ms = statistics.median(r[1] for r in rounds) / count * 1000
    share = statistics.median(r[1] / r[0] for r in rounds)
    warm_ms = statistics.median(r[3] for r in rounds) / count * 1000
    warm_share = statistics.median(r[3] / r[0] for r in rounds)
    print(f"extraction: {extract_ms:.2f} ms/article, tagging: {tag_ms:.2f} ms/article over "
          f"{count} articles (median of {len(rounds)} rounds); tagging = {share:.1%} of "
          f"extraction (target < 10%), a new tagger's first pass")
    print(f"tagging again with the same tagger (warm word caches): {warm_ms:.2f} ms/article "
          f"= {warm_share:.1%} of extraction")
    pipeline_ms = statistics.median(r[4] for r in rounds) / count * 1000
    pipeline_share = statistics.median(r[4] / r[0] for r in rounds)
    print(f"tagging as the crawl pipeline runs it (a new normaliser, shared with the dedupe "
          f"stage's search stems, which stem each article first): {pipeline_ms:.2f} "
          f"ms/article = {pipeline_share:.1%} of extraction")


if __name__ == "__main__":
    main()
