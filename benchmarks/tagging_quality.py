"""Tagging quality: P/R/F1 per topic and language on every labelled set, and the method
comparison (rules, a scikit-learn model, a hybrid).

Sets: the real development set (tuned on) and the frozen real holdout (never tuned on), both
labels pointing at ../shared/corpus/news-text, and the two sets written for the project.
The real sets are scored the way the crawl pipeline tags (outlet context for configured
outlets). --compare trains a linear model (word 1-2-grams + character 3-5-grams, logistic
regression) on a training set and scores it, and rules-or-model, on the real holdout; it needs
scikit-learn (`pip install scikit-learn`), which newsmon itself does not use.

Run: python benchmarks/tagging_quality.py [--morphology stem|lemma] [--sets ...] [--compare]
     [--errors SET] (list misclassified items of one set: never of the holdout when tuning)
     [--cv] [--cv-c 1 2 4 8 16] (cross-validate the topic model's thresholds, its C)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crawler.sources import DEFAULT_SOURCES_PATH, load_sources  # noqa: E402
from crawler.urls import host_matches  # noqa: E402
from newsmon.quality import (BENCHMARK_DIR, load_real_labels, outlet_host, prf,  # noqa: E402
                             tagging_scores)
from pipelines.morphology import Normaliser  # noqa: E402
from pipelines.tag import OUTLET_CONTEXT  # noqa: E402
from pipelines.tagging import Tagger  # noqa: E402
from pipelines.taxonomy import load_taxonomy  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPUS = BENCHMARK_DIR.parent
SETS = {"real_dev": "tagging_real_dev.jsonl", "real_holdout": "tagging_real_holdout.jsonl",
        "real_holdout2": "tagging_real_holdout2.jsonl",
        "real_holdout3": "tagging_real_holdout3.jsonl",
        "real_holdout4": "tagging_real_holdout4.jsonl",
        "written": "tagging_labelled.jsonl", "written_holdout": "tagging_holdout.jsonl",
        "excerpts_dev": "tagging_excerpts_dev.jsonl", "excerpts_dev3": "tagging_excerpts_dev3.jsonl",
        "excerpts_dev4": "tagging_excerpts_dev4.jsonl",
        "excerpts_dev5": "tagging_excerpts_dev5.jsonl",
        "excerpts_dev6": "tagging_excerpts_dev6.jsonl",
        "excerpts_holdout": "tagging_excerpts_holdout.jsonl",
        "excerpts_holdout2": "tagging_excerpts_holdout2.jsonl",
        "excerpts_holdout4": "tagging_excerpts_holdout4.jsonl"}


def load(name: str) -> list[dict[str, Any]]:
    path = DATA / SETS[name]
    if name.startswith("real"):
        return load_real_labels(path, CORPUS)
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def predict(tagger: Tagger, gold: list[dict[str, Any]]) -> list[dict[str, Any]]:
    domains = [d for s in load_sources(DEFAULT_SOURCES_PATH) for d in s.allowed_domains]
    out = []
    for record in gold:
        context = 0.0
        if "file" in record and host_matches(f"https://{outlet_host(record)}/", domains):
            context = OUTLET_CONTEXT
        result = tagger.tag(record["title"], record["text"], source_context=context)
        out.append({"relevant": result.relevant, "topics": result.topics,
                    "subtags": result.subtags, "evidence": result.evidence,
                    "topic_scores": result.topic_scores,
                    "placed": tagger.placed(result.context)})
    return out


def report(name: str, gold: list[dict[str, Any]], predicted: list[dict[str, Any]],
           errors: bool) -> None:
    print(f"== {name}: {len(gold)} items")
    for key, value in tagging_scores(gold, predicted).items():
        if key.endswith("/all"):
            continue
        print(f"  {key:18} P {value['precision']:.3f}  R {value['recall']:.3f}  "
              f"F1 {value['f1']:.3f}  (tp {value['tp']}, fp {value['fp']}, fn {value['fn']})")
    if errors:
        for g, p in zip(gold, predicted):
            if set(g["topics"]) != set(p["topics"]):
                print(f"\n  {g['id']} gold={g['topics']} got={p['topics']}: "
                      f"{(g['title'] or g['text'])[:100]}")
                for e in p["evidence"][:4]:
                    print(f"      {e['tag']:<20} {e['where']:<5} {e['matched']} "
                          f"{'(vetoed)' if e.get('vetoed_by') else ''}")


def compare(tagger: Tagger) -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    tested = {name: load(name) for name in ("real_holdout", "excerpts_holdout")}
    rules = {name: predict(tagger, gold) for name, gold in tested.items()}
    written = load("written") + load("written_holdout") + load("excerpts_dev")
    training = {"written": written, "real_dev": load("real_dev")}
    training["written+real_dev"] = training["written"] + training["real_dev"]

    def doc(record: dict[str, Any]) -> str:
        return f"{record.get('title') or ''}\n{(record.get('text') or '')[:3000]}"

    for train_name, train in training.items():
        for topic in ("emigration", "crackdown"):
            model = make_pipeline(
                make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                           TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), min_df=2,
                                           sublinear_tf=True)),
                LogisticRegression(C=4, class_weight="balanced", max_iter=3000))
            model.fit([doc(r) for r in train], [topic in r["topics"] for r in train])
            for name, gold in tested.items():
                proba = model.predict_proba([doc(r) for r in gold])[:, 1]
                ruled = rules[name]
                for lang in ("en", "ru"):
                    index = [i for i, r in enumerate(gold) if r["lang"] == lang]

                    def score(chosen: Any) -> str:
                        tp = sum(1 for i in index if chosen(i) and topic in gold[i]["topics"])
                        fp = sum(1 for i in index if chosen(i)
                                 and topic not in gold[i]["topics"])
                        fn = sum(1 for i in index if not chosen(i)
                                 and topic in gold[i]["topics"])
                        s = prf(tp, fp, fn)
                        return f"{s['precision']:.2f}/{s['recall']:.2f}/{s['f1']:.2f}"

                    print(f"  {name:16} train={train_name:16} {topic:10} {lang}: "
                          f"rules {score(lambda i: topic in ruled[i]['topics'])}  "
                          f"model {score(lambda i: proba[i] >= 0.5)}  "
                          f"rules|model>=.8 "
                          f"{score(lambda i: topic in ruled[i]['topics'] or proba[i] >= 0.8)}")


def _cv_setup(tagger: Tagger, folds: int) -> tuple[list[dict[str, Any]], list[str], Any,
                                                    list[dict[str, Any]], list[int]]:
    """The training sets' records, each one's set, their keys, the rules' tags and a fold."""
    import random

    from newsmon.topic_training import training_records
    from pipelines.topicmodel import TRAINING_SETS

    records = training_records(DATA, CORPUS)
    origin = [name for name in TRAINING_SETS for _ in range(_count(name))]
    norm = tagger.taxonomy.normaliser
    documents = [(norm.keys(r.get("title") or ""), norm.keys(r.get("text") or ""))
                 for r in records]
    shipped, tagger.model = tagger.model, None       # the rules alone, then each fold's model
    rules = predict(tagger, records)
    tagger.model = shipped
    fold = [k % folds for k in range(len(records))]
    random.Random(7).shuffle(fold)
    return records, origin, documents, rules, fold


