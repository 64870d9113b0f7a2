"""Language detection by script and stop words: fast, dependency-free, good on news prose."""

from __future__ import annotations

import re

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": frozenset("the of and to in is that for on with as was by he it at from his an are "
                    "be this have has were which said who their they not or its but been after "
                    "had would will".split()),
    "de": frozenset("der die und den das ist nicht von mit sich des auf für dem ein eine im "
                    "zu wird auch als bei nach wie über".split()),
    "fr": frozenset("le la les des et est une un du dans que pour qui sur au pas par avec "
                    "plus ne se sont ont été".split()),
    "es": frozenset("el la los las de que y en un una por con para del se es al lo como más "
                    "pero sus fue ha".split()),
    "it": frozenset("il la di che e è un una per non con del della sono gli le da si ha nel "
                    "alla".split()),
    "pt": frozenset("o a os as de que e do da em um uma para com não no na por se dos das "
                    "foi ao".split()),
    "pl": frozenset("i w na z się nie do to że jest o jak po ale od przez za są tym".split()),
    "ru": frozenset("и в не на что с по как это он она они из за к у о от для но же был "
                    "была были так его ее её их также который которые".split()),
    "uk": frozenset("і в не на що з по як це він вона вони із за до у від для але також "
                    "був була були який які їх її".split()),
    "be": frozenset("і ў не на што з па як гэта ён яна яны за да у ад для але таксама".split()),
}
_CYRILLIC_LANGS = ("ru", "uk", "be")


def normalise_lang(code: str | None) -> str | None:
    """'en-US', 'ru_RU', 'RU' -> 'en', 'ru'."""
    if not code:
        return None
    code = re.split(r"[-_]", code.strip().lower())[0]
    return code if re.fullmatch(r"[a-z]{2,3}", code) else None


def detect_language(text: str, sample_chars: int = 4000) -> str | None:
    """Best guess of an ISO 639-1 code, or None for too little text."""
    sample = text[:sample_chars]
    words = [w.lower() for w in _WORD.findall(sample)]
    if len(words) < 5:
        return None
    cyrillic = sum(1 for w in words if "\u0400" <= w[0] <= "\u04ff")
    candidates = _CYRILLIC_LANGS if cyrillic > len(words) / 2 else \
        tuple(lang for lang in _STOPWORDS if lang not in _CYRILLIC_LANGS)
    scores = {lang: sum(1 for w in words if w in _STOPWORDS[lang]) for lang in candidates}
    if cyrillic > len(words) / 2:
        # Letters that only one of the three languages uses settle it.
        if re.search(r"[іїєґ]", sample, re.IGNORECASE):
            scores["uk"] += sum(sample.count(c) for c in "їєґЇЄҐ") * 2 + 1
        if re.search(r"[ў]", sample, re.IGNORECASE):
            scores["be"] += sample.count("ў") * 2
        if re.search(r"[ыэъё]", sample, re.IGNORECASE):
            scores["ru"] += sum(sample.count(c) for c in "ыэъё") // 2
    best = max(scores, key=lambda lang: scores[lang])
    if scores[best] == 0:
        return "ru" if cyrillic > len(words) / 2 else None
    return best
