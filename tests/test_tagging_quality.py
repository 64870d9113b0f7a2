"""Quality gates for tagging, on the production paths, with floors in tests/quality_baseline.json.

Sets (README, "Tests, quality gates and benchmarks", says which were tuned on):
- tagging_real_holdout.jsonl: FROZEN HOLDOUT of real reporting (The Moscow Times and RT RSS
  entries from December 2023, BBC Russian and RIA Telegram posts from 2024-11-26 on, Meduza
  long-form golunov-061..101). Labels point by file and item at ../shared/corpus/news-text;
  they were made by reading the texts, before the tagger was run on them. No rule or
  threshold was fitted to it; its hash is pinned below.
- tagging_real_dev.jsonl: the earlier part of the same sources; the rules were tuned on it.
- tagging_real_holdout2.jsonl: FROZEN HOLDOUT of a feed's noise: every RT RSS entry of
  October and November 2023 in ../shared/corpus/news-text that the two sets above do not
  hold (1,493; 4 relevant, 69 look-alikes), each labelled by one of three annotators who
  read it, before the tagger was run on them; hash pinned below. It measures how many
  irrelevant stories the tagger would put in front of a reviewer.
- tagging_real_holdout3.jsonl: FROZEN HOLDOUT, the same measure on the 458 distinct articles
  of ../shared/corpus/news-text/tgcontest-pairs (Russian and English news sites, November
  2019 to May 2020; 2 relevant), labelled the same way; hash pinned below.
- tagging_real_holdout4.jsonl: FROZEN HOLDOUT from ../shared/corpus/feeds and outlets:
  RFE/RL's Google News sitemap headlines (May 2025; placeholders such as «Новости» and
  repeated titles left out), Meduza's RSS items and 17 outlets' article pages (read through
  newsmon's extractor, as a crawl reads them); 136 items, 17 relevant, labelled by reading
  them before the tagger was run on them; hash pinned below.
- tagging_labelled.jsonl and tagging_holdout.jsonl: texts written for the project (the
  second was mined for vocabulary after it was first scored, so it is not blind either).
- tagging_excerpts_holdout.jsonl: FROZEN HOLDOUT of 200 outlet-style excerpts written for the
  project by a writer who did not see the taxonomy, labelled while written, first scored only
  after the topic model and its thresholds were fixed; hash pinned below.
- tagging_excerpts_holdout2.jsonl: FROZEN HOLDOUT of 190 excerpts (100 en, 90 ru; 55 hard
  negatives of the issue's kinds) by a fifth writer who saw only the writing spec, written
  to the make-up of the set the issue was measured on; first scored with taxonomy
  2026-12-01.1, after everything else in it was fixed; hash pinned below.
- tagging_excerpts_dev6.jsonl: 190 excerpts (100 en, 90 ru; 53 hard negatives) by a sixth
  writer who saw only a writing spec. It was the third frozen holdout
  (tagging_excerpts_holdout3.jsonl), scored with taxonomy 2026-12-01.5 and .6; since .7 it is
  a development set: its errors were read and rules were changed for them. Not training data
  (adding it lowered the other sets' cross-validated F1, 0.894 -> 0.893, worst 0.77 -> 0.75).
- tagging_excerpts_holdout4.jsonl: FROZEN HOLDOUT of 200 excerpts (100 en, 100 ru; 28
  emigration, 30 crackdown and 12 both per language, 54 hard negatives) by an eighth writer
  who saw only a writing spec (not the taxonomy, the tagger or any other set); first scored
  with taxonomy 2026-12-01.7, after everything in it was fixed; hash pinned below.
- tagging_excerpts_dev.jsonl: 240 more such excerpts by another writer; the topic model's
  thresholds were chosen on it (cross-validated) and it is part of the model's training data.
- tagging_excerpts_dev3.jsonl: 200 excerpts by a third writer, 120 of them hard negatives;
  negatives were added to the taxonomy from it and the model is trained on it.
- tagging_excerpts_dev5.jsonl: 200 excerpts (60 en, 140 ru) about emigration told without its
  obvious words, and look-alikes, by a seventh writer from a writing spec; scored once with
  taxonomy 2026-12-01.5. Not training data: adding it to the model's training data lowered
  the cross-validated F1 of the other sets (0.893 -> 0.887), so it was left out. The rule
  changes of taxonomy .7 were checked on it with the other development sets (so it is tuned
  on), though no rule was written from its texts.
- tagging_excerpts_dev4.jsonl: 300 excerpts (150 en, 150 ru) by a fourth writer who saw only
  the writing spec, half of the positives written without the obvious keywords, 95 hard
  negatives. First scored with the tagger as it was (the figures are in the README), then
  added to the model's training data, and its regularisation chosen with it.

The topic model (pipelines/topic_model.npz) is trained on every development set above, so
figures on them flatter it: the holdouts are the ones that say how it does on unseen text.

Both production paths are scored: the crawl pipeline (Tagger with the outlet's context when
the outlet is a configured source) and `newsmon classify` (context only from a URL of a
configured source; Telegram posts and Meduza texts have none).
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from crawler.sources import DEFAULT_SOURCES_PATH, load_sources
from crawler.urls import host_matches
from newsmon.quality import load_real_labels, outlet_host, tagging_scores
from pipelines.tag import OUTLET_CONTEXT
from pipelines.tagging import Tagger
from pipelines.taxonomy import load_taxonomy
from tests import baseline
from tests.conftest import REPO

DATA = Path(__file__).resolve().parent / "data"
REAL_HOLDOUT = DATA / "tagging_real_holdout.jsonl"
REAL_HOLDOUT_SHA256 = "c98ea48e7f2f4245349c059ca222ad668fa8d24a89d5bc6a8ab12d8a95c87245"
REAL_HOLDOUT2 = DATA / "tagging_real_holdout2.jsonl"
REAL_HOLDOUT2_SHA256 = "8f7242fa598923a0e1785f93111bddf4598cc6f735ddf6d2ce903a00ba28a781"
REAL_HOLDOUT3 = DATA / "tagging_real_holdout3.jsonl"
REAL_HOLDOUT3_SHA256 = "6e2971053e14b1500f74a64b99859939160ab188ed6c99dda10cbe3868db65d1"
REAL_HOLDOUT4 = DATA / "tagging_real_holdout4.jsonl"
REAL_HOLDOUT4_SHA256 = "a513fbfab8dda3d1335f89d8d785a1d87387e6ce25ffb7738ede8e2c56d50e6e"
REAL_DEV = DATA / "tagging_real_dev.jsonl"
EXCERPTS_HOLDOUT = DATA / "tagging_excerpts_holdout.jsonl"
EXCERPTS_HOLDOUT_SHA256 = "2bc0cf0de1cdb8a3e2c002140f4d9365c90f2019c074a38228555876abae5715"
EXCERPTS_HOLDOUT2 = DATA / "tagging_excerpts_holdout2.jsonl"
EXCERPTS_HOLDOUT2_SHA256 = "d7c2ca9ebde99961246fef251e3349d71f76984972d0cd344401ae290c1b0086"
EXCERPTS_HOLDOUT4 = DATA / "tagging_excerpts_holdout4.jsonl"
EXCERPTS_HOLDOUT4_SHA256 = "f36a2d2e7aab938bc33daa069064b2fa542be702552696665ae2930e83f92b09"
TOPICS = ("emigration", "crackdown")
LANGS = ("en", "ru")


def _pipeline(gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """As the crawl pipeline tags: with the outlet's context for a configured outlet."""
    tagger = Tagger(load_taxonomy())
    domains = [d for s in load_sources(DEFAULT_SOURCES_PATH) for d in s.allowed_domains]
    out = []
    for record in gold:
        context = OUTLET_CONTEXT if "file" in record and host_matches(
            f"https://{outlet_host(record)}/", domains) else 0.0
        result = tagger.tag(record["title"], record["text"], source_context=context)
        out.append({"relevant": result.relevant, "topics": result.topics,
                    "subtags": result.subtags})
    return out


