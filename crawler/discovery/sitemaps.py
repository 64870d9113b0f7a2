"""Read XML sitemaps: indexes, url sets, gzipped files and Google News extensions."""

from __future__ import annotations

import gzip
import io
import zlib
from dataclasses import dataclass, field

from lxml import etree

from crawler.dates import to_utc_iso

NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
MAX_SITEMAP_BYTES = 50 * 1024 * 1024     # the sitemaps.org limit for one uncompressed file


class SitemapError(ValueError):
    """The document is not a sitemap we can read."""


@dataclass
class SitemapEntry:
    url: str
    lastmod: str | None = None
    published_at: str | None = None       # news:publication_date
    title: str | None = None              # news:title
    keywords: list[str] = field(default_factory=list)
    lang: str | None = None


@dataclass
class Sitemap:
    kind: str                              # "index" or "urlset"
    entries: list[SitemapEntry]


def maybe_gunzip(body: bytes, url: str) -> bytes:
    """Decompress gzip bodies (by magic number), refusing decompression bombs."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(body)) as handle:
            data = handle.read(MAX_SITEMAP_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise SitemapError(f"{url}: broken gzip data ({exc})") from None
    if len(data) > MAX_SITEMAP_BYTES:
        raise SitemapError(f"{url}: more than {MAX_SITEMAP_BYTES} bytes once decompressed")
    return data


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _child_text(elem: etree._Element, name: str, ns: str | None = None) -> str | None:
    for child in elem:
        if _local(child.tag) == name and (ns is None or str(child.tag).startswith("{" + ns)):
            return (child.text or "").strip() or None
    return None


def parse_sitemap(body: bytes, url: str) -> Sitemap:
    """Parse sitemap bytes (gzipped or not); raise SitemapError if it is not a sitemap."""
    data = maybe_gunzip(body, url)
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True,
                             huge_tree=True, remove_comments=True)
    try:
        root = etree.fromstring(data, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"{url}: not XML ({exc})") from None
    if root is None:
        raise SitemapError(f"{url}: empty document")
    kind = _local(root.tag)
    if kind not in ("sitemapindex", "urlset"):
        raise SitemapError(f"{url}: root element is <{kind}>, not <urlset> or <sitemapindex>")
    entries: list[SitemapEntry] = []
    for elem in root:
        if _local(elem.tag) not in ("url", "sitemap"):
            continue
        loc = _child_text(elem, "loc")
        if not loc:
            continue
        entry = SitemapEntry(url=loc, lastmod=to_utc_iso(_child_text(elem, "lastmod")))
        for news in elem:
            if _local(news.tag) != "news":
                continue
            entry.published_at = to_utc_iso(_child_text(news, "publication_date"))
            entry.title = _child_text(news, "title")
            keywords = _child_text(news, "keywords")
            if keywords:
                entry.keywords = [k.strip() for k in keywords.split(",") if k.strip()]
            for pub in news:
                if _local(pub.tag) == "publication":
                    lang = _child_text(pub, "language")
                    entry.lang = lang.split("-")[0].lower() if lang else None
        entries.append(entry)
    return Sitemap(kind="index" if kind == "sitemapindex" else "urlset", entries=entries)
