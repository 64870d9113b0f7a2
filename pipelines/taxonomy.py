"""Load and validate the topic taxonomy and gazetteer (YAML) into matchable term sets."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crawler.yamlfile import load_yaml
from pipelines.morphology import Normaliser, fold_words, shared_normaliser

DEFAULT_TAXONOMY_PATH = Path(__file__).with_name("taxonomy.yaml")
DEFAULT_GAZETTEER_PATH = Path(__file__).with_name("gazetteer.yaml")
LANGS = ("en", "ru")


class TaxonomyError(ValueError):
    """The taxonomy or gazetteer file is malformed; the message names file and entry."""

    def __init__(self, path: str | os.PathLike[str], entry: str, message: str) -> None:
        self.path = str(path)
        self.entry = entry
        super().__init__(f"{path}, entry {entry!r}: {message}")


Phrase = tuple[str, ...]          # normalised tokens


@dataclass
class TermSet:
    """Phrases (as normalised token tuples) with the surface form each came from.

    A term written with a leading "=" ("=march") matches only where the text has it in lower
    case: the verb "march", not the month "March". A term written with a leading "^"
    ("^алия") matches only its own word forms as written (case and ё folded): for words whose
    stem is a stem of common words too ("алия" and the name "Алёна" both stem to "ал"); list
    each form wanted. A term cannot have both marks. When one phrase is written more than
    once in a set: one "=" makes it lowercase-only; one written without "^" lets it match any
    form (the marks narrow a term, and a plain term is the wider one).
    """

    phrases: dict[Phrase, str] = field(default_factory=dict)
    lowercase_only: set[Phrase] = field(default_factory=set)
    # Phrase -> the folded word forms that may match it (only phrases every term of which
    # was written with "^"; one written without it matches any form).
    exact: dict[Phrase, set[tuple[str, ...]]] = field(default_factory=dict)

    def add(self, phrase: Phrase, surface: str, lowercase: bool = False,
            forms: set[tuple[str, ...]] | None = None) -> None:
        """Add a term: lowercase-only, and/or matching only these word forms (None: any)."""
        if not phrase:
            return
        loose = phrase in self.phrases and phrase not in self.exact
        self.phrases.setdefault(phrase, surface)
        if lowercase:
            self.lowercase_only.add(phrase)
        if forms is None:
            self.exact.pop(phrase, None)
        elif not loose:
            self.exact.setdefault(phrase, set()).update(forms)

    def merge(self, other: TermSet) -> None:
        """Add another set's terms with their marks (a topic's negatives to a subtag's)."""
        for phrase, surface in other.phrases.items():
            self.add(phrase, surface, phrase in other.lowercase_only, other.exact.get(phrase))


@dataclass
class Subtag:
    name: str
    topic: str
    strong: TermSet
    weak: TermSet
    cues: TermSet | None = None   # the subtag's own cues for weak terms (else context.political)
    # Terms that veto the subtag's matches near them (in the title, or within the cue window):
    # "casino" next to "blocked", "prisoners of war" next to "sentenced".
    negatives: TermSet | None = None


@dataclass
class Entity:
    kind: str                      # country, organisation, person
    name: str                      # canonical (English) name
    terms: TermSet


@dataclass
class Taxonomy:
    version: str
    thresholds: dict[str, float]
    weights: dict[str, float]
    subtags: dict[str, Subtag]
    topics: list[str]
    russia: TermSet
    political: TermSet
    foreign: TermSet
    entities: list[Entity]
    normaliser: Normaliser
    # Topics whose stories happen abroad: foreign markers do not count against them.
    foreign_allowed: set[str] = field(default_factory=set)
    # Per topic: the model probability under which a weak rules finding of it is dropped when
    # the story has another topic (a `model_veto` of its own for back-story mentions).
    veto_beside: dict[str, float] = field(default_factory=dict)
    # Per topic: (rules score, probability): the model adds the topic at this probability,
    # instead of its own threshold, when the rules scored it at least this much.
    model_with_rules: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The topic model (pipelines/topicmodel.py) that adds topics the rules missed; None: rules
    # alone. Set by the taxonomy's `model` key, a path relative to the taxonomy file.
    model_path: Path | None = None