def _classify(gold: list[dict[str, Any]], tmp: Path) -> list[dict[str, Any]]:
    """Through `newsmon classify`, as another tool would call it."""
    lines = [json.dumps({"id": i, "title": r["title"], "text": r["text"], "lang": r["lang"],
                         **({"url": r["url"]} if r["url"] else {})}, ensure_ascii=False)
             for i, r in enumerate(gold)]
    source = tmp / "classify-in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", "classify", "--input",
                             str(source)], cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == list(range(len(gold)))
    return rows


def _check(prefix: str, scores: dict[str, dict[str, float]], with_precision: bool) -> None:
    for topic in TOPICS:
        for lang in LANGS:
            baseline.check(f"{prefix}.{topic}.{lang}.f1", scores[f"{topic}/{lang}"]["f1"])
            if with_precision:
                baseline.check(f"{prefix}.{topic}.{lang}.precision",
                               scores[f"{topic}/{lang}"]["precision"])


@pytest.fixture(scope="module")
def real_holdout(corpus: Path) -> list[dict[str, Any]]:
    digest = hashlib.sha256(REAL_HOLDOUT.read_bytes()).hexdigest()
    assert digest == REAL_HOLDOUT_SHA256, (
        "the tagging holdout changed: it is frozen (no rule is fitted to it); label new "
        "texts into a new file instead")
    return load_real_labels(REAL_HOLDOUT, corpus)


