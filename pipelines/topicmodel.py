"""A small linear model that gives the tagger recall where outlets write without its terms.

Outlets report emigration as "families who arrived in Tbilisi in the autumn of 2022" or "the
station now broadcasts from Amsterdam", with no word of the taxonomy's. The rules keep the
evidence and the precision; this model, one logistic regression per topic over the words'
stems (unigrams and bigrams, TF-IDF with sublinear term frequency, as scikit-learn's
TfidfVectorizer computes it), adds a topic the rules missed when it is confident. Its evidence
is the words that pushed it most, so a reviewer can still read why.

The model is trained at build time from the labelled sets in tests/data (texts written for the
project, and labels of real reporting whose texts are read from ../shared/corpus):
`python -m newsmon.topic_training` writes pipelines/topic_model.npz, and a test retrains it
and compares. Features are hashed (CRC-32 of the stem, 2^20 buckets), so the file holds
numbers, no text. Only numpy is needed to use it; training also needs scipy.
"""

from __future__ import annotations

import json
import math
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MODEL_PATH = Path(__file__).with_name("topic_model.npz")
BITS = 20
MASK = (1 << BITS) - 1
TEXT_KEYS = 200              # the title and the first 200 words: where a story says what it is
_BIGRAM = 0x9E3779B1
FORMAT = 1


@dataclass
class Contribution:
    """One feature's share of a decision: which tokens (index in title or text) it covers."""

    weight: float
    in_title: bool
    start: int
    end: int                 # index after the last token


class FeatureHasher:
    """Stems to hashed feature ids; a stem's hash is cached (bounded)."""

    def __init__(self) -> None:
        self._cache: dict[str, int] = {}

    def _ids(self, keys: Sequence[str]) -> np.ndarray:
        cache = self._cache
        try:
            values = list(map(cache.__getitem__, keys))
        except KeyError:
            if len(cache) > 300_000:
                cache.clear()
            for key in set(keys):
                if key not in cache:
                    cache[key] = zlib.crc32(key.encode("utf-8")) & MASK
            values = list(map(cache.__getitem__, keys))
        return np.array(values, dtype=np.int64)

    def features(self, title_keys: Sequence[str], text_keys: Sequence[str]
                 ) -> tuple[np.ndarray, np.ndarray]:
        """Feature ids of one document, one per occurrence, and the token index each starts
        at (title tokens first, then the text's)."""
        keys = list(title_keys) + list(text_keys[:TEXT_KEYS])
        unigrams = self._ids(keys)
        bigrams = ((unigrams[:-1] * _BIGRAM) ^ unigrams[1:]) & MASK
        ids = np.concatenate([unigrams, bigrams])
        starts = np.concatenate([np.arange(len(unigrams)), np.arange(len(bigrams))])
        return ids, starts