def _with_rules(path: str | os.PathLike[str], topic: str, raw: Any) -> tuple[float, float]:
    entry = f"topics.{topic}.model_with_rules"
    if not isinstance(raw, dict) or set(raw) != {"score", "probability"}:
        raise TaxonomyError(path, entry, "must be a mapping with 'score' and 'probability'")
    score, probability = raw["score"], raw["probability"]
    for key, value in (("score", score), ("probability", probability)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TaxonomyError(path, f"{entry}.{key}", f"must be a number, got {value!r}")
    if score <= 0:
        raise TaxonomyError(path, f"{entry}.score", f"must be above 0, got {score!r}")
    if not 0.0 < probability < 1.0:
        raise TaxonomyError(path, f"{entry}.probability",
                            f"must be a probability above 0 and under 1, got {probability!r}")
    return float(score), float(probability)


def _terms(path: str | os.PathLike[str], entry: str, raw: Any, normaliser: Normaliser,
           required: bool = False) -> TermSet:
    terms = TermSet()
    if raw is None:
        if required:
            raise TaxonomyError(path, entry, "needs terms for en and ru")
        return terms
    if not isinstance(raw, dict):
        raise TaxonomyError(path, entry, "must map languages (en, ru) to lists of terms")
    unknown = set(raw) - set(LANGS)
    if unknown:
        raise TaxonomyError(path, f"{entry}.{sorted(unknown)[0]}",
                            f"unknown language (use {', '.join(LANGS)})")
    for lang in LANGS:
        values = raw.get(lang)
        if values is None:
            if required:
                raise TaxonomyError(path, f"{entry}.{lang}", "is missing")
            continue
        if not isinstance(values, list):
            raise TaxonomyError(path, f"{entry}.{lang}", "must be a list of terms")
        for number, value in enumerate(values, 1):
            if not isinstance(value, str) or not value.strip():
                raise TaxonomyError(path, f"{entry}.{lang}",
                                    f"term #{number} ({value!r}) must be a non-empty string; "
                                    f"quote numbers like \"280.3\"")
        for value in values:
            lowercase = value.startswith("=")
            exact = value.startswith("^")
            surface = value[1:] if lowercase or exact else value
            if surface[:1] in ("=", "^"):
                raise TaxonomyError(path, f"{entry}.{lang}", f"term {value!r} has two marks: "
                                    f"a term is either '=' (lowercase only) or '^' (exact)")
            phrase = normaliser.phrase(surface)
            if not phrase:
                raise TaxonomyError(path, f"{entry}.{lang}", f"term {value!r} has no words")
            terms.add(phrase, surface, lowercase, {fold_words(surface)} if exact else None)
    return terms


def _read_yaml(path: str | os.PathLike[str]) -> dict[str, Any]:
    try:
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TaxonomyError(path, "-", "file not found") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "-"
        raise TaxonomyError(path, where, f"not valid YAML: {getattr(exc, 'problem', exc)}"
                            ) from None
    if not isinstance(data, dict):
        raise TaxonomyError(path, "-", "must be a YAML mapping")
    return data


def load_taxonomy(path: str | os.PathLike[str] | None = None,
                  gazetteer_path: str | os.PathLike[str] | None = None,
                  normaliser: Normaliser | None = None) -> Taxonomy:
    """Read taxonomy.yaml and gazetteer.yaml; raise TaxonomyError naming the bad entry."""
    path = path or DEFAULT_TAXONOMY_PATH
    gazetteer_path = gazetteer_path or DEFAULT_GAZETTEER_PATH
    normaliser = normaliser or shared_normaliser()
    data = _read_yaml(path)
    for key in ("topics", "context"):
        if not isinstance(data.get(key), dict):
            raise TaxonomyError(path, key, "is required and must be a mapping")
    unknown_top = set(data) - {"version", "thresholds", "weights", "context", "topics", "model"}
    if unknown_top:
        raise TaxonomyError(path, sorted(unknown_top)[0], "unknown key")
    model_path = None
    if data.get("model") is not None:
        if not isinstance(data["model"], str) or not data["model"].strip():
            raise TaxonomyError(path, "model", "must be the path of a topic model file")
        # Beside the taxonomy file, else the shipped one (a copied taxonomy keeps the model).
        candidates = [Path(path).parent / data["model"], DEFAULT_TAXONOMY_PATH.parent / data["model"]]
        model_path = next((c for c in candidates if c.is_file()), None)
        if model_path is None:
            raise TaxonomyError(path, "model", f"file {data['model']!r} not found (looked in "
                                f"{candidates[0].parent} and {candidates[1].parent})")
    thresholds = {"relevant": 2.0, "subtag": 1.5, "subtag_ratio": 0.2, "context": 1.0,
                  "foreign_factor": 1.5,
                  "secondary_ratio": 0.4, "secondary_weak_ratio": 0.5,
                  "model_veto": 0.0, "model_agree_below": 0.0}
    weights = {"title": 3.0, "lead": 2.0, "body": 1.0, "tail": 0.5, "lead_words": 60.0,
               "tail_after_words": 350.0, "weak": 0.5, "cue_window": 12.0,
               "weak_close": 1.0, "close_window": 4.0}
    for name, target in (("thresholds", thresholds), ("weights", weights)):
        raw = data.get(name) or {}
        if not isinstance(raw, dict):
            raise TaxonomyError(path, name, "must be a mapping of numbers")
        for key, value in raw.items():
            if key not in target:
                raise TaxonomyError(path, f"{name}.{key}", "unknown key")
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TaxonomyError(path, f"{name}.{key}", f"must be a number, got {value!r}")
            target[key] = float(value)
    if not 0.0 <= thresholds["model_veto"] < 1.0:
        raise TaxonomyError(path, "thresholds.model_veto",
                            f"must be a probability from 0 (off) to under 1, got "
                            f"{thresholds['model_veto']:g}")
    if thresholds["model_veto"] and thresholds["model_agree_below"] <= thresholds["relevant"]:
        raise TaxonomyError(path, "thresholds.model_agree_below",
                            f"must be above thresholds.relevant "
                            f"({thresholds['relevant']:g}) for model_veto to act, got "
                            f"{thresholds['model_agree_below']:g}")
    context = data["context"]
    subtags: dict[str, Subtag] = {}
    foreign_allowed: set[str] = set()
    veto_beside: dict[str, float] = {}
    model_with_rules: dict[str, tuple[float, float]] = {}
    for topic, topic_data in data["topics"].items():
        if not isinstance(topic_data, dict) or not isinstance(topic_data.get("subtags"), dict):
            raise TaxonomyError(path, f"topics.{topic}", "needs a 'subtags' mapping")
        unknown = set(topic_data) - {"subtags", "negatives", "foreign_allowed",
                                     "model_veto_beside", "model_with_rules"}
        if unknown:
            raise TaxonomyError(path, f"topics.{topic}.{sorted(unknown)[0]}", "unknown key")
        if topic_data.get("foreign_allowed"):
            foreign_allowed.add(topic)
        if "model_veto_beside" in topic_data:
            value = topic_data["model_veto_beside"]
            if isinstance(value, bool) or not isinstance(value, (int, float)) \
                    or not 0.0 <= value < 1.0:
                raise TaxonomyError(path, f"topics.{topic}.model_veto_beside",
                                    f"must be a probability from 0 to under 1, got {value!r}")
            if thresholds["model_veto"] and value <= thresholds["model_veto"]:
                raise TaxonomyError(path, f"topics.{topic}.model_veto_beside",
                                    f"must be above thresholds.model_veto "
                                    f"({thresholds['model_veto']:g}) to act, got {value!r}")
            veto_beside[topic] = float(value)
        if "model_with_rules" in topic_data:
            model_with_rules[topic] = _with_rules(path, topic, topic_data["model_with_rules"])
        # Negatives of a topic veto every one of its subtags.
        topic_negatives = _terms(path, f"topics.{topic}.negatives", topic_data.get("negatives"),
                                 normaliser)
        for name, sub in topic_data["subtags"].items():
            entry = f"topics.{topic}.subtags.{name}"
            if name in subtags:
                raise TaxonomyError(path, entry, "subtag name used twice")
            if not isinstance(sub, dict):
                raise TaxonomyError(path, entry, "must be a mapping with 'strong' and 'weak'")
            unknown = set(sub) - {"strong", "weak", "cues", "negatives", "description"}
            if unknown:
                raise TaxonomyError(path, f"{entry}.{sorted(unknown)[0]}", "unknown key")
            negatives = _terms(path, f"{entry}.negatives", sub.get("negatives"), normaliser)
            negatives.merge(topic_negatives)
            subtags[name] = Subtag(name, topic,
                                   _terms(path, f"{entry}.strong", sub.get("strong"),
                                          normaliser, required=True),
                                   _terms(path, f"{entry}.weak", sub.get("weak"), normaliser),
                                   _terms(path, f"{entry}.cues", sub.get("cues"), normaliser)
                                   if sub.get("cues") else None,
                                   negatives if negatives.phrases else None)
    entities: list[Entity] = []
    gazetteer = _read_yaml(gazetteer_path)
    unknown = set(gazetteer) - {"countries", "organisations", "people"}
    if unknown:
        raise TaxonomyError(gazetteer_path, sorted(unknown)[0],
                            "unknown section (use countries, organisations, people)")
    for section_name, kind in (("countries", "country"), ("organisations", "organisation"),
                               ("people", "person")):
        section = gazetteer.get(section_name) or {}
        if not isinstance(section, dict):
            raise TaxonomyError(gazetteer_path, section_name, "must map names to terms")
        for name, raw in section.items():
            entities.append(Entity(kind, str(name), _terms(gazetteer_path,
                                                           f"{section_name}.{name}", raw,
                                                           normaliser, required=True)))
    return Taxonomy(
        version=str(data.get("version", "1")),
        thresholds=thresholds,
        weights=weights,
        subtags=subtags,
        topics=list(data["topics"]),
        russia=_terms(path, "context.russia", context.get("russia"), normaliser, True),
        political=_terms(path, "context.political", context.get("political"), normaliser, True),
        foreign=_terms(path, "context.foreign", context.get("foreign"), normaliser),
        entities=entities,
        normaliser=normaliser,
        foreign_allowed=foreign_allowed,
        veto_beside=veto_beside,
        model_with_rules=model_with_rules,
        model_path=model_path,
    )
