"""Language of a text (py3langid, 97 languages) and normalised language codes."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def normalise_lang(code: str | None) -> str | None:
    """'en-US', 'ru_RU', 'RU' -> 'en', 'ru'."""
    if not code:
        return None
    code = re.split(r"[-_]", code.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


# Common English words, and letters of Cyrillic languages that Russian does not use.
_ENGLISH_WORDS = frozenset("the and of to in is that for with was on".split())
_NOT_RUSSIAN = frozenset("іїєґўүөңәһҗқғұ")


def _confirms(sample: str, declared: str) -> bool:
    """Whether the text is plainly in the language its page declares, English or Russian:
    Russian is Cyrillic with ы and none of the letters of Ukrainian, Belarusian or the Turkic
    languages; English is ASCII letters with "the" and common words a tenth of all."""
    words = _WORD.findall(sample)
    letters = sum(len(w) for w in words)
    lowered = sample.lower()
    if declared == "ru":
        cyrillic = sum(1 for c in lowered if "а" <= c <= "я" or c == "ё")
        return cyrillic >= 0.9 * letters and "ы" in lowered and \
            not _NOT_RUSSIAN.intersection(lowered)
    if declared == "en":
        lowered_words = [w.lower() for w in words]
        ascii_letters = sum(1 for c in sample if c.isascii() and c.isalpha())
        return ascii_letters >= 0.97 * letters and "the" in lowered_words and \
            sum(w in _ENGLISH_WORDS for w in lowered_words) >= 0.1 * len(lowered_words)
    return False


def detect_language(text: str, sample_chars: int = 500, declared: str | None = None
                    ) -> str | None:
    """ISO 639-1 code of the text's language, or None for too little text to tell.

    Measured against our former stop-word detector on 1,900 real news texts (The Moscow Times,
    RT, BBC Russian, RIA, Meduza): 1,899 right against 1,895, and it knows 97 languages
    instead of 10; on the first 500 characters it is as accurate as on 3,000 (1,899 too) and
    costs about 0.5 ms an article.

    A page that declares English or Russian, and whose text plainly is (_confirms), is taken
    at its word without the model: on 3,088 real texts (the real tagging sets and the
    extracted corpus pages) the check confirmed 2,496, and py3langid said the same of every
    one. Anything else (another language, a mixed or unusual text) goes to py3langid.
    """
    sample = text[:sample_chars]
    letters = sum(len(w) for w in _WORD.findall(sample[:400]))
    if letters < 15:                  # characters, not words: Chinese and Japanese have none
        return None
    if declared in ("en", "ru") and _confirms(sample, declared):
        return declared
    import py3langid        # here: a crawl that extracts nothing need not load it
    lang: str = py3langid.classify(sample)[0]
    return lang
