"""Declared page metadata: JSON-LD, meta tags, microdata and <time>, each kept with its origin."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml import html as lxml_html

ARTICLE_TYPES = {"article", "newsarticle", "reportagenewsarticle", "analysisnewsarticle",
                 "opinionnewsarticle", "backgroundnewsarticle", "blogposting", "report",
                 "scholarlyarticle", "techarticle", "liveblogposting", "socialmediaposting"}
_PUBLISHED_META = ("article:published_time", "og:article:published_time", "published_time",
                   "pubdate", "publishdate", "publish-date", "publish_date", "date",
                   "dc.date.issued", "dc.date", "dcterms.created", "sailthru.date",
                   "parsely-pub-date", "datepublished", "mediator_published_time")
_MODIFIED_META = ("article:modified_time", "og:updated_time", "modified_time",
                  "dcterms.modified", "datemodified", "last-modified", "lastmod")
_LENIENT_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# An HTML entity with its semicolon: "AT&T" and "R&D" are left alone.
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_SPACES = re.compile(r"\s+")


def clean_text(value: str | None) -> str | None:
    """A metadata value as a reader sees it: HTML entities decoded (also when escaped twice,
    as JSON-LD written from already-escaped HTML often is), inline tags removed, whitespace
    collapsed. Text that only looks like markup ("AT&T", "a < b") is kept as it is."""
    if value is None:
        return None
    for _ in range(3):
        if not _ENTITY.search(value):
            break
        value = html.unescape(value)
    if "<" in value:
        value = _TAG.sub("", value)
    value = _SPACES.sub(" ", value).strip()
    return value or None


@dataclass
class PageMetadata:
    title: str | None = None
    description: str | None = None
    authors: list[str] = field(default_factory=list)
    published: list[tuple[str, str]] = field(default_factory=list)   # (value, origin)
    modified: list[tuple[str, str]] = field(default_factory=list)
    lang: str | None = None
    section: str | None = None
    keywords: list[str] = field(default_factory=list)
    canonical: str | None = None
    og_url: str | None = None
    image: str | None = None
    og_type: str | None = None
    ld_types: list[str] = field(default_factory=list)
    accessible_for_free: bool | None = None
    amp: bool = False


def _loads_lenient(raw: str) -> Any:
    raw = raw.strip().rstrip(";")
    if raw.startswith("<!--"):
        raw = raw[4:].rsplit("-->", 1)[0]
    for candidate in (raw, _CONTROL.sub(" ", raw),
                      _LENIENT_TRAILING_COMMA.sub(r"\1", _CONTROL.sub(" ", raw))):
        try:
            return json.loads(candidate)
        except ValueError:
            continue
    return None


def _walk_ld(node: Any) -> list[dict[str, Any]]:
    """Flatten JSON-LD: lists, @graph and nested objects, keeping every typed object."""
    found: list[dict[str, Any]] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "@type" in item:
                found.append(item)
            if "@graph" in item:
                stack.append(item["@graph"])
            if isinstance(item.get("mainEntity"), (dict, list)):
                stack.append(item["mainEntity"])
    return found


def _types(obj: dict[str, Any]) -> list[str]:
    value = obj.get("@type")
    values = value if isinstance(value, list) else [value]
    return [str(v).lower() for v in values if v]


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        name = value.get("name")
        return [name] if isinstance(name, str) else []
    if isinstance(value, list):
        return [n for v in value for n in _names(v)]
    return []


def _keyword_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [k for v in value for k in _keyword_list(v)]
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    return []


def _first_str(value: Any) -> str | None:
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, list):
        for v in value:
            found = _first_str(v)
            if found:
                return found
    if isinstance(value, dict):
        return _first_str(value.get("url") or value.get("@id") or value.get("name"))
    return None


# What the two walks below look for, as the page's markup must spell it: an attribute named
# itemprop (in any case: lxml lowers names) whose value is exactly "datePublished" (XPath
# compares values as written; only a character reference could hide it), and a <time> tag.
# The name is looked for just before each "datePublished" (a case-free search of a whole
# page costs more than the walk it would save).
_ITEMPROP_BEFORE = re.compile(r"itemprop\s*=\s*[\"']?$")
_TIME_TAG = re.compile(r"<time", re.IGNORECASE)


def _may_have_microdata_date(page: str) -> bool:
    start = 0
    while (found := page.find("datePublished", start)) >= 0:
        if _ITEMPROP_BEFORE.search(page[max(0, found - 200):found].lower()):
            return True
        start = found + 1
    return False


def read_metadata(tree: lxml_html.HtmlElement, page: str | None = None) -> PageMetadata:
    """Collect declared metadata from a parsed page without modifying it. With the page's
    markup as text, the walks for microdata and <time> dates are skipped when it cannot hold
    them (a search of the text instead of a walk of the tree; the two walks were two thirds
    of this function's time)."""
    meta = PageMetadata()
    root = tree.getroottree().getroot()
    meta.amp = root.get("amp") is not None or root.get("\u26a1") is not None
    meta.lang = (root.get("lang") or root.get("xml:lang") or "").strip() or None

    # JSON-LD: the article object wins over breadcrumbs, organisations and web pages.
    for script in tree.iterfind(".//script[@type]"):
        if script.get("type", "").strip().lower() != "application/ld+json" or not script.text:
            continue
        data = _loads_lenient(script.text)
        if data is None:
            continue
        for obj in _walk_ld(data):
            types = _types(obj)
            meta.ld_types.extend(types)
            if not ARTICLE_TYPES.intersection(types):
                continue
            meta.title = meta.title or _first_str(obj.get("headline") or obj.get("name"))
            meta.description = meta.description or _first_str(obj.get("description"))
            if not meta.authors:
                meta.authors = _names(obj.get("author"))
            for key, target in (("datePublished", meta.published),
                                ("dateCreated", meta.published),
                                ("dateModified", meta.modified)):
                value = _first_str(obj.get(key))
                if value:
                    target.append((value, "jsonld"))
            meta.section = meta.section or _first_str(obj.get("articleSection"))
            meta.keywords.extend(_keyword_list(obj.get("keywords")))
            meta.image = meta.image or _first_str(obj.get("image"))
            meta.lang = meta.lang or _first_str(obj.get("inLanguage"))
            free = obj.get("isAccessibleForFree")
            if free is not None:
                meta.accessible_for_free = str(free).lower() not in ("false", "0", "no")

    named: dict[str, str] = {}
    tags: list[str] = []
    for node in tree.iterfind(".//meta"):
        key = (node.get("property") or node.get("name") or node.get("itemprop") or "")
        key = key.strip().lower()
        content = (node.get("content") or "").strip()
        if not key or not content:
            continue
        if key == "article:tag":
            tags.extend(_keyword_list(content))
            continue
        named.setdefault(key, content)
    for key in _PUBLISHED_META:
        if key in named:
            meta.published.append((named[key], "meta"))
    for key in _MODIFIED_META:
        if key in named:
            meta.modified.append((named[key], "meta"))
    meta.title = meta.title or named.get("og:title") or named.get("twitter:title")
    meta.description = (meta.description or named.get("og:description")
                        or named.get("description") or named.get("twitter:description"))
    if not meta.authors:
        author = named.get("author") or named.get("article:author") or named.get("dc.creator")
        if author and not author.startswith("http"):
            meta.authors = [author]
    meta.section = meta.section or named.get("article:section")
    for key in ("news_keywords", "keywords"):
        if key in named:
            meta.keywords.extend(_keyword_list(named[key]))
    meta.keywords.extend(tags)
    meta.image = meta.image or named.get("og:image") or named.get("twitter:image")
    meta.og_type = named.get("og:type")
    meta.og_url = named.get("og:url")
    meta.lang = meta.lang or named.get("og:locale") or named.get("content-language")

    for node in tree.iterfind(".//link[@rel]"):
        if "canonical" in node.get("rel", "").lower().split() and node.get("href"):
            meta.canonical = node.get("href", "").strip()
            break
    # Microdata and <time datetime>: declared in markup, weaker than JSON-LD and meta.
    if page is None or _may_have_microdata_date(page):
        for node in tree.xpath("//*[@itemprop='datePublished']"):
            value = node.get("datetime") or node.get("content")
            if value:
                meta.published.append((value, "markup"))
    if page is None or _TIME_TAG.search(page):
        for node in tree.xpath("//time[@datetime][1]"):
            meta.published.append((node.get("datetime", ""), "markup"))
    seen: set[str] = set()
    meta.keywords = [k for k in meta.keywords
                     if not (k.lower() in seen or seen.add(k.lower()))]  # type: ignore[func-returns-value]
    return meta
