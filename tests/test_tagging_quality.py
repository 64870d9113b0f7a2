"""Quality gate for tagging on our labelled set (tests/data/tagging_labelled.jsonl).

Pinned floors (trafilatura's eval-gate practice): raise them when the rules improve, never
lower them silently. The set was written for this project: 220 short articles, English and
Russian, with hard positives and hard negatives.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newsmon.quality import tagging_scores
from pipelines.tagging import Tagger
from pipelines.taxonomy import load_taxonomy

DATA = Path(__file__).resolve().parent / "data"
TOPIC_F1_FLOOR = 0.90          # per topic and language
RELEVANCE_F1_FLOOR = 0.93      # per language
SUBTAG_F1_FLOOR = 0.72         # micro-averaged over subtags, per language


def _score(name: str) -> dict[str, dict[str, float]]:
    gold = [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]
    tagger = Tagger(load_taxonomy())
    predicted = []
    for record in gold:
        result = tagger.tag(record["title"], record["text"])
        predicted.append({"relevant": result.relevant, "topics": result.topics,
                          "subtags": result.subtags})
    return tagging_scores(gold, predicted)


@pytest.fixture(scope="module")
def labelled() -> dict[str, dict[str, float]]:
    return _score("tagging_labelled.jsonl")


@pytest.mark.parametrize("lang", ["en", "ru"])
@pytest.mark.parametrize("topic", ["emigration", "crackdown"])
def test_topic_f1(labelled: dict[str, dict[str, float]], topic: str, lang: str) -> None:
    score = labelled[f"{topic}/{lang}"]
    print(f"{topic}/{lang}: {score}")
    assert score["f1"] >= TOPIC_F1_FLOOR, score


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_relevance_and_subtags(labelled: dict[str, dict[str, float]], lang: str) -> None:
    assert labelled[f"relevant/{lang}"]["f1"] >= RELEVANCE_F1_FLOOR, labelled[f"relevant/{lang}"]
    assert labelled[f"subtags/{lang}"]["f1"] >= SUBTAG_F1_FLOOR, labelled[f"subtags/{lang}"]


def test_labelled_set_is_what_it_claims() -> None:
    records = [json.loads(line) for line in
               (DATA / "tagging_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 150 and len({r["id"] for r in records}) == len(records)
    for lang in ("en", "ru"):
        mine = [r for r in records if r["lang"] == lang]
        assert sum(r["kind"] == "hard_negative" for r in mine) >= 20
        assert sum(r["kind"] == "hard_positive" for r in mine) >= 10
