"""Scoring and corpus helpers shared by the quality tests and the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_TOKEN = re.compile(r"\w+", re.UNICODE)

SHARED_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
BENCHMARK_DIR = SHARED_CORPUS / "extraction-benchmark"


def _shingles(text: str, n: int = 4) -> Counter[str]:
    tokens = _TOKEN.findall(text or "")
    return Counter(" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def shingle_match(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) over 4-gram shingle counts, normalised to sum to 1 (benchmark metric)."""
    t, p = _shingles(true, n), _shingles(pred, n)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in p)
    fn = sum(max(0, t[k] - p[k]) for k in t)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def benchmark_f1(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Precision, recall and F1 of per-page normalised shingle counts, averaged over pages."""
    tp = fp = fn = 0.0
    for true, pred in pairs:
        a, b, c = shingle_match(true, pred)
        tp, fp, fn = tp + a, fp + b, fn + c
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": float(len(pairs))}


def benchmark_pages(directory: Path = BENCHMARK_DIR) -> Iterator[tuple[str, str, bytes, str]]:
    """(id, url, html bytes, ground-truth body) for each page of the extraction benchmark."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        path = directory / "html" / f"{page_id}.html.gz"
        yield page_id, truth[page_id].get("url", ""), gzip.decompress(path.read_bytes()), \
            truth[page_id].get("articleBody", "")


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def tagging_scores(gold: list[dict[str, Any]],
                   predicted: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Precision/recall/F1 per topic and language, for relevance, and micro over subtags."""
    scores: dict[str, dict[str, float]] = {}
    langs = sorted({str(g["lang"]) for g in gold})
    topics = sorted({t for g in gold for t in g["topics"]})
    for lang in [*langs, "all"]:
        pairs = [(g, p) for g, p in zip(gold, predicted) if lang == "all" or g["lang"] == lang]
        for topic in topics:
            tp = sum(1 for g, p in pairs if topic in g["topics"] and topic in p["topics"])
            fp = sum(1 for g, p in pairs if topic not in g["topics"] and topic in p["topics"])
            fn = sum(1 for g, p in pairs if topic in g["topics"] and topic not in p["topics"])
            scores[f"{topic}/{lang}"] = prf(tp, fp, fn)
        tp = sum(1 for g, p in pairs if g["relevant"] and p["relevant"])
        fp = sum(1 for g, p in pairs if not g["relevant"] and p["relevant"])
        fn = sum(1 for g, p in pairs if g["relevant"] and not p["relevant"])
        scores[f"relevant/{lang}"] = prf(tp, fp, fn)
        gold_sub = {(i, s) for i, (g, _) in enumerate(pairs) for s in g["subtags"]}
        pred_sub = {(i, s) for i, (_, p) in enumerate(pairs) for s in p["subtags"]}
        scores[f"subtags/{lang}"] = prf(len(gold_sub & pred_sub), len(pred_sub - gold_sub),
                                        len(gold_sub - pred_sub))
    return scores


# --- extraction: ours against plain trafilatura, page by page -------------------------------

def page_f1(true: str, pred: str) -> float:
    """F1 of one page's 4-gram shingles (0 for an empty extraction of a non-empty body)."""
    tp, fp, fn = shingle_match(true, pred)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def compare_extraction(pages: list[tuple[str, str, bytes, str]],
                       rules_for: Any = None) -> dict[str, Any]:
    """Extract each (id, url, html, truth) page with newsmon's extractor and with plain
    trafilatura.extract; a page newsmon drops counts as an empty extraction.

    Returns the benchmark's aggregate F1 for both, the per-page F1 mean, pages under 0.5,
    the same by language (of the ground truth), and what was dropped and why.
    """
    import trafilatura

    from pipelines.extraction import ArticleExtractor, NotAnArticle
    from pipelines.language import detect_language

    extractor = ArticleExtractor()
    rows: list[dict[str, Any]] = []
    for page_id, url, html, truth in pages:
        try:
            text = extractor.extract(html, url, rules=rules_for(url) if rules_for else None).text
            dropped = None
        except NotAnArticle as exc:
            text, dropped = "", exc.reason
        plain = trafilatura.extract(html.decode("utf-8", errors="replace"), url=url) or ""
        rows.append({"id": page_id, "url": url, "lang": detect_language(truth) or "?",
                     "ours": page_f1(truth, text), "plain": page_f1(truth, plain),
                     "dropped": dropped, "truth": truth, "ours_text": text, "plain_text": plain})

    def summary(selected: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(selected) or 1
        return {
            "pages": len(selected),
            "ours_f1": benchmark_f1([(r["truth"], r["ours_text"]) for r in selected])["f1"],
            "plain_f1": benchmark_f1([(r["truth"], r["plain_text"]) for r in selected])["f1"],
            "ours_mean": sum(r["ours"] for r in selected) / n,
            "plain_mean": sum(r["plain"] for r in selected) / n,
            "ours_below_half": sum(r["ours"] < 0.5 for r in selected),
            "plain_below_half": sum(r["plain"] < 0.5 for r in selected),
        }

    by_lang = {lang: summary([r for r in rows if r["lang"] == lang])
               for lang in sorted({r["lang"] for r in rows})}
    return {"all": summary(rows), "by_lang": by_lang,
            "dropped": [(r["id"], r["url"], r["dropped"]) for r in rows if r["dropped"]],
            "pages": [{k: r[k] for k in ("id", "url", "lang", "ours", "plain", "dropped")}
                      for r in rows]}