def test_real_holdout_pipeline_path(real_holdout: list[dict[str, Any]]) -> None:
    predicted = _pipeline(real_holdout)
    scores = tagging_scores(real_holdout, predicted)
    _check("tagging.real_holdout.pipeline", scores, with_precision=True)
    # Russian emigration has 11 positives there and the tagger finds none of them, so its F1
    # and precision floors are 0: what it wrongly tags as emigration is gated as a count.
    baseline.check("tagging.real_holdout.pipeline.emigration.ru.false_positives", sum(
        1 for gold, got in zip(real_holdout, predicted) if gold["lang"] == "ru"
        and "emigration" in got["topics"] and "emigration" not in gold["topics"]))
    for lang in LANGS:
        baseline.check(f"tagging.real_holdout.pipeline.relevant.{lang}.f1",
                       scores[f"relevant/{lang}"]["f1"])


def test_real_holdout_classify_path(real_holdout: list[dict[str, Any]],
                                    tmp_path: Path) -> None:
    scores = tagging_scores(real_holdout, _classify(real_holdout, tmp_path))
    _check("tagging.real_holdout.classify", scores, with_precision=False)


@pytest.mark.parametrize("path, sha256, name, irrelevant_count", [
    (REAL_HOLDOUT2, REAL_HOLDOUT2_SHA256, "real_holdout2", 1489),
    (REAL_HOLDOUT3, REAL_HOLDOUT3_SHA256, "real_holdout3", 456)])
