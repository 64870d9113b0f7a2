"""Decode page bytes: trust declarations only when the bytes agree (cp1251, KOI8-R, UTF-8)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([a-zA-Z0-9_:.+-]+)", re.IGNORECASE)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:+-]+)""",
                       re.IGNORECASE)
# Only the code pages Russian sites really use; rarer ones (mac_cyrillic, iso8859_5) decode
# cp1251 bytes "plausibly" too and would win ties.
_CYRILLIC_SINGLE_BYTE = ("cp1251", "koi8_r")
# Servers that fall back to a Latin default often label Cyrillic pages with it.
_LATIN_SINGLE_BYTE = ("latin_1", "iso8859_1", "cp1252", "ascii")
_BOMS = ((codecs.BOM_UTF8, "utf_8"), (codecs.BOM_UTF16_LE, "utf_16"),
         (codecs.BOM_UTF16_BE, "utf_16"))


@dataclass
class Decoded:
    text: str
    encoding: str        # Python codec name, e.g. "utf_8", "cp1251", "koi8_r"
    evidence: str        # bom, header, meta, detected, detected-over-<declared>


def _codec(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().lower()
    if label in ("x-cp1251", "win-1251", "windows1251"):
        label = "windows-1251"
    try:
        return codecs.lookup(label).name.replace("-", "_")
    except LookupError:
        return None


def header_charset(content_type: str | None) -> str | None:
    match = _HEADER_CHARSET.search(content_type or "")
    return _codec(match.group(1)) if match else None


def declared_charset(body: bytes) -> str | None:
    """A charset from <meta charset>, <meta http-equiv> or the XML declaration."""
    head = body[:4096]
    match = _XML_DECL.match(head) or _META_CHARSET.search(head)
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


def _has_multibyte_utf8(body: bytes) -> bool:
    return any(b >= 0x80 for b in body[:65536])


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


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode HTML/XML bytes: BOM, then declarations checked against the bytes, then sniffing."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return Decoded(body[len(bom):].decode(codec, errors="replace"), codec, "bom")
    declared = [(c, how) for c, how in ((header_charset(content_type), "header"),
                                        (declared_charset(body), "meta")) if c]
    utf8 = _strict(body, "utf_8")
    for codec, how in declared:
        if codec == "utf_8":
            if utf8 is not None:
                return Decoded(utf8, codec, how)
            continue                      # declared UTF-8 but the bytes are not: sniff
        text = _strict(body, codec)
        if text is None:
            continue
        if utf8 is not None and _has_multibyte_utf8(body) and cyrillic_plausibility(utf8) > 0.6:
            # A single-byte declaration over bytes that are valid UTF-8 Cyrillic: a wrong label.
            return Decoded(utf8, "utf_8", f"detected-over-{codec}")
        if codec in _CYRILLIC_SINGLE_BYTE + _LATIN_SINGLE_BYTE and \
                cyrillic_plausibility(text) < 0.5:
            better = _best_cyrillic(body)
            if better and better[1] != codec:
                return Decoded(better[0], better[1], f"detected-over-{codec}")
        return Decoded(text, codec, how)
    if utf8 is not None:
        return Decoded(utf8, "utf_8", "detected" if not declared else
                       f"detected-over-{declared[0][0]}")
    cyrillic = _best_cyrillic(body)
    if cyrillic:
        return Decoded(cyrillic[0], cyrillic[1], "detected")
    guess = from_bytes(body[:200_000]).best()
    sniffed = (_codec(guess.encoding) if guess is not None else None) or "cp1252"
    return Decoded(body.decode(sniffed, errors="replace"), sniffed, "detected")
