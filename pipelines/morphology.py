"""Word normalisation for matching: Snowball stems (default) or pymorphy3 lemmas, en and ru."""

from __future__ import annotations

import re
from functools import lru_cache

import Stemmer

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
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

    def _word(self, word: str) -> str:
        word = word.lower().replace("ё", "е")
        if _CYRILLIC.search(word):
            if self._morph is not None:
                return str(self._morph.parse(word)[0].normal_form).replace("ё", "е")
            return str(self._ru.stemWord(word))
        return str(self._en.stemWord(word))

    def tokens(self, text: str) -> list[tuple[str, int, int, bool]]:
        """(key, start, end, possessive) for every word of the text.

        `possessive` marks an English 's right after the word ("Russia's"): the word still
        matches alone, but a phrase may not end on it ("fled Russia's invasion" is not
        "fled Russia").
        """
        word = self.word
        out = []
        for m in _TOKEN.finditer(text):
            end = m.end()
            possessive = text[end:end + 2] in ("'s", "’s") and not text[end + 2:end + 3].isalpha()
            if m.group() == "s" and m.start() > 0 and text[m.start() - 1] in "'’":
                continue                        # the s of 's is not a word of its own
            out.append((word(m.group()), m.start(), end, possessive))
        return out

    def phrase(self, text: str) -> tuple[str, ...]:
        return tuple(self.word(m.group()) for m in _TOKEN.finditer(text))
