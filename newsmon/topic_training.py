"""Build the tagger's topic model (pipelines/topicmodel.py) from the labelled sets.

python -m newsmon.topic_training writes pipelines/topic_model.npz from the development sets in
tests/data (texts written for the project, and labels of real reporting whose texts are read
from ../shared/corpus). Never from a holdout. Needs scipy (installed with the project's test
dependencies) and a checkout: the labelled sets are not part of the installed package.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from newsmon.quality import BENCHMARK_DIR, load_real_labels
from pipelines.morphology import Normaliser
from pipelines.topicmodel import MODEL_PATH, THRESHOLDS, TRAINING_SETS, TopicModel, train


def training_records(data_dir: Path, corpus: Path) -> list[dict[str, Any]]:
    """The labelled development sets (never a frozen holdout), texts included."""
    records: list[dict[str, Any]] = []
    for name in TRAINING_SETS:
        path = data_dir / name
        if "real" in name:
            records.extend(load_real_labels(path, corpus))
        else:
            records.extend(json.loads(line) for line in path.read_text(encoding="utf-8")
                           .splitlines() if line.strip())
    return records


def build(records: Iterable[dict[str, Any]], normaliser: Any,
          topics: Sequence[str] = ("emigration", "crackdown")) -> TopicModel:
    records = list(records)
    documents = [(normaliser.keys(r.get("title") or ""), normaliser.keys(r.get("text") or ""))
                 for r in records]
    labels = {t: [t in r["topics"] for r in records] for t in topics}
    return train(documents, labels, dict(THRESHOLDS),
                 about={"trained_on": list(TRAINING_SETS)})


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m newsmon.topic_training",
                                     description="Build the tagger's topic model.")
    parser.add_argument("--out", default=str(MODEL_PATH))
    args = parser.parse_args(argv)
    data_dir = Path(__file__).resolve().parent.parent / "tests" / "data"  # in a checkout
    corpus = BENCHMARK_DIR.parent
    if not corpus.is_dir():
        print(f"error: {corpus} not found: the real development set's texts are read from "
              f"../shared/corpus", file=sys.stderr)
        return 2
    model = build(training_records(data_dir, corpus), Normaliser())
    model.save(args.out)
    print(f"wrote {args.out}: {model.about['documents']} documents, "
          f"{model.about['features']} features")
    return 0


if __name__ == "__main__":
    sys.exit(main())
