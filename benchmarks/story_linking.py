"""Story linking quality and a threshold sweep: where precision breaks.

Feeds each labelled set, in publication order, through the store with the story linker (as
`newsmon import` does, without the extraction stages) once per threshold setting, and prints
pair precision and recall for same-language and cross-language pairs. Each row changes one
threshold of pipelines/storylink.Thresholds, the rest at their defaults (marked *).

Sets: the written groups (dev to dev4, holdout to holdout3) in tests/data, and the real
labelled pairs (dev, holdout) read from ../shared/corpus/news-text when it is there.
Run: python benchmarks/story_linking.py [--sets written_dev real_dev ...]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsmon.quality import (SHARED_CORPUS, real_story_pairs, story_link_scores,  # noqa: E402
                             written_story_pairs)
from pipelines.fingerprint import fingerprint, text_hash  # noqa: E402
from crawler.items import Article  # noqa: E402
from pipelines.normalise import normalise_article  # noqa: E402
from pipelines.storylink import Linker, Thresholds, story_keys  # noqa: E402
from pipelines.storyprofile import profile  # noqa: E402
from storage.articles import ArticleStore  # noqa: E402
from storage.db import open_db  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SWEEP: dict[str, tuple[Any, ...]] = {
    "sentence": (0.35, 0.4, 0.5, 0.6, 0.7),
    "rewrite": (0.3, 0.4, 0.5, 0.6, 0.7),
    "anchors_short": (0.45, 0.5, 0.55, 0.6, 0.7),
    "anchor_order": (0.6, 0.7, 0.72, 0.74, 0.78, 0.8, 0.9),
    "anchors_long": (0.25, 0.35, 0.4, 0.45),
    "spun": (0.4, 0.43, 0.47, 0.5, 0.55, 0.6),
    "spun_words": (0, 30, 60, 100),
    "rewrite_sentences": (1, 2, 3),
    "summary_ratio": (0.0, 0.3, 0.4, 0.5),
    "summary_anchors": (0.75, 0.85, 1.0),
    "summary_words": (0.5, 0.6, 0.65, 0.7, 0.8),
    "bridge_anchors": (0.0, 0.3, 0.5, 0.7),
}


def load(name: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if name.startswith("written"):
        return written_story_pairs(DATA / f"story_groups_{name.split('_')[1]}.jsonl")
    return real_story_pairs(DATA / f"story_pairs_real_{name.split('_')[1]}.jsonl")


def link(docs: list[dict[str, Any]], thresholds: Thresholds, workdir: Path) -> dict[str, Any]:
    db = open_db(workdir / f"sweep-{time.monotonic_ns()}.db")
    store = ArticleStore(db, linker=Linker(thresholds))
    story: dict[str, Any] = {}
    for doc in sorted(docs, key=lambda d: (d.get("published_at") or "9999", d["key"])):
        # As `newsmon import` does: a post without a title has its first line as headline,
        # and the import's normalising stage (which drops a headline repeated at the top of
        # the text) runs on it.
        article = normalise_article(Article(
            url=doc["url"], canonical_url=doc["url"], source=doc["source"],
            title=doc["title"] or doc["text"].strip().split("\n", 1)[0][:200],
            text=doc["text"], lang=doc["lang"]))
        title, text = article.title, article.text
        prof = profile(title, text, doc["lang"])
        fp = fingerprint(text)
        result = store.upsert(
            {"url": doc["url"], "canonical_url": doc["url"], "source": doc["source"],
             "title": title, "text": text, "lang": doc["lang"],
             "published_at": doc.get("published_at"), "text_hash": text_hash(text)},
            [], "2026-11-30T00:00:00+00:00", signature=fp.signature if fp else None,
            buckets=fp.bands if fp else None, shingles=fp.shingles if fp else 0,
            story_keys=story_keys(prof), profile=prof)
        story[doc["key"]] = result.article_id
    ids = {row["id"]: row["story_id"] for row in db.query("SELECT id, story_id FROM articles")}
    db.close()
    return {key: ids.get(article) for key, article in story.items()}


def pr(scores: dict[str, Any]) -> str:
    out = []
    for scope in ("same", "cross"):
        s = scores[scope]
        if s["tp"] + s["fp"] + s["fn"] == 0:
            out.append(f"{scope}: no pairs")
        else:
            out.append(f"{scope} P {s['precision']:.3f} R {s['recall']:.3f}")
    return "   ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    names = ["written_dev", "written_dev2", "written_dev3", "written_dev4", "written_holdout",
             "written_holdout2", "written_holdout3",
             "real_dev",
             "real_holdout"]
    parser.add_argument("--sets", nargs="*", default=names, choices=names)
    args = parser.parse_args()
    defaults = Thresholds()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.sets:
            if name.startswith("real") and not SHARED_CORPUS.is_dir():
                print(f"== {name}: skipped, ../shared/corpus not found")
                continue
            docs, pairs = load(name)
            start = time.perf_counter()
            scores = story_link_scores(pairs, link(docs, defaults, Path(tmp)))
            took = (time.perf_counter() - start) / len(docs) * 1000
            print(f"== {name}: {len(docs)} texts, {len(pairs)} pairs, {took:.1f} ms/text; "
                  f"defaults: {pr(scores)}")
            print(f"   linked by relation: {scores['linked_by_relation']}")
            for field, values in SWEEP.items():
                for value in values:
                    setting = dataclasses.replace(defaults, **{field: value})
                    got = story_link_scores(pairs, link(docs, setting, Path(tmp)))
                    mark = "*" if getattr(defaults, field) == value else " "
                    print(f"   {field:>13} = {value:<5}{mark} {pr(got)}")


if __name__ == "__main__":
    main()