def _columns(ids: np.ndarray, vocabulary: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A document's feature ids as columns of the vocabulary (ids it lacks dropped), each
    column's count and the position of its first id in `ids`."""
    unique, first, counts = np.unique(ids, return_index=True, return_counts=True)
    columns = np.searchsorted(vocabulary, unique)
    columns[columns >= len(vocabulary)] = 0
    known = vocabulary[columns] == unique
    return columns[known], counts[known], first[known]


def _tfidf(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """L2-normalised sublinear TF-IDF values (scikit-learn's TfidfVectorizer's)."""
    values = (1.0 + np.log(counts)) * idf
    norm = float(np.sqrt(values @ values))
    return values / norm if norm > 0 else values


class TopicModel:
    """Per-topic logistic regressions over hashed stem features, and their thresholds."""

    def __init__(self, vocabulary: np.ndarray, idf: np.ndarray, coef: dict[str, np.ndarray],
                 intercept: dict[str, float], thresholds: dict[str, float],
                 about: dict[str, Any]) -> None:
        self.vocabulary = vocabulary          # sorted hashed ids
        self.idf = idf
        self.coef = coef
        # One row per feature (idf, then each topic's weight): a document's lookups touch one
        # cache line per feature, which matters right after extraction has flushed the caches.
        self._table = np.ascontiguousarray(np.column_stack([idf, *coef.values()]),
                                           dtype=np.float32)
        self.intercept = intercept
        self.thresholds = thresholds
        self.about = about
        self.hasher = FeatureHasher()

    @property
    def topics(self) -> list[str]:
        return list(self.coef)

    @classmethod
    def load(cls, path: str | Path = MODEL_PATH) -> TopicModel:
        with np.load(path, allow_pickle=False) as data:
            about = json.loads(str(data["about"]))
            if about.get("format") != FORMAT:
                raise ValueError(f"{path}: model format {about.get('format')!r}, "
                                 f"expected {FORMAT}; rebuild it "
                                 f"(python -m newsmon.topic_training)")
            topics = about["topics"]
            return cls(data["vocabulary"], data["idf"],
                       {t: data[f"coef_{t}"] for t in topics},
                       {t: float(about["intercept"][t]) for t in topics},
                       {t: float(about["thresholds"][t]) for t in topics}, about)

    def save(self, path: str | Path = MODEL_PATH) -> None:
        about = {**self.about, "format": FORMAT, "topics": self.topics,
                 "intercept": self.intercept, "thresholds": self.thresholds}
        arrays: dict[str, Any] = {f"coef_{t}": c.astype(np.float32)
                                  for t, c in self.coef.items()}
        arrays.update(vocabulary=self.vocabulary.astype(np.int32),
                      idf=self.idf.astype(np.float32), about=np.array(json.dumps(about)))
        np.savez_compressed(path, **arrays)

    def predict(self, title_keys: Sequence[str], text_keys: Sequence[str],
                explain: int = 0, explain_from: dict[str, float] | None = None
                ) -> dict[str, tuple[float, list[Contribution]]]:
        """Each topic's probability and, when `explain`, the features that pushed it most
        (only for topics whose probability reaches `explain_from`, when given)."""
        ids, starts = self.hasher.features(title_keys, text_keys)
        if not len(ids):
            return {t: (_sigmoid(self.intercept[t]), []) for t in self.coef}
        columns, counts, first = _columns(ids, self.vocabulary)
        rows = self._table[columns]
        values = _tfidf(counts, rows[:, 0])
        n_unigrams = len(title_keys) + min(len(text_keys), TEXT_KEYS)
        keys: list[str] | None = None
        out: dict[str, tuple[float, list[Contribution]]] = {}
        for index, topic in enumerate(self.coef, 1):
            parts = rows[:, index] * values
            probability = _sigmoid(float(parts.sum()) + self.intercept[topic])
            reasons: list[Contribution] = []
            if explain and (explain_from is None or probability >= explain_from[topic]):
                if keys is None:
                    keys = list(title_keys) + list(text_keys[:TEXT_KEYS])
                for k in np.argsort(-parts):
                    if parts[k] <= 0 or len(reasons) == explain:
                        break
                    position = int(first[k])
                    length = 1 if position < n_unigrams else 2
                    start = int(starts[position])
                    if not any(_telling(key) for key in keys[start:start + length]):
                        continue      # "was", "in the": true to the model, useless to a reader
                    in_title = start < len(title_keys)
                    if not in_title:
                        start -= len(title_keys)
                    elif start + length > len(title_keys):
                        length = 1        # a bigram across title and text: its first word
                    reasons.append(Contribution(float(parts[k]), in_title, start,
                                                start + length))
            out[topic] = (probability, reasons)
        return out


# Function words (as stems) a reader learns nothing from, whatever weight they carry.
_FUNCTION_WORDS = frozenset("""
from with that this have were which their there they said also after into about than then
when what would could should been being other more most some such only over under while
where these those them will just like because before since onli becaus whi veri
котор эт был был быт так такж посл чтоб когд можн может боле очен тольк свое сво
все всех его нее они он она год также однак есл межд через перед ещ уже
""".split())


def _telling(key: str) -> bool:
    """A word worth showing as a reason: not a function word or a possessive."""
    return (len(key) >= 4 or key.isdigit()) and key not in _FUNCTION_WORDS


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x > -500 else 0.0


# --- training (build time) ------------------------------------------------------------------

def train(documents: Sequence[tuple[Sequence[str], Sequence[str]]],
          labels: Mapping[str, Sequence[bool]], thresholds: dict[str, float],
          c: float | None = None, min_df: int = 2,
          about: dict[str, Any] | None = None) -> TopicModel:
    """Fit one L2-regularised logistic regression per topic (classes weighted to balance,
    intercept not penalised: scikit-learn's LogisticRegression(C=c, class_weight="balanced")
    objective; c defaults to REGULARISATION) on documents given as (title keys, text keys).
    Needs scipy."""
    from scipy import sparse
    from scipy.optimize import minimize

    c = REGULARISATION if c is None else c

    hasher = FeatureHasher()
    doc_ids = [hasher.features(title, text)[0] for title, text in documents]
    unique_per_doc = [np.unique(ids) for ids in doc_ids]
    all_ids, df = np.unique(np.concatenate(unique_per_doc), return_counts=True)
    vocabulary = all_ids[df >= min_df]
    n = len(documents)
    idf = np.log((1 + n) / (1 + df[df >= min_df])) + 1.0
    rows, cols, vals = [], [], []
    for row, ids in enumerate(doc_ids):
        columns, counts, _ = _columns(ids, vocabulary)
        values = _tfidf(counts, idf[columns])
        rows.extend([row] * len(columns))
        cols.extend(columns.tolist())
        vals.extend(values.tolist())
    x = sparse.csr_matrix((vals, (rows, cols)), shape=(n, len(vocabulary)))
    coef: dict[str, np.ndarray] = {}
    intercept: dict[str, float] = {}
    for topic, topic_labels in labels.items():
        y = np.where(np.asarray(topic_labels, dtype=bool), 1.0, -1.0)
        positives = float((y > 0).sum())
        weights = np.where(y > 0, n / (2 * positives), n / (2 * (n - positives)))

        def objective(w: np.ndarray) -> tuple[float, np.ndarray]:
            z = y * (x @ w[:-1] + w[-1])
            loss = weights * np.logaddexp(0.0, -z)
            g = -y * weights * _expit(-z)
            grad = np.empty_like(w)
            grad[:-1] = c * (x.T @ g) + w[:-1]
            grad[-1] = c * g.sum()
            return float(c * loss.sum() + 0.5 * w[:-1] @ w[:-1]), grad

        result = minimize(objective, np.zeros(len(vocabulary) + 1), jac=True,
                          method="L-BFGS-B", options={"maxiter": 5000, "gtol": 1e-7})
        coef[topic] = result.x[:-1].astype(np.float32)
        intercept[topic] = float(result.x[-1])
    return TopicModel(vocabulary, idf.astype(np.float32), coef, intercept, thresholds,
                      {**(about or {}), "documents": n, "features": int(len(vocabulary)),
                       "c": c, "min_df": min_df})


def _expit(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# Thresholds chosen by 5-fold cross-validation over the training sets (see
# benchmarks/tagging_quality.py --cv): a topic the rules missed is added at this probability.
THRESHOLDS = {"emigration": 0.65, "crackdown": 0.8}
# The logistic regressions' C (less regularisation as it grows), chosen the same way
# (benchmarks/tagging_quality.py --cv-c 1 2 4 8 16): 8 gave the best mean and worst F1 over
# the training sets' topics and languages (4 before the fourth written set came).
REGULARISATION = 8.0
TRAINING_SETS = ("tagging_labelled.jsonl", "tagging_holdout.jsonl",
                 "tagging_excerpts_dev.jsonl", "tagging_excerpts_dev3.jsonl",
                 "tagging_excerpts_dev4.jsonl",
                 "tagging_real_dev.jsonl")