def _cv_proba(records: list[dict[str, Any]], documents: Any, fold: list[int], folds: int,
              c: float) -> dict[str, Any]:
    """Each record's probability per topic from the model trained on the other folds."""
    import numpy as np

    from pipelines.topicmodel import train

    topics = ("emigration", "crackdown")
    proba = {t: np.zeros(len(records)) for t in topics}
    for f in range(folds):
        train_idx = [k for k in range(len(records)) if fold[k] != f]
        model = train([documents[k] for k in train_idx],
                      {t: [t in records[k]["topics"] for k in train_idx] for t in topics}, {},
                      c=c)
        for k in range(len(records)):
            if fold[k] == f:
                for t, (p, _) in model.predict(*documents[k]).items():
                    proba[t][k] = p
    return proba


def _cv_tagged(k: int, topic: str, proba: dict[str, Any], rules: list[dict[str, Any]],
               th: dict[str, float], model_thresholds: dict[str, float],
               veto_beside: dict[str, float], veto: float | None = None,
               below: float | None = None,
               with_rules: dict[str, tuple[float, float]] | None = None) -> bool:
    """Whether the pipeline tags record k with the topic, from the rules' tags and the
    model's cross-validated probabilities (as Tagger._model_topics decides)."""
    veto = th["model_veto"] if veto is None else veto
    below = th["model_agree_below"] if below is None else below
    p = proba[topic][k]
    if p >= model_thresholds[topic]:
        return True
    if topic in rules[k]["topics"] and not veto:
        return True                  # model_veto 0: no veto at all (the beside one neither)
    if topic not in rules[k]["topics"]:
        near = (with_rules or {}).get(topic)
        return near is not None and topic in rules[k]["placed"] \
            and rules[k]["topic_scores"][topic] >= near[0] > 0 and p >= near[1]
    strong = rules[k]["topic_scores"][topic] >= below
    if strong:
        return True
    bar = veto
    if topic in veto_beside and any(
            _cv_tagged(k, other, proba, rules, th, model_thresholds, {}, veto, below,
                       with_rules)
            for other in proba if other != topic):
        bar = max(bar, veto_beside[topic])
    return bool(p >= bar)


