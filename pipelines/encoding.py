"""Decode page bytes by evidence: BOM, valid UTF-8, declarations checked against the bytes.

Declarations are read with w3lib (the HTTP header, <meta> and the XML declaration, as
Scrapy reads them); what w3lib cannot know is added here: bytes that are valid UTF-8 beat a
single-byte label, and Cyrillic code pages (windows-1251, KOI8-R) are told apart by how
plausible the decoded Russian is.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

# Only the code pages Russian sites really use; rarer ones (mac_cyrillic, iso8859_5) decode
# cp1251 bytes "plausibly" too and would win ties.
_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r")
# Servers that fall back to a Latin default often label Cyrillic pages with it.
_LATIN_SINGLE_BYTE = ("latin_1", "iso8859_1", "cp1252", "ascii")
_ALIASES = {"x-cp1251": "windows-1251", "win-1251": "windows-1251",
            "windows1251": "windows-1251", "cp-1251": "windows-1251"}
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_:.+-]+)", re.IGNORECASE)
# A page whose bytes are UTF-8 but for a few stray bytes (a pasted cp1251 fragment, a cut
# character) is UTF-8 with those bytes replaced, not a single-byte page: at most this share
# of its non-ASCII characters (or 3) may be broken.
_MOSTLY_UTF8 = 0.02


@dataclass
class Decoded:
    text: str
    encoding: str        # Python codec name, e.g. "utf_8", "cp1251", "koi8_r"
    evidence: str        # bom, header, meta, utf8, detected, detected-over-<declared>, ...


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = _ALIASES.get(label.strip().lower(), label.strip().lower())
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    """The charset of a Content-Type header, as a Python codec name."""
    found = http_content_type_encoding(content_type or "")
    if found:
        return _codec(found)
    match = _HEADER_CHARSET.search(content_type or "")
    return _codec(match.group(1)) if match else None


_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)


def declared_charset(body: bytes) -> str | None:
    """A charset from <meta charset>, <meta http-equiv> or the XML declaration (w3lib), or
    a label w3lib does not know that Russian sites use (x-cp1251, windows1251)."""
    found = _codec(html_body_declared_encoding(body[:4096]))
    if found:
        return found
    match = _META_CHARSET.search(body[:4096])
    return _codec(match.group(1).decode("ascii", "ignore")) if match else None


_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def cyrillic_plausibility(text: str) -> float:
    """Share of Cyrillic letters that are lowercase; real Russian prose scores above 0.8.

    Text decoded with the wrong Cyrillic code page comes out mostly upper case (KOI8-R read as
    cp1251) or full of box-drawing and Latin-1 letters, which scores low or has no Cyrillic.
    """
    lower = upper = latin = 0
    for ch in _MARKUP.sub(" ", text):
        if "\u0430" <= ch <= "\u044f" or ch == "\u0451":
            lower += 1
        elif "\u0410" <= ch <= "\u042f" or ch == "\u0401":
            upper += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    total = lower + upper
    if total < 10 or total < 0.3 * (total + latin):
        return 0.0          # too little Cyrillic to be a Russian page (French accents, say)
    return lower / total


def _strict(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_HIGH = re.compile(rb"[\x80-\xff]")


def _utf8(body: bytes, declared: bool = False) -> tuple[str | None, str]:
    """(text, how) when the bytes are UTF-8 with multibyte characters: strictly valid, or
    valid but for a few stray bytes (replaced); (None, '') otherwise. A page declared UTF-8
    needs no valid multibyte character to count its few stray bytes as strays."""
    if not _HIGH.search(body):
        return None, ""
    strict = _strict(body, "utf_8")
    if strict is not None:
        return strict, "utf8"
    lenient = body.decode("utf_8", errors="replace")
    broken = lenient.count("\ufffd")
    valid = sum(1 for ch in lenient if ord(ch) > 0x7F) - broken
    if broken <= max(3, _MOSTLY_UTF8 * valid) and (declared or valid >= 2 * broken):
        return lenient, "utf8-with-stray-bytes"
    return None, ""


def _best_cyrillic(body: bytes) -> tuple[str, str, float] | None:
    best: tuple[str, str, float] | None = None
    for codec in _CYRILLIC_SINGLE_BYTE:
        text = _strict(body, codec)
        if text is None:
            continue
        score = cyrillic_plausibility(text)
        if best is None or score > best[2]:
            best = (text, codec, score)
    return best if best and best[2] > 0.6 else None


# Labels whose text is several bytes per character. Valid UTF-8 is almost never valid in
# these by chance, so a page labelled with one in its HTTP header that decodes strictly with
# it is taken as labelled; any single-byte label decodes anything and proves nothing.
_MULTIBYTE = {"shift_jis", "cp932", "euc_jp", "iso2022_jp", "gbk", "gb2312", "gb18030", "big5",
              "big5hkscs", "euc_kr", "cp949", "johab", "utf_16", "utf_16_le", "utf_16_be",
              "utf_32", "utf_32_le", "utf_32_be"}


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode HTML/XML bytes by evidence, strongest first.

    1. a byte-order mark; 2. the HTTP header when it names a multi-byte encoding the bytes
    decode with; 3. bytes that are UTF-8 with multibyte characters (valid, or but for a few
    stray bytes) over any other label, in the header or in <meta>: single-byte text is valid
    UTF-8 by chance almost never, and a <meta> copied from another page template often lies;
    4. the HTTP header, then <meta> or the XML declaration, when the bytes decode with it
    and, for a single-byte label, the result is not implausible Russian; 5. the more
    plausible of windows-1251 and KOI8-R; 6. charset-normalizer's guess.
    """
    bom_codec, bom = read_bom(body)
    if bom_codec and bom:
        codec = _codec(bom_codec) or "utf_8"
        return Decoded(body[len(bom):].decode(codec, errors="replace"), codec, "bom")
    declared = [(c, how) for c, how in ((header_charset(content_type), "header"),
                                        (declared_charset(body), "meta")) if c]
    if declared and declared[0][1] == "header" and declared[0][0] in _MULTIBYTE:
        text = _strict(body, declared[0][0])
        if text is not None:
            return Decoded(text, declared[0][0], "header")
    utf8, utf8_how = _utf8(body, declared=any(c == "utf_8" for c, _ in declared))
    if utf8 is not None:
        if not declared or declared[0][0] == "utf_8":
            return Decoded(utf8, "utf_8", declared[0][1] if declared else utf8_how)
        if utf8_how == "utf8" or declared[0][0] in _CYRILLIC_SINGLE_BYTE + _LATIN_SINGLE_BYTE:
            return Decoded(utf8, "utf_8", f"{utf8_how}-over-{declared[0][1]}-{declared[0][0]}")
    for codec, how in declared:
        if codec == "utf_8":
            if not _HIGH.search(body):    # plain ASCII, declared UTF-8: as declared
                return Decoded(body.decode("ascii"), "utf_8", how)
            continue                      # declared UTF-8 but the bytes are not: sniff
        text = _strict(body, codec)
        if text is None:
            continue
        if codec in _CYRILLIC_SINGLE_BYTE + _LATIN_SINGLE_BYTE and \
                cyrillic_plausibility(text) < 0.5:
            better = _best_cyrillic(body)
            if better and better[1] != codec:
                return Decoded(better[0], better[1], f"detected-over-{codec}")
        return Decoded(text, codec, how)
    cyrillic = _best_cyrillic(body)
    if cyrillic:
        return Decoded(cyrillic[0], cyrillic[1], "detected")
    if not _HIGH.search(body):           # nothing but ASCII, nothing declared
        return Decoded(body.decode("ascii"), "ascii", "detected")
    guess = from_bytes(body[:200_000]).best()
    sniffed = (_codec(guess.encoding) if guess is not None else None) or "cp1252"
    return Decoded(body.decode(sniffed, errors="replace"), sniffed, "detected")
