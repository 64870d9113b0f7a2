"""Quality gate: our extraction vs plain trafilatura.extract on the 181-page benchmark."""

from __future__ import annotations

from pathlib import Path

import trafilatura

from newsmon.quality import benchmark_f1, benchmark_pages
from pipelines.extraction import ArticleExtractor, NotAnArticle

# Pinned floor (trafilatura's eval-gate practice): raise it when extraction improves.
OUR_F1_FLOOR = 0.952


def test_ours_not_below_plain_trafilatura(corpus: Path) -> None:
    extractor = ArticleExtractor()
    ours, plain, dropped = [], [], []
    for page_id, url, html, truth in benchmark_pages(corpus / "extraction-benchmark"):
        try:
            text = extractor.extract(html, url).text
        except NotAnArticle as exc:
            # What we would not store counts as an empty extraction.
            dropped.append((page_id, exc.reason))
            text = ""
        ours.append((truth, text))
        plain.append((truth, trafilatura.extract(html.decode("utf-8"), url=url) or ""))
    assert len(ours) == 181
    our_score, plain_score = benchmark_f1(ours), benchmark_f1(plain)
    print(f"\nours  {our_score}\nplain {plain_score}\ndropped {dropped}")
    assert our_score["f1"] >= plain_score["f1"]
    assert our_score["f1"] >= OUR_F1_FLOOR
    assert len(dropped) <= 3, dropped
