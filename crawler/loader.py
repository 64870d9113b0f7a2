"""Scrapy spider loader that makes one spider per configured source (no spider per outlet)."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from scrapy import Spider
from scrapy.http import Request
from scrapy.settings import BaseSettings

from crawler.sources import Source, SourceConfigError, load_sources
from crawler.spiders.source_spider import SourceSpider
from crawler.urls import host_matches

DEMO_SOURCES_FILE = "demo-sources.yaml"


def spider_class_for(source: Source) -> type[SourceSpider]:
    """A SourceSpider subclass bound to one source, with its politeness as custom settings."""
    custom: dict[str, Any] = {}
    if source.politeness.download_delay is not None:
        custom["DOWNLOAD_DELAY"] = source.politeness.download_delay
        # AutoThrottle starts from the larger of DOWNLOAD_DELAY and its start delay (1 s): a
        # source configured below that (its own servers, a local mirror) would wait a second
        # after its first requests for nothing. It starts from the configured delay and
        # still slows down with the server's latency.
        custom["AUTOTHROTTLE_START_DELAY"] = source.politeness.download_delay
    if source.politeness.concurrency_per_domain is not None:
        custom["CONCURRENT_REQUESTS_PER_DOMAIN"] = source.politeness.concurrency_per_domain
    if source.politeness.autothrottle is not None:
        custom["AUTOTHROTTLE_ENABLED"] = source.politeness.autothrottle
    attrs = {
        "name": source.id,
        "source": source,
        "allowed_domains": list(source.allowed_domains),
        "custom_settings": custom,
        "__doc__": f"Crawl {source.name} ({source.homepage}).",
    }
    class_name = "Spider_" + source.id.replace("-", "_")
    return type(class_name, (SourceSpider,), attrs)


class SourceSpiderLoader:
    """Implements Scrapy's SpiderLoader protocol over crawler/sources.yaml (NEWSMON_SOURCES)."""

    def __init__(self, sources: list[Source], error: SourceConfigError | None = None) -> None:
        self._sources = {source.id: source for source in sources}
        self._classes: dict[str, type[SourceSpider]] = {}
        # A sources file that does not load is raised when a spider is asked for, where the
        # crawl command reports it in one line (Scrapy builds the loader before any command
        # runs, and printed a traceback).
        self._error = error

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SourceSpiderLoader:
        configured = settings.get("NEWSMON_SOURCES") or None
        try:
            sources = load_sources(configured)
        except SourceConfigError as exc:
            return cls([], exc)
        # `newsmon demo` writes demo-sources.yaml where it runs: with no sources file named,
        # its outlets are crawlable by hand too (scrapy crawl demo-tmt, while `newsmon demo
        # --serve-only` serves them).
        demo = Path(DEMO_SOURCES_FILE)
        if configured is None and demo.is_file():
            known = {s.id for s in sources}
            sources += [s for s in load_sources(demo) if s.id not in known]
        return cls(sources)

    def load(self, spider_name: str) -> type[Spider]:
        if self._error is not None:
            raise self._error
        if spider_name not in self._sources:
            hint = (" (the demo outlets: run `newsmon demo --serve-only` here first, which "
                    "writes demo-sources.yaml)" if spider_name.startswith("demo-") else "")
            raise KeyError(f"Spider not found: {spider_name}{hint}; configured sources: "
                           f"{', '.join(sorted(self._sources))}")
        if spider_name not in self._classes:
            self._classes[spider_name] = spider_class_for(self._sources[spider_name])
        return self._classes[spider_name]

    def list(self) -> list[str]:
        if self._error is not None:
            raise self._error
        return sorted(self._sources)

    def find_by_request(self, request: Request) -> "builtins.list[str]":
        return sorted(sid for sid, source in self._sources.items()
                      if host_matches(request.url, source.allowed_domains))
