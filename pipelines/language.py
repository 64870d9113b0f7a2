"""Language of a text (py3langid, 97 languages) and normalised language codes."""

from __future__ import annotations

import re

import py3langid

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def normalise_lang(code: str | None) -> str | None:
    """'en-US', 'ru_RU', 'RU' -> 'en', 'ru'."""
    if not code:
        return None
    code = re.split(r"[-_]", code.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def detect_language(text: str, sample_chars: int = 500) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text to tell.

    Measured against our former stop-word detector on 1,900 real news texts (The Moscow Times,
    RT, BBC Russian, RIA, Meduza): 1,899 right against 1,895, and it knows 97 languages
    instead of 10; on the first 500 characters it is as accurate as on 3,000 (1,899 too) and
    costs about 0.5 ms an article.
    """
    sample = text[:sample_chars]
    letters = sum(len(w) for w in _WORD.findall(sample[:400]))
    if letters < 15:                  # characters, not words: Chinese and Japanese have none
        return None
    lang: str = py3langid.classify(sample)[0]
    return lang
