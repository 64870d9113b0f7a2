"""Polite defaults: robots.txt, AutoThrottle, limits, honest User-Agent, backoff."""

from __future__ import annotations

from scrapy.settings import Settings

from crawler.middlewares.backoff import BackoffRetryMiddleware


def _settings(**overrides: object) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings")
    for key, value in overrides.items():
        settings.set(key, value)
    return settings


def test_polite_defaults() -> None:
    settings = _settings()
    assert settings.getbool("ROBOTSTXT_OBEY") and settings.getbool("AUTOTHROTTLE_ENABLED")
    assert settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") <= 2
    assert settings.getint("DOWNLOAD_MAXSIZE") <= 10 * 1024 * 1024
    assert settings.getint("DOWNLOAD_TIMEOUT") <= 30 and settings.getint("RETRY_TIMES") >= 2
    agent = settings.get("USER_AGENT")
    assert agent.startswith("newsmon/") and settings.get("NEWSMON_CONTACT_URL") in agent


def test_backoff_grows_and_honours_retry_after() -> None:
    middleware = BackoffRetryMiddleware(_settings(NEWSMON_RETRY_BACKOFF_BASE=2.0,
                                                  NEWSMON_RETRY_BACKOFF_MAX=60.0))
    waits = [middleware.delay_for(attempt) for attempt in (1, 2, 3, 4)]
    assert 1.5 <= waits[0] <= 2.5 and 12 <= waits[3] <= 20
    assert all(b > a for a, b in zip(waits, waits[1:]))
    assert middleware.delay_for(10) == 60.0
    assert middleware.delay_for(1, b"7") == 7.0
    assert middleware.delay_for(1, b"999") == 60.0