def sweep_regularisation(tagger: Tagger, values: list[float], folds: int = 5) -> None:
    """Choose the model's regularisation C: the same cross-validation at each C, scored as
    the pipeline tags (rules, the model's additions at its thresholds, its veto), F1 per
    training set, topic and language, with their mean and worst."""
    from pipelines.topicmodel import THRESHOLDS, TRAINING_SETS

    records, origin, documents, rules, fold = _cv_setup(tagger, folds)
    th = tagger.taxonomy.thresholds
    print(f"== regularisation sweep, {folds}-fold cross-validation over {len(records)} items "
          f"(F1 as the pipeline tags)")
    for c in values:
        proba = _cv_proba(records, documents, fold, folds, c)
        cells = []
        for name in TRAINING_SETS:
            for topic in ("emigration", "crackdown"):
                for lang in ("en", "ru"):
                    index = [k for k in range(len(records))
                             if origin[k] == name and records[k]["lang"] == lang]

                    def tagged(k: int) -> bool:
                        return _cv_tagged(k, topic, proba, rules, th, THRESHOLDS,
                                          tagger.taxonomy.veto_beside,
                                          with_rules=tagger.taxonomy.model_with_rules)

                    tp = sum(1 for k in index if tagged(k) and topic in records[k]["topics"])
                    fp = sum(1 for k in index if tagged(k) and topic not in records[k]["topics"])
                    fn = sum(1 for k in index if not tagged(k) and topic in records[k]["topics"])
                    cells.append((f"{name[8:-6]}.{topic[:4]}.{lang}", prf(tp, fp, fn)["f1"]))
        f1s = [f for _, f in cells]
        print(f"  C {c:g}: mean F1 {sum(f1s) / len(f1s):.3f}, worst {min(f1s):.2f} | "
              + " ".join(f"{n} {f:.2f}" for n, f in cells))


