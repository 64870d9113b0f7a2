"""Load and validate the outlet configuration (sources.yaml) into Source objects."""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from crawler.yamlfile import load_yaml

DEFAULT_SOURCES_PATH = Path(__file__).with_name("sources.yaml")

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_LANG_RE = re.compile(r"^[a-z]{2,3}$")
_HOST_RE = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class SourceConfigError(ValueError):
    """The sources file is malformed; the message names file, source and field."""

    def __init__(self, path: str | os.PathLike[str], message: str, source: str | None = None,
                 field_name: str | None = None) -> None:
        self.path = str(path)
        self.source = source
        self.field = field_name
        where = self.path
        if source is not None:
            where += f", source {source!r}"
        if field_name is not None:
            where += f", field {field_name!r}"
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class Listing:
    """A section page whose links lead to articles, followed for up to max_pages pages."""

    url: str
    max_pages: int = 1
    article_url_pattern: str | None = None
    next_page_pattern: str | None = None


@dataclass(frozen=True)
class Politeness:
    """Per-source crawl manners; None means 'use the project setting'."""

    download_delay: float | None = None
    concurrency_per_domain: int | None = None
    autothrottle: bool | None = None


@dataclass(frozen=True)
class Schedule:
    """How often `newsmon schedule` crawls a source; None means 'use the scheduler default'.

    Minutes may be fractions (0.1 = 6 seconds), which tests and demos use. With `cron` the
    source runs at those times and only failures move it; with an interval the scheduler adapts
    the interval between min_interval_minutes and max_interval_minutes to how often the source
    has something new.
    """

    interval_minutes: float | None = None
    cron: str | None = None
    min_interval_minutes: float | None = None
    max_interval_minutes: float | None = None
    jitter_seconds: float | None = None
    timeout_minutes: float | None = None


@dataclass(frozen=True)
class ExtractRules:
    """A source's own extraction rules, applied before trafilatura (CSS selectors; a value
    read from an attribute is written `selector@attribute`).

    drop: elements to remove (related-story boxes, donation banners, tag lists);
    body: the element that holds the article (trafilatura then reads only that);
    title, date, authors: where the outlet puts them, when its metadata is wrong or missing.
    """

    drop: tuple[str, ...] = ()
    body: str | None = None
    title: str | None = None
    date: str | None = None
    authors: str | None = None

    def selectors(self) -> list[tuple[str, str]]:
        """(field, selector) for every rule, for checking whether it still matches."""
        found = [("drop", s) for s in self.drop]
        found += [(name, value) for name in ("body", "title", "date", "authors")
                  if (value := getattr(self, name))]
        return found


def split_selector(selector: str) -> tuple[str, str | None]:
    """'time.x@datetime' -> ('time.x', 'datetime'); 'h1' -> ('h1', None)."""
    css, at, attribute = selector.rpartition("@")
    if at and attribute and re.fullmatch(r"[A-Za-z_:][-\w:.]*", attribute) and css:
        return css.strip(), attribute
    return selector.strip(), None


@dataclass(frozen=True)
class Source:
    id: str
    name: str
    homepage: str
    languages: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    article_url_pattern: str
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listings: tuple[Listing, ...] = ()
    politeness: Politeness = field(default_factory=Politeness)
    schedule: Schedule = field(default_factory=Schedule)
    enabled: bool = True
    extract: ExtractRules | None = None

    @property
    def article_re(self) -> re.Pattern[str]:
        return re.compile(self.article_url_pattern)

    def validators_scope(self) -> str:
        """Whom a feed's saved ETag / Last-Modified belong to: this source as configured to
        read its feeds (id, article pattern, domains, languages, discovery, extraction
        rules). A 304 skips what the last crawl already took from the feed, which holds only
        for the same source reading it the same way: another source sharing the feed, or
        this one with a corrected article pattern, must read it whole."""
        import hashlib
        import json
        from dataclasses import asdict
        decides = {"article_url_pattern": self.article_url_pattern,
                   "allowed_domains": self.allowed_domains, "languages": self.languages,
                   "feeds": self.feeds, "sitemaps": self.sitemaps,
                   "listings": [asdict(listing) for listing in self.listings],
                   "extract": asdict(self.extract) if self.extract else None}
        digest = hashlib.sha256(json.dumps(decides, sort_keys=True, default=str)
                                .encode("utf-8")).hexdigest()[:16]
        return f"{self.id}:{digest}"

    def discovery_methods(self) -> list[str]:
        methods = []
        if self.feeds:
            methods.append("feed")
        if self.sitemaps:
            methods.append("sitemap")
        if self.listings:
            methods.append("listing")
        return methods


