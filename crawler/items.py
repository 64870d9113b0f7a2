"""Items that flow from the spiders through the pipelines, each carrying the facts later stages need.

A spider yields a PageItem (raw bytes plus what discovery knew and why the page was fetched);
the extract stage turns it into an Article or, for a rechecked page that is gone, a Removal.
No stage reads the spider: what a rule needs travels on the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from scrapy.exceptions import DropItem

from crawler.dates import to_utc
from crawler.sources import ExtractRules

# A rechecked article that answers one of these is gone (removed by the outlet).
GONE_STATUSES = (404, 410, 451)
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Why a page was fetched: a crawl of a source's feeds, sitemaps and listings, or a recheck of
# an article already stored (for edits and takedowns).
PURPOSES = ("crawl", "recheck", "import", "reprocess")


@dataclass(frozen=True)
class Window:
    """The publication window of a crawl (`since` / `until` spider arguments)."""

    since: datetime | None = None
    until: datetime | None = None         # exclusive

    def contains(self, published: str | datetime | None) -> bool:
        """Whether a publication date is inside; an unknown date is never excluded."""
        moment = to_utc(published)
        if moment is None:
            return True
        if self.since is not None and moment < self.since:
            return False
        return self.until is None or moment < self.until

    @property
    def bounded(self) -> bool:
        return self.since is not None or self.until is not None


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
    via: str = "listing"                  # feed | sitemap | listing | recheck
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
    # The source's article URL pattern: which canonical URLs and redirect targets are articles.
    article_pattern: str | None = None
    rules: ExtractRules | None = None     # the source's own extraction rules, if any
    window: Window = field(default_factory=Window)
    purpose: str = "crawl"                # one of PURPOSES

    def __repr__(self) -> str:               # logs never print a whole page
        return (f"PageItem(source={self.source!r}, url={self.url!r}, status={self.status}, "
                f"body={len(self.body)} bytes, purpose={self.purpose!r})")

    def __post_init__(self) -> None:
        if self.purpose not in PURPOSES:
            raise ValueError(f"PageItem.purpose {self.purpose!r} is not one of {PURPOSES}")

    @property
    def recheck(self) -> bool:
        return self.purpose == "recheck"

    @property
    def gone(self) -> bool:
        return self.recheck and self.status in GONE_STATUSES


@dataclass
class Article:
    """One extracted article, before normalisation and storage."""

    url: str
    canonical_url: str
    source: str
    title: str | None
    text: str
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published_at: str | None = None
    published_from: str | None = None
    modified_at: str | None = None
    modified_from: str | None = None
    lang: str | None = None
    lang_declared: str | None = None
    lang_detected: str | None = None
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    image_url: str | None = None
    word_count: int = 0
    text_hash: str = ""                   # set by the dedupe stage (pipelines/fingerprint.py)
    discovered_via: str | None = None
    encoding: str | None = None
    http_status: int | None = None
    fetched_at: str | None = None
    paywalled: bool = False               # the page says only subscribers read all of it
    # How many of the source's extraction rules matched nothing on this page (None: the
    # source has none); a source whose rules stop matching has changed its pages.
    extract_rules_missed: int | None = None
    aliases: list[str] = field(default_factory=list)
    article_pattern: str | None = None    # from the PageItem: for the canonical URL choice
    purpose: str = "crawl"                # from the PageItem (import: from the import file)
    tags: dict[str, Any] | None = None    # set by the tag stage (pipelines/tag.py)
    fingerprint: Any = None               # set by the dedupe stage (pipelines/dedupe.py)
    story_profile: Any = None             # ... with the story linker's profile and keys
    story_keys: list[str] = field(default_factory=list)
    search_stems: tuple[str, str] | None = None    # title and text as stems (search index)
    # Set by the store stage once the article's batch is committed: new, updated, unchanged,
    # linked or failed (with the database's reason).
    stored: str | None = None
    store_error: str | None = None

    _NOT_COLUMNS = ("aliases", "article_pattern", "purpose", "tags", "fingerprint", "stored",
                    "store_error", "story_profile", "story_keys", "search_stems")

    def __repr__(self) -> str:               # logs never print a whole text
        return (f"Article(source={self.source!r}, url={self.url!r}, "
                f"title={(self.title or '')[:80]!r}, words={self.word_count})")

    @property
    def article_re(self) -> re.Pattern[str] | None:
        return re.compile(self.article_pattern) if self.article_pattern else None

    def as_row(self) -> dict[str, Any]:
        """The article's columns. Not dataclasses.asdict: that deep-copies the tags, the
        fingerprint and the story profile only to drop them (1.8 ms an article)."""
        return {f.name: list(value) if isinstance(value, list) else value
                for f in fields(self) if f.name not in self._NOT_COLUMNS
                for value in (getattr(self, f.name),)}


@dataclass
class Removal:
    """A stored article that is gone: 404/410/451, or a redirect to a page that is not it."""

    url: str
    requested_url: str
    source: str
    status: int
    reason: str
    checked_at: str


@dataclass
class Unstored:
    """A page that will not be stored, and why; the store records it (`unstored_pages`).

    kind "error": the fetch failed or the response was cut short (the next crawl fetches the
    URL again); kind "dropped": a decision (not an article, too large, robots.txt).
    """

    source: str
    url: str
    reason: str                            # short key: http_503, timeout, truncated, ...
    kind: str = "error"
    stage: str = "fetch"                   # discovery, fetch, extract, store
    detail: str | None = None
    final_url: str | None = None
    http_status: int | None = None
    at: str | None = None                  # when it was given up (a worker stamps it)
    record_key: str | None = None          # a worker's id of the record: stored once


@dataclass
class Capture:
    """A raw response kept as evidence, as a worker of a shared crawl sent it to the ingest
    (a local crawl keeps its PageItem's instead)."""

    url: str
    requested_url: str | None
    source: str
    fetched_at: str
    status: int
    headers: dict[str, str]
    compressed: bytes                     # the body, zstd-compressed by the worker
    sha256: str                           # of the body
    size: int                             # of the body

    def __repr__(self) -> str:
        return f"Capture(url={self.url!r}, body={self.size} bytes)"


@dataclass
class WorkerOutcome:
    """How one worker's part of a shared crawl ended; the ingest records it in crawl_runs."""

    source: str
    worker: str
    started_at: str
    finished_at: str
    status: str
    reason: str | None = None
    error: str | None = None
    counters: dict[str, int] = field(default_factory=dict)
    stats: dict[str, Any] = field(default_factory=dict)


@dataclass
class Seen:
    """Stored articles a worker of a shared crawl found in a feed again (last_seen_at)."""

    urls: list[str]


class Dropped(DropItem):
    """A stage decided not to pass an item on; `record` says whether it is a page not stored
    (recorded in unstored_pages) or merely a repeat of one that was (a URL passed twice)."""

    def __init__(self, reason: str, message: str, *, stage: str, kind: str = "dropped",
                 record: bool = True, log_level: str = "INFO") -> None:
        super().__init__(message, log_level=log_level)
        self.reason = reason
        self.stage = stage
        self.kind = kind
        self.record = record
