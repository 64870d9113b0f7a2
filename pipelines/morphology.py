"""Word normalisation for matching: Snowball stems (default) or pymorphy3 lemmas, en and ru."""

from __future__ import annotations

import re
import threading
from itertools import islice
from functools import lru_cache

import Stemmer

# A word, or an English possessive 's (not the start of a longer word), a token of its own.
_TOKEN_OR_POSSESSIVE = re.compile(r"[^\W_]+|['’]s(?![^\W_])", re.UNICODE)
# The key of a possessive 's: no term starts with it, a phrase may not end before it.
POSSESSIVE = "\x00s"
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


class Normaliser:
    """Turns words into match keys so inflected forms meet: иноагентом -> иноагент.

    backend "stem" uses Snowball (PyStemmer, C, fast); "lemma" uses pymorphy3 for Russian
    (slower, exact dictionary forms) and Snowball for English. benchmarks/morphology.py
    measures both on the labelled set.
    """

    def __init__(self, backend: str = "stem") -> None:
        if backend not in ("stem", "lemma"):
            raise ValueError(f"unknown morphology backend {backend!r} (stem or lemma)")
        self.backend = backend
        self._en = Stemmer.Stemmer("english")
        self._ru = Stemmer.Stemmer("russian")
        self._morph = None
        if backend == "lemma":
            import pymorphy3
            self._morph = pymorphy3.MorphAnalyzer()
        self.word = lru_cache(maxsize=200_000)(self._word)
        # Surface word -> key, filled a text at a time (the stemmer takes a batch in one call).
        self._keys: dict[str, str] = {"'s": POSSESSIVE, "’s": POSSESSIVE}
        self._recent: dict[str, tuple[list[str], tuple[str, ...]]] = {}

    def _word(self, word: str) -> str:
        word = word.lower().replace("ё", "е")
        if _CYRILLIC.search(word):
            if self._morph is not None:
                return str(self._morph.parse(word)[0].normal_form).replace("ё", "е")
            return str(self._ru.stemWord(word))
        return str(self._en.stemWord(word))

    def keys(self, text: str) -> list[str]:
        """The match key of every token of the text, in order. Tokens are words and English
        possessive 's (key POSSESSIVE): "Russia's" is `russia` then POSSESSIVE, so a phrase
        "fled Russia" can tell it is not followed by "'s invasion".

        The last two texts' keys are kept: the dedupe stage (search stems) and the tagger
        ask for the same article's title and text one after the other (a copy is returned
        each time)."""
        recent = self._recent.get(text)
        if recent is not None:
            return list(recent[0])
        words = _TOKEN_OR_POSSESSIVE.findall(text)
        keys = self._keys
        try:
            found = list(map(keys.__getitem__, words))
        except KeyError:
            if len(keys) > 500_000:              # bounded like any cache
                keys.clear()
                keys.update({"'s": POSSESSIVE, "’s": POSSESSIVE})
            self._fill(set(words).difference(keys))
            found = list(map(keys.__getitem__, words))
        if len(self._recent) >= 2:
            del self._recent[next(iter(self._recent))]
        self._recent[text] = (found, tuple(words))
        return list(found)

    def tokens(self, text: str) -> tuple[str, ...]:
        """The text's tokens as written, aligned with keys(text) (kept with them for the
        last two texts)."""
        recent = self._recent.get(text)
        return recent[1] if recent is not None else tuple(_TOKEN_OR_POSSESSIVE.findall(text))

    def stem_text(self, text: str) -> str:
        """The text as its words' keys, space-separated: what the search index stores."""
        return " ".join(filter(POSSESSIVE.__ne__, self.keys(text)))

    @staticmethod
    def spans(text: str, indices: set[int]) -> dict[int, tuple[int, int]]:
        """Character (start, end) of the tokens at these indices (only they are located)."""
        out: dict[int, tuple[int, int]] = {}
        if not indices:
            return out
        matches = _TOKEN_OR_POSSESSIVE.finditer(text)
        last = max(indices)
        if len(indices) * 8 > last:                 # most tokens up to the last: each one
            for index, match in enumerate(matches):
                if index in indices:
                    out[index] = match.span()
                if index >= last:
                    break
            return out
        position = 0                 # the index of the next match
        for index in sorted(indices):
            # The tokens between are skipped in C (islice), not one loop step each.
            found = next(islice(matches, index - position, None), None)
            if found is None:
                break
            out[index] = found.span()
            position = index + 1
        return out

    def _fill(self, words: set[str]) -> None:
        if self._morph is not None:
            for word in words:
                self._keys[word] = self.word(word)
            return
        cyrillic: list[tuple[str, str]] = []
        latin: list[tuple[str, str]] = []
        search = _CYRILLIC.search
        for word in words:
            lowered = word.lower().replace("ё", "е")
            (cyrillic if search(lowered) else latin).append((word, lowered))
        keys = self._keys
        for group, stemmer in ((cyrillic, self._ru), (latin, self._en)):
            if group:
                stems = stemmer.stemWords([lowered for _, lowered in group])
                for (word, _), key in zip(group, stems):
                    keys[word] = key

    def phrase(self, text: str) -> tuple[str, ...]:
        return tuple(POSSESSIVE if w in ("'s", "’s") else self.word(w)
                     for w in _TOKEN_OR_POSSESSIVE.findall(text))


def fold(word: str) -> str:
    """A token as an exact ("^") term compares it: case, ё and the curly apostrophe folded."""
    return word.lower().replace("ё", "е").replace("’", "'")


def fold_words(text: str) -> tuple[str, ...]:
    """The text's tokens as written, folded: what a "^" (exact) term matches."""
    return tuple(map(fold, _TOKEN_OR_POSSESSIVE.findall(text)))


_per_thread = threading.local()


def shared_normaliser(backend: str = "stem") -> Normaliser:
    """One normaliser per backend per thread: the dedupe stage (search stems) and the tagger
    run on a crawl's one CPU thread and stem the same words of the same article, so a word
    stemmed for one is then a lookup for the other (one cache, bounded like each was). Per
    thread, not per process: a normaliser's cache and PyStemmer's stemmers are not for two
    threads at once (the scheduler runs alert jobs side by side)."""
    made: dict[str, Normaliser] = _per_thread.__dict__.setdefault("normalisers", {})
    if backend not in made:
        made[backend] = Normaliser(backend)
    return made[backend]
