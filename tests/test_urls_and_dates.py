"""URL canonicalisation and date parsing used by discovery and normalisation."""

from __future__ import annotations

import pytest

from crawler.dates import date_from_url, to_utc_iso
from crawler.urls import canonicalize, same_site
from pipelines.normalise import choose_canonical, clean_text


@pytest.mark.parametrize("raw, expected", [
    ("https://www.themoscowtimes.com/2022/01/14/x-a1?utm_source=rss&utm_medium=feed#comments",
     "https://www.themoscowtimes.com/2022/01/14/x-a1"),
    ("https://www.themoscowtimes.com/2022/01/14/x-a1/amp", "https://www.themoscowtimes.com/2022/01/14/x-a1"),
    ("https://www.svoboda.org/a/33.html?amp=1&fbclid=abc", "https://www.svoboda.org/a/33.html"),
    ("https://m.rferl.org/a/33.html", "https://www.rferl.org/a/33.html"),
    ("HTTPS://Meduza.IO:443/news/2025/11/20/x/?gclid=1&page=2", "https://meduza.io/news/2025/11/20/x?page=2"),
])
def test_canonicalize(raw: str, expected: str) -> None:
    assert canonicalize(raw) == expected


def test_rel_canonical_only_on_same_site() -> None:
    page = "https://www.themoscowtimes.com/2022/01/14/x-a1/amp"
    assert choose_canonical(page, "https://www.themoscowtimes.com/2022/01/14/x-a1") == \
        "https://www.themoscowtimes.com/2022/01/14/x-a1"
    assert choose_canonical(page, "https://evil.example/other") == \
        "https://www.themoscowtimes.com/2022/01/14/x-a1"
    assert same_site("https://meduza.io/a", "https://www.meduza.io/b")


@pytest.mark.parametrize("raw, expected", [
    ("Fri, 14 Jan 2022 12:38:00 +0300", "2022-01-14T09:38:00+00:00"),
    ("2022-01-14T12:38:00+03:00", "2022-01-14T09:38:00+00:00"),
    ("2025-04-20T17:38:23.4598287Z", "2025-04-20T17:38:23+00:00"),
    ("not a date", None),
    # Moscow time as Russian outlets print it (dateutil alone dropped the zone: 3 h off).
    ("2025-11-20 10:00 MSK", "2025-11-20T07:00:00+00:00"),
    ("20 Nov 2025 10:00 EST", "2025-11-20T15:00:00+00:00"),
    ("Thu, 20 Nov 2025 10:00:00 MSK", "2025-11-20T07:00:00+00:00"),    # RFC 822's parser
    ("Nov 20, 2025 10:00 EET", "2025-11-20T08:00:00+00:00"),
    # Out of datetime's range once in UTC: not a date, not an error that ends an import.
    ("0001-01-01T00:00:00+01:00", None),
])
def test_dates_to_utc(raw: str, expected: str | None) -> None:
    assert to_utc_iso(raw) == expected


def test_date_from_url() -> None:
    assert date_from_url("https://x.org/2025/11/03/slug") == "2025-11-03T00:00:00+00:00"
    assert date_from_url("https://x.org/a/33423647.html") is None


def test_clean_text_nfc_and_whitespace() -> None:
    decomposed = "Е\u0308ж  \u200bи\u00a0к"          # Ё as E + combining diaeresis
    assert clean_text(decomposed) == "Ёж и к"
    assert clean_text("a\n\n\n\n b  c\r\nd", multiline=True) == "a\n\nb c\nd"


def test_site_wide_or_broken_canonical_is_ignored() -> None:
    import re
    page = "https://x.org/news/2025/11/20/story-one"
    pattern = re.compile(r"^https://x\.org/news/\d{4}/\d{2}/\d{2}/[^/]+$")
    assert choose_canonical(page, "https://x.org/") == page
    assert choose_canonical(page, "https://x.org/news", pattern) == page
    assert choose_canonical(page, "http://[::1", pattern) == page
    assert choose_canonical(page + "/amp", page, pattern) == page


def test_mobile_host_variants() -> None:
    from crawler.urls import host_variants
    assert host_variants("https://m.meduza.io/news/2025/11/20/x") == [
        "https://www.meduza.io/news/2025/11/20/x", "https://meduza.io/news/2025/11/20/x"]
    assert host_variants("https://www.rferl.org/a/1.html") == ["https://www.rferl.org/a/1.html"]


def test_canonical_urls_build_on_w3lib_and_add_what_it_does_not_know() -> None:
    """w3lib's canonicalize_url unifies spellings (percent-encoding, argument order); it keeps
    default ports, tracking parameters and AMP copies, which would split one article in two."""
    from w3lib.url import canonicalize_url
    cyrillic = "https://x.org/новости/статья?b=2&a=1"
    encoded = "https://x.org/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/" \
              "%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F?a=1&b=2"
    assert canonicalize(cyrillic) == canonicalize(encoded) == encoded
    for variant in ("https://www.svoboda.org:443/a/33.html?amp=1&utm_source=tg",
                    "https://www.svoboda.org/a/33.html/amp", "https://m.svoboda.org/a/33.html"):
        assert canonicalize_url(variant) != "https://www.svoboda.org/a/33.html"   # w3lib alone
        assert canonicalize(variant) == "https://www.svoboda.org/a/33.html"


def test_an_import_line_that_breaks_the_reader_is_that_lines_error_only() -> None:
    import json

    from crawler.importing import ImportLineError, read_import_lines
    good = {"url": "https://x.example/1", "title": "T", "text": "A court fined an activist."}
    lines = [json.dumps(good).encode(),
             json.dumps({**good, "url": "https://x.example/2",
                         "published_at": "0001-01-01T00:00:00+01:00"}).encode(),
             json.dumps({**good, "url": "https://x.example/3"}).encode()]
    read = list(read_import_lines(lines, "import"))
    assert [n for n, item in read if not isinstance(item, ImportLineError)] == [1, 3]
    assert "line 2: published_at '0001-01-01T00:00:00+01:00' is not a date" in str(read[1][1])


def test_an_import_field_of_only_whitespace_is_an_error() -> None:
    import json

    from crawler.importing import ImportLineError, read_import_lines
    good = {"url": "https://x.example/1", "title": "T", "text": "A court fined an activist."}
    lines = [json.dumps({**good, "text": "   \n "}).encode(),
             json.dumps({**good, "title": "\t"}).encode()]
    read = [str(item) for _, item in read_import_lines(lines, "import")]
    assert read == ["line 1: field(s) text hold only whitespace or control characters",
                    "line 2: field(s) title hold only whitespace or control characters"]
    assert all(isinstance(item, ImportLineError) for _, item in read_import_lines(lines, "i"))
