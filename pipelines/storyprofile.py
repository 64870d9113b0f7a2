"""What the story linker compares (pipelines/storylink.py): a text's profile.

Sentences as sets of stemmed content words (stop words out), and the sequence of its
anchors: numbers, and names reduced to a consonant skeleton that Cyrillic and Latin
spellings and inflections share (Навальный/Navalny -> nvln). Made once per article by the
dedupe stage, sent in wire form by a shared crawl's workers, kept by the linker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

import Stemmer

# --- words ----------------------------------------------------------------------------

_WORD = re.compile(r"[^\W\d_]+|\d+(?:[ ,.\u00a0\u202f]\d{3})*(?:[.,]\d+)?", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…»\"”])\s+(?=[\"«“„(]?[A-ZА-ЯЁ0-9])|\n+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")

STOPWORDS = {
    "en": set("""a about above after again against all also am an and any are as at be because
        been before being below between both but by can could did do does doing down during
        each few for from further had has have having he her here hers herself him himself his
        how i if in into is it its itself just me more most my myself no nor not now of off on
        once only or other our ours out over own same she should so some such than that the
        their theirs them themselves then there these they this those through to too under
        until up very was we were what when where which while who whom why will with would
        you your yours said says told according year years also new one two three last first
        on monday tuesday wednesday thursday friday saturday sunday""".split()),
    "ru": set("""а без более бы был была были было быть в вам вас весь во вот все всего всех вы
        где да даже для до его ее если есть еще же за здесь и из или им их к как ко когда кто
        ли либо мне может мы на над надо наш не него нее нет ни них но ну о об однако он она они
        оно от очень по под при с со так также такой там те тем то того тоже той только том ты
        у уже хотя чего чей чем что чтобы чье чья эта эти это я который которая которые
        которых котором которого которой которую своей свой своих своего свою себя сказал
        сказала сообщил сообщила заявил заявила также года году год лет после время раз""".split()),
}
_STEMMERS = {"en": "english", "ru": "russian", "es": "spanish", "fr": "french",
             "it": "italian", "pt": "portuguese", "de": "german"}

# Cyrillic -> Latin, then a consonant skeleton: the two spellings of a name meet.
_TRANSLIT = str.maketrans({
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "і": "i",
    "ї": "i", "є": "e", "ґ": "g"})
_LATIN_FOLD = str.maketrans("áàâäãåçéèêëíìîïñóòôöõúùûüýÿčšžćđłńśźż",
                            "aaaaaaceeeeiiiinooooouuuuyycszcdlnszz")
_VOWELS = re.compile(r"(?<=.)[aeiouy]+")
_REPEAT = re.compile(r"(.)\1+")
# Capitalised words that are not names: English capitalises more than Russian does.
_NOT_NAMES = {"the", "a", "an", "in", "on", "at", "he", "she", "it", "they", "we", "i", "his",
              "her", "their", "this", "that", "but", "and", "as", "for", "after", "before",
              "january", "february", "march", "april", "may", "june", "july", "august",
              "september", "october", "november", "december", "monday", "tuesday",
              "wednesday", "thursday", "friday", "saturday", "sunday", "russian", "russians",
              "ukrainian", "ukrainians", "european", "american", "british", "soviet", "court",
              "mr", "mrs", "ms", "dr"}


@lru_cache(maxsize=8)
def _stemmer(lang: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS.get(lang, "english"))


_PLURAL_GENITIVES = frozenset(("штатов", "эмиратов", "нидерландов", "мальдивов", "сейшелов",
                               "курилов", "соловков"))


@lru_cache(maxsize=200_000)
def skeleton(word: str, lang: str) -> str:
    """A name reduced so its Cyrillic and Latin spellings, and its inflections, meet:
    stem, transliterate, fold accents, drop inner vowels, collapse repeats."""
    lowered = word.lower().replace("ё", "е")
    cyrillic = bool(_CYRILLIC.search(lowered))
    # A surname's nominative ends as a plural genitive does, and Snowball takes "-ов"/"-ев"
    # off it (Сафонов -> сафон) but not off its other cases (Сафонова -> сафонов) nor the
    # Latin spelling (Safonov): keep the nominative whole. (The price: a plural place name's
    # genitive no longer meets its other cases, but for the few listed.)
    stem = lowered if cyrillic and lowered.endswith(("ов", "ев")) and \
        lowered not in _PLURAL_GENITIVES else \
        _stemmer("ru" if cyrillic else lang).stemWord(lowered)
    latin = stem.translate(_TRANSLIT).translate(_LATIN_FOLD)
    latin = latin.replace("kh", "h").replace("x", "ks").replace("w", "v").replace("j", "y")
    latin = latin.replace("ph", "f").replace("ck", "k").replace("c", "k").replace("q", "k")
    latin = re.sub(r"^y(?=[aeiou])", "", latin)     # Екатеринбург/Yekaterinburg, Яшин/Yashin
    return _REPEAT.sub(r"\1", _VOWELS.sub("", latin))


_TIME = re.compile(r"(?<![\d:])\d{1,2}:\d{2}(?![\d:])")
# Links and e-mail addresses are no part of the story: a post's "https://bit.ly/3rot87v"
# gave the numbers 3 and 87 and the words "bit", "rot", and a re-post whose link was gone
# differed in its numbers (a template for another day, to the linker).
_URL_END = r"[^\s<>()\"«»“”.,;:!?'’…]"
_LINK = re.compile(
    # a scheme or www., up to its last character that is no punctuation (a sentence's full
    # stop, a closing quote or bracket stay)
    rf"(?:https?://|www\.)[^\s<>()\"«»“”]*{_URL_END}"
    # an address without a scheme: a host with a common top-level domain, then a path
    r"|(?<![A-Za-z0-9.@-])(?:[a-z0-9-]+\.)+(?:ru|su|com|org|net|info|io|me|ly|be|cc|co|tv|"
    r"news|media|ua|by|kz|ge|am|az|uz|kg|md|lv|lt|ee|pl|cz|de|fr|it|es|uk|eu|us|ca)"
    rf"/(?:[^\s<>()\"«»“”]*{_URL_END})?", re.IGNORECASE)
_HOSTISH = re.compile(r"[a-zA-Z0-9-]\.[a-zA-Z]{2,6}/")
_WWW = re.compile(r"www\.", re.IGNORECASE)
# At a token's start only, and bounded: scanning from every character of a long token
# without "@" was quadratic.
_ADDRESS = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})+")


def _unlinked(text: str) -> str:
    """The text without links and e-mail addresses."""
    if "://" in text or (("w." in text or "W." in text) and _WWW.search(text)) or \
            ("/" in text and _HOSTISH.search(text)):
        text = _LINK.sub(" ", text)
    return _ADDRESS.sub(" ", text) if "@" in text else text


_THOUSANDS = re.compile(r"[ ,.\u00a0\u202f](?=\d{3}\b)")


def _number(token: str) -> str:
    """Digits without thousands separators, with a decimal point: "1 200" and "1,200" are
    1200, "2,5" (Russian) and "2.5" are 2.5."""
    return _THOUSANDS.sub("", token).replace(",", ".")


# --- profiles ---------------------------------------------------------------------------

# What a profile is made of changed (2: a headline that opens the text counts once, numbers
# with their scale word, no times of day, a surname's nominative; 3: links and e-mail
# addresses left out, sentences of quoted speech marked): a shared crawl's ingest makes a
# worker's profile of another version again from the text (pipelines/dedupe.py).
PROFILE_VERSION = 3

@dataclass
class Profile:
    """What the second stage compares: sentences as stemmed content-word sets, and the
    sequence of anchors (numbers and name skeletons)."""

    lang: str
    words: int
    sentences: list[frozenset[str]] = field(default_factory=list)
    anchors: list[str] = field(default_factory=list)
    title_words: list[str] = field(default_factory=list)   # long content stems of the title
    titled: bool = False       # sentences[0] is the headline
    # source_hash() of what profile() was given (0: unknown). The linker keeps a stored
    # article's profile only when it was made from exactly the stored title, text and
    # language; the ingest of a shared crawl sets it on a worker's profile (made from the
    # text the ingest stores as it is).
    built_from: int = field(default=0, compare=False, repr=False)
    # Indices (in sentences) of the sentences that are mostly quoted speech: independent
    # reports of one statement quote it alike, so the linker does not count them as
    # paraphrased sentences.
    quoted: frozenset[int] = field(default_factory=frozenset)

    @cached_property
    def anchor_set(self) -> frozenset[str]:
        """The distinct anchors, built once (a profile is compared with many others)."""
        return frozenset(self.anchors)

    def to_wire(self) -> dict[str, Any]:
        """JSON-able form (a worker of a shared crawl sends it to the ingest)."""
        return {"lang": self.lang, "words": self.words,
                "sentences": [sorted(s) for s in self.sentences], "anchors": self.anchors,
                "title_words": self.title_words, "titled": self.titled,
                "quoted": sorted(self.quoted), "version": PROFILE_VERSION}

    def pack(self) -> tuple[Any, ...]:
        """A compact copy for keeping many (the linker's cache): tuples instead of sets,
        about a tenth of the memory (a real article's profile: 58 KB as sets, 6 KB packed;
        profiles share their stems' strings); unpack() in 15 us, against
        0.5 ms to make the profile again."""
        return (self.lang, self.words, tuple(tuple(s) for s in self.sentences),
                tuple(self.anchors), tuple(self.title_words), self.titled, self.built_from,
                self.quoted)

    @classmethod
    def unpack(cls, packed: tuple[Any, ...]) -> Profile:
        lang, words, sentences, anchors, title_words, titled, built_from, quoted = packed
        return cls(lang, words, [frozenset(s) for s in sentences], list(anchors),
                   list(title_words), titled, built_from, quoted)

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> Profile:
        return cls(str(data["lang"]), int(data["words"]),
                   [frozenset(s) for s in data["sentences"]], list(data["anchors"]),
                   list(data["title_words"]), bool(data.get("titled", False)),
                   quoted=frozenset(int(i) for i in data.get("quoted", ())))


def source_hash(title: str | None, text: str | None, lang: str | None) -> int:
    """What a profile was made from, as a number (Profile.built_from)."""
    return hash((title, text or "", lang))


def split_sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE_END.split(text) if s and s.strip()]


# The stems profiles share (not sys.intern: CPython 3.12.0-3.12.5 made interned strings
# immortal, and a long ingest would keep every stem it ever saw); bounded like any cache.
_STEMS: dict[str, str] = {}
_share = _STEMS.setdefault
_MAX_STEMS = 300_000
# Each word's stem, per stemmer (at most the seven of _STEMMERS): a dictionary lookup instead
# of a call into the stemmer for every word of every sentence, a fifth of a profile's cost.
# 50,000 words of one language take about 7 MB. Full, a dictionary is replaced by a new one,
# never emptied in place: profile() runs on two threads (the dedupe stage, and the linker on
# the store's writer), and one of them may be between filling and reading it.
_STEMMED: dict[str, dict[str, str]] = {}
_MAX_STEMMED = 50_000


# "11 тысяч" is "11,000": a number's scale word, in any of its forms (Snowball-free: the
# forms are few), so a translation's numbers meet the original's.
_CASES = ("", "а", "ов", "у", "ом", "ам", "ами", "ах", "е")
_SCALE = {**dict.fromkeys(("тыс", "тысяча", "тысячи", "тысяч", "тысячу", "тысячей", "тысячам",
                           "тысячами", "тысячах", "thousand", "thousands"), 1_000),
          **dict.fromkeys(("млн", "mln", "million", "millions",
                           *("миллион" + c for c in _CASES)), 1_000_000),
          **dict.fromkeys(("млрд", "bn", "bln", "billion", "billions",
                           *("миллиард" + c for c in _CASES)), 1_000_000_000),
          **dict.fromkeys(("трлн", "trillion", "trillions", *("триллион" + c for c in _CASES)),
                          1_000_000_000_000)}


def _scaled(number: str, scale: int) -> str:
    """The number times its scale word, written as _number writes numbers (2.5 млн ->
    2500000)."""
    try:
        value = round(float(number) * scale, 6)
    except ValueError:
        return number
    return str(int(value)) if value == int(value) else str(value)


def _anchors(tokens: list[str], lang: str, anchors: list[str]) -> None:
    """Add a sentence's anchors: its numbers (with their scale word: "11 тысяч" and "11,000"
    are one), and its capitalised words but the first."""
    for position, token in enumerate(tokens):
        if token[0].isdigit():
            number = _number(token)
            if position + 1 < len(tokens):
                scale = _SCALE.get(tokens[position + 1].lower())
                if scale:
                    number = _scaled(number, scale)
            if len(number) >= 2 or (position and number != "0"):
                anchors.append("#" + number)
        elif token[0].isupper() and position > 0 and len(token) > 2 and \
                token.lower() not in _NOT_NAMES:
            anchors.append(skeleton(token, lang))


def _opens(title: str, text: str) -> bool:
    """Whether the headline is the text's own opening (a post's first line made its
    headline): the text starts with it, at a word's end, or mid-word when the headline is as
    long as a first line cut short is (an import cuts it at a length)."""
    head = " ".join(title.split())
    start = " ".join(text[:len(title) + 200].split())
    if not head or not start.startswith(head):
        return False
    return len(start) == len(head) or not start[len(head)].isalnum() or len(head) >= 60


def profile(title: str | None, text: str, lang: str | None) -> Profile:
    if len(_STEMS) > _MAX_STEMS:
        _STEMS.clear()
        _STEMMED.clear()        # its stems are the shared strings (a new dictionary each)
    built_from = source_hash(title, text, lang)
    lang = (lang or ("ru" if _CYRILLIC.search(text[:2000]) else "en"))[:2]
    stemmer = _stemmer(lang)
    algorithm = _STEMMERS.get(lang, "english")
    stemmed = _STEMMED.setdefault(algorithm, {})
    stop = STOPWORDS.get(lang, STOPWORDS["en"])
    sentences: list[frozenset[str]] = []
    anchors: list[str] = []
    count = 0
    title_words: list[str] = []
    titled = False
    if title and _opens(title, text):
        title = None        # the headline is the text's opening (a post's first line): once
    text = _unlinked(text)
    title = _unlinked(title) if title else title
    body = split_sentences(text)
    chunks = [title, *body] if title else body
    shares = _quote_shares(title, [title]) if title else []
    if _QUOTE_MARK.search(text):
        shares += _quote_shares(text, body)
    quoted: set[int] = set()
    for index, chunk in enumerate(chunks):
        tokens = _WORD.findall(chunk)
        count += len(tokens)
        content = [t.lower() for t in tokens if not t[0].isdigit()]
        content = [t for t in content if len(t) > 2 and t not in stop]
        # One string per stem across profiles: the linker keeps thousands of them, mostly of
        # the same words.
        missing = [w for w in content if w not in stemmed]
        if missing:
            if len(stemmed) + len(missing) > _MAX_STEMMED:
                stemmed = _STEMMED[algorithm] = {}
                missing = content
            for word, stem in zip(missing, stemmer.stemWords(missing)):
                stemmed[word] = _share(stem, stem)
        stems = frozenset([stemmed[w] for w in content])
        if stems:
            if index < len(shares) and shares[index] >= QUOTED:
                quoted.add(len(sentences))
            sentences.append(stems)
            titled = titled or (index == 0 and bool(title))
        if index == 0:
            title_words = sorted((w for w in stems if len(w) >= 5), key=len, reverse=True)[:6]
        # A headline of several sentences (a post's first line, made its headline) is read
        # as the text is: a capitalised word that opens one of its sentences is no name.
        # Times of day ("17:04") are a page's clock, not the story's facts.
        parts = split_sentences(chunk) if index == 0 and title else [chunk]
        if len(parts) < 2 and not _TIME.search(chunk):
            _anchors(tokens, lang, anchors)
        else:
            for part in parts:
                _anchors(_WORD.findall(_TIME.sub(" ", part)), lang, anchors)
    return Profile(lang, count, sentences, anchors, title_words, titled, built_from,
                   frozenset(quoted))


QUOTED = 0.5        # share of a sentence's characters inside quotation marks
_QUOTE_MARK = re.compile('[«»“”„"]')
# A quotation: its marks matched in one paragraph (an unclosed one quotes nothing); «» (one
# «» inside, as Russian nests them), „“ and “” hold the other kinds; a straight one opens
# after a space, a bracket, a colon, a dash or markdown's * and _, before a non-space (so
# neither 9.58" nor 65 " opens one), may hold one “”, and closes after a non-space, with a
# straight or curly mark. Only one of three words or more is speech: a name in quotation
# marks («Мемориал», «Азимут») or a two-word phrase is not.
_QUOTATION = re.compile(
    '«(?:[^«»\n]|«[^«»\n]*»)*»|„[^„“”\n]*[“”]|“[^“”"\n]*?\\S[”"]'
    '|(?:^|(?<=[\\s(\\[:—–*_/«…-]))"(?=\\S)(?:[^"“”\n]|“[^“”\n]*”)*?\\S["”]')


_OPENING = re.compile('[«„"“]')


def _quotations(text: str) -> list[tuple[int, int]]:
    """Where the text's quotations are: _QUOTATION tried at each opening mark only (a
    fourth of the time of finditer, which tries it at every character)."""
    spans = []
    found = _OPENING.search(text)
    while found is not None:
        quotation = _QUOTATION.match(text, found.start())
        if quotation is not None:
            spans.append(quotation.span())
            found = _OPENING.search(text, quotation.end())
        else:
            found = _OPENING.search(text, found.start() + 1)
    return spans


def _quote_shares(text: str, parts: list[str]) -> list[float]:
    """For each of a text's sentences (`parts`, its split_sentences, in order), the share
    of its characters inside quotation marks (matched within a paragraph)."""
    spans = [span for span in _quotations(text)
             if len(_WORD.findall(text, span[0], span[1])) >= 3]
    if not spans:
        return [0.0] * len(parts)
    shares = []
    position = first = 0
    for part in parts:
        start = text.find(part, position)
        if start < 0 or not part:
            shares.append(0.0)
            continue
        end = position = start + len(part)
        while first < len(spans) and spans[first][1] <= start:
            first += 1              # spans are in order and do not overlap
        inside = 0
        for index in range(first, len(spans)):
            a, b = spans[index]
            if a >= end:
                break
            inside += min(end, b) - max(start, a)
        shares.append(inside / len(part))
    return shares
