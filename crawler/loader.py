"""Scrapy spider loader that makes one spider per configured source (no spider per outlet)."""

from __future__ import annotations

import builtins
from typing import Any

from scrapy import Spider
from scrapy.http import Request
from scrapy.settings import BaseSettings

from crawler.sources import Source, load_sources
from crawler.spiders.source_spider import SourceSpider
from crawler.urls import host_matches


def spider_class_for(source: Source) -> type[SourceSpider]:
    """A SourceSpider subclass bound to one source, with its politeness as custom settings."""
    custom: dict[str, Any] = {}
    if source.politeness.download_delay is not None:
        custom["DOWNLOAD_DELAY"] = source.politeness.download_delay
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

    def __init__(self, sources: list[Source]) -> None:
        self._sources = {source.id: source for source in sources}
        self._classes: dict[str, type[SourceSpider]] = {}

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> SourceSpiderLoader:
        return cls(load_sources(settings.get("NEWSMON_SOURCES") or None))

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._sources:
            raise KeyError(f"Spider not found: {spider_name} (configured sources: "
                           f"{', '.join(sorted(self._sources))})")
        if spider_name not in self._classes:
            self._classes[spider_name] = spider_class_for(self._sources[spider_name])
        return self._classes[spider_name]

    def list(self) -> list[str]:
        return sorted(self._sources)

    def find_by_request(self, request: Request) -> "builtins.list[str]":
        return sorted(sid for sid, source in self._sources.items()
                      if host_matches(request.url, source.allowed_domains))
