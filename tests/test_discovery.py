"""Feeds (RSS, Atom, RDF, cp1251/KOI8-R) and sitemaps (index, gzip, Google News)."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.sitemaps import SitemapError, parse_sitemap

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>Activist detained</title><link href="https://x.org/2025/11/20/a"/>
<id>urn:1</id><updated>2025-11-20T10:00:00+03:00</updated>
<published>2025-11-20T09:00:00+03:00</published><author><name>Anna K</name></author></entry>
</feed>"""
RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
 xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel rdf:about="https://x.org/"><title>x</title><link>https://x.org/</link></channel>
<item rdf:about="https://x.org/2025/11/19/b"><title>Court fines blogger</title>
<link>https://x.org/2025/11/19/b</link><dc:date>2025-11-19T08:00:00Z</dc:date></item>
</rdf:RDF>"""


def test_atom_and_rdf() -> None:
    (atom,) = parse_feed(ATOM, "atom")
    assert atom.url == "https://x.org/2025/11/20/a"
    assert atom.published_at == "2025-11-20T06:00:00+00:00"
    assert atom.authors == ["Anna K"]
    (rdf,) = parse_feed(RDF, "rdf")
    assert rdf.title == "Court fines blogger" and rdf.published_at == "2025-11-19T08:00:00+00:00"


@pytest.mark.parametrize("name", ["windows-1251/newsru.com.xml", "koi8-r/newsru.com.xml"])
def test_cyrillic_feeds_decode(corpus: Path, name: str) -> None:
    entries = parse_feed((corpus / "edge" / "encodings" / name).read_bytes(), name)
    assert len(entries) == 30
    assert entries[0].title.startswith("В Турции психически нездоровый мужчина")
    assert entries[0].lang == "ru"


def test_meduza_and_tmt_rss(corpus: Path) -> None:
    meduza = parse_feed((corpus / "feeds/rss/meduza/meduza-rss.xml").read_bytes(), "m")
    assert meduza and all(e.url.startswith("https://meduza.io/") for e in meduza)
    tmt = parse_feed((corpus / "themoscowtimes/rss-news.xml").read_bytes(), "t")
    assert tmt[0].published_at == "2022-01-14T09:38:00+00:00"


def test_not_a_feed() -> None:
    with pytest.raises(FeedError):
        parse_feed(b"<html><body>hello</body></html>", "page.html")


def test_sitemap_index_and_news(corpus: Path) -> None:
    base = corpus / "feeds" / "sitemaps" / "www.svoboda.org"
    index = parse_sitemap((base / "sitemap.xml").read_bytes(), "index")
    assert index.kind == "index"
    assert any(e.url.endswith("_news.xml.gz") for e in index.entries)
    news = parse_sitemap((base / "sitemap_2_news.xml.gz").read_bytes(), "news.gz")
    assert news.kind == "urlset" and news.entries
    first = news.entries[0]
    assert first.title and first.published_at and first.published_at.endswith("+00:00")
    assert first.lang == "ru"


def test_not_a_sitemap() -> None:
    with pytest.raises(SitemapError):
        parse_sitemap(b"<html/>", "x")
    with pytest.raises(SitemapError):
        parse_sitemap(b"\x1f\x8b\x08broken", "x.gz")


def test_relative_feed_links_resolved() -> None:
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
            b'<item><title>a</title><link>/news/2025/11/20/relative</link></item>'
            b'</channel></rss>')
    (entry,) = parse_feed(feed, "https://x.org/rss/all")
    assert entry.url == "https://x.org/news/2025/11/20/relative"


def test_gzipped_sitemaps_refuse_bombs_and_truncation() -> None:
    """A cut gzip stream is an error here; Scrapy's gunzip returns what it could read, which
    would silently lose the rest of the sitemap: why maybe_gunzip is our own."""
    import gzip as gzip_module

    import pytest
    from scrapy.utils.gz import gunzip

    from crawler.discovery.sitemaps import MAX_SITEMAP_BYTES, SitemapError, parse_sitemap
    urls = "".join(f"<url><loc>https://x.org/news/{i}</loc></url>" for i in range(400))
    xml = ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
           f"{urls}</urlset>").encode()
    packed = gzip_module.compress(xml)
    assert len(parse_sitemap(packed, "https://x.org/s.xml.gz").entries) == 400
    cut = packed[: len(packed) // 2]
    assert 0 < len(gunzip(cut)) < len(xml)                  # Scrapy: partial, no error
    with pytest.raises(SitemapError, match="broken gzip"):
        parse_sitemap(cut, "https://x.org/s.xml.gz")
    bomb = gzip_module.compress(b" " * (MAX_SITEMAP_BYTES + 10))
    with pytest.raises(SitemapError, match="more than"):
        parse_sitemap(bomb, "https://x.org/bomb.xml.gz")
