"""Self-checks of the generated demo site and the printed build summary."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from tests.demo_site.sitegen.expected import SOURCES_TMPL, expected_entries
from tests.demo_site.sitegen.stories import ARTICLES, B, t


_UTF8_MULTIBYTE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}")
DISCOVERY_DOCS = ["tmt/rss/news", "meduza/rss/all", "meduza/rss/en/all", "novaya/sitemap.xml",
                  "novaya/sitemap_news.xml", "novaya/sitemap_latest.xml"]
LISTINGS = ["tmt/news", "tmt/news/page/2", "ovd/news", "ovd/news/page/2"]


def check(pages: dict[str, bytes], site_dir: Path, expected_dir: Path) -> list[str]:
    """Problems found in the built pages, the files under site_dir and expected_dir's
    expected.json."""
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    problems: list[str] = []
    base = "http://127.0.0.1:8765"

    def served(url: str) -> bool:
        path = urlsplit(html.unescape(url)).path.lstrip("/")
        return path in pages or (path.endswith(".gz") and path[:-3] in pages)

    def decoded(path: str) -> str:
        enc = "cp1251" if path.startswith("ovd/") and not path.endswith((".png", ".css")) else "utf-8"
        return pages[path].decode(enc).replace(B, base)

    # every link in feeds, sitemaps and listings resolves to a file
    for doc in DISCOVERY_DOCS:
        text = decoded(doc)
        try:
            ET.fromstring(text.encode("utf-8"))
        except ET.ParseError as exc:
            problems.append(f"{doc}: not well-formed XML: {exc}")
        urls = re.findall(r"<(?:link|guid|loc)>([^<]+)</", text) + re.findall(r'url="([^"]+)"', text)
        problems += [f"{doc}: dangling {u}" for u in urls if not served(u)]
    for doc in LISTINGS:
        text = decoded(doc)
        body = text[text.index('<div id="content">') if doc.startswith("ovd") else text.index("<main>"):]
        links = [u for u in re.findall(r'href="([^"]+)"', body) if u.startswith(base)]
        items = [u for u in links if re.search(r"/\d{4}/\d{2}/\d{2}/", u) or "/page/" in u]
        problems += [f"{doc}: dangling {u}" for u in items if not served(u)]
    if 'rel="next"' in decoded("ovd/news") or 'class="pager-next"' not in decoded("ovd/news"):
        problems.append("ovd/news: pagination must use a.pager-next, not rel=next")
    if '<link rel="next"' not in decoded("tmt/news") or '<a rel="next"' not in decoded("tmt/news"):
        problems.append("tmt/news: missing rel=next")
    if "utm_source=rss&amp;utm_medium=feed" not in decoded("tmt/rss/news"):
        problems.append("tmt/rss/news: no tracked link")

    # windows-1251 pages
    for path, data in pages.items():
        if not path.startswith("ovd/") or path.endswith((".png", ".css")):
            continue
        data.decode("cp1251")
        hit = _UTF8_MULTIBYTE.search(data)
        if hit:
            problems.append(f"{path}: UTF-8 multibyte sequence at {hit.start()}: "
                            f"{data[max(0, hit.start() - 20):hit.end() + 20].decode('cp1251')!r}")
        if data.isascii():
            problems.append(f"{path}: expected non-ASCII cp1251 bytes")
    for a in ARTICLES:
        if a.no_charset and re.search(rb"charset|encoding=", pages[a.path], re.IGNORECASE):
            problems.append(f"{a.path}: must not declare a charset")
        if a.outlet == "ovd" and not a.no_charset and b"charset=windows-1251" not in pages[a.path]:
            problems.append(f"{a.path}: missing charset meta")

    # JSON-LD blocks parse; Meduza has no article:published_time; Novaya has no JSON-LD
    for path, data in pages.items():
        if path.startswith("ovd/") or path.endswith((".png", ".css", ".txt")):
            continue
        for block in re.findall(rb'<script type="application/ld\+json">(.*?)</script>', data, re.DOTALL):
            json.loads(block.replace(B.encode(), base.encode()))
        if path.startswith("meduza/") and b"article:published_time" in data:
            problems.append(f"{path}: meduza pages must not carry article:published_time")
        if path.startswith("novaya/") and b"application/ld+json" in data:
            problems.append(f"{path}: novaya pages must not carry JSON-LD")
    json.loads((site_dir / "_headers.json").read_text(encoding="utf-8"))
    expected = json.loads((expected_dir / "expected.json").read_text(encoding="utf-8"))

    # expected.json agrees with the pages
    for e in expected:
        page = decoded(e["path"])
        for key in ("title", "first_sentence", "last_sentence"):
            if t(e[key]) not in page:
                problems.append(f"{e['path']}: {key} not found verbatim in the page")
        if e["published"] not in page:
            problems.append(f"{e['path']}: published date not declared in the page")
        if not re.fullmatch(r"2025-11-(1\d|2[01])T\d\d:\d\d:00\+03:00", e["published"]):
            problems.append(f"{e['path']}: published out of range")
        year, month, day = e["published"][:10].split("-")
        if f"/{year}/{month}/{day}/" not in "/" + e["path"]:
            problems.append(f"{e['path']}: URL date differs from published")

    # word counts of real articles
    for a in ARTICLES:
        words = sum(len(p.split()) for p in a.body)
        if a.kind == "article" and not 150 <= words <= 500:
            problems.append(f"{a.path}: {words} words")

    # the sources template parses and its patterns accept exactly the intended URLs
    from crawler.sources import parse_sources
    text = SOURCES_TMPL.replace("{{BASE_RE}}", re.escape(base)).replace("{{BASE}}", base)
    sources = {s.id: s for s in parse_sources(text, "sources.yaml.tmpl")}
    for a in ARTICLES:
        src = sources[f"demo-{a.outlet}"]
        if not src.article_re.match(f"{base}/{a.path}"):
            problems.append(f"{a.path}: does not match {src.id} article_url_pattern")
    for p in ("tmt/news/page/2", "ovd/news/page/2", "tmt/rss/news", "novaya/sitemap.xml"):
        if any(s.article_re.match(f"{base}/{p}") for s in sources.values()):
            problems.append(f"{p}: matches an article pattern")
    ovd = sources["demo-ovd"].listings[0]
    if not re.match(ovd.next_page_pattern or "", f"{base}/ovd/news/page/2"):
        problems.append("ovd next_page_pattern does not match page 2")
    return problems


def summary(mapping: dict[str, str]) -> str:
    counts: dict[str, int] = {}
    for path in mapping.values():
        top = path.split("/")[0] if "/" in path else "(root)"
        counts[top] = counts.get(top, 0) + 1
    kinds: dict[str, int] = {}
    for e in expected_entries():
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
    lines = [f"files written: {len(mapping) + 1} (incl. _headers.json) "
             + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())),
             "expected.json entries: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())),
             f"relevant articles: {sum(a.relevant for a in ARTICLES if a.kind == 'article')} of "
             f"{sum(a.kind == 'article' for a in ARTICLES)}"]
    for a in ARTICLES:
        flags = [f for f, on in (("syndicated", a.syndicated), ("amp", a.amp), ("gallery", a.kind == "gallery"),
                                 ("paywall", a.kind == "paywall"), ("no-charset", a.no_charset)) if on]
        if flags:
            lines.append(f"  {'/'.join(flags):10} {a.path} -> {mapping[a.path]}")
    return "\n".join(lines)
