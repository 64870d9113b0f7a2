"""Second stage of story linking: is this text a copy of that one, and what kind of copy?

MinHash (pipelines/fingerprint.py) finds near-verbatim copies. Stories also travel as
rewrites (the same sentences paraphrased, in the same order), teasers (a short text wholly
inside a longer one) and translations. Independent reports of the same event share names,
places and numbers but not sentences; they must stay apart.

Same language: sentences are compared as sets of stemmed content words; a sentence of one
text is "aligned" when some sentence of the other shares most of its words. Coverage (the
share of a text's sentences that align) says what the pair is: nearly all both ways is
verbatim, most of the shorter text is a rewrite, all of a much shorter text is a teaser.
A spun rewrite (every sentence reworded) keeps the words and the facts in order; a summary
of a much longer article keeps all of its names and numbers and most of its words.

Across languages: there are no shared words, but a translation keeps the anchors of the
text: names (transliterated between Cyrillic and Latin and reduced to a consonant skeleton,
so Навальный/Navalny and Саввину/Savvin meet) and numbers, in the same order. A same-event
report has its own. (Places and organisations count as the names they are; the gazetteer's
canonical names are not used here.) Profiles: pipelines/storyprofile.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from pipelines.storyprofile import Profile, profile, source_hash
from pipelines.storythresholds import Thresholds

__all__ = ["Link", "Linker", "Relation", "Thresholds", "compare", "story_keys"]


# --- comparing --------------------------------------------------------------------------

@dataclass
class Relation:
    kind: str            # verbatim, rewrite, teaser, translation
    similarity: float    # the measure that decided it, 0..1
    detail: dict[str, float] = field(default_factory=dict)
    a_is_shorter: bool = True   # a teaser is the shorter text of the two


def _dice(a: frozenset[str], b: frozenset[str]) -> float:
    common = len(a & b)
    return 2 * common / (len(a) + len(b)) if common >= 3 else 0.0


def _alignment(these: list[frozenset[str]], those: list[frozenset[str]]
               ) -> tuple[list[tuple[float, int]], list[tuple[float, int]]]:
    """Both directions of sentence alignment in one pass: for each of these sentences of 3+
    content words, the best Dice with one of those and its index, and the same for each of
    those against these (0.0, -1 when none shares 3 words; the first index on ties). Only
    sentences sharing 3+ words can score (see _dice), so they are found through an index of
    the words of these (the shorter text, in _compare) instead of comparing every pair, and
    each pair's overlap is counted once for both directions."""
    where_words: dict[str, list[int]] = {}
    for index, sentence in enumerate(these):
        if len(sentence) >= 3:
            for word in sentence:
                where_words.setdefault(word, []).append(index)
    forward: list[tuple[float, int]] = [(0.0, -1)] * len(these)
    backward: list[tuple[float, int]] = []
    for position, other in enumerate(those):
        if len(other) < 3:
            continue
        common: dict[int, int] = {}
        for word in other:
            for index in where_words.get(word, ()):
                common[index] = common.get(index, 0) + 1
        best, where = 0.0, -1
        for index in sorted(i for i, n in common.items() if n >= 3):
            score = 2 * common[index] / (len(these[index]) + len(other))
            if score > best:
                best, where = score, index
            if score > forward[index][0]:
                forward[index] = (score, position)
        backward.append((best, where))
    return [forward[i] for i, sentence in enumerate(these) if len(sentence) >= 3], backward


def _covered(best: list[tuple[float, int]], share: float) -> tuple[float, list[int]]:
    """Share of the sentences with a counterpart at `share` Dice, and each one's index."""
    if not best:
        return 0.0, []
    matched = [where for score, where in best if score >= share]
    return len(matched) / len(best), matched


def _in_order(positions: list[int]) -> float:
    """Share of aligned sentences whose counterparts come in the same order (LIS)."""
    if len(positions) < 2:
        return 1.0
    tails: list[int] = []
    for value in positions:
        lo, hi = 0, len(tails)
        while lo < hi:
            mid = (lo + hi) // 2
            if tails[mid] < value:
                lo = mid + 1
            else:
                hi = mid
        if lo == len(tails):
            tails.append(value)
        else:
            tails[lo] = value
    return len(tails) / len(positions)


