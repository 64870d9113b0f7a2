"""Pipeline stage 2: canonical URL, Unicode NFC and whitespace on every text field."""

from __future__ import annotations

import logging
import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import Article
from crawler.urls import canonicalize, same_site
from pipelines.language import detect_language, normalise_lang
from pipelines.offload import OffReactorStage

# Longest value kept per field (characters; lists: items and characters per item). A longer
# value is cut, and the cut counted as newsmon/limits/<field>: a 2 MB "title" is markup gone
# wrong, not a title. 1,000,000 characters of text is about 150,000 words.
LIMITS = {"title": 1000, "description": 5000, "section": 200, "image_url": 2000,
          "text": 1_000_000}
LIST_LIMITS = {"authors": (20, 200), "keywords": (50, 100)}

logger = logging.getLogger(__name__)

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_MANY_BREAKS = re.compile(r"\n{3,}")


def clean_text(value: str | None, multiline: bool = False) -> str | None:
    """NFC, no zero-width characters, single spaces; paragraphs kept apart by one blank line."""
    if value is None:
        return None
    value = _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", value))
    if not multiline:
        return " ".join(value.split()) or None
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in value.split("\n")]
    return _MANY_BREAKS.sub("\n\n", "\n".join(lines)).strip() or None


def drop_repeated_title(text: str, title: str | None) -> str:
    """Some markups put the headline inside the body container (some twice): keep it out of
    the text. Idempotent: a shared crawl's ingest normalises a worker's article again, and
    must find the text the worker fingerprinted and profiled."""
    if not title:
        return text
    folded = " ".join(title.lower().split())
    while True:
        first, _, rest = text.partition("\n\n")
        if not rest or " ".join(first.lower().split()) != folded:
            return text
        text = rest


def choose_canonical(fetched_url: str, declared: str | None,
                     article_re: re.Pattern[str] | None = None) -> str:
    """rel=canonical when it is a page of the same site, else the page's own URL.

    A canonical pointing at the site's home page or, when the source's article pattern is
    known, at anything that is not an article URL (templates that put the section or home
    page there) is ignored: trusting it would merge different stories into one row.
    """
    own = canonicalize(fetched_url)
    if not declared:
        return own
    declared = declared.strip()
    if declared.startswith("//"):
        declared = fetched_url.split(":", 1)[0] + ":" + declared
    try:
        if not (declared.startswith(("http://", "https://"))
                and same_site(fetched_url, declared)):
            return own
        candidate = canonicalize(declared)
    except ValueError:                       # e.g. href="http://[::1" (bad IPv6 literal)
        return own
    if urlsplit(candidate).path in ("", "/"):
        return own
    if article_re is not None and not article_re.search(candidate) \
            and article_re.search(own):
        return own
    return candidate


def cap_fields(article: Article) -> list[str]:
    """Cut fields longer than LIMITS; return the names of those cut."""
    cut = []
    for name, limit in LIMITS.items():
        value = getattr(article, name)
        if isinstance(value, str) and len(value) > limit:
            setattr(article, name, value[:limit - 1].rstrip() + "…")
            cut.append(name)
    for name, (items, chars) in LIST_LIMITS.items():
        values = getattr(article, name)
        capped = [v[:chars] for v in values[:items]]
        if capped != values:
            setattr(article, name, capped)
            cut.append(name)
    return cut


def normalise_article(article: Article, article_re: re.Pattern[str] | None = None) -> Article:
    article.canonical_url = choose_canonical(article.url, article.canonical_url, article_re)
    # The stored URL is the canonical one; the URL actually fetched becomes an alias.
    if article.url != article.canonical_url:
        article.aliases.append(article.url)
        article.url = article.canonical_url
    article.aliases = [a for a in dict.fromkeys(article.aliases) if a != article.url]
    article.title = clean_text(article.title)
    article.description = clean_text(article.description)
    article.section = clean_text(article.section)
    article.text = drop_repeated_title(clean_text(article.text, multiline=True) or "",
                                       article.title)
    article.authors = [a for a in (clean_text(x) for x in article.authors) if a]
    article.keywords = [k for k in (clean_text(x) for x in article.keywords) if k]
    article.word_count = len(article.text.split())
    # Articles that did not come through extraction (imports) get their language here.
    if article.lang_detected is None:
        article.lang_detected = detect_language(article.text)
    article.lang_declared = normalise_lang(article.lang_declared)
    article.lang = article.lang or article.lang_detected or article.lang_declared
    return article


class NormalisePipeline(OffReactorStage):
    handles = Article

    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler.stats)

    def process(self, item: Any) -> Any:
        if isinstance(getattr(item, "story_profile", None), dict):
            # Sent by a worker of a shared crawl, which ran this stage and fingerprinted and
            # profiled the result: the ingest stores that text as it is.
            return item
        article = normalise_article(item, item.article_re)
        cut = cap_fields(article)
        for name in cut:
            logger.warning("%s: %s longer than %s characters; cut", article.url, name,
                           LIMITS.get(name) or LIST_LIMITS[name])
            if self.stats is not None:
                self.stats.inc_value(f"newsmon/limits/{name}")
        if "text" in cut:
            article.word_count = len(article.text.split())
        return article
