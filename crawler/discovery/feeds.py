"""Turn an RSS 2.0, Atom or RDF feed into article links with their title/date hints."""

from __future__ import annotations

import html
import logging
import re
import time
from urllib.parse import urljoin
from dataclasses import dataclass, field
from datetime import datetime, timezone

import feedparser

from crawler.dates import to_utc_iso

logger = logging.getLogger(__name__)
_TAGS = re.compile(r"<[^>]+>")


class FeedError(ValueError):
    """The document is not a feed we can read."""


@dataclass
class FeedEntry:
    url: str
    title: str | None = None
    published_at: str | None = None
    modified_at: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    lang: str | None = None


def _struct_to_iso(value: time.struct_time | None) -> str | None:
    if not value:
        return None
    return to_utc_iso(datetime(*value[:6], tzinfo=timezone.utc))


def _plain(value: str | None) -> str | None:
    if not value:
        return None
    return " ".join(html.unescape(_TAGS.sub(" ", value)).split()) or None


def parse_feed(body: bytes, url: str, content_type: str | None = None) -> list[FeedEntry]:
    """Parse feed bytes (any declared encoding); raise FeedError when nothing is a feed."""
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        reason = parsed.get("bozo_exception")
        raise FeedError(f"{url}: not an RSS/Atom/RDF feed ({reason or 'no entries'})")
    if parsed.get("bozo") and parsed.entries:
        logger.debug("feed %s is not well-formed but readable: %s", url,
                     parsed.get("bozo_exception"))
    feed_lang = (parsed.feed.get("language") or "").split("-")[0].lower() or None
    entries: list[FeedEntry] = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            guid = entry.get("id") or ""
            link = guid if guid.startswith(("http://", "https://")) else None
        if not link:
            continue
        link = urljoin(url, link.strip())
        authors = [a.get("name") for a in entry.get("authors", []) if a.get("name")]
        if not authors and entry.get("author"):
            authors = [entry["author"]]
        keywords = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
        entries.append(FeedEntry(
            url=link.strip(),
            title=(entry.get("title") or "").strip() or None,
            # RSS 1.0 (dc:date) and some Atom feeds carry only an update time.
            published_at=_struct_to_iso(dict.get(entry, "published_parsed"))
            or _struct_to_iso(dict.get(entry, "updated_parsed")),
            modified_at=_struct_to_iso(dict.get(entry, "updated_parsed")),
            description=_plain(entry.get("summary")),
            authors=authors,
            keywords=keywords,
            lang=(entry.get("language") or "").split("-")[0].lower() or feed_lang,
        ))
    return entries
