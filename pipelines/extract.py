"""Pipeline stage 1: PageItem -> Article with trafilatura; non-articles are counted and dropped."""

from __future__ import annotations

import logging
import re
import threading
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from crawler.items import REDIRECT_STATUSES, Dropped, PageItem, Removal
from crawler.urls import canonicalize
from pipelines.offload import OffReactorStage

if TYPE_CHECKING:
    from pipelines.extraction import ArticleExtractor

logger = logging.getLogger(__name__)


class ExtractPipeline(OffReactorStage):
    handles = PageItem

    def __init__(self, extractor: ArticleExtractor | None = None,
                 stats: StatsCollector | None = None, **options: Any) -> None:
        """`extractor`, or one built from `options` (ArticleExtractor's keywords) when the
        first page comes: trafilatura and its dependencies cost a crawl process about 70 ms
        of CPU to import, which a recrawl that finds nothing new need not pay."""
        self._extractor = extractor
        self._building = threading.Lock()
        self.options = options
        self.stats = stats

    @property
    def extractor(self) -> ArticleExtractor:
        with self._building:
            if self._extractor is None:
                from pipelines.extraction import ArticleExtractor
                self._extractor = ArticleExtractor(**self.options)
            return self._extractor

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        settings = crawler.settings
        return cls(None, crawler.stats,
                   min_words=settings.getint("NEWSMON_MIN_WORDS", 25),
                   favor=settings.get("NEWSMON_EXTRACT_FAVOR", "balanced"),
                   detect_text_dates=settings.getbool("NEWSMON_EXTRACT_TEXT_DATES", True),
                   max_page_chars=settings.getint("NEWSMON_MAX_PAGE_CHARS", 2_000_000))

    def _drop(self, reason: str, message: str) -> Dropped:
        if self.stats is not None:
            self.stats.inc_value(f"newsmon/extract/dropped/{reason}")
            self.stats.inc_value("newsmon/dropped")
        return Dropped(reason, message, stage="extract")

    def _removal(self, item: PageItem, reason: str) -> Removal:
        if self.stats is not None:
            self.stats.inc_value("newsmon/recheck/removed")
        return Removal(url=item.url, requested_url=item.requested_url, source=item.source,
                       status=item.status, reason=reason, checked_at=item.fetched_at)

    def process(self, item: Any) -> Any:
        if item.gone:
            return self._removal(item, f"HTTP {item.status}")
        if item.recheck and item.status in REDIRECT_STATUSES:
            # The redirect policy kept a redirect away from the article's host for us.
            return self._removal(item, f"redirected to {item.headers.get('location', '?')}")
        if item.recheck and item.url != item.requested_url and item.article_pattern \
                and not re.search(item.article_pattern, canonicalize(item.url)):
            return self._removal(item, f"redirected to {item.url}")
        from pipelines.extraction import NotAnArticle
        try:
            article = self.extractor.extract(
                item.body, item.url, source=item.source,
                content_type=item.headers.get("content-type"), hints=item.hints,
                status=item.status, fetched_at=item.fetched_at, rules=item.rules,
                languages=item.source_languages)
        except NotAnArticle as exc:
            if item.recheck:
                # A page that fails extraction now (a paywall, a block page) is not proof of
                # a takedown: count it, keep the stored article as it is.
                if self.stats is not None:
                    self.stats.inc_value(f"newsmon/recheck/check_failed/{exc.reason}")
                raise Dropped(exc.reason, f"recheck of {item.url} failed: {exc}",
                              stage="extract", record=False) from None
            raise self._drop(exc.reason, str(exc)) from None
        if not item.recheck and not item.window.contains(article.published_at):
            raise self._drop("outside_window",
                             f"outside_window: {item.url} published {article.published_at}")
        if item.requested_url != item.url:
            article.aliases.append(item.requested_url)
        if not article.lang and len(item.source_languages) == 1:
            article.lang = item.source_languages[0]
        article.article_pattern = item.article_pattern
        article.purpose = item.purpose
        if self.stats is not None:
            self.stats.inc_value("newsmon/extract/articles")
            self.stats.inc_value(f"newsmon/extract/published_from/{article.published_from}")
        return article
