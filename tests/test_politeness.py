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


def test_a_crawl_opens_no_console_and_loads_only_what_it_runs() -> None:
    """No telnet console, no remote-control server (Scrapy 2.19 runs one by default: an
    HTTP server on localhost that executes Python code it is sent), and neither they nor
    the cookies middleware are even imported: a crawl process starts faster without them."""
    from scrapy.settings import default_settings

    settings = _settings()
    assert not settings.getbool("TELNETCONSOLE_ENABLED")
    assert not settings.getbool("REMOTE_CONTROL_ENABLED")
    never = {"scrapy.extensions.remote_control.RemoteControl",
             "scrapy.extensions.telnet.TelnetConsole",
             "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"}
    extensions = settings.getdict("EXTENSIONS_BASE")
    middlewares = settings.getdict("DOWNLOADER_MIDDLEWARES_BASE")
    assert never.isdisjoint(extensions) and never.isdisjoint(middlewares)
    # Everything else of Scrapy's defaults is still there, upgrades included.
    assert set(extensions) | set(middlewares) | never == \
        set(default_settings.EXTENSIONS_BASE) | set(default_settings.DOWNLOADER_MIDDLEWARES_BASE)


def test_backoff_grows_and_honours_retry_after() -> None:
    middleware = BackoffRetryMiddleware(_settings(NEWSMON_RETRY_BACKOFF_BASE=2.0,
                                                  NEWSMON_RETRY_BACKOFF_MAX=60.0))
    waits = [middleware.delay_for(attempt) for attempt in (1, 2, 3, 4)]
    assert 1.5 <= waits[0] <= 2.5 and 12 <= waits[3] <= 20
    assert all(b > a for a, b in zip(waits, waits[1:]))
    assert middleware.delay_for(10) == 60.0
    assert middleware.delay_for(1, b"7") == 7.0
    assert middleware.delay_for(1, b"999") == 60.0


def _throttle_start(politeness: str) -> tuple[float, float]:
    """(the delay Scrapy's AutoThrottle starts a source's crawl from, its minimum delay) for
    a source with this politeness block."""
    import tempfile
    from pathlib import Path
    from types import SimpleNamespace

    from scrapy.extensions.throttle import AutoThrottle
    from scrapy.signalmanager import SignalManager

    from crawler.loader import spider_class_for
    from crawler.sources import load_sources
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sources.yaml"
        path.write_text(
            "sources:\n  - id: own\n    name: Own\n    homepage: https://own.example/\n"
            "    languages: [en]\n    allowed_domains: [own.example]\n"
            "    article_url_pattern: '/news/'\n"
            "    discovery:\n      feeds: [https://own.example/feed.xml]\n" + politeness,
            encoding="utf-8")
        source, = load_sources(path)
    settings = _settings()
    spider_class_for(source).update_settings(settings)     # what Crawler does with it
    throttle = AutoThrottle(SimpleNamespace(settings=settings, signals=SignalManager()))
    throttle.mindelay = throttle._min_delay()
    return throttle._start_delay(), throttle.mindelay


def test_autothrottle_starts_from_the_sources_own_delay() -> None:
    """A source configured with a delay under AutoThrottle's start delay (1 s) starts from
    its own delay, not from a second's wait after its first requests; the defaults and a
    slower source's delay are as before."""
    assert _throttle_start("") == (1.0, 1.0)
    assert _throttle_start("    politeness: {download_delay: 0}\n") == (0.0, 0.0)
    assert _throttle_start("    politeness: {download_delay: 0.25}\n") == (0.25, 0.25)
    assert _throttle_start("    politeness: {download_delay: 3}\n") == (3.0, 3.0)
