"""Retries with exponential backoff: Scrapy's RetryMiddleware, waiting before each retry."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Request, Response
from scrapy.settings import BaseSettings
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater


class BackoffRetryMiddleware(RetryMiddleware):
    """Same retry rules as Scrapy's (RETRY_TIMES, RETRY_HTTP_CODES), plus a growing wait."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("NEWSMON_RETRY_BACKOFF_BASE", 2.0)
        self.cap = settings.getfloat("NEWSMON_RETRY_BACKOFF_MAX", 60.0)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        middleware = cls(crawler.settings)
        middleware.crawler = crawler
        return middleware

    def delay_for(self, attempt: int, retry_after: bytes | None = None) -> float:
        if retry_after:
            told = retry_after_seconds(retry_after.decode("latin-1"))
            if told is not None:
                return min(self.cap, told)
        wait = self.base * (2 ** max(0, attempt - 1))
        return min(self.cap, wait * random.uniform(0.75, 1.25))

    async def _wait(self, retry: Request, response: Response | None) -> None:
        retry_after = response.headers.get(b"Retry-After") if response is not None else None
        delay = self.delay_for(int(retry.meta.get("retry_times", 1)), retry_after)
        if delay > 0:
            if self.crawler.stats is not None:
                self.crawler.stats.inc_value("newsmon/retry/backoff_waits")
            await maybe_deferred_to_future(deferLater(reactor, delay, lambda: None))

    async def process_response(self, request: Request,  # type: ignore[override]
                               response: Response) -> Request | Response:
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response)
        return result

    async def process_exception(self, request: Request,  # type: ignore[override]
                                exception: Exception) -> Request | Response | None:
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result


def retry_after_seconds(value: str, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: a number of seconds or an HTTP date."""
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, moment.timestamp() - (time.time() if now is None else now))