def cross_validate(tagger: Tagger, folds: int = 5) -> None:
    """Choose the topic model's thresholds: k-fold cross-validation over its training sets
    (never a holdout), rules alone against rules-or-model at each threshold, per set."""
    from pipelines.topicmodel import REGULARISATION, TRAINING_SETS

    records, origin, documents, rules, fold = _cv_setup(tagger, folds)
    topics = ("emigration", "crackdown")
    proba = _cv_proba(records, documents, fold, folds, REGULARISATION)
    th = tagger.taxonomy.thresholds
    print(f"== {folds}-fold cross-validation of the topic model over {len(records)} items "
          f"(P/R/F1; rules alone, then rules or model p >= threshold; then, at the model's "
          f"thresholds, rules topics scoring under {th['model_agree_below']:g} dropped when "
          f"p < veto)")
    for name in TRAINING_SETS:
        for topic in topics:
            for lang in ("en", "ru"):
                index = [k for k in range(len(records))
                         if origin[k] == name and records[k]["lang"] == lang]

                def score(chosen: Any) -> str:
                    tp = sum(1 for k in index if chosen(k) and topic in records[k]["topics"])
                    fp = sum(1 for k in index if chosen(k) and topic not in records[k]["topics"])
                    fn = sum(1 for k in index if not chosen(k) and topic in records[k]["topics"])
                    s = prf(tp, fp, fn)
                    return f"{s['precision']:.2f}/{s['recall']:.2f}/{s['f1']:.2f}"

                line = " ".join(f"{t}:{score(lambda k: topic in rules[k]['topics'] or proba[topic][k] >= t)}"  # noqa: E501
                                for t in (0.6, 0.65, 0.7, 0.75, 0.8))
                print(f"  {name[8:-6]:15} {topic:10} {lang} rules "
                      f"{score(lambda k: topic in rules[k]['topics'])}  {line}")

                # (Approximate: the pipeline also keeps the model from adding a topic a
                # negative in the title or lead blocks.)
                def kept(k: int, veto: float, below: float,
                         beside: dict[str, float] | None = None,
                         near: dict[str, tuple[float, float]] | None = None) -> bool:
                    return _cv_tagged(k, topic, proba, rules, th,
                                      tagger.model.thresholds,  # type: ignore[union-attr]
                                      tagger.taxonomy.veto_beside if beside is None else beside,
                                      veto, below,
                                      tagger.taxonomy.model_with_rules if near is None else near)

                for below in (3.0, th["model_agree_below"], 8.0):
                    vetoes = " ".join(f"veto {v:g}:{score(lambda k: kept(k, v, below))}"
                                      for v in (0.0, 0.1, 0.2, 0.3, 0.4))
                    print(f"  {'':15} {topic:10} {lang} below {below:g}: {vetoes}")
                # A topic's own veto beside another topic (model_veto_beside).
                besides = " ".join(
                    f"beside {v:g}:"
                    f"{score(lambda k: kept(k, th['model_veto'], th['model_agree_below'], {topic: v}))}"  # noqa: E501
                    for v in (0.0, 0.4, 0.5, 0.6, 0.7))
                print(f"  {'':15} {topic:10} {lang} {besides}")
                # The model's lower bar where the rules found some of the topic
                # (model_with_rules: score, probability); "off" is its own threshold alone.
                nears = " ".join(
                    f"with rules {m:g},{t:g}:"
                    f"{score(lambda k: kept(k, th['model_veto'], th['model_agree_below'], None, _with(tagger, topic, (m, t) if m else None)))}"  # noqa: E501
                    for m, t in ((0, 0), (0.5, 0.4), (0.5, 0.45), (0.5, 0.5), (1.0, 0.5),
                                 (1.5, 0.6), (1.5, 0.7)))
                print(f"  {'':15} {topic:10} {lang} {nears}")


def _with(tagger: Tagger, topic: str, setting: tuple[float, float] | None
          ) -> dict[str, tuple[float, float]]:
    """The shipped model_with_rules with one topic's setting replaced (None: removed)."""
    out = {t: v for t, v in tagger.taxonomy.model_with_rules.items() if t != topic}
    if setting is not None:
        out[topic] = setting
    return out


def _count(name: str) -> int:
    return sum(1 for line in (DATA / name).read_text(encoding="utf-8").splitlines()
               if line.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--morphology", choices=("stem", "lemma"), default="stem")
    parser.add_argument("--sets", nargs="*", default=list(SETS), choices=list(SETS))
    parser.add_argument("--errors", choices=list(SETS), help="list misclassified items")
    parser.add_argument("--compare", action="store_true", help="rules vs model (scikit-learn)")
    parser.add_argument("--cv", action="store_true",
                        help="cross-validate the topic model's thresholds (needs scipy)")
    parser.add_argument("--cv-c", nargs="+", type=float, metavar="C",
                        help="cross-validate the topic model at each regularisation C")
    args = parser.parse_args()
    start = time.perf_counter()
    tagger = Tagger(load_taxonomy(normaliser=Normaliser(args.morphology)))
    print(f"taxonomy {tagger.taxonomy.version}, morphology {args.morphology}, loaded in "
          f"{time.perf_counter() - start:.2f}s")
    for name in args.sets:
        if name.startswith("real") and not CORPUS.is_dir():
            print(f"== {name}: skipped, ../shared/corpus not found")
            continue
        gold = load(name)
        report(name, gold, predict(tagger, gold), args.errors == name)
    if args.compare:
        compare(tagger)
    if args.cv:
        cross_validate(tagger)
    if args.cv_c:
        sweep_regularisation(tagger, args.cv_c)


if __name__ == "__main__":
    main()