_SOURCE_KEYS = {"id", "name", "homepage", "languages", "allowed_domains", "article_url_pattern",
                "discovery", "politeness", "schedule", "enabled", "extract"}
_EXTRACT_KEYS = {"drop", "body", "title", "date", "authors"}
_DISCOVERY_KEYS = {"feeds", "sitemaps", "listings"}
_LISTING_KEYS = {"url", "max_pages", "article_url_pattern", "next_page_pattern"}
_POLITENESS_KEYS = {"download_delay", "concurrency_per_domain", "autothrottle"}
_SCHEDULE_KEYS = {"interval_minutes", "cron", "min_interval_minutes", "max_interval_minutes",
                  "jitter_seconds", "timeout_minutes"}


class _Checker:
    """Typed field access that reports errors against one source of one file."""

    def __init__(self, path: str | os.PathLike[str], source: str | None) -> None:
        self.path = path
        self.source = source

    def fail(self, field_name: str | None, message: str) -> SourceConfigError:
        return SourceConfigError(self.path, message, self.source, field_name)

    def mapping(self, value: Any, field_name: str, allowed: set[str]) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.fail(field_name, f"must be a mapping, got {type(value).__name__}")
        unknown = sorted(set(value) - allowed)
        if unknown:
            raise self.fail(f"{field_name}.{unknown[0]}" if field_name else unknown[0],
                            f"unknown key (allowed: {', '.join(sorted(allowed))})")
        return value

    def string(self, data: dict[str, Any], key: str, prefix: str = "",
               required: bool = True) -> str | None:
        value = data.get(key)
        name = prefix + key
        if value is None:
            if required:
                raise self.fail(name, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(name, f"must be a non-empty string, got {value!r}")
        return value.strip()

    def url(self, value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise self.fail(name, f"must be a URL string, got {value!r}")
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.fail(name, f"must be an absolute http(s) URL, got {value!r}")
        return value.strip()

    def url_list(self, data: dict[str, Any], key: str, prefix: str) -> tuple[str, ...]:
        value = data.get(key) or []
        if not isinstance(value, list):
            raise self.fail(prefix + key, "must be a list of URLs")
        return tuple(self.url(v, f"{prefix}{key}[{i}]") for i, v in enumerate(value))

    def regex(self, value: str | None, name: str) -> str | None:
        if value is None:
            return None
        try:
            re.compile(value)
        except re.error as exc:
            raise self.fail(name, f"is not a valid regular expression: {exc}") from None
        return value

    def positive_int(self, value: Any, name: str, default: int | None) -> int | None:
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise self.fail(name, f"must be a positive integer, got {value!r}")
        return value

    def boolean(self, value: Any, name: str, default: bool | None) -> bool | None:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(name, f"must be true or false, got {value!r}")
        return value


def _politeness(check: _Checker, raw: Any, name: str, base: Politeness) -> Politeness:
    data = check.mapping(raw, name, _POLITENESS_KEYS)
    delay = data.get("download_delay", base.download_delay)
    if delay is not None and (isinstance(delay, bool) or not isinstance(delay, (int, float))
                              or delay < 0):
        raise check.fail(f"{name}.download_delay", f"must be a number >= 0, got {delay!r}")
    return Politeness(
        download_delay=None if delay is None else float(delay),
        concurrency_per_domain=check.positive_int(data.get("concurrency_per_domain"),
                                                  f"{name}.concurrency_per_domain",
                                                  base.concurrency_per_domain),
        autothrottle=check.boolean(data.get("autothrottle"), f"{name}.autothrottle",
                                   base.autothrottle),
    )


def _positive_number(check: _Checker, data: dict[str, Any], key: str, name: str,
                     default: float | None, allow_zero: bool = False) -> float | None:
    value = data.get(key)
    if value is None:
        return default
    if (isinstance(value, bool) or not isinstance(value, (int, float))
            or not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero)):
        bound = ">= 0" if allow_zero else "> 0"
        raise check.fail(f"{name}.{key}", f"must be a number {bound}, got {value!r}")
    return float(value)


def _schedule(check: _Checker, raw: Any, name: str, base: Schedule) -> Schedule:
    data = check.mapping(raw, name, _SCHEDULE_KEYS)
    cron = check.string(data, "cron", f"{name}.", required=False)
    if cron is not None:
        from crawler.crontab import CrontabError, cron_trigger
        try:
            cron_trigger(cron)
        except CrontabError as exc:
            raise check.fail(f"{name}.cron", f"is not a valid crontab expression: {exc}") from None
    interval = _positive_number(check, data, "interval_minutes", name, base.interval_minutes)
    if "interval_minutes" in data and "cron" not in data:
        cron = None                     # a source's own interval overrides a default cron
    elif cron is None and "interval_minutes" not in data:
        cron = base.cron
    schedule = Schedule(
        interval_minutes=interval, cron=cron,
        min_interval_minutes=_positive_number(check, data, "min_interval_minutes", name,
                                              base.min_interval_minutes),
        max_interval_minutes=_positive_number(check, data, "max_interval_minutes", name,
                                              base.max_interval_minutes),
        jitter_seconds=_positive_number(check, data, "jitter_seconds", name,
                                        base.jitter_seconds, allow_zero=True),
        timeout_minutes=_positive_number(check, data, "timeout_minutes", name,
                                         base.timeout_minutes),
    )
    if "cron" in data and "interval_minutes" in data:
        raise check.fail(f"{name}.cron", "give either cron or interval_minutes, not both")
    low, high = schedule.min_interval_minutes, schedule.max_interval_minutes
    if low is not None and high is not None and low > high:
        raise check.fail(f"{name}.min_interval_minutes",
                         f"is larger than max_interval_minutes ({low:g} > {high:g})")
    for bound, key, bad in ((low, "min_interval_minutes", lambda b, i: b > i),
                            (high, "max_interval_minutes", lambda b, i: b < i)):
        if bound is not None and interval is not None and cron is None and bad(bound, interval):
            raise check.fail(f"{name}.{key}", f"puts interval_minutes ({interval:g}) outside "
                                              f"the bounds ({bound:g})")
    return schedule


def _selector(check: _Checker, value: Any, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise check.fail(name, f"must be a CSS selector (a non-empty string), got {value!r}")
    css, _ = split_selector(value)
    from cssselect import GenericTranslator, SelectorError
    try:
        GenericTranslator().css_to_xpath(css)
    except SelectorError as exc:
        raise check.fail(name, f"is not a valid CSS selector ({exc}): {value!r}") from None
    return value.strip()


def _extract_rules(check: _Checker, raw: Any) -> ExtractRules | None:
    if raw is None:
        return None
    data = check.mapping(raw, "extract", _EXTRACT_KEYS)
    drop = data.get("drop") or []
    if isinstance(drop, str):
        drop = [drop]
    if not isinstance(drop, list):
        raise check.fail("extract.drop", "must be a list of CSS selectors")
    return ExtractRules(
        drop=tuple(_selector(check, s, f"extract.drop[{i}]") for i, s in enumerate(drop)),
        **{key: _selector(check, data[key], f"extract.{key}")
           for key in ("body", "title", "date", "authors") if data.get(key) is not None})


def _listing(check: _Checker, raw: Any, name: str) -> Listing:
    if isinstance(raw, str):
        raw = {"url": raw}
    data = check.mapping(raw, name, _LISTING_KEYS)
    if "url" not in data:
        raise check.fail(f"{name}.url", "is required")
    return Listing(
        url=check.url(data["url"], f"{name}.url"),
        max_pages=check.positive_int(data.get("max_pages"), f"{name}.max_pages", 1) or 1,
        article_url_pattern=check.regex(
            check.string(data, "article_url_pattern", f"{name}.", required=False),
            f"{name}.article_url_pattern"),
        next_page_pattern=check.regex(
            check.string(data, "next_page_pattern", f"{name}.", required=False),
            f"{name}.next_page_pattern"),
    )


def _source(path: str | os.PathLike[str], index: int, raw: Any, defaults_politeness: Politeness,
            defaults_schedule: Schedule) -> Source:
    label = raw.get("id") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else None
    check = _Checker(path, label or f"#{index + 1}")
    if not isinstance(raw, dict):
        raise check.fail(None, f"each source must be a mapping, got {type(raw).__name__}")
    data = check.mapping(raw, "", _SOURCE_KEYS)
    source_id = check.string(data, "id")
    assert source_id is not None
    if not _ID_RE.match(source_id):
        raise check.fail("id", f"must be lowercase letters, digits, '-' or '_' "
                               f"(it is also the spider name), got {source_id!r}")
    name = check.string(data, "name")
    homepage = check.url(data.get("homepage"), "homepage")
    languages = data.get("languages")
    if not isinstance(languages, list) or not languages:
        raise check.fail("languages", "must be a non-empty list of language codes like [en, ru]")
    for i, lang in enumerate(languages):
        if not isinstance(lang, str) or not _LANG_RE.match(lang):
            raise check.fail(f"languages[{i}]", f"must be an ISO 639 code like 'en', got {lang!r}")
    domains = data.get("allowed_domains")
    if not isinstance(domains, list) or not domains:
        raise check.fail("allowed_domains", "must be a non-empty list of host names")
    for i, domain in enumerate(domains):
        if not isinstance(domain, str) or not _HOST_RE.match(domain.strip().lower()):
            raise check.fail(f"allowed_domains[{i}]",
                             f"must be a bare host name like example.org (no scheme, port or "
                             f"path), got {domain!r}")
    pattern = check.regex(check.string(data, "article_url_pattern"), "article_url_pattern")
    assert pattern is not None
    discovery = check.mapping(data.get("discovery"), "discovery", _DISCOVERY_KEYS)
    feeds = check.url_list(discovery, "feeds", "discovery.")
    sitemaps = check.url_list(discovery, "sitemaps", "discovery.")
    raw_listings = discovery.get("listings") or []
    if not isinstance(raw_listings, list):
        raise check.fail("discovery.listings", "must be a list")
    listings = tuple(_listing(check, item, f"discovery.listings[{i}]")
                     for i, item in enumerate(raw_listings))
    if not (feeds or sitemaps or listings):
        raise check.fail("discovery", "needs at least one of feeds, sitemaps or listings")
    enabled = check.boolean(data.get("enabled"), "enabled", True)
    return Source(
        id=source_id,
        name=name or source_id,
        homepage=homepage,
        languages=tuple(languages),
        allowed_domains=tuple(d.strip().lower() for d in domains),
        article_url_pattern=pattern,
        feeds=feeds,
        sitemaps=sitemaps,
        listings=listings,
        politeness=_politeness(check, data.get("politeness"), "politeness", defaults_politeness),
        schedule=_schedule(check, data.get("schedule"), "schedule", defaults_schedule),
        enabled=bool(enabled),
        extract=_extract_rules(check, data.get("extract")),
    )


def parse_sources(text: str, path: str | os.PathLike[str] = "<string>") -> list[Source]:
    """Parse sources YAML text; raise SourceConfigError naming file, source and field."""
    try:
        doc = load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SourceConfigError(path, f"is not valid YAML{where}: "
                                      f"{getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict) or "sources" not in doc:
        raise SourceConfigError(path, "must be a mapping with a 'sources' list", None, "sources")
    check = _Checker(path, None)
    check.mapping(doc, "", {"defaults", "sources"})
    defaults = check.mapping(doc.get("defaults"), "defaults", {"politeness", "schedule"})
    base_politeness = _politeness(check, defaults.get("politeness"), "defaults.politeness",
                                  Politeness())
    base_schedule = _schedule(check, defaults.get("schedule"), "defaults.schedule", Schedule())
    raw_sources = doc["sources"]
    if not isinstance(raw_sources, list) or not raw_sources:
        raise SourceConfigError(path, "must be a non-empty list", None, "sources")
    sources = [_source(path, i, raw, base_politeness, base_schedule)
               for i, raw in enumerate(raw_sources)]
    seen: set[str] = set()
    for source in sources:
        if source.id in seen:
            raise SourceConfigError(path, "is used by two sources", source.id, "id")
        seen.add(source.id)
    return sources


def load_sources(path: str | os.PathLike[str] | None = None) -> list[Source]:
    """Read the sources file (default: the bundled crawler/sources.yaml)."""
    resolved = Path(path or DEFAULT_SOURCES_PATH)
    try:
        text = resolved.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SourceConfigError(resolved, "file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceConfigError(resolved, f"cannot be read: {exc}") from None
    return parse_sources(text, resolved)
