"""Quality gates for extraction: ours against plain trafilatura.extract, in the same run.

Two sets, reported apart (floors in tests/quality_baseline.json):
- the public 181-page ScrapingHub benchmark (../shared/corpus/extraction-benchmark). The
  extractor was tuned on it, so its figures show what we fixed, not what to expect elsewhere;
- a frozen holdout (tests/data/extraction_holdout.json: pages of ../shared/corpus/outlets with
  fundus' expected parse) that no rule or threshold was fitted to. The manifest is pinned by
  its hash below and pins each page and ground-truth file by theirs.
"""

from __future__ import annotations

import ast
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from crawler.dates import to_utc_iso
from newsmon.quality import benchmark_pages, compare_extraction
from pipelines.extraction import ArticleExtractor
from tests import baseline

HOLDOUT = Path(__file__).resolve().parent / "data" / "extraction_holdout.json"
HOLDOUT_SHA256 = "4d02f0b103c62be49b2de513ea46e0cbcddd528ea2f13752d61bf9dd2603af34"


@pytest.fixture(scope="module")
def benchmark(benchmark_corpus: Path) -> dict[str, Any]:
    return compare_extraction(list(benchmark_pages(benchmark_corpus / "extraction-benchmark")))


def test_benchmark_ours_against_plain(benchmark: dict[str, Any]) -> None:
    overall = benchmark["all"]
    assert overall["pages"] == 181
    print(f"\n{json.dumps(overall, indent=1)}")
    baseline.check("extraction.benchmark181.f1", overall["ours_f1"])
    baseline.check("extraction.benchmark181.f1_over_plain",
                   overall["ours_f1"] - overall["plain_f1"])
    baseline.check("extraction.benchmark181.page_mean_f1", overall["ours_mean"])
    baseline.check("extraction.benchmark181.pages_below_half", overall["ours_below_half"])
    baseline.check("extraction.benchmark181.dropped", len(benchmark["dropped"]))


def test_benchmark_no_language_below_plain(benchmark: dict[str, Any]) -> None:
    for lang, scores in benchmark["by_lang"].items():
        print(f"{lang}: {scores['pages']} pages, ours {scores['ours_mean']:.4f} "
              f"plain {scores['plain_mean']:.4f}")
        assert scores["ours_mean"] >= scores["plain_mean"] - 0.001, (lang, scores)
    # The scripts without spaces between words are in the set (and kept, not dropped).
    assert {"ja", "ko", "ru", "pt"} <= set(benchmark["by_lang"])


def _fundus_body(truth: dict[str, Any]) -> str:
    body = truth["body"] if isinstance(truth["body"], dict) else ast.literal_eval(truth["body"])
    parts = list(body.get("summary", []))
    for section in body.get("sections", []):
        parts += section.get("headline", []) + section.get("paragraphs", [])
    return "\n".join(parts)


def test_holdout_is_frozen(corpus: Path) -> None:
    digest = hashlib.sha256(HOLDOUT.read_bytes()).hexdigest()
    assert digest == HOLDOUT_SHA256, (
        "the extraction holdout changed: it is frozen (no rule is fitted to it); add a new "
        "holdout file instead of editing this one")
    for page in json.loads(HOLDOUT.read_text(encoding="utf-8"))["pages"]:
        for key in ("page", "truth"):
            data = (corpus / page[key]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == page[f"{key}_sha256"], page[key]


def test_holdout_body_title_and_date(corpus: Path) -> None:
    manifest = json.loads(HOLDOUT.read_text(encoding="utf-8"))
    pages, titles, dates = [], [], []
    extractor = ArticleExtractor()
    for page in manifest["pages"]:
        truth = json.loads((corpus / page["truth"]).read_text(encoding="utf-8"))[
            page["truth_key"]]
        html = gzip.decompress((corpus / page["page"]).read_bytes())
        pages.append((page["page"], page["url"], html, _fundus_body(truth)))
        article = extractor.extract(html, page["url"])
        titles.append(article.title == truth["title"].strip())
        dates.append(article.published_at == to_utc_iso(truth["publishing_date"]))
    result = compare_extraction(pages)
    overall = result["all"]
    print(f"\nholdout: {json.dumps(overall, indent=1)}")
    baseline.check("extraction.holdout.page_mean_f1", overall["ours_mean"])
    baseline.check("extraction.holdout.f1_over_plain",
                   overall["ours_mean"] - overall["plain_mean"])
    baseline.check("extraction.holdout.titles_right", sum(titles) / len(titles))
    baseline.check("extraction.holdout.dates_right", sum(dates) / len(dates))
