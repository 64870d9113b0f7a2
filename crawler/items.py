"""Items the spiders emit: one fetched page and what discovery already knew about it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Hints:
    """What a feed or sitemap said about an article before it was fetched."""

    title: str | None = None
    published_at: str | None = None      # UTC ISO-8601
    modified_at: str | None = None       # UTC ISO-8601
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    lang: str | None = None
    via: str = "listing"                  # feed | sitemap | listing
    discovered_from: str | None = None    # the feed, sitemap or listing URL


@dataclass
class PageItem:
    """A fetched article candidate: raw bytes plus HTTP facts; the pipelines do the rest."""

    source: str
    url: str                              # the URL the response came from (after redirects)
    requested_url: str                    # the URL discovery found (before redirects)
    status: int
    body: bytes
    headers: dict[str, str]
    fetched_at: str                       # UTC ISO-8601
    source_languages: list[str] = field(default_factory=list)
    hints: Hints = field(default_factory=Hints)
    meta: dict[str, Any] = field(default_factory=dict)
