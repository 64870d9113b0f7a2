"""Tag an article with topics and subtags, with evidence, using the YAML taxonomy."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from pipelines.taxonomy import Phrase, Taxonomy, TermSet

_SNIPPET = 70
MAX_TEXT_CHARS = 200_000                  # ~30,000 words: far beyond any news article
MAX_TITLE_CHARS = 1_000


@dataclass
class _Match:
    kind: str            # subtag name, or "ctx:russia", "ctx:political", "ctx:foreign", "ent:..."
    strength: str        # strong, weak, context, entity
    surface: str         # the taxonomy term
    zone: str            # title, lead, body, tail
    position: int        # token index in its zone's sequence (title and text separately)
    start: int
    end: int
    weight: float


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
        self._index: dict[str, list[tuple[Phrase, str, str, str]]] = defaultdict(list)

        def add(terms: TermSet, kind: str, strength: str) -> None:
            for phrase, surface in terms.phrases.items():
                self._index[phrase[0]].append((phrase, kind, strength, surface))

        for sub in taxonomy.subtags.values():
            add(sub.strong, sub.name, "strong")
            add(sub.weak, sub.name, "weak")
            if sub.cues is not None:
                add(sub.cues, f"cue:{sub.name}", "context")
        add(taxonomy.russia, "ctx:russia", "context")
        add(taxonomy.political, "ctx:political", "context")
        add(taxonomy.foreign, "ctx:foreign", "context")
        for entity in taxonomy.entities:
            add(entity.terms, f"ent:{entity.kind}:{entity.name}", "entity")
        for entries in self._index.values():
            entries.sort(key=lambda e: -len(e[0]))      # longest phrase first

    def _scan(self, text: str, zone_of: Any) -> list[_Match]:
        tokens = self.norm.tokens(text)
        keys = [t[0] for t in tokens]
        matches: list[_Match] = []
        covered_until: dict[str, int] = {}
        for i, key in enumerate(keys):
            for phrase, kind, strength, surface in self._index.get(key, ()):
                n = len(phrase)
                if n > 1 and (keys[i + 1:i + n] != list(phrase[1:]) or tokens[i + n - 1][3]):
                    continue
                # One kind matches a span once: "foreign agent register" is not also
                # "foreign agent" and "register" for the same subtag.
                if covered_until.get(kind, -1) > i:
                    continue
                covered_until[kind] = i + n
                zone, weight = zone_of(i)
                matches.append(_Match(kind, strength, surface, zone, i, tokens[i][1],
                                      tokens[i + n - 1][2], weight))
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
        title_matches = self._scan(title, lambda i: ("title", w["title"]))
        text_matches = self._scan(text, text_zone)

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

        def has_cue(match: _Match) -> bool:
            title_cues, text_cues, cue_positions = cues_for(match.kind)
            if match.zone == "title":
                if any(other(c.start, c.end, match) for c in title_cues):
                    return True
                return bool(text_cues) and text_cues[0][0] < lead_words
            if title_cues:
                return True
            lo = bisect_left(cue_positions, match.position - window)
            hi = bisect_right(cue_positions, match.position + window)
            return any(other(start, end, match) for _, start, end in text_cues[lo:hi])

        subtag_scores: dict[str, float] = defaultdict(float)
        per_term: dict[tuple[str, str], int] = defaultdict(int)
        evidence: list[tuple[float, dict[str, Any]]] = []
        strong_hits: list[tuple[float, str]] = []
        context = {"russia": 0.0, "foreign": 0.0, "political": 0.0}
        found: dict[str, list[str]] = {"country": [], "organisation": [], "person": []}
        for match in title_matches + text_matches:
            source_text = title if match.zone == "title" else text
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
                if not has_cue(match):
                    continue
                score = match.weight * w["weak"]
            else:
                score = match.weight
            # A term repeated all over the text counts at most twice.
            per_term[(match.kind, match.surface)] += 1
            if per_term[(match.kind, match.surface)] > 2:
                continue
            subtag_scores[match.kind] += score
            if match.strength == "strong":
                strong_hits.append((score, match.kind))
            evidence.append((score, {
                "tag": match.kind, "term": match.surface,
                "matched": source_text[match.start:match.end], "where": match.zone,
                "strength": match.strength,
                "snippet": _snippet(source_text, match.start, match.end)}))

        topic_scores: dict[str, float] = {t: 0.0 for t in self.taxonomy.topics}
        for name, score in subtag_scores.items():
            topic_scores[self.taxonomy.subtags[name].topic] += score
        russia = context["russia"] + source_context
        # Russian context must be there, and outweigh the markers of look-alike stories set
        # elsewhere (Georgia's law, the SBU, US courts) by a clear margin.
        context_ok = russia >= th["context"] and \
            context["russia"] > th["foreign_factor"] * context["foreign"]
        best_topic = max(topic_scores.values(), default=0.0)
        strong_topics = {self.taxonomy.subtags[kind].topic for score, kind in strong_hits}
        # A second topic must be a real part of the story, not a passing mention: a share of
        # the first topic's score with a strong term of its own, or a large share without.
        topics = [t for t, s in topic_scores.items()
                  if s >= th["relevant"] and (
                      s == best_topic
                      or (s >= th["secondary_ratio"] * best_topic and t in strong_topics)
                      or s >= th["secondary_weak_ratio"] * best_topic)] \
            if context_ok else []
        relevant = bool(topics)
        in_topics = {n: s for n, s in subtag_scores.items()
                     if self.taxonomy.subtags[n].topic in topics}
        best_subtag = max(in_topics.values(), default=0.0)
        subtags = sorted((n for n, s in in_topics.items()
                          if s >= th["subtag"] and s >= th["subtag_ratio"] * best_subtag),
                         key=lambda n: -subtag_scores[n])
        if relevant and not subtags:
            # The topic is clear but no single subtag reached the bar: keep its strongest.
            best = max((n for n in subtag_scores if self.taxonomy.subtags[n].topic in topics),
                       key=lambda n: subtag_scores[n])
            subtags = [best]
        evidence.sort(key=lambda e: -e[0])
        return TagResult(
            relevant=relevant,
            score=round(max(topic_scores.values(), default=0.0), 2),
            topics=topics,
            subtags=subtags,
            topic_scores={t: round(s, 2) for t, s in topic_scores.items()},
            subtag_scores={n: round(s, 2) for n, s in sorted(subtag_scores.items())},
            context={k: round(v, 2) for k, v in context.items()} | {"outlet": source_context},
            evidence=[e for _, e in evidence[:12]],
            countries=found["country"],
            organisations=found["organisation"],
            people=found["person"],
        )


def _snippet(text: str, start: int, end: int) -> str:
    left = max(0, start - _SNIPPET)
    right = min(len(text), end + _SNIPPET)
    prefix = "…" if left > 0 else ""
    suffix = "…" if right < len(text) else ""
    return prefix + " ".join(text[left:right].split()) + suffix
