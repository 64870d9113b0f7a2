"""Tagging quality on our labelled set: P/R/F1 per topic and language; stem vs lemma.

Run: python benchmarks/tagging_quality.py [--morphology stem|lemma|both] [--errors]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from newsmon.quality import tagging_scores  # noqa: E402
from pipelines.morphology import Normaliser  # noqa: E402
from pipelines.tagging import Tagger  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402

LABELLED = Path(__file__).resolve().parent.parent / "tests" / "data" / "tagging_labelled.jsonl"


def evaluate(morphology: str, show_errors: bool) -> None:
    gold = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    start = time.perf_counter()
    tagger = Tagger(load_taxonomy(normaliser=Normaliser(morphology)))
    loaded = time.perf_counter()
    predicted = []
    for record in gold:
        result = tagger.tag(record["title"], record["text"])
        predicted.append({"relevant": result.relevant, "topics": result.topics,
                          "subtags": result.subtags, "score": result.score,
                          "context": result.context, "evidence": result.evidence})
    done = time.perf_counter()
    per_article_ms = (done - loaded) / len(gold) * 1000
    print(f"== morphology={morphology}: {len(gold)} articles, load {loaded - start:.2f}s, "
          f"{per_article_ms:.2f} ms/article (first pass, cold caches)")
    for key, value in tagging_scores(gold, predicted).items():
        print(f"{key:28} P {value['precision']:.3f}  R {value['recall']:.3f}  "
              f"F1 {value['f1']:.3f}  (tp {value['tp']}, fp {value['fp']}, fn {value['fn']})")
    if show_errors:
        for g, p in zip(gold, predicted):
            if set(g["topics"]) != set(p["topics"]):
                print(f"\n{g['id']} gold={g['topics']} got={p['topics']} score={p['score']} "
                      f"ctx={p['context']} {g['kind']}: {g['title']}")
                for e in p["evidence"][:4]:
                    print(f"    {e['tag']:<20} {e['strength']:<6} {e['where']:<5} {e['matched']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--morphology", choices=("stem", "lemma", "both"), default="both")
    parser.add_argument("--errors", action="store_true", help="list misclassified articles")
    args = parser.parse_args()
    for morphology in (("stem", "lemma") if args.morphology == "both" else (args.morphology,)):
        evaluate(morphology, args.errors)


if __name__ == "__main__":
    main()
