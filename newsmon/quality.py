"""Scoring and corpus helpers shared by the quality tests and the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

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
