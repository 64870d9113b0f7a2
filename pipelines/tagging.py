"""Tag an article with topics and subtags, with evidence, using the YAML taxonomy."""

from __future__ import annotations

import math
import re
from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress
from pathlib import Path
from typing import Any

from pipelines.morphology import POSSESSIVE, fold
from pipelines.taxonomy import Phrase, Taxonomy, TermSet
from pipelines.topicmodel import TopicModel

_SNIPPET = 70
# The labels Russian law makes outlets print after a name: "Mediazona (listed as a 'foreign
# agent')", "«Медиазона» (в реестре «иноагентов»)". They say nothing about the story, so they
# are blanked (same length: evidence offsets stay right) before matching.
_DESIGNATION_LABEL = re.compile(
    r"\((?=[^()]{0,160}\))[^()]*?(иноагент|иностранн\w*\s+агент|нежелательн|экстремист|"
    r"террорист|foreign\s+agent|undesirable|extremist|terrorist)[^()]*\)",
    re.IGNORECASE)

MAX_TEXT_CHARS = 200_000                  # ~30,000 words: far beyond any news article
MAX_TITLE_CHARS = 1_000
MODEL_REASONS = 4                         # words shown as the model's evidence


@lru_cache(maxsize=4)
def _model(path: Path) -> TopicModel:
    return TopicModel.load(path)


# An index entry: phrase, kind, strength, surface, lowercase only, exact word forms (or None).
_Entry = tuple[Phrase, str, str, str, bool, "set[tuple[str, ...]] | None"]


@dataclass
class _Match:
    kind: str            # subtag name, or "ctx:russia", "ctx:political", "ctx:foreign", "ent:..."
    strength: str        # strong, weak, context, entity
    surface: str         # the taxonomy term
    zone: str            # title, lead, body, tail
    position: int        # first token's index (title and text are separate sequences)
    end: int             # index after its last token
    weight: float

    @property
    def start(self) -> int:
        return self.position


@dataclass
class TagResult:
    relevant: bool
    score: float
    topics: list[str]
    subtags: list[str]
    topic_scores: dict[str, float]
    subtag_scores: dict[str, float]
    context: dict[str, float]
    evidence: list[dict[str, Any]]
    countries: list[str] = field(default_factory=list)
    organisations: list[str] = field(default_factory=list)
    people: list[str] = field(default_factory=list)


