"""Charset by evidence: each conflict between a byte-order mark, the HTTP header, <meta> and
the bytes themselves, on pages we wrote (no corpus needed)."""

from __future__ import annotations

import pytest

from pipelines.encoding import decode_html
from pipelines.extraction import ArticleExtractor

RU = ("Суд в Москве приговорил журналиста к семи годам колонии по делу о фейках об армии. "
      "Правозащитники называют дело политическим и требуют освободить его. ") * 6
JA = ("東京地方裁判所は、ロシアから避難してきたジャーナリストの難民認定を求める訴えについて判断を示した。"
      "支援団体は判決を歓迎した。") * 6
DE = "Die Journalistin floh über Georgien nach Köln; später äußerte sie sich öffentlich. " * 6


def page(body: str, meta: str | None = None) -> str:
    head = f'<meta charset="{meta}">' if meta else ""
    return (f"<html><head>{head}<title>Т</title></head><body><article><p>{body}</p>"
            f"</article></body></html>")


CASES = [
    # (what, bytes, Content-Type header, expected codec, expected evidence prefix)
    ("BOM beats a contradicting header",
     b"\xef\xbb\xbf" + page(RU).encode("utf-8"), "text/html; charset=windows-1251",
     "utf_8", "bom"),
    ("the header beats a contradicting meta",
     page(RU, "utf-8").encode("cp1251"), "text/html; charset=windows-1251", "cp1251", "header"),
    ("valid UTF-8 beats a contradicting meta (single-byte label)",
     page(DE, "iso-8859-2").encode("utf-8"), None, "utf_8", "utf8-over-meta"),
    ("valid UTF-8 beats a contradicting meta (multi-byte label)",
     page(RU, "shift_jis").encode("utf-8"), None, "utf_8", "utf8-over-meta"),
    ("valid UTF-8 beats a Latin default in the header",
     page(RU).encode("utf-8"), "text/html; charset=ISO-8859-1", "utf_8", "utf8-over-header"),
    ("a multi-byte header the bytes decode with is believed",
     # (w3lib reads the label as browsers do: Shift_JIS is Windows-31J, Python's cp932)
     page(JA).encode("shift_jis"), "text/html; charset=Shift_JIS", "cp932", "header"),
    ("a wrong Cyrillic label loses to the more plausible code page",
     page(RU, "koi8-r").encode("cp1251"), None, "cp1251", "detected-over-koi8_r"),
    ("KOI8-R bytes labelled windows-1251 in the header",
     page(RU).encode("koi8_r"), "text/html; charset=windows-1251", "koi8_r", "detected-over"),
    ("no declaration at all: Cyrillic plausibility",
     page(RU).encode("cp1251"), None, "cp1251", "detected"),
    ("declared UTF-8 with a few stray bytes stays UTF-8",
     page(RU, "utf-8").encode("utf-8").replace("семи".encode(), b"\xf1\xe5\xec\xe8", 1), None,
     "utf_8", "meta"),
]


@pytest.mark.parametrize("what, body, header, codec, evidence", CASES, ids=[c[0] for c in CASES])
def test_charset_conflicts(what: str, body: bytes, header: str | None, codec: str,
                           evidence: str) -> None:
    decoded = decode_html(body, header)
    assert decoded.encoding == codec, (what, decoded.evidence)
    assert decoded.evidence.startswith(evidence), (what, decoded.evidence)
    for sample in (RU, JA, DE):
        if sample[:20] in body.decode(codec, errors="replace"):
            assert sample[:40] in decoded.text


def test_garbled_meta_does_not_reach_the_article() -> None:
    body = page(DE, "windows-1250").encode("utf-8")
    article = ArticleExtractor().extract(body, "https://x.org/2025/11/20/a")
    assert "Köln" in article.text and "äußerte" in article.text
    assert article.encoding == "utf_8"
