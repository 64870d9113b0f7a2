"""The one spider class: discovers a source's articles via feeds, sitemaps and section pages."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any, ClassVar

import scrapy
from scrapy.exceptions import CloseSpider, IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.dates import WindowBoundError, parse_window_bound, to_utc, utc_now_iso
from crawler.discovery.feeds import FeedError, parse_feed
from crawler.discovery.sitemaps import SitemapEntry, SitemapError, parse_sitemap
from crawler.items import GONE_STATUSES, REDIRECT_STATUSES, Hints, PageItem, Unstored, Window
from crawler.middlewares.integrity import IncompleteResponse, RedirectRefused
from crawler.sources import Listing, Source
from crawler.urls import host_matches, host_variants, strip_tracking

MAX_SITEMAP_DEPTH = 3
_NEWS_SITEMAP = re.compile(r"(news|latest|recent)[^/]*\.xml(\.gz)?$", re.IGNORECASE)
_HTTP_HEADERS_KEPT = ("content-type", "content-language", "etag", "last-modified", "date",
                      "x-robots-tag", "link", "location")

# Discovery requests (feeds, sitemaps, listings) are revalidated with conditional GET; a 304
# answer must reach the spider instead of being filtered as an HTTP error.
DISCOVERY_META = {"handle_httpstatus_list": [304]}


class SpiderArgumentError(ValueError):
    """A spider argument (-a name=value) is malformed."""


def parse_max_articles(value: str | int | None) -> int | None:
    if value in (None, ""):
        return None
    try:
        number = int(value)  # type: ignore[arg-type]
    except ValueError:
        raise SpiderArgumentError(f"max_articles={value!r}: expected a whole number") from None
    if number < 1:
        raise SpiderArgumentError("max_articles must be at least 1")
    return number


class SourceSpider(scrapy.Spider):
    """Crawl one configured source. The spider loader makes one subclass per source.

    Arguments (``scrapy crawl <id> -a since=7d -a until=2025-11-30 -a max_articles=50``):
    ``since``/``until`` bound the publication dates hinted by feeds and sitemaps (articles with
    no hint are fetched and checked after extraction); ``max_articles`` caps article requests.
    """

    source: ClassVar[Source]

    def __init__(self, *args: Any, since: str | None = None, until: str | None = None,
                 max_articles: str | int | None = None,
                 recheck_urls: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A bad argument (scrapy crawl -a since=soon) does not raise here, which Scrapy would
        # print as a traceback: the crawl records it as a failed run and ends (see start()).
        self.argument_error: str | None = None
        self.window = Window()
        self.max_articles: int | None = None
        try:
            self.window = Window(parse_window_bound(since, "since"),
                                 parse_window_bound(until, "until", end_of_day=True))
            self.max_articles = parse_max_articles(max_articles)
        except (WindowBoundError, SpiderArgumentError) as exc:
            self.argument_error = f"spider argument {exc}"
        # recheck_urls: stored articles to fetch again for edits and takedowns, instead of
        # reading feeds (`newsmon recheck` passes them in-process).
        self.recheck_urls = list(recheck_urls or [])
        self.purpose = "recheck" if recheck_urls is not None else "crawl"
        # A capped or windowed run sees part of each feed: it must not record feed validators,
        # or the next full run would get 304 and never fetch what this one left out.
        self.partial = bool(self.window.bounded or self.max_articles)
        # Feeds, sitemaps and listings one of whose articles failed: revalidate them next run.
        self.incomplete_discovery: set[str] = set()
        self._sitemaps_seen: set[str] = set()
        self._listing_pages_seen: set[str] = set()
        self._article_re = self.source.article_re

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        if settings.get("NEWSMON_REDIS_URL"):
            # One worker of the shared crawl of this source (crawler/shared.py).
            from crawler.shared import apply_redis_settings
            apply_redis_settings(settings)

    # -- start -------------------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        if self.argument_error:
            self.logger.error("%s: %s", self.source.id, self.argument_error)
            assert self.crawler.stats is not None
            self.crawler.stats.set_value("newsmon/argument_error", self.argument_error)
            raise CloseSpider("bad_argument")
        for item in self.start_requests():
            yield item

    def start_requests(self) -> Iterator[Request]:
        if self.purpose == "recheck":
            yield from self._recheck_requests()
            return
        for url in self.source.feeds:
            yield self._discovery_request(url, "feed", self.parse_feed)
        for url in self.source.sitemaps:
            self._sitemaps_seen.add(url)
            yield self._discovery_request(url, "sitemap", self.parse_sitemap,
                                          cb_kwargs={"depth": 0})
        for listing in self.source.listings:
            self._listing_pages_seen.add(listing.url)
            yield self._discovery_request(listing.url, "listing", self.parse_listing,
                                          cb_kwargs={"listing": listing, "page": 1})

    def _discovery_request(self, url: str, kind: str, callback: Any,
                           cb_kwargs: dict[str, Any] | None = None) -> Request:
        return Request(url, callback=callback, errback=self.on_error, cb_kwargs=cb_kwargs or {},
                       meta={"newsmon_kind": kind, **DISCOVERY_META}, priority=10,
                       dont_filter=True)

    def _recheck_requests(self) -> Iterator[Request]:
        for url in self.recheck_urls:
            yield Request(url, callback=self.parse_article, errback=self.on_error,
                          cb_kwargs={"hints": Hints(via="recheck")}, dont_filter=True,
                          meta={**self._article_meta("recheck"), "handle_httpstatus_list":
                                list(GONE_STATUSES) + list(REDIRECT_STATUSES)})

    # -- discovery ---------------------------------------------------------------------

    def _count(self, key: str, value: int = 1) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"newsmon/{key}", value)

    def _unchanged(self, response: Response, kind: str) -> bool:
        if response.status == 304:
            self._count(f"discovery/{kind}_not_modified")
            self.logger.debug("%s not modified since last crawl: %s", kind, response.url)
            return True
        return False

    def _discovery_failure(self, response: Response, reason: str, detail: str) -> Unstored:
        kind = response.meta.get("newsmon_kind", "feed")
        self._count(f"errors/{kind}")
        self.logger.warning("source %s: %s", self.source.id, detail)
        return Unstored(self.source.id, response.url, reason, stage="discovery", detail=detail,
                        http_status=response.status)

    def parse_feed(self, response: Response) -> Iterator[Request | Unstored]:
        if self._unchanged(response, "feed"):
            return
        try:
            content_type = response.headers.get("Content-Type") or b""
            entries = parse_feed(response.body, response.url, content_type.decode("latin-1"))
        except FeedError as exc:
            yield self._discovery_failure(response, "not_a_feed", str(exc))
            return
        self._count("discovery/feed_entries", len(entries))
        for entry in entries:
            hints = Hints(title=entry.title, published_at=entry.published_at,
                          modified_at=entry.modified_at,
                          description=entry.description, keywords=entry.keywords,
                          authors=entry.authors, lang=entry.lang, via="feed",
                          discovered_from=response.url)
            request = self._article_request(entry.url, hints)
            if request is not None:
                yield request

    def parse_sitemap(self, response: Response, depth: int = 0
                      ) -> Iterator[Request | Unstored]:
        if self._unchanged(response, "sitemap"):
            return
        try:
            sitemap = parse_sitemap(response.body, response.url)
        except SitemapError as exc:
            yield self._discovery_failure(response, "not_a_sitemap", str(exc))
            return
        if sitemap.kind == "index":
            if depth >= MAX_SITEMAP_DEPTH:
                self._count("discovery/sitemap_too_deep")
                self.logger.warning("source %s: sitemap index %s nested deeper than %d levels",
                                    self.source.id, response.url, MAX_SITEMAP_DEPTH)
                return
            for entry in self._fresh_children(sitemap.entries):
                if entry.url in self._sitemaps_seen:       # an index that lists itself
                    self._count("discovery/sitemap_loops")
                    continue
                self._sitemaps_seen.add(entry.url)
                yield self._discovery_request(entry.url, "sitemap", self.parse_sitemap,
                                              cb_kwargs={"depth": depth + 1})
            return
        self._count("discovery/sitemap_entries", len(sitemap.entries))
        for entry in sitemap.entries:
            hints = Hints(title=entry.title, published_at=entry.published_at,
                          modified_at=entry.lastmod, keywords=entry.keywords, lang=entry.lang,
                          via="sitemap", discovered_from=response.url)
            request = self._article_request(entry.url, hints)
            if request is not None:
                yield request

    def _fresh_children(self, entries: list[SitemapEntry]) -> list[SitemapEntry]:
        """Child sitemaps worth reading: news/latest ones, recent ones, else the newest.

        Outlets keep their archive in dated child sitemaps (RFE/RL: sitemap_8_1..10) next to a
        Google News and a "latest" sitemap; a monitoring crawl reads the latter and leaves the
        archive alone unless `since` reaches back into it.
        """
        horizon = self._sitemap_horizon()
        on_site = [e for e in entries if host_matches(e.url, self.source.allowed_domains)]
        has_news = any(_NEWS_SITEMAP.search(e.url) for e in on_site)
        chosen = [e for e in on_site
                  if _NEWS_SITEMAP.search(e.url)
                  # undated children are read only when nothing marks the news sitemap
                  or (to_utc(e.lastmod) is None and not has_news)
                  or (to_utc(e.lastmod) is not None
                      and to_utc(e.lastmod) >= horizon)]  # type: ignore[operator]
        if not chosen and on_site:
            chosen = [max(on_site, key=lambda e: to_utc(e.lastmod))]  # type: ignore[arg-type,return-value]
        self._count("discovery/sitemaps_skipped_old", len(on_site) - len(chosen))
        return chosen

    def _sitemap_horizon(self) -> datetime:
        """Child sitemaps last modified before this are archives: skip them."""
        if self.window.since is not None:
            return self.window.since
        days = self.settings.getint("NEWSMON_SITEMAP_MAX_AGE_DAYS", 30)
        return datetime.now(timezone.utc) - timedelta(days=days)

    def parse_listing(self, response: Response, listing: Listing, page: int
                      ) -> Iterator[Request | Unstored]:
        if self._unchanged(response, "listing"):
            return
        if not isinstance(response, TextResponse):
            yield self._discovery_failure(response, "not_html", "the section page is not HTML")
            return
        pattern = re.compile(listing.article_url_pattern) if listing.article_url_pattern \
            else self._article_re
        # Domains are checked in _article_request (LinkExtractor's allow_domains ignores IPs).
        extractor = LinkExtractor(unique=True)
        found = 0
        for link in extractor.extract_links(response):
            if pattern.search(strip_tracking(link.url)):
                found += 1
                hints = Hints(title=link.text.strip() or None, via="listing",
                              discovered_from=response.url)
                request = self._article_request(link.url, hints, pattern)
                if request is not None:
                    yield request
        self._count("discovery/listing_links", found)
        if page >= listing.max_pages:
            return
        next_url = self._next_page(response, listing)
        if next_url in self._listing_pages_seen:      # pages that point back: a loop
            self._count("discovery/listing_loops")
        elif next_url:
            self._listing_pages_seen.add(next_url)
            yield self._discovery_request(next_url, "listing", self.parse_listing,
                                          cb_kwargs={"listing": listing, "page": page + 1})

    @staticmethod
    def _next_page(response: Response, listing: Listing) -> str | None:
        candidates = response.xpath(
            "//link[@rel='next']/@href | //a[contains(concat(' ', normalize-space(@rel), ' '),"
            " ' next ')]/@href").getall()
        if listing.next_page_pattern:
            next_re = re.compile(listing.next_page_pattern)
            candidates += [h for h in response.xpath("//a/@href").getall()
                           if next_re.search(response.urljoin(h))]
        for href in candidates:
            url = response.urljoin(href.strip())
            if url != response.url:
                return url
        return None

    # -- articles ----------------------------------------------------------------------

    def _article_request(self, url: str, hints: Hints,
                         pattern: re.Pattern[str] | None = None) -> Request | None:
        url = html.unescape(url.strip())
        clean = strip_tracking(url)
        article_re = pattern or self._article_re
        target = clean
        if not article_re.search(clean):
            target = next((v for v in host_variants(clean) if article_re.search(v)), clean)
        if not article_re.search(target):
            self._count("discovery/links_not_articles")
            self.logger.debug("not an article URL for %s: %s", self.source.id, url)
            return None
        if not host_matches(target, self.source.allowed_domains):
            self._count("discovery/links_offsite")
            return None
        if not self.window.contains(hints.published_at):
            self._count("discovery/outside_window")
            return None
        # max_articles is enforced by ArticleCapMiddleware, after stored articles are skipped.
        return Request(target, callback=self.parse_article, errback=self.on_error,
                       cb_kwargs={"hints": hints},
                       meta=self._article_meta("article", article_re.pattern))

    def _article_meta(self, kind: str, pattern: str | None = None) -> dict[str, Any]:
        """What the redirect policy checks a redirect of this request against."""
        return {"newsmon_kind": kind, "newsmon_domains": list(self.source.allowed_domains),
                "newsmon_article_pattern": pattern or self.source.article_url_pattern}

    def retry_request(self, url: str) -> Request | None:
        """A request for an article an earlier crawl failed to store (fetched once more)."""
        return self._article_request(url, Hints(via="retry"))

    def parse_article(self, response: Response, hints: Hints) -> Iterator[PageItem]:
        headers = {}
        for name in _HTTP_HEADERS_KEPT:
            value = response.headers.get(name)
            if value is not None:
                headers[name] = value.decode("latin-1")
        yield PageItem(
            source=self.source.id,
            url=response.url,
            # After redirects the request is the last hop; the first URL is what we asked for.
            requested_url=(response.meta.get("redirect_urls") or [response.url])[0],
            status=response.status,
            body=response.body,
            headers=headers,
            fetched_at=utc_now_iso(),
            source_languages=list(self.source.languages),
            hints=hints,
            article_pattern=self.source.article_url_pattern,
            rules=self.source.extract,
            window=self.window,
            purpose=self.purpose,
        )

    def on_error(self, failure: Failure) -> Iterator[Unstored]:
        """Count a failed request and, for an article or a discovery page, record it: a
        decision (known article, the cap, offsite) is not a failure and is not recorded."""
        request = getattr(failure, "request", None)
        kind = request.meta.get("newsmon_kind", "request") if request is not None else "request"
        reason = failure_reason(failure)
        if reason is None:
            # Known articles, the article cap, offsite links: decided, not failed.
            self._count(f"ignored/{kind}")
            return
        if reason == "robots_txt":
            self._count(f"ignored/{kind}")
            if kind == "article" and request is not None:
                yield Unstored(self.source.id, request.url, reason, kind="dropped",
                               detail="forbidden by the outlet's robots.txt")
            return
        self._count(f"errors/{kind}")
        url = request.url if request is not None else "?"
        first = (request.meta.get("redirect_urls") or [url])[0] if request is not None else url
        if kind == "article" and request is not None:
            hints = request.cb_kwargs.get("hints")
            if hints is not None and hints.discovered_from:
                self.incomplete_discovery.add(hints.discovered_from)
        self.logger.warning("source %s: %s %s failed (%s): %s", self.source.id, kind, url,
                            reason, failure.getErrorMessage())
        if kind == "recheck":
            return                  # the stored article stays as it is; not a page lost
        status = failure.value.response.status if failure.check(HttpError) else None
        yield Unstored(self.source.id, first, reason,
                       stage="discovery" if kind in ("feed", "sitemap", "listing") else "fetch",
                       detail=failure.getErrorMessage()[:500],
                       final_url=url if url != first else None, http_status=status)


def failure_reason(failure: Failure) -> str | None:
    """A short key for why a request failed; None for decisions that are not failures."""
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(IncompleteResponse):
        return "truncated"
    if failure.check(RedirectRefused):
        return "redirect_refused"
    message = failure.getErrorMessage().lower()
    if "larger than download max size" in message or "exceeded download_maxsize" in message:
        return "too_large"                 # DOWNLOAD_MAXSIZE, raw or once decompressed
    if failure.check(IgnoreRequest):
        if "max redirections" in message:
            return "too_many_redirects"
        if "robots.txt" in message:
            return "robots_txt"
        return None
    name = type(failure.value).__name__
    if "Timeout" in name or "TimedOut" in name:
        return "timeout"
    if "DataLoss" in name:                 # fewer bytes than the Content-Length announced
        return "truncated"
    if name in ("ConnectionRefusedError", "DNSLookupError", "NoRouteError",
                "DownloadConnectionRefusedError", "CannotResolveHostError"):
        return "unreachable"
    if name in ("ResponseFailed", "ConnectionLost", "ConnectionDone", "ResponseNeverReceived",
                "ConnectionAborted", "DownloadFailedError", "DownloadCancelledError"):
        return "connection_lost"
    return f"error_{name}"