class Tagger:
    """Matches the taxonomy's phrases over title and text in one pass each.

    Index: first word key -> phrases starting with it, so each token costs one dict lookup.
    """

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.norm = taxonomy.normaliser
        self.model = _model(taxonomy.model_path) if taxonomy.model_path else None
        self._index: dict[str, list[_Entry]] = defaultdict(list)

        def add(terms: TermSet, kind: str, strength: str) -> None:
            for phrase, surface in terms.phrases.items():
                self._index[phrase[0]].append((phrase, kind, strength, surface,
                                               phrase in terms.lowercase_only,
                                               terms.exact.get(phrase)))

        for sub in taxonomy.subtags.values():
            add(sub.strong, sub.name, "strong")
            add(sub.weak, sub.name, "weak")
            if sub.cues is not None:
                add(sub.cues, f"cue:{sub.name}", "context")
            if sub.negatives is not None:
                add(sub.negatives, f"neg:{sub.name}", "context")
        add(taxonomy.russia, "ctx:russia", "context")
        add(taxonomy.political, "ctx:political", "context")
        add(taxonomy.foreign, "ctx:foreign", "context")
        for entity in taxonomy.entities:
            add(entity.terms, f"ent:{entity.kind}:{entity.name}", "entity")
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))      # longest phrase first
        # Phrases of two words or more also by their first two keys: a common first word
        # ("в", "the") then costs one lookup, not a comparison with every phrase it starts.
        self._single: dict[str, list[_Entry]] = {}
        self._pairs: dict[tuple[str, str], list[_Entry]] = {}
        for first, entries in self._index.items():
            single = [e for e in entries if len(e[0]) == 1]
            if single:
                self._single[first] = single
            for entry in entries:
                if len(entry[0]) > 1:
                    self._pairs.setdefault((first, entry[0][1]), []).append(entry)
        # first key -> (its one-word phrases, whether longer phrases start with it): one
        # lookup for most tokens.
        starts_pairs = {first for first, _ in self._pairs}
        self._first: dict[str, tuple[list[_Entry], bool]] = {
            first: (self._single.get(first, []), first in starts_pairs)
            for first in set(self._single) | starts_pairs}

    def _scan(self, text: str, keys: list[str], zone_of: Any) -> list[_Match]:
        count = len(keys)
        matches: list[_Match] = []
        covered_until: dict[str, int] = {}
        spans: dict[int, tuple[int, int]] | None = None
        words: tuple[str, ...] | None = None    # the tokens as written, for "^" terms
        first, pairs = self._first, self._pairs
        last = count - 1
        # Every token's lookup at once (in C), then only the few tokens that start a term.
        found_at = list(map(first.get, keys))
        for i in compress(range(count), found_at):
            key = keys[i]
            found = found_at[i]
            assert found is not None            # compress() passes only the tokens found
            entries, starts_pairs = found
            if starts_pairs and i < last:
                longer = pairs.get((key, keys[i + 1]))
                if longer:
                    entries = longer + entries
            if not entries:
                continue
            for phrase, kind, strength, surface, lowercase, exact in entries:
                n = len(phrase)
                if n > 2 and (tuple(keys[i + 2:i + n]) != phrase[2:]
                              or (i + n < count and keys[i + n] == POSSESSIVE)):
                    continue                    # "fled Russia" is not "fled Russia's war"
                if n == 2 and i + 2 < count and keys[i + 2] == POSSESSIVE:
                    continue
                if lowercase:
                    if spans is None:
                        spans = self.norm.spans(text, set(range(count)))
                    if not text[spans[i][0]].islower():
                        continue                # "=march" is not the month "March"
                if exact is not None:
                    if words is None:
                        words = self.norm.tokens(text)
                    if tuple(map(fold, words[i:i + n])) not in exact:
                        continue                # "^алия" is not the name "Алёна"
                # One kind matches a span once: "foreign agent register" is not also
                # "foreign agent" and "register" for the same subtag.
                if covered_until.get(kind, -1) > i:
                    continue
                covered_until[kind] = i + n
                zone, weight = zone_of(i)
                matches.append(_Match(kind, strength, surface, zone, i, i + n, weight))
        return matches

    def tag(self, title: str | None, text: str, source_context: float = 0.0) -> TagResult:
        """Score one article. `source_context` is Russian context the outlet itself gives."""
        w = self.taxonomy.weights
        th = self.taxonomy.thresholds
        lead_words, tail_after = int(w["lead_words"]), int(w["tail_after_words"])

        def text_zone(i: int) -> tuple[str, float]:
            if i < lead_words:
                return "lead", w["lead"]
            if i < tail_after:
                return "body", w["body"]
            return "tail", w["tail"]

        title = (title or "")[:MAX_TITLE_CHARS]
        text = text[:MAX_TEXT_CHARS]          # bounds the cost of pathological inputs
        title = _DESIGNATION_LABEL.sub(lambda m: " " * len(m.group()), title)
        text = _DESIGNATION_LABEL.sub(lambda m: " " * len(m.group()), text)
        title_keys, text_keys = self.norm.keys(title), self.norm.keys(text)
        title_matches = self._scan(title, title_keys, lambda i: ("title", w["title"]))
        text_matches = self._scan(text, text_keys, text_zone)

        window = int(w["cue_window"])
        cue_index: dict[str, tuple[list[_Match], list[tuple[int, int, int]], list[int]]] = {}

        def cues_for(subtag: str) -> tuple[list[_Match], list[tuple[int, int, int]], list[int]]:
            # A subtag with its own cue list uses it; the others use context.political.
            kind = f"cue:{subtag}" if self.taxonomy.subtags[subtag].cues else "ctx:political"
            if kind not in cue_index:
                in_title = [m for m in title_matches if m.kind == kind]
                in_text = sorted((m.position, m.start, m.end) for m in text_matches
                                 if m.kind == kind)
                cue_index[kind] = (in_title, in_text, [c[0] for c in in_text])
            return cue_index[kind]

        def other(cue_start: int, cue_end: int, match: _Match) -> bool:
            # A word is not its own cue ("conscription" does not make "conscription" political).
            return cue_end <= match.start or cue_start >= match.end

        close = int(w["close_window"])

        def cue_distance(match: _Match) -> int | None:
            """How near the nearest cue of a weak match is, in words (None: no cue). A cue in
            the title counts as near for a title match and as far for the text."""
            title_cues, text_cues, cue_positions = cues_for(match.kind)
            if match.zone == "title":
                near = [abs(c.position - match.position) for c in title_cues
                        if other(c.start, c.end, match)]
                if near:
                    return min(near)
                return window if text_cues and text_cues[0][0] < lead_words else None
            lo = bisect_left(cue_positions, match.position - window)
            hi = bisect_right(cue_positions, match.position + window)
            near = [abs(position - match.position) for position, start, end in text_cues[lo:hi]
                    if other(start, end, match)]
            if near:
                return min(near)
            return window if title_cues else None

        negatives_in_title: dict[str, list[_Match]] = defaultdict(list)
        negatives_in_text: dict[str, list[_Match]] = defaultdict(list)
        for match in title_matches:
            if match.kind.startswith("neg:"):
                negatives_in_title[match.kind[4:]].append(match)
        for match in text_matches:
            if match.kind.startswith("neg:"):
                negatives_in_text[match.kind[4:]].append(match)

        def veto(match: _Match) -> _Match | None:
            """A negative of the match's subtag in the title, or near the match in the text
            (for a title match: in the lead)."""
            for neg in negatives_in_title.get(match.kind, ()):
                if other(neg.start, neg.end, match) or match.zone != "title":
                    return neg
            for neg in negatives_in_text.get(match.kind, ()):
                if match.zone == "title":
                    if neg.position < lead_words:
                        return neg
                elif abs(neg.position - match.position) <= window and \
                        other(neg.start, neg.end, match):
                    return neg
            return None

        subtag_scores: dict[str, float] = defaultdict(float)
        per_term: dict[tuple[str, str], int] = defaultdict(int)
        counted: list[tuple[float, dict[str, Any]]] = []
        vetoed: list[dict[str, Any]] = []
        strong_hits: list[tuple[float, str]] = []
        context = {"russia": 0.0, "foreign": 0.0, "political": 0.0}
        found: dict[str, list[str]] = {"country": [], "organisation": [], "person": []}
        for match in title_matches + text_matches:
            if match.strength == "entity":
                _, kind, name = match.kind.split(":", 2)
                if name not in found[kind]:
                    found[kind].append(name)
                continue
            if match.strength == "context":
                if match.kind.startswith("ctx:"):
                    context[match.kind[4:]] += match.weight
                continue
            if match.strength == "weak":
                distance = cue_distance(match)
                if distance is None:
                    continue
                # "Jails Buryat Activist": a cue right next to the term makes it count fully.
                score = match.weight * (w["weak_close"] if distance <= close else w["weak"])
            else:
                score = match.weight
            # The text matched and its snippet are filled in for the evidence kept (below).
            entry: dict[str, Any] = {"tag": match.kind, "term": match.surface, "_match": match,
                                     "where": match.zone, "strength": match.strength}
            negative = veto(match)
            if negative is not None:
                vetoed.append({**entry, "weight": 0.0, "counted": False,
                               "_vetoed_by": negative})
                continue
            # A term repeated all over the text counts at most twice.
            per_term[(match.kind, match.surface)] += 1
            if per_term[(match.kind, match.surface)] > 2:
                continue
            subtag_scores[match.kind] += score
            if match.strength == "strong":
                strong_hits.append((score, match.kind))
            counted.append((score, {**entry, "weight": round(score, 2)}))

        topic_scores: dict[str, float] = {t: 0.0 for t in self.taxonomy.topics}
        for name, score in subtag_scores.items():
            topic_scores[self.taxonomy.subtags[name].topic] += score
        at_home, placed = self._placing(context["russia"] + source_context, context["foreign"])
        best_topic = max((s for t, s in topic_scores.items() if t in placed), default=0.0)
        strong_topics = {self.taxonomy.subtags[kind].topic for score, kind in strong_hits}
        # A second topic must be a real part of the story, not a passing mention: a strong
        # term of its own and the score a topic needs, or a large share of the first's score.
        topics = [t for t, s in topic_scores.items()
                  if t in placed and s >= th["relevant"] and (
                      s == best_topic
                      or (s >= th["secondary_ratio"] * best_topic and t in strong_topics)
                      or s >= th["secondary_weak_ratio"] * best_topic)]
        # The model may not add a topic whose negatives stand in the title, or vetoed one of
        # its terms from the lead (their words are used for something else there: a
        # Belarusian journalist who fled), nor a crackdown that foreign markers outweigh the
        # Russian context of. (Any negative in the lead blocked it until taxonomy .7: the
        # "Ukrainians" an émigré on trial was accused of helping kept the model out.)
        blocked: set[str] = set()
        if self.model is not None:
            subtags_of = self.taxonomy.subtags
            blocked = {subtags_of[k].topic for k in negatives_in_title} | {
                subtags_of[e["tag"]].topic for e in vetoed
                if e["_vetoed_by"].zone in ("title", "lead")}
            if context["foreign"] and not at_home:
                blocked |= {t for t in topic_scores if t not in self.taxonomy.foreign_allowed}
        model_evidence, model_vetoed = self._model_topics(
            title_keys, text_keys, topics, topic_scores, blocked, placed)
        relevant = bool(topics)
        in_topics = {n: s for n, s in subtag_scores.items()
                     if self.taxonomy.subtags[n].topic in topics}
        best_in_topic: dict[str, float] = defaultdict(float)
        for n, s in in_topics.items():
            topic = self.taxonomy.subtags[n].topic
            best_in_topic[topic] = max(best_in_topic[topic], s)
        # A subtag needs a share of the strongest subtag of its own topic.
        subtags = sorted((n for n, s in in_topics.items()
                          if s >= th["subtag"] and s >= th["subtag_ratio"]
                          * best_in_topic[self.taxonomy.subtags[n].topic]),
                         key=lambda n: -subtag_scores[n])
        for topic in topics:
            if not any(self.taxonomy.subtags[n].topic == topic for n in subtags):
                # The topic is clear but no subtag of it reached the bar: keep its strongest
                # (a topic the model added may have none).
                best = max((n for n in subtag_scores if self.taxonomy.subtags[n].topic == topic),
                           key=lambda n: subtag_scores[n], default=None)
                if best is not None:
                    subtags.append(best)
        # Evidence: what counted toward the tags given, strongest first; then matches that
        # did not lead to a tag (counted: false), then matches a negative vetoed.
        for _, item in counted:
            item["counted"] = item["tag"] in subtags
            # A weak rules topic the model disagreed with: its matches say so.
            vetoed_p = model_vetoed.get(self.taxonomy.subtags[item["tag"]].topic)
            if vetoed_p is not None:
                item["vetoed_by"] = "model"
                item["probability"] = vetoed_p
        counted.sort(key=lambda e: (not e[1]["counted"], -e[0]))
        evidence = [e for _, e in counted[:12]] + vetoed[:4]
        evidence = model_evidence + evidence
        self._locate(evidence, title, text)
        for entry in model_evidence:
            entry["term"] = entry["matched"]
        return TagResult(
            relevant=relevant,
            # The relevance score leaves out a topic the model vetoed (its own score stays in
            # topic_scores), so a score filter does not pick the article up on it.
            score=round(max((s for t, s in topic_scores.items() if t not in model_vetoed),
                            default=0.0), 2),
            topics=topics,
            subtags=subtags,
            topic_scores={t: round(s, 2) for t, s in topic_scores.items()},
            subtag_scores={n: round(s, 2) for n, s in sorted(subtag_scores.items())},
            context={k: round(v, 2) for k, v in context.items()} | {"outlet": source_context},
            evidence=evidence,
            countries=found["country"],
            organisations=found["organisation"],
            people=found["person"],
        )

    def _placing(self, russia: float, foreign: float) -> tuple[bool, set[str]]:
        """Whether the story is set in Russia, and the topics it may have. Russian context
        (the text's own, plus the outlet's when it covers Russia) must be there, and outweigh
        the markers of look-alike stories set elsewhere (Georgia's law, the SBU, US courts) by
        a clear margin; emigration happens abroad and only needs the context."""
        th = self.taxonomy.thresholds
        at_home = russia > th["foreign_factor"] * foreign
        return at_home, {t for t in self.taxonomy.topics if russia >= th["context"]
                         and (at_home or t in self.taxonomy.foreign_allowed)}

    def placed(self, context: dict[str, float]) -> set[str]:
        """The topics a result's story passed the Russian-context check for, from the
        context it reports (TagResult.context)."""
        return self._placing(context["russia"] + context["outlet"], context["foreign"])[1]

    def _model_topics(self, title_keys: list[str], text_keys: list[str], topics: list[str],
                      topic_scores: dict[str, float], blocked: set[str], placed: set[str]
                      ) -> tuple[list[dict[str, Any]], dict[str, float]]:
        """Add the topics the rules missed that the model is confident of, and drop the
        topics the rules gave on weak evidence that the model finds unlikely (both in place).
        Return the added topics' evidence (the words that pushed the model most) and the
        dropped topics with the model's probability."""
        if self.model is None:
            return [], {}
        wanted = [t for t in self.model.topics
                  if t in topic_scores and t not in topics and t not in blocked]
        th = self.taxonomy.thresholds
        doubtful = [t for t in topics if t in self.model.coef
                    and topic_scores[t] < th["model_agree_below"]] if th["model_veto"] else []
        if not wanted and not doubtful:
            return [], {}
        evidence: list[dict[str, Any]] = []
        vetoed: dict[str, float] = {}
        bar = {t: self._model_bar(t, topic_scores[t], t in placed) for t in wanted}
        predicted = self.model.predict(
            title_keys, text_keys, explain=MODEL_REASONS,
            explain_from={t: bar.get(t, math.inf) for t in self.model.topics})
        for topic, (probability, _) in predicted.items():
            if topic in doubtful and probability < th["model_veto"]:
                topics.remove(topic)
                vetoed[topic] = round(probability, 3)
        added = [t for t in wanted if predicted[t][0] >= bar[t]]
        # A weak finding beside another topic is often that story's back-story (an emigrant
        # "left after her site was blocked"): the topic may ask the model for more agreement.
        for topic, needed in self.taxonomy.veto_beside.items():
            if topic in doubtful and topic in topics and predicted[topic][0] < needed \
                    and any(t != topic for t in topics + added):
                topics.remove(topic)
                vetoed[topic] = round(predicted[topic][0], 3)
        for topic in added:
            probability, reasons = predicted[topic]
            topics.append(topic)
            # A topic the model adds counts as reaching the relevance bar (alerts filter on it).
            topic_scores[topic] = max(topic_scores[topic],
                                      self.taxonomy.thresholds["relevant"])
            lead_words = self.taxonomy.weights["lead_words"]
            for reason in reasons:
                zone = "title" if reason.in_title else \
                    "lead" if reason.start < lead_words else "body"
                # Located like the rules' matches (_locate); the words are the term.
                evidence.append({"tag": topic, "term": "model", "strength": "model",
                                 "where": zone, "weight": round(reason.weight, 3),
                                 "counted": True, "probability": round(probability, 3),
                                 "_match": _Match(topic, "model", "model", zone, reason.start,
                                                  reason.end, reason.weight)})
        return evidence, vetoed

    def _model_bar(self, topic: str, rules_score: float, placed: bool) -> float:
        """The probability at which the model adds a topic the rules did not give: its own
        threshold, or the taxonomy's lower `model_with_rules` one when the rules found some
        of the topic (a score of at least its `score`) in a story set in Russia (`placed`),
        but did not give it: too little evidence, or a second topic too small beside the
        first. A topic the rules refused for want of Russian context gets no lower bar."""
        assert self.model is not None
        bar = self.model.thresholds[topic]
        near = self.taxonomy.model_with_rules.get(topic)
        if placed and near is not None and rules_score >= near[0] > 0:
            bar = min(bar, near[1])
        return bar

    def _locate(self, evidence: list[dict[str, Any]], title: str, text: str) -> None:
        """Fill in the text each kept match covers, and a snippet around it."""
        wanted: dict[str, set[int]] = {"title": set(), "text": set()}

        def seq(match: _Match) -> str:
            return "title" if match.zone == "title" else "text"

        for entry in evidence:
            for match in (entry["_match"], entry.get("_vetoed_by")):
                if match is not None:
                    wanted[seq(match)].update((match.start, match.end - 1))
        spans = {"title": self.norm.spans(title, wanted["title"]),
                 "text": self.norm.spans(text, wanted["text"])}
        sources = {"title": title, "text": text}
        for entry in evidence:
            match = entry.pop("_match")
            where, source = spans[seq(match)], sources[seq(match)]
            start, end = where[match.start][0], where[match.end - 1][1]
            entry["matched"] = source[start:end]
            entry["snippet"] = _snippet(source, start, end)
            negative = entry.pop("_vetoed_by", None)
            if negative is not None:
                where, source = spans[seq(negative)], sources[seq(negative)]
                entry["vetoed_by"] = source[where[negative.start][0]:where[negative.end - 1][1]]


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - _SNIPPET)
    right = min(len(text), end + _SNIPPET)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return prefix + " ".join(text[left:right].split()) + suffix