def _first_order(anchors: list[str], keep: frozenset[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for anchor in anchors:
        if anchor in keep and anchor not in seen:
            seen.add(anchor)
            out.append(anchor)
    return out


def _anchor_cover(short: Profile, long_: Profile) -> tuple[float, float, float]:
    """Share of the shorter text's anchors (names, numbers) in the longer, of the longer's in
    the shorter, and the share of the shared ones in the same order."""
    mine, theirs = short.anchor_set, long_.anchor_set
    shared = mine & theirs
    if not shared:
        return 0.0, 0.0, 0.0
    mine_order, their_order = _first_order(short.anchors, shared), _first_order(
        long_.anchors, shared)
    rank = {anchor: i for i, anchor in enumerate(their_order)}
    return (len(shared) / len(mine), len(shared) / len(theirs),
            _in_order([rank[x] for x in mine_order]))


def _cosine(a: Profile, b: Profile) -> float:
    """Cosine of the two texts' content-stem counts."""
    ca: dict[str, int] = {}
    cb: dict[str, int] = {}
    for sentences, counts in ((a.sentences, ca), (b.sentences, cb)):
        for sentence in sentences:
            for word in sentence:
                counts[word] = counts.get(word, 0) + 1
    if len(ca) > len(cb):
        ca, cb = cb, ca
    dot = sum(n * cb.get(w, 0) for w, n in ca.items())
    if not dot:
        return 0.0
    return dot / math.sqrt(sum(n * n for n in ca.values()) * sum(n * n for n in cb.values()))


def compare(a: Profile, b: Profile, th: Thresholds | None = None) -> Relation | None:
    """How the shorter of two texts relates to the longer, or None when they are not
    copies of one story."""
    relation = _compare(a, b, th or Thresholds())
    if relation is not None:
        relation.a_is_shorter = a.words <= b.words
    return relation


def _may_align(short: Profile, long_: Profile, th: Thresholds) -> bool:
    """Whether enough of the shorter text's sentences could align for a verbatim, teaser or
    rewrite verdict: a sentence s can reach Dice d with some sentence only when it shares
    d/(2-d) of its words (and 3) with the other text at all, d the lower of th.sentence
    and th.close. Most candidate
    pairs are other stories: this spares them the sentence alignment."""
    need = min(th.verbatim, th.teaser, th.rewrite)
    dice = min(th.sentence, th.close)
    eligible = [s for s in short.sentences if len(s) >= 3]
    if not (need > 0 and 0 < dice < 2) or not eligible:     # (also NaN settings)
        return True
    vocabulary = frozenset().union(*long_.sentences)
    share = dice / (2 - dice)
    possible = sum(1 for s in eligible
                   if len(s & vocabulary) >= max(3, share * len(s) - 1e-9))
    return possible >= need * len(eligible) - 1e-9


def _aligned(short: Profile, long_: Profile, th: Thresholds, ratio: float
             ) -> tuple[list[tuple[float, int]], float, list[int], float, float, float,
                        float, dict[str, float]]:
    """The sentence alignment's measures, and the detail a relation reports them in."""
    forward, backward = _alignment(short.sentences, long_.sentences)
    cover, where = _covered(forward, th.sentence)
    close_short, _ = _covered(forward, th.close)
    close_long, _ = _covered(backward, th.close)
    cover_long, _ = _covered(backward, th.sentence)
    order = _in_order(where)
    detail = {"short": round(cover, 3), "long": round(cover_long, 3),
              "close_short": round(close_short, 3), "close_long": round(close_long, 3),
              "order": round(order, 3), "ratio": round(ratio, 3)}
    return forward, cover, where, close_short, close_long, cover_long, order, detail


def _compare(a: Profile, b: Profile, th: Thresholds) -> Relation | None:
    short, long_ = (a, b) if a.words <= b.words else (b, a)
    ratio = short.words / long_.words if long_.words else 1.0
    if a.lang == b.lang:
        numbers = {x for x in short.anchors if x[0] == "#"}
        number_cover = len(numbers & long_.anchor_set) / len(numbers) if numbers else 1.0
        if len(numbers) >= 2 and number_cover < th.numbers_same:
            return None                     # a template filled in for another day or place
        if not _may_align(short, long_, th):
            # Only the summary and spun-rewrite verdicts remain; a relation they give still
            # reports the alignment's measures (computed then).
            relation = _unaligned(short, long_, th, ratio)
            if relation is not None:
                detail = _aligned(short, long_, th, ratio)[-1]
                detail["numbers"] = round(number_cover, 3)
                relation.detail = {**detail, **relation.detail}
            return relation
        forward, cover, where, close_short, close_long, cover_long, order, detail = _aligned(
            short, long_, th, ratio)
        detail["numbers"] = round(number_cover, 3)
        if close_short >= th.verbatim and close_long >= th.verbatim:
            return Relation("verbatim", round(min(close_short, close_long), 3), detail)
        if ratio <= th.teaser_ratio and close_short >= th.teaser:
            return Relation("teaser", round(close_short, 3), detail)
        # A paraphrase needs two sentences of the body or more: one paraphrased sentence (with
        # or without its headline) is as often two outlets' own one-line accounts of one
        # statement. Quoted speech does not count either: independent reports of one
        # statement quote it alike (two posts relaying a ministry's release, each with its
        # quote, share a paraphrased lead and the quote).
        if _own_sentences(short, forward, th) >= th.rewrite_sentences and \
                cover >= th.rewrite and \
                cover_long >= th.rewrite * ratio and order >= 0.7:
            # A much shorter text whose sentences all come from the longer one is its teaser
            # (a condensed lead), whatever the wording.
            kind = "teaser" if ratio <= th.teaser_ratio and cover >= th.teaser else "rewrite"
            return Relation(kind, round(cover, 3), detail)
        relation = _unaligned(short, long_, th, ratio)
        if relation is not None:
            relation.detail = {**detail, **relation.detail}
        return relation
    return _translation(short, long_, th, ratio)


def _own_sentences(short: Profile, forward: list[tuple[float, int]], th: Thresholds) -> int:
    """How many of the shorter text's body sentences align, its headline and its quoted
    speech left out. `forward` holds the sentences of 3 content words or more."""
    eligible = [i for i, sentence in enumerate(short.sentences) if len(sentence) >= 3]
    return sum(1 for (score, _), index in zip(forward, eligible)
               if score >= th.sentence and index not in short.quoted
               and not (index == 0 and short.titled))


def _unaligned(short: Profile, long_: Profile, th: Thresholds, ratio: float
               ) -> Relation | None:
    """The same-language verdicts that need no aligned sentence: a summary teaser, a spun
    rewrite (their own measures in the detail)."""
    detail: dict[str, float] = {}
    if ratio <= th.summary_ratio and long_.words >= th.summary_long and \
            short.words >= th.summary_min_words and \
            len(short.sentences) - short.titled >= 2 and \
            len(short.anchor_set) >= max(1, th.summary_min_anchors):
        anchors = len(short.anchor_set & long_.anchor_set) / len(short.anchor_set)
        if anchors >= th.summary_anchors:
            mine = frozenset().union(*short.sentences)
            contained = len(mine & frozenset().union(*long_.sentences)) / len(mine)
            if contained >= th.summary_words:
                detail.update(summary_anchors=round(anchors, 3),
                              contained=round(contained, 3))
                return Relation("teaser", round(contained, 3), detail)
    # Reworded sentence by sentence: the words and the facts, not the sentences. The
    # cheap conditions first; the word counts only for the few pairs that pass them.
    if len(short.anchor_set) < th.min_anchors or short.words < th.spun_words:
        return None
    cover_short, cover_long, order = _anchor_cover(short, long_)
    if cover_short < th.spun_anchors_short or order < th.spun_order:
        return None
    spun = _cosine(short, long_) * math.sqrt(cover_short * cover_long)
    if spun < th.spun:
        return None
    detail.update(anchors_short=round(cover_short, 3), anchors_long=round(cover_long, 3),
                  anchor_order=round(order, 3), spun=round(spun, 3))
    return Relation("rewrite", round(spun, 3), detail)


def _translation(short: Profile, long_: Profile, th: Thresholds, ratio: float
                 ) -> Relation | None:
    """Across languages: the anchors (names, numbers) in the same order."""
    mine = short.anchor_set
    if len(mine) < th.min_anchors:
        return None
    theirs = long_.anchor_set
    numbers = {x for x in mine if x[0] == "#"}
    number_cover = len(numbers & theirs) / len(numbers) if numbers else 1.0
    cover_short, cover_long, order = _anchor_cover(short, long_)
    detail = {"short": round(cover_short, 3), "long": round(cover_long, 3),
              "order": round(order, 3), "numbers": round(number_cover, 3),
              "ratio": round(ratio, 3)}
    if order < th.anchor_order or number_cover < th.numbers:
        return None
    if cover_short >= th.anchors_short and cover_long >= th.anchors_long:
        return Relation("translation", round(min(cover_short, cover_long), 3), detail)
    if ratio <= th.teaser_ratio and cover_short >= th.translation_teaser:
        return Relation("translation", round(cover_short, 3), {**detail, "teaser": 1.0})
    return None


# --- linking a new article to stored ones -----------------------------------------------

MAX_KEYS = 40
_YEAR = re.compile(r"#(19|20)\d\d$")


def story_keys(prof: Profile) -> list[str]:
    """What a candidate must share: names (skeletons of 3+ letters) and numbers of two
    digits or more, years left out (every story of a year shares them), first seen first;
    and the longest content words of the headline (same-language rewrites with few names)."""
    keys: list[str] = [f"w:{prof.lang}:{w}" for w in prof.title_words]
    for anchor in prof.anchors:
        if anchor in keys or _YEAR.match(anchor):
            continue
        if (anchor[0] == "#" and len(anchor) >= 3) or (anchor[0] != "#" and len(anchor) >= 3):
            keys.append(anchor)
        if len(keys) >= MAX_KEYS:
            break
    return keys


@dataclass
class Link:
    article_id: int
    kind: str            # verbatim, rewrite, teaser, expanded, translation (of this article)
    similarity: float
    detail: dict[str, float]


_RANK = {"verbatim": 4, "teaser": 3, "expanded": 3, "rewrite": 3, "translation": 2}
PROFILE_CHARS = 20_000           # long reads: the first part carries the story


class Linker:
    """Relates a new article to candidate stored articles (the store finds candidates by
    shared keys in a date window); keeps recent profiles so a candidate is read once."""

    def __init__(self, thresholds: Thresholds | None = None, cache: int = 5_000) -> None:
        self.thresholds = thresholds or Thresholds()
        # Keyed by the article and what its profile is made of: an edited text, or a row id
        # SQLite hands out again after a rolled-back batch, is never served a stale profile.
        # Kept packed (Profile.pack): 5,000 profiles of real articles as sets would hold
        # about 290 MB of a crawl's memory, packed about 30 MB.
        self._cache: dict[tuple[int, int], tuple[Any, ...]] = {}
        self._cache_size = cache

    @staticmethod
    def _key(article_id: int, title: str | None, text: str | None,
             lang: str | None) -> tuple[int, int]:
        return article_id, source_hash(title, (text or "")[:PROFILE_CHARS], lang)

    def profile_of(self, article_id: int, title: str | None, text: str | None,
                   lang: str | None) -> Profile:
        key = self._key(article_id, title, text, lang)
        packed = self._cache.get(key)
        if packed is not None:
            return Profile.unpack(packed)
        found = profile(title, (text or "")[:PROFILE_CHARS], lang)
        self._keep(key, found)
        return found

    def remember(self, article_id: int, title: str | None, text: str | None,
                 lang: str | None, found: Profile) -> None:
        """Keep the profile of an article just stored, so it is not rebuilt when it is a later
        candidate: only when it was made from exactly the stored title, text (its first
        PROFILE_CHARS) and language (not, say, from the whole of a long text)."""
        key = self._key(article_id, title, text, lang)
        if found.built_from and found.built_from == key[1]:
            self._keep(key, found)

    def _keep(self, key: tuple[int, int], found: Profile) -> None:
        if len(self._cache) >= self._cache_size:
            self._cache.pop(next(iter(self._cache)))
        self._cache[key] = found.pack()

    @property
    def joins_stories(self) -> bool:
        """Whether a copy of two stories may join them (Thresholds.bridge_anchors > 0)."""
        return self.thresholds.bridge_anchors > 0

    def bridges(self, link: Link, joined: dict[str, Any], other: dict[str, Any]) -> bool:
        """Whether `link` (the new article's to `other`, an article of another story than
        the one it `joined`) joins the two stories: the link is strong enough and the two
        stored articles are alike (see Thresholds.bridge_anchors)."""
        th = self.thresholds
        if not th.bridge_anchors > 0 or link.kind == "translation" or \
                "spun" in link.detail or "contained" in link.detail:
            return False
        a, b = (self.profile_of(int(row["id"]), row.get("title"), row.get("text"),
                                row.get("lang")) for row in (joined, other))
        short, long_ = (a, b) if len(a.anchor_set) <= len(b.anchor_set) else (b, a)
        if len(short.anchor_set) < th.bridge_min_anchors:
            return False
        return _anchor_cover(short, long_)[0] >= th.bridge_anchors

    def relate(self, new: Profile, candidates: list[dict[str, Any]]) -> Link | None:
        links = self.related(new, candidates)
        return links[0] if links else None

    def related(self, new: Profile, candidates: list[dict[str, Any]]) -> list[Link]:
        """Every candidate the new article is a copy of (or the full text of), best first:
        the strongest kind, then the highest similarity, then the candidates' order."""
        links: list[Link] = []
        for row in candidates:
            other = self.profile_of(int(row["id"]), row.get("title"), row.get("text"),
                                    row.get("lang"))
            relation = compare(new, other, self.thresholds)
            if relation is None:
                continue
            kind = relation.kind
            if kind == "teaser" and not relation.a_is_shorter:
                kind = "expanded"          # the new article is the full text of a teaser
            links.append(Link(int(row["id"]), kind, relation.similarity, relation.detail))
        links.sort(key=lambda link: (_RANK[link.kind], link.similarity), reverse=True)
        return links