def test_real_feed_noise(corpus: Path, tmp_path: Path, path: Path, sha256: str, name: str,
                         irrelevant_count: int) -> None:
    """Most of what outlets publish is nothing a monitor wants: count how many irrelevant
    stories the tagger would put in front of a reviewer, on both paths. real_holdout2: the
    1,493 RT RSS entries of October and November 2023 that no other set holds (1,489 not
    relevant, 69 of those look-alikes); real_holdout3: the 458 articles of the tgcontest
    pairs (Russian and English news sites, 2019-2020; 456 not relevant)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    assert digest == sha256, f"{path.name} changed: it is frozen; label new texts into a new file"
    gold = load_real_labels(path, corpus)
    irrelevant = [k for k, r in enumerate(gold) if not r["relevant"]]
    assert len(irrelevant) == irrelevant_count
    for way, predicted in (("pipeline", _pipeline(gold)), ("classify", _classify(gold, tmp_path))):
        noise = sum(1 for k in irrelevant if predicted[k]["relevant"])
        baseline.check(f"tagging.{name}.{way}.false_positives_per_1000",
                       1000 * noise / len(irrelevant))
        if name == "real_holdout3":
            # Its English articles (66) are all told apart: the Russian ones on their own.
            russian = [k for k in irrelevant if gold[k]["lang"] == "ru"]
            noise = sum(1 for k in russian if predicted[k]["relevant"])
            baseline.check(f"tagging.{name}.{way}.ru.false_positives_per_1000",
                           1000 * noise / len(russian))


def test_real_holdout_from_feeds_and_outlets(corpus: Path, tmp_path: Path) -> None:
    """The fourth real holdout: RFE/RL's Google News sitemaps (headlines, May 2025), Meduza's
    RSS (2026) and 17 outlets' article pages (extracted as a crawl extracts them), labelled
    before the tagger was run on them. 136 items, 17 relevant (all Russian, all crackdown, 2
    also emigration). Headlines say little, so recall is low: the floors say how low."""
    digest = hashlib.sha256(REAL_HOLDOUT4.read_bytes()).hexdigest()
    assert digest == REAL_HOLDOUT4_SHA256, (
        f"{REAL_HOLDOUT4.name} changed: it is frozen; label new texts into a new file")
    gold = load_real_labels(REAL_HOLDOUT4, corpus)
    assert sum(r["relevant"] for r in gold) == 17
    for way, predicted in (("pipeline", _pipeline(gold)), ("classify", _classify(gold, tmp_path))):
        scores = tagging_scores(gold, predicted)
        baseline.check(f"tagging.real_holdout4.{way}.crackdown.ru.f1",
                       scores["crackdown/ru"]["f1"])
        baseline.check(f"tagging.real_holdout4.{way}.crackdown.ru.precision",
                       scores["crackdown/ru"]["precision"])
        baseline.check(f"tagging.real_holdout4.{way}.false_positives", sum(
            1 for g, p in zip(gold, predicted) if p["relevant"] and not g["relevant"]))


def test_real_dev_set(corpus: Path) -> None:
    gold = load_real_labels(REAL_DEV, corpus)
    scores = tagging_scores(gold, _pipeline(gold))
    _check("tagging.real_dev.pipeline", scores, with_precision=False)


def _excerpts_holdout() -> list[dict[str, Any]]:
    digest = hashlib.sha256(EXCERPTS_HOLDOUT.read_bytes()).hexdigest()
    assert digest == EXCERPTS_HOLDOUT_SHA256, (
        "the excerpts holdout changed: it is frozen (nothing is fitted to it); write new "
        "texts into a new file instead")
    gold = [json.loads(line) for line in EXCERPTS_HOLDOUT.read_text(encoding="utf-8")
            .splitlines() if line.strip()]
    return [{**g, "url": None} for g in gold]


def test_excerpts_holdout_pipeline_path() -> None:
    gold = _excerpts_holdout()
    scores = tagging_scores(gold, _pipeline(gold))
    _check("tagging.excerpts_holdout.pipeline", scores, with_precision=True)
    # The model is there for recall: on unseen text it must find more than the rules alone.
    rules = Tagger(load_taxonomy())
    rules.model = None
    alone = tagging_scores(gold, [{"relevant": r.relevant, "topics": r.topics,
                                   "subtags": r.subtags}
                                  for r in (rules.tag(g["title"], g["text"]) for g in gold)])
    for lang in LANGS:
        assert scores[f"emigration/{lang}"]["recall"] > alone[f"emigration/{lang}"]["recall"]
        assert scores[f"emigration/{lang}"]["f1"] > alone[f"emigration/{lang}"]["f1"]


def test_excerpts_holdout_classify_path(tmp_path: Path) -> None:
    gold = _excerpts_holdout()
    scores = tagging_scores(gold, _classify(gold, tmp_path))
    _check("tagging.excerpts_holdout.classify", scores, with_precision=True)


@pytest.mark.parametrize("path, sha256, name, count", [
    (EXCERPTS_HOLDOUT2, EXCERPTS_HOLDOUT2_SHA256, "excerpts_holdout2", 190),
    (EXCERPTS_HOLDOUT4, EXCERPTS_HOLDOUT4_SHA256, "excerpts_holdout4", 200),
    # The third excerpts holdout, now a development set (tuned on, so not pinned): still
    # gated per topic and language on both paths, so what was fixed for it stays fixed.
    (DATA / "tagging_excerpts_dev6.jsonl", None, "excerpts_dev6", 190),
])
def test_later_excerpt_sets_on_both_paths(tmp_path: Path, path: Path, sha256: str | None,
                                          name: str, count: int) -> None:
    if sha256 is not None:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == sha256, (f"{path.name} changed: it is frozen; write new texts into "
                                  f"a new file")
    gold = [{**json.loads(line), "url": None} for line in path.read_text(
        encoding="utf-8").splitlines() if line.strip()]
    assert len(gold) == count
    _check(f"tagging.{name}.pipeline", tagging_scores(gold, _pipeline(gold)),
           with_precision=True)
    _check(f"tagging.{name}.classify",
           tagging_scores(gold, _classify(gold, tmp_path)), with_precision=True)


def test_the_shipped_topic_model_is_what_its_data_trains(corpus: Path) -> None:
    """pipelines/topic_model.npz is rebuilt from the labelled development sets (never a
    holdout): same features, same weights, the thresholds chosen by cross-validation."""
    import numpy as np

    from newsmon.topic_training import build, training_records
    from pipelines.morphology import Normaliser
    from pipelines.topicmodel import MODEL_PATH, THRESHOLDS, TRAINING_SETS, TopicModel

    assert not any("holdout" in name and "tagging_holdout" not in name
                   for name in TRAINING_SETS)
    shipped = TopicModel.load(MODEL_PATH)
    rebuilt = build(training_records(DATA, corpus), Normaliser())
    assert shipped.thresholds == THRESHOLDS == rebuilt.thresholds
    assert np.array_equal(shipped.vocabulary, rebuilt.vocabulary)
    for topic in ("emigration", "crackdown"):
        assert np.allclose(shipped.coef[topic], rebuilt.coef[topic], atol=1e-4), topic
        assert abs(shipped.intercept[topic] - rebuilt.intercept[topic]) < 1e-4


@pytest.mark.parametrize("name", ["tagging_labelled", "tagging_holdout", "tagging_excerpts_dev",
                                  "tagging_excerpts_dev3", "tagging_excerpts_dev4",
                                  "tagging_excerpts_dev5"])
def test_written_sets(name: str) -> None:
    gold = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    tagger = Tagger(load_taxonomy())
    predicted = []
    for record in gold:
        result = tagger.tag(record["title"], record["text"])
        predicted.append({"relevant": result.relevant, "topics": result.topics,
                          "subtags": result.subtags})
    scores = tagging_scores(gold, predicted)
    baseline.check(f"tagging.written.{name}.worst_topic_f1",
                   min(scores[f"{t}/{lang}"]["f1"] for t in TOPICS for lang in LANGS))
    baseline.check(f"tagging.written.{name}.relevant_f1",
                   min(scores[f"relevant/{lang}"]["f1"] for lang in LANGS))
    baseline.check(f"tagging.written.{name}.subtags_f1",
                   min(scores[f"subtags/{lang}"]["f1"] for lang in LANGS))


def test_labelled_sets_are_what_they_claim(corpus: Path) -> None:
    texts: dict[str, str] = {}
    for name in ("tagging_excerpts_dev", "tagging_excerpts_dev3", "tagging_excerpts_dev4",
                 "tagging_excerpts_dev5", "tagging_excerpts_dev6", "tagging_excerpts_holdout",
                 "tagging_excerpts_holdout2", "tagging_excerpts_holdout4"):
        rows = [json.loads(line) for line in (DATA / f"{name}.jsonl").read_text(
            encoding="utf-8").splitlines() if line.strip()]
        assert len({r["id"] for r in rows}) == len(rows)
        for record in rows:
            # No text is in two sets (a development text in the holdout would flatter it).
            assert texts.setdefault(record["text"], name) == name, (record["id"], name)
            assert record["relevant"] == bool(record["topics"]), record["id"]
            assert set(record["topics"]) <= set(TOPICS), record["id"]
    for path in (REAL_DEV, REAL_HOLDOUT, REAL_HOLDOUT2, REAL_HOLDOUT3, REAL_HOLDOUT4):
        labels = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        keys = {(r["file"], r["item"]) for r in labels}
        assert len(keys) == len(labels), f"{path.name}: an item is labelled twice"
        for record in labels:
            assert record["relevant"] == bool(record["topics"]), record
            assert set(record["topics"]) <= set(TOPICS)
            assert (corpus / record["file"]).exists(), record["file"]
    dev = {(r["file"], r["item"]) for r in map(json.loads, REAL_DEV.read_text(
        encoding="utf-8").splitlines())}
    hold = {(r["file"], r["item"]) for r in map(json.loads, REAL_HOLDOUT.read_text(
        encoding="utf-8").splitlines())}
    hold2 = {(r["file"], r["item"]) for r in map(json.loads, REAL_HOLDOUT2.read_text(
        encoding="utf-8").splitlines())}
    assert not dev & hold and not dev & hold2 and not hold & hold2
    written = [json.loads(line) for line in
               (DATA / "tagging_labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    for lang in LANGS:
        mine = [r for r in written if r["lang"] == lang]
        assert sum(r["kind"] == "hard_negative" for r in mine) >= 20
        assert sum(r["kind"] == "hard_positive" for r in mine) >= 10


def test_a_feed_item_is_read_only_while_it_is_the_one_labelled(tmp_path: Path) -> None:
    """Feed labels point at an item by its index: a feed file fetched again must not hand a
    label another text (the link is checked)."""
    from newsmon.quality import CorpusText
    feed = tmp_path / "feeds" / "rss" / "x" / "feed.xml"
    feed.parent.mkdir(parents=True)
    feed.write_text("<rss><channel><item><title>First &amp; only</title>"
                    "<link>https://x.example/1</link><description><![CDATA[<p>Police "
                    "detained  an activist.</p>]]></description></item><item><title>Second"
                    "</title><link>https://x.example/2</link></item></channel></rss>",
                    encoding="utf-8")
    reader = CorpusText(tmp_path)
    label = {"file": "feeds/rss/x/feed.xml", "item": 0, "link": "https://x.example/1"}
    assert reader.read(label) == ("First & only", "Police detained an activist.",
                                  "https://x.example/1")
    with pytest.raises(ValueError, match="item 1 is https://x.example/2, but its label is"):
        reader.read({**label, "item": 1})
