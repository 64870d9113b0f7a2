"""expected.json (what a crawl of the demo should extract) and the demo sources file template."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.demo_site.sitegen.stories import ARTICLES, sentences


SOURCES_TMPL = r"""# newsmon sources: the demo site served by `newsmon demo`.
defaults:
  politeness:
    download_delay: 0
    concurrency_per_domain: 8
    autothrottle: false
sources:
  - id: demo-tmt
    name: The Moscow Times (demo)
    homepage: "{{BASE}}/tmt/"
    languages: [en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/tmt/\d{4}/\d{2}/\d{2}/[^/?#]+-a\d+$'
    discovery:
      feeds: ["{{BASE}}/tmt/rss/news"]
      sitemaps: []
      listings:
        - url: "{{BASE}}/tmt/news"
          max_pages: 2
    # Site rules (optional): related-story cards inside the body and the donation banner.
    extract:
      drop: [".article__block--link", ".contribute-banner"]
    enabled: true
  - id: demo-meduza
    name: Meduza (demo)
    homepage: "{{BASE}}/meduza/"
    languages: [ru, en]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/meduza/(?:en/)?news/\d{4}/\d{2}/\d{2}/[^/?#]+(?:/amp)?$'
    discovery:
      feeds: ["{{BASE}}/meduza/rss/all", "{{BASE}}/meduza/rss/en/all"]
      sitemaps: []
      listings: []
    enabled: true
  - id: demo-novaya
    name: Novaya Gazeta Europe (demo)
    homepage: "{{BASE}}/novaya/"
    languages: [ru]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/novaya/\d{4}/\d{2}/\d{2}/[^/?#]+$'
    discovery:
      feeds: []
      sitemaps: ["{{BASE}}/novaya/sitemap.xml"]
      listings: []
    enabled: true
  - id: demo-ovd
    name: OVD-Info (demo)
    homepage: "{{BASE}}/ovd/"
    languages: [ru]
    allowed_domains: [127.0.0.1]
    article_url_pattern: '^{{BASE_RE}}/ovd/news/\d{4}/\d{2}/\d{2}/[^/?#]+$'
    discovery:
      feeds: []
      sitemaps: []
      listings:
        - url: "{{BASE}}/ovd/news"
          max_pages: 2
          next_page_pattern: '^{{BASE_RE}}/ovd/news/page/\d+$'
    enabled: true
"""


def expected_entries() -> list[dict[str, Any]]:
    entries = []
    for a in ARTICLES:
        first = sentences(a.body[0])[0]
        last = sentences(a.body[-1])[-1]
        entry = {"path": a.path, "outlet": a.outlet, "lang": a.lang, "title": a.title,
                 "published": a.published, "authors": a.authors, "kind": a.kind,
                 "relevant": a.relevant, "syndicated": a.syndicated, "encoding": a.encoding,
                 "first_sentence": first, "last_sentence": last}
        entries.append(entry)
        if a.amp:
            entries.append(dict(entry, path=a.amp_path, kind="amp"))
    return entries


def write_expected(expected_dir: Path, demo_dir: Path) -> None:
    """Write expected.json into expected_dir and sources.yaml.tmpl into demo_dir."""
    (expected_dir / "expected.json").write_text(
        json.dumps(expected_entries(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (demo_dir / "sources.yaml.tmpl").write_text(SOURCES_TMPL, encoding="utf-8")
