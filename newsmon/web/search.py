"""Search that understands Russian and English inflection, on SQLite FTS5.

The index (`articles_stems`) holds each article's title and text as Snowball stems (the
pipeline writes them; `newsmon reindex` fills older rows). A query is stemmed the same way,
so «иноагент» finds «иноагентов», «Навальный» finds «Навального», "detain" finds
"detained". Users type plain words; the query language is kept for those who want it:
"a phrase", prefix*, OR, -word / NOT word. The result is an FTS5 expression in which every
term is quoted, so no input is an FTS syntax error.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pipelines.morphology import POSSESSIVE, Normaliser

_QUERY = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
NOTHING = '"\u0001"'          # an expression that matches no article (an empty query)


@lru_cache(maxsize=1)
def _normaliser() -> Normaliser:
    return Normaliser("stem")


def _stems(text: str) -> list[str]:
    return [k for k in _normaliser().keys(text) if k != POSSESSIVE]


def _quoted(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_query(query: str | None) -> str:
    """A user's query as an FTS5 expression over stems."""
    parts: list[str] = []
    pending_not = False
    for match in _QUERY.finditer(query or ""):
        phrase, word = match.group(1), match.group(2)
        if phrase is not None:
            stems = _stems(phrase)
            if not stems:
                continue
            term = _quoted(" ".join(stems))
        else:
            if word in ("OR", "AND"):
                if parts and parts[-1] not in ("OR", "AND"):
                    parts.append(word)
                continue
            if word == "NOT":
                pending_not = True
                continue
            negate = word.startswith("-") and len(word) > 1
            word = word.lstrip("-")
            if word.endswith("*") and _WORD.search(word):
                prefix = "".join(_WORD.findall(word.lower().replace("ё", "е")))
                term = _quoted(prefix) + "*"
            else:
                stems = _stems(word)
                if not stems:
                    continue
                term = _quoted(" ".join(stems))
            if negate:
                pending_not = True
        if pending_not and parts and parts[-1] not in ("OR", "AND"):
            parts.extend(["NOT", term])
        else:
            parts.append(term)
        pending_not = False
    while parts and parts[-1] in ("OR", "AND", "NOT"):
        parts.pop()
    if parts and parts[0] in ("OR", "AND"):
        parts.pop(0)
    return " ".join(parts) if parts else NOTHING


def mark_hits(text: str | None, query: str | None) -> str:
    """The whole (short) text with the words that match the query marked **like this**:
    a title that matched shows why."""
    wanted = {s for s in _stems(re.sub(r'[*"]', " ", query or "")) if s}
    if not text or not wanted:
        return text or ""
    return re.sub(r"\w[\w-]*", lambda m: f"**{m.group()}**"
                  if any(s in wanted for s in _stems(m.group())) else m.group(), text)


def snippet(text: str | None, query: str | None, width: int = 240) -> str:
    """The part of the text where the query's words are densest, words that match marked
    **like this** (the desk shows them highlighted; JSON and CSV keep the plain marks)."""
    text = " ".join((text or "").split())
    wanted = {s for s in _stems(re.sub(r'[*"]', " ", query or "")) if s}
    if not text:
        return ""
    words = list(re.finditer(r"\S+", text))
    hits = [i for i, w in enumerate(words)
            if wanted and any(s in wanted for s in _stems(w.group()))]
    if not hits:
        return text[:width] + ("…" if len(text) > width else "")
    # The window of ~40 words holding the most hits.
    best, best_count = hits[0], 0
    for start in hits:
        count = sum(1 for h in hits if start <= h < start + 40)
        if count > best_count:
            best, best_count = start, count
    first = max(0, best - 8)
    chosen = words[first:first + 40]
    out = []
    for index, match in enumerate(chosen, first):
        token = match.group()
        out.append(f"**{token}**" if index in hits else token)
    prefix = "…" if first > 0 else ""
    suffix = "…" if first + 40 < len(words) else ""
    return prefix + " ".join(out) + suffix


def snippet_or_title(text: str | None, query: str | None, title: str | None) -> str:
    """The snippet, or when only the title matched, the title with its hits marked followed
    by the text's opening: every search result shows why it was found."""
    found = snippet(text, query)
    if "**" in found or not title:
        return found
    marked = mark_hits(title, query)
    return f"{marked} — {found}" if "**" in marked else found
