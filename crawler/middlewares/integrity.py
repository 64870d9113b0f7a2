"""Responses that are not what the server meant to send are never passed on as pages.

Two downloader middlewares, placed between the downloader and Scrapy's compression and
redirect middlewares so they see what came off the wire:

- ResponseIntegrityMiddleware: a gzip body cut short (Scrapy's gunzip would return what it
  could read), and a body that ended with the connection, without Content-Length, before
  the page's end (Twisted flags it "partial") are fetched again, then failed with
  IncompleteResponse so the crawl records them and the next crawl tries again.
- RedirectPolicyMiddleware: an article request is redirected only within its host and port
  and, for a crawl, only to a URL that is itself an article of the source; anything else is
  refused (RedirectRefused) instead of followed. A recheck keeps the redirect response, which
  the extract stage reads as a takedown.
"""

from __future__ import annotations

import logging
import re
import zlib
from urllib.parse import urljoin, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.statscollectors import StatsCollector

from crawler.items import REDIRECT_STATUSES
from crawler.urls import canonicalize, host_matches

logger = logging.getLogger(__name__)

REFETCHES = 2                         # a cut response is fetched again this many times
_PAGE_END = re.compile(rb"</(html|body)\s*>\s*(<!--.*?-->\s*)*$", re.IGNORECASE | re.DOTALL)


class IncompleteResponse(IgnoreRequest):
    """The response was cut short; the message says how."""


class RedirectRefused(IgnoreRequest):
    """A redirect the crawl does not follow; the message says where it pointed."""


def gzip_complete(body: bytes) -> bool:
    """Whether a gzip body holds a whole stream (a cut one is a prefix of the real file)."""
    decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        while body:
            decompressor.decompress(body, 1 << 20)
            body = decompressor.unconsumed_tail
    except zlib.error:
        return False
    return decompressor.eof


class ResponseIntegrityMiddleware:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ResponseIntegrityMiddleware:
        return cls(crawler.stats)

    def _problem(self, request: Request, response: Response) -> str | None:
        encoding = (response.headers.get(b"Content-Encoding") or b"").lower()
        if b"gzip" in encoding and response.body and not gzip_complete(response.body):
            return "the gzip body was cut short"
        if "partial" in response.flags and response.status == 200 \
                and request.meta.get("newsmon_kind") in ("article", "recheck") \
                and b"gzip" not in encoding and not _PAGE_END.search(response.body[-4096:]):
            return ("the connection closed before the end of the page "
                    "(no Content-Length, no closing </html>)")
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        problem = self._problem(request, response)
        if problem is None:
            return response
        tries = int(request.meta.get("newsmon_refetches", 0))
        if self.stats is not None:
            self.stats.inc_value("newsmon/integrity/incomplete_responses")
        if tries < REFETCHES:
            logger.info("%s: %s; fetching it again", request.url, problem)
            retry = request.replace(dont_filter=True)
            retry.meta["newsmon_refetches"] = tries + 1
            return retry
        raise IncompleteResponse(f"{problem} ({tries + 1} times): {request.url}")


def _origin(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme, 0)
    return (parts.hostname or "").lower(), port


class RedirectPolicyMiddleware:
    def __init__(self, stats: StatsCollector | None = None) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectPolicyMiddleware:
        return cls(crawler.stats)

    def _refusal(self, request: Request, target: str) -> str | None:
        first = (request.meta.get("redirect_urls") or [request.url])[0]
        host, port = _origin(first)
        to_host, to_port = _origin(target)
        domains = request.meta.get("newsmon_domains") or (host,)
        same_place = (to_host == host and to_port == port) or (
            host_matches(target, domains) and to_port in (80, 443) and port in (80, 443))
        if not same_place:
            return f"redirected to another host or port: {target}"
        pattern = request.meta.get("newsmon_article_pattern")
        if request.meta.get("newsmon_kind") == "article" and pattern \
                and not re.search(pattern, canonicalize(target)):
            return f"redirected outside the source's articles: {target}"
        return None

    def process_response(self, request: Request, response: Response) -> Request | Response:
        kind = request.meta.get("newsmon_kind")
        location = response.headers.get(b"Location")
        if kind not in ("article", "recheck") or response.status not in REDIRECT_STATUSES \
                or not location or request.meta.get("dont_redirect"):
            return response
        target = urljoin(request.url, location.decode("latin-1").strip())
        refusal = self._refusal(request, target)
        if refusal is None:
            return response
        if self.stats is not None:
            self.stats.inc_value("newsmon/integrity/redirects_refused")
        if kind == "recheck":
            request.meta["dont_redirect"] = True      # the spider sees the redirect itself
            return response
        raise RedirectRefused(f"{refusal} (from {request.url})")
