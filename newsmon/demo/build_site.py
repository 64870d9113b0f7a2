"""Generate the offline demo website (newsmon/demo/site/), expected.json and sources.yaml.tmpl."""

from __future__ import annotations

import html
import json
import re
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as xml_escape

HERE = Path(__file__).resolve().parent
SITE = HERE / "site"
B = "{{BASE}}"  # origin placeholder, replaced byte-wise by the demo server
MSK = timezone(timedelta(hours=3))
DEMO_NOTE_EN = "Simulated outlet for the newsmon offline demo. All stories, people and quotes are invented."
DEMO_NOTE_RU = "Имитация сайта для офлайн-демо newsmon. Все материалы, люди и цитаты вымышлены."


# --------------------------------------------------------------------------------------------
# Article data
# --------------------------------------------------------------------------------------------

@dataclass
class Article:
    key: str
    outlet: str                      # tmt | meduza | novaya | ovd
    lang: str                        # en | ru
    date: str                        # YYYY-MM-DD (Moscow time)
    time: str                        # HH:MM
    slug: str
    title: str
    authors: list[str]
    body: list[str]                  # paragraphs of plain text
    relevant: bool
    tags: list[str] = field(default_factory=list)
    subtitle: str = ""
    section: str = "news"
    kind: str = "article"            # article | gallery | paywall
    aid: int = 0                     # tmt numeric id
    modified_after: int = 4          # minutes between publication and last edit
    syndicated: bool = False
    amp: bool = False                # meduza: also serve <url>/amp
    no_charset: bool = False         # ovd: cp1251 bytes without any charset declaration
    related: list[str] = field(default_factory=list)
    captions: list[str] = field(default_factory=list)   # gallery images

    # ---- derived -------------------------------------------------------------------------
    @property
    def published_dt(self) -> datetime:
        return datetime.fromisoformat(f"{self.date}T{self.time}:00").replace(tzinfo=MSK)

    @property
    def modified_dt(self) -> datetime:
        return self.published_dt + timedelta(minutes=self.modified_after)

    @property
    def published(self) -> str:
        return self.published_dt.isoformat()

    @property
    def modified(self) -> str:
        return self.modified_dt.isoformat()

    @property
    def path(self) -> str:
        y, m, d = self.date.split("-")
        if self.outlet == "tmt":
            return f"tmt/{y}/{m}/{d}/{self.slug}-a{self.aid}"
        if self.outlet == "meduza":
            prefix = "meduza/en/news" if self.lang == "en" else "meduza/news"
            return f"{prefix}/{y}/{m}/{d}/{self.slug}"
        if self.outlet == "novaya":
            return f"novaya/{y}/{m}/{d}/{self.slug}"
        return f"ovd/news/{y}/{m}/{d}/{self.slug}"

    @property
    def url(self) -> str:
        return f"{B}/{self.path}"

    @property
    def amp_path(self) -> str:
        return self.path + "/amp"

    @property
    def encoding(self) -> str:
        return "windows-1251" if self.outlet == "ovd" else "utf-8"

    @property
    def summary(self) -> str:
        return sentences(self.body[0])[0]


# The stories themselves (our own invented text) are data: stories.json, one object per page.
STORIES_FILE = HERE / "stories.json"
ARTICLES: list[Article] = [Article(**entry) for entry in
                           json.loads(STORIES_FILE.read_text(encoding="utf-8"))]


# --------------------------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?…][»\"”’)]*(?=\s+[«\"“„‘A-ZА-ЯЁ0-9])")
EN_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.",
             "Nov.", "Dec."]
RU_MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа",
             "сентября", "октября", "ноября", "декабря"]


def sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (the texts are written so that this is unambiguous)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        out.append(text[start:m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def t(text: str) -> str:
    """Escape text content."""
    return html.escape(text, quote=False)


def a_(text: str) -> str:
    """Escape an attribute value."""
    return html.escape(text, quote=True)


def en_date(dt: datetime) -> str:
    return f"{EN_MONTHS[dt.month - 1]} {dt.day}, {dt.year}"


def ru_date(dt: datetime, with_time: bool = True) -> str:
    day = f"{dt.day} {RU_MONTHS[dt.month - 1]} {dt.year}"
    return f"{day}, {dt:%H:%M}" if with_time else day


def rfc822(dt: datetime) -> str:
    return format_datetime(dt)


def joined_names(names: list[str], conj: str) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" {conj} " + names[-1]


def translit_slug(name: str) -> str:
    table = dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
                     ["a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sch", "", "y", "",
                      "e", "yu", "ya"], strict=True))
    out = "".join(table.get(c, c) for c in name.lower())
    return re.sub(r"[^a-z0-9]+", "-", out).strip("-")


def png(width: int, height: int, top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """A small vertical-gradient PNG used as a placeholder photo."""
    rows = []
    for y in range(height):
        f = y / max(height - 1, 1)
        pixel = bytes(round(top[i] + (bottom[i] - top[i]) * f) for i in range(3))
        rows.append(b"\x00" + pixel * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))


def by_key(key: str) -> Article:
    return next(a for a in ARTICLES if a.key == key)


def outlet_articles(outlet: str, lang: str | None = None,
                    kinds: tuple[str, ...] = ("article",)) -> list[Article]:
    items = [a for a in ARTICLES if a.outlet == outlet and a.kind in kinds
             and (lang is None or a.lang == lang)]
    return sorted(items, key=lambda a: a.published_dt, reverse=True)


# --------------------------------------------------------------------------------------------
# Output registry: URL path -> bytes + Content-Type
# --------------------------------------------------------------------------------------------

PAGES: dict[str, bytes] = {}
CTYPES: dict[str, str] = {}
HTML_UTF8 = "text/html; charset=utf-8"
HTML_CP1251 = "text/html; charset=windows-1251"
RSS = "application/rss+xml; charset=utf-8"
XML = "application/xml"


def emit(url_path: str, content: str | bytes, ctype: str | None = None,
         encoding: str = "utf-8") -> None:
    if url_path in PAGES:
        raise ValueError(f"duplicate output {url_path}")
    data = content if isinstance(content, bytes) else content.encode(encoding)
    PAGES[url_path] = data
    if ctype:
        CTYPES[url_path] = ctype


def file_for(url_path: str, all_paths: dict[str, bytes]) -> str:
    """Map a URL path to a file path; paths that are also directories get an index.html."""
    if url_path == "" or url_path.endswith("/"):
        return url_path + "index.html"
    if any(p.startswith(url_path + "/") for p in all_paths):
        return url_path + "/index.html"
    return url_path


# --------------------------------------------------------------------------------------------
# The Moscow Times
# --------------------------------------------------------------------------------------------

TMT_CSS_JS = """<link type="text/css" href="/tmt/static/css/main.css" rel="stylesheet" media="screen" />
<script>
  window.dataLayer = window.dataLayer || [];
  function gtag(){dataLayer.push(arguments);}
  gtag('js', new Date());
  gtag('config', 'G-DEMO000TMT', {'anonymize_ip': true});
</script>
<script async src="/tmt/static/js/analytics.js"></script>"""

TMT_NAV = [("news", "News"), ("opinion", "Opinion"), ("business", "Business"),
           ("diaspora", "Diaspora"), ("ukraine-war", "Ukraine War"), ("climate", "Climate"),
           ("arts-and-life", "Arts and Life"), ("in-depth", "In-depth"), ("meanwhile", "Meanwhile")]


def tmt_header() -> str:
    links = "\n".join(f'        <li class="nav__item"><a href="{B}/tmt/{slug}" class="nav__link">{label}</a></li>'
                      for slug, label in TMT_NAV)
    return f"""<div class="cookie-consent" id="cookie-consent" style="display:none">
  <p class="cookie-consent__text">We use cookies to make our website work and to understand how it is used. You can change your preferences at any time in your browser settings.</p>
  <button class="cookie-consent__button" type="button">Accept all</button>
  <button class="cookie-consent__button cookie-consent__button--secondary" type="button">Only necessary</button>
</div>
<header class="header" y-use="Header">
  <div class="header__top container">
    <a href="{B}/tmt/" class="header__logo" title="The Moscow Times - Independent News From Russia">
      <img src="{B}/tmt/static/img/logo.png" alt="The Moscow Times" width="64" height="36" />
    </a>
    <div class="header__top__right">
      <a class="header__button header__button--contribute" href="{B}/tmt/contribute">Contribute</a>
      <a class="header__button" href="{B}/tmt/newsletters">Newsletters</a>
      <form class="header__search" action="{B}/tmt/search/" method="get">
        <input type="text" name="query" placeholder="Search" aria-label="Search" />
      </form>
      <a class="header__lang" href="{B}/tmt/ru">Русская версия</a>
    </div>
  </div>
  <nav class="nav container" role="navigation">
      <ul class="nav__list">
{links}
      </ul>
  </nav>
  <div class="contribute-banner">Independent journalism about Russia is under attack. <a href="{B}/tmt/contribute">Support The Moscow Times</a> with a one-time or monthly contribution.</div>
</header>"""


def tmt_footer() -> str:
    return f"""<footer class="footer">
  <div class="container">
    <div class="footer__menu">
      <a href="{B}/tmt/about">About us</a>
      <a href="{B}/tmt/contact">Contact</a>
      <a href="{B}/tmt/rss/news">RSS</a>
      <a href="{B}/tmt/privacy">Privacy Policy</a>
      <a href="{B}/tmt/terms">Terms of Use</a>
      <a href="{B}/tmt/newsletters">Newsletters</a>
      <a href="{B}/tmt/contribute">Contribute</a>
    </div>
    <div class="footer__social">
      <a href="https://t.me/demo_tmt" rel="noopener">Telegram</a>
      <a href="https://www.youtube.com/@demo_tmt" rel="noopener">YouTube</a>
      <a href="https://www.instagram.com/demo_tmt" rel="noopener">Instagram</a>
    </div>
    <p class="footer__copyright">&copy; 2025 The Moscow Times (demo), all rights reserved. {DEMO_NOTE_EN}</p>
  </div>
</footer>
<script>
  (function () {{
    if (!document.cookie.match(/tmt_consent=/)) {{
      document.getElementById('cookie-consent').style.display = 'block';
    }}
  }})();
</script>"""


def tmt_sidebar(exclude: str = "") -> str:
    others = [a for a in outlet_articles("tmt") if a.key != exclude]
    just_in = "\n".join(f'              <li><a href="{a.url}" class="listed-articles__item">{t(a.title)}</a></li>'
                        for a in others[:5])
    most_read_keys = [k for k in ("T2", "T3", "T6", "T4", "T7") if k != exclude][:4]
    most_read = "\n".join(
        f'              <li><a href="{by_key(k).url}" class="listed-articles__item">{t(by_key(k).title)}</a></li>'
        for k in most_read_keys)
    return f"""<aside class="sidebar">
        <div class="sidebar__sticky">
          <div class="tabs" y-use="Tabs" data-active="tabs__tab--active">
            <section class="sidebar__section">
              <div class="sidebar__section__header">
                <div class="tabs__tab tabs__tab--active" y-name="tab" data-content="mostread"><h3 class="tab__header header--style-3">Most read</h3></div>
                <div class="tabs__tab" y-name="tab" data-content="justin"><h3 class="tab__header header--style-3">Just in</h3></div>
              </div>
              <div class="tabs__content" y-name="content mostread">
                <ul class="listed-articles">
{most_read}
                </ul>
              </div>
              <div class="tabs__content" y-name="content justin" style="display:none">
                <ul class="listed-articles">
{just_in}
                </ul>
              </div>
            </section>
          </div>
          <section class="sidebar__section sidebar__section--newsletter">
            <h3 class="header--style-3">The Moscow Times Daily</h3>
            <p>Get the day's top stories from Russia in your inbox every morning.</p>
            <form action="{B}/tmt/newsletters/subscribe" method="post"><input type="email" name="email" placeholder="Your email" /><button type="submit">Subscribe</button></form>
          </section>
        </div>
      </aside>"""


def tmt_byline(a: Article) -> str:
    if a.authors == ["AFP"] or a.authors == ["Reuters"]:
        names = [f'<span class="byline__author__name">{t(n)}</span>' for n in a.authors]
    else:
        names = [f'<a href="{B}/tmt/authors/{translit_slug(n)}" class="byline__author__name">{t(n)}</a>'
                 for n in a.authors]
    who = "By " + joined_names(names, "and")
    updated = ""
    if a.modified_after > 10:
        updated = (f'\n                  <span class="byline__updated">Updated: <time datetime="{a.modified}">'
                   f'{en_date(a.modified_dt)} - {a.modified_dt:%H:%M}</time></span>')
    return f"""<div class="article__byline byline">
            <div class="row-flex">
              <div class="col">
                <div class="byline__details">
                  <div class="byline__details__column">
                    <div class="byline__author">{who}</div>
                    <time class="byline__datetime timeago" datetime="{a.published}" y-use="Timeago">{en_date(a.published_dt)}</time>{updated}
                  </div>
                </div>
              </div>
              <div class="col-auto">
                <div class="byline__social">
                  <a class="social__link social__link--facebook" href="https://www.facebook.com/sharer/sharer.php?u={a.url}" rel="noopener">Share</a>
                  <a class="social__link social__link--x" href="https://x.com/intent/post?url={a.url}" rel="noopener">Post</a>
                  <a class="social__link social__link--telegram" href="https://t.me/share/url?url={a.url}" rel="noopener">Telegram</a>
                </div>
              </div>
            </div>
          </div>"""


def tmt_blocks(a: Article) -> str:
    def html_block(paras: list[str]) -> str:
        ps = "\n".join(f"              <p>{t(p)}</p>" for p in paras)
        return f"""            <div data-id="article-block-type" class="article__block article__block--html article__block--column">
{ps}
            </div>"""

    if a.kind == "gallery":
        parts = [html_block(a.body)]
        for i, cap in enumerate(a.captions, 1):
            parts.append(f"""            <div data-id="article-block-type" class="article__block article__block--image article__block--full">
              <figure class="article__image">
                <img src="{B}/tmt/static/img/photo-{i}.png" alt="{a_(cap)}" loading="lazy" />
                <figcaption><span class="article__image__caption">{t(cap)}</span> <span class="article__image__credits">{t(a.authors[0])} / MT</span></figcaption>
              </figure>
            </div>""")
        return "\n".join(parts)
    split = 2 if len(a.body) > 3 else 1
    rel = by_key(a.related[0]) if a.related else None
    parts = [html_block(a.body[:split])]
    if rel:
        parts.append(f"""            <div data-id="article-block-type" class="article__block article__block--link article__block--column">
              <div class="article__block--link__label">Related article</div>
              <a href="{rel.url}" class="article-excerpt-tiny"><h5 class="article-excerpt-tiny__headline">{t(rel.title)}</h5></a>
            </div>""")
    parts.append(html_block(a.body[split:]))
    return "\n".join(parts)


def tmt_article(a: Article) -> str:
    tags = ",".join(a.tags)
    section_name = dict(TMT_NAV).get(a.section, a.section.title())
    breadcrumb = {"@context": "http://schema.org/", "@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": 1, "name": "The Moscow Times", "item": f"{B}/tmt/"},
        {"@type": "ListItem", "position": 2, "name": section_name, "item": f"{B}/tmt/{a.section}"},
        {"@type": "ListItem", "position": 3, "name": a.title, "item": a.url}]}
    author_ld = [{"@type": "Person", "name": n} for n in a.authors]
    news = {"@context": "http://schema.org/", "@type": "NewsArticle",
            "dateCreated": (a.published_dt - timedelta(minutes=9)).isoformat(),
            "datePublished": a.published, "dateModified": a.modified,
            "name": a.title, "headline": a.title, "description": a.summary, "keywords": tags,
            "articleSection": a.section, "isAccessibleForFree": True,
            "mainEntityOfPage": a.url, "url": a.url,
            "image": f"{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png",
            "publisher": {"@type": "Organization", "name": "The Moscow Times",
                          "logo": {"@type": "ImageObject", "url": f"{B}/tmt/static/img/logo.png"}},
            "inLanguage": {"@type": "Language", "name": "English", "alternateName": "English"},
            "creator": a.authors[0] if len(a.authors) == 1 else a.authors,
            "author": author_ld[0] if len(author_ld) == 1 else author_ld}
    tag_links = ", ".join(f'<a href="{B}/tmt/tag/{a_(tag.replace(" ", "-"))}" class="tag article__tags__tag">{t(tag)}</a>'
                          for tag in a.tags)
    image = f"{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png"
    featured = "" if a.kind == "gallery" else f"""
          <figure class="article__featured-image featured-image">
            <img src="{image}" alt="" />
            <figcaption>
              <span class="article__featured-image__caption featured-image__caption"></span>
              <span class="article__featured-image__credits featured-image__credits">Illustration / The Moscow Times</span>
            </figcaption>
          </figure>"""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta name="googlebot" content="noarchive">
<meta charset="utf-8">
<meta http-equiv="X-UA-Compatible" content="IE=edge,chrome=1">
<meta name="viewport" content="width=device-width, initial-scale=1" />
<meta property="og:site_name" content="The Moscow Times" />
<meta name="twitter:site" content="@MoscowTimesDemo">
<meta name="twitter:card" content="summary_large_image">
<title>{t(a.title)} - The Moscow Times</title>
<link rel="canonical" href="{a.url}" />
<meta name="keywords" content="{a_(tags)}">
<meta name="news_keywords" content="{a_(tags)}">
<meta name="description" content="{a_(a.summary)}">
<meta name="author" content="{a_(', '.join(a.authors))}">
<meta property="og:url" content="{a.url}">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:description" content="{a_(a.summary)}">
<meta property="og:type" content="article">
<meta property="og:image" content="{image}">
<meta property="article:author" content="{a_(', '.join(a.authors))}">
<meta property="article:content_tier" content="free">
<meta property="article:modified_time" content="{a.modified}">
<meta property="article:published_time" content="{a.published}">
<meta property="article:publisher" content="https://www.facebook.com/MoscowTimesDemo">
<meta property="article:section" content="{a.section}">
<meta property="article:tag" content="{a_(tags)}">
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
<script type="application/ld+json">
{json.dumps(breadcrumb)}
</script>
<script type="application/ld+json">
{json.dumps(news)}
</script>
{TMT_CSS_JS}
</head>
<body class="article-item" y-use="Main">
{tmt_header()}
<main>
  <div class="gtm-section gtm-type" data-section="{a.section}" data-type="{'gallery' if a.kind == 'gallery' else 'default'}"></div>
  <div class="container article-container" id="article-id-{a.aid}" data-page-id="{a.aid}" data-article-url="{a.url}" data-article-title="{a_(a.title)}">
    <div class="row-flex gutter-2">
      <div class="col">
        <article class="article article--{'gallery' if a.kind == 'gallery' else a.section}">
          <header class="article__header">
            <h1><a href="{a.url}">{t(a.title)}</a></h1>
            <h2>{t(a.subtitle)}</h2>
          </header>
          {tmt_byline(a)}{featured}
          <div class="article__content-container">
            <div class="article__content" y-name="article-content">
{tmt_blocks(a)}
            </div>
          </div>
          <div class="article__bottom"></div>
          <div class="article__tags">
            Read more about: {tag_links}
          </div>
          <div class="contribute-teaser">
            <p class="contribute-teaser__title">A Message from The Moscow Times:</p>
            <p>Dear readers, every day our newsroom works to bring you accurate reporting on Russia at a time when independent media inside the country have been silenced. Our journalists face the threat of criminal prosecution simply for doing their jobs.</p>
            <p>We rely on readers like you. A monthly contribution of any size helps us keep our reporting free for everyone.</p>
            <a class="button" href="{B}/tmt/contribute">Continue</a>
            <a class="button button--secondary" href="{B}/tmt/contribute?period=monthly">Support monthly</a>
          </div>
        </article>
      </div>
      <div class="col-auto hidden-sm-down">
      {tmt_sidebar(a.key)}
      </div>
    </div>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


def tmt_listing(items: list[Article], page: int, pages: int) -> str:
    url = f"{B}/tmt/news" if page == 1 else f"{B}/tmt/news/page/{page}"
    prev_url = f"{B}/tmt/news" if page == 2 else f"{B}/tmt/news/page/{page - 1}"
    head_links = [f'<link rel="canonical" href="{url}" />']
    pager = []
    if page > 1:
        head_links.append(f'<link rel="prev" href="{prev_url}" />')
        pager.append(f'<a rel="prev" class="pagination__link pagination__link--prev" href="{prev_url}">&larr; Newer stories</a>')
    if page < pages:
        head_links.append(f'<link rel="next" href="{B}/tmt/news/page/{page + 1}" />')
        pager.append(f'<a rel="next" class="pagination__link pagination__link--next" href="{B}/tmt/news/page/{page + 1}">Older stories &rarr;</a>')
    teasers = []
    for a in items:
        label = '<span class="article-excerpt-default__label">Photos</span>' if a.kind == "gallery" else ""
        teasers.append(f"""        <div class="article-excerpt-default">
          <a href="{a.url}" class="article-excerpt-default__link" title="{a_(a.title)}">
            <div class="article-excerpt-default__image-wrapper"><img src="{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png" alt="" loading="lazy" /></div>
            <div class="article-excerpt-default__content">
              {label}<h3 class="article-excerpt-default__headline">{t(a.title)}</h3>
              <div class="article-excerpt-default__teaser">{t(a.subtitle or a.summary)}</div>
              <div class="article-excerpt-default__meta"><time datetime="{a.published}">{en_date(a.published_dt)}</time></div>
            </div>
          </a>
        </div>""")
    heading = "News" if page == 1 else f"News - page {page}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1" />
<title>{heading} - The Moscow Times</title>
<meta name="description" content="The latest news from Russia: politics, society, the war in Ukraine and the crackdown on dissent.">
<meta property="og:site_name" content="The Moscow Times" />
<meta property="og:type" content="website">
<meta property="og:url" content="{url}">
{chr(10).join(head_links)}
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
{TMT_CSS_JS}
</head>
<body class="section-item" y-use="Main">
{tmt_header()}
<main>
  <div class="container">
    <div class="row-flex gutter-2">
      <div class="col">
        <h1 class="section__header header--style-1">{heading}</h1>
        <div class="section__articles">
{chr(10).join(teasers)}
        </div>
        <nav class="pagination">
          {' '.join(pager)}
          <span class="pagination__info">Page {page} of {pages}</span>
        </nav>
      </div>
      <div class="col-auto hidden-sm-down">
      {tmt_sidebar()}
      </div>
    </div>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


def tmt_rss(items: list[Article], tracked_key: str) -> str:
    entries = []
    for a in items:
        link = a.url + ("?utm_source=rss&utm_medium=feed" if a.key == tracked_key else "")
        entries.append(f"""    <item>
      <title>{xml_escape(a.title)}</title>
      <link>{xml_escape(link)}</link>
      <description>{xml_escape(a.summary)}</description>
      <pubDate>{rfc822(a.published_dt)}</pubDate>
      <guid>{a.url}</guid>
      <category>{xml_escape(dict(TMT_NAV).get(a.section, a.section))}</category>
      <enclosure url="{B}/tmt/static/img/photo-{a.aid % 6 + 1}.png" length="0" type="image/png"/>
    </item>""")
    build = max(a.published_dt for a in items) + timedelta(minutes=20)
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>The Moscow Times - Independent News From Russia</title>
    <link>{B}/tmt/</link>
    <description>Independent reporting on Russia: politics, business, society and the war in Ukraine.</description>
    <language>en</language>
    <lastBuildDate>{rfc822(build)}</lastBuildDate>
    <atom:link href="{B}/tmt/rss/news" rel="self" type="application/rss+xml"/>
    <image>
      <url>{B}/tmt/static/img/logo.png</url>
      <title>The Moscow Times</title>
      <link>{B}/tmt/</link>
    </image>
{chr(10).join(entries)}
  </channel>
</rss>
"""


def tmt_home() -> str:
    items = outlet_articles("tmt")
    lis = "\n".join(f'        <li><a href="{a.url}">{t(a.title)}</a> <time datetime="{a.published}">{en_date(a.published_dt)}</time></li>'
                    for a in items[:6])
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>The Moscow Times - Independent News From Russia</title>
<meta name="description" content="Independent reporting on Russia: politics, business, society and the war in Ukraine.">
<link rel="canonical" href="{B}/tmt/" />
<link rel="alternate" type="application/rss+xml" title="The Moscow Times - News" href="{B}/tmt/rss/news">
{TMT_CSS_JS}
</head>
<body class="home" y-use="Main">
{tmt_header()}
<main>
  <div class="container">
    <section class="home__top-stories">
      <h2 class="header--style-2">Top stories</h2>
      <ul>
{lis}
      </ul>
      <p><a href="{B}/tmt/news">All news &rarr;</a></p>
    </section>
  </div>
</main>
{tmt_footer()}
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Meduza
# --------------------------------------------------------------------------------------------

MEDUZA_TEXT: dict[str, dict[str, Any]] = {
    "ru": {
        "menu": [("", "Новости"), ("articles", "Истории"), ("razbor", "Разбор"), ("games", "Игры"),
                 ("shapito", "Шапито"), ("podcasts", "Подкасты")],
        "other_lang": ("en/", "English"), "search": "Поиск", "login": "Войти", "tag": "новости",
        "share": [("telegram", "Телеграм"), ("vkontakte", "ВКонтакте"), ("x", "X"), ("whatsapp", "WhatsApp")], "copy": "Скопировать ссылку",
        "support_title": "Поддержите «Медузу»",
        "support_text": ["«Медуза» работает в эмиграции. В России нас признали «нежелательной "
                         "организацией», поэтому мы не можем зарабатывать на рекламе и живем на "
                         "пожертвования читателей.",
                         "Даже небольшой ежемесячный взнос помогает нам оставаться независимыми."],
        "support_button": "Поддержать",
        "related": "Читайте также", "feed": "Главное сейчас",
        "cookie": "Мы используем cookies, чтобы сайт работал быстрее и удобнее. Продолжая "
                  "пользоваться сайтом, вы соглашаетесь с этим.",
        "cookie_ok": "Хорошо",
        "footer": ["О проекте", "Реклама", "Правила", "Конфиденциальность", "Вакансии"],
        "footer_note": "Сетевое издание «Медуза». Все права защищены. 18+",
        "locale": "ru_RU", "rss_title": "Meduza — Все", "rss": "meduza/rss/all",
        "home": "meduza/", "amp_back": "Открыть полную версию",
    },
    "en": {
        "menu": [("en/", "News"), ("en/features", "Features"), ("en/the-real-russia", "The Real Russia. Today."),
                 ("en/podcasts", "Podcasts"), ("en/support", "Support us")],
        "other_lang": ("", "На русском"), "search": "Search", "login": "Sign in", "tag": "news",
        "share": [("telegram", "Telegram"), ("facebook", "Facebook"), ("x", "X"), ("whatsapp", "WhatsApp")], "copy": "Copy link",
        "support_title": "Support Meduza",
        "support_text": ["Meduza is an independent newsroom working in exile. Russia has outlawed "
                         "us as an “undesirable organization,” so we cannot sell advertising and "
                         "depend on our readers.",
                         "Even a small monthly contribution keeps our journalism free and "
                         "independent."],
        "support_button": "Support us",
        "related": "Read more", "feed": "Latest",
        "cookie": "We use cookies to make this site faster and easier to use. By continuing to "
                  "browse, you agree to this.",
        "cookie_ok": "Got it",
        "footer": ["About", "Advertising", "Rules", "Privacy", "Jobs"],
        "footer_note": "Meduza. All rights reserved.",
        "locale": "en_US", "rss_title": "Meduza in English", "rss": "meduza/rss/en/all",
        "home": "meduza/en/", "amp_back": "Open the full version",
    },
}

MEDUZA_SCRIPT_HEAD = """<script>
  window.dataLayer = window.dataLayer || [];
  window.__MEDUZA_CONFIG__ = {"apiHost": "/meduza/api/w5", "lang": "%s", "ads": {"adfox": true}, "features": {"chat": false, "podcastsPlayer": true}};
</script>"""


def meduza_header(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    items = "\n".join(f'            <li class="Menu-item"><a class="Menu-link" href="{B}/meduza/{slug}">{label}</a></li>'
                      for slug, label in tx["menu"])
    other_slug, other_label = tx["other_lang"]
    return f"""  <div class="Layout-banner"><div class="Banner-root Banner-isTop" id="adfox_17010"></div></div>
  <header class="Header-root" role="banner">
    <div class="Header-container">
      <div class="Header-left">
        <button class="HeaderButton-root HeaderButton-menu" type="button" aria-label="Menu"><span class="Icon-menu"></span></button>
        <a class="Logo-root" href="{B}/{tx['home']}" aria-label="Meduza"><svg width="120" height="20" viewBox="0 0 120 20"><title>Meduza</title><rect width="120" height="20" fill="#b88b59"/></svg></a>
      </div>
      <nav class="Menu-root" role="navigation">
        <ul class="Menu-list">
{items}
        </ul>
      </nav>
      <div class="Header-right">
        <a class="HeaderButton-root HeaderButton-lang" href="{B}/meduza/{other_slug}">{other_label}</a>
        <button class="HeaderButton-root HeaderButton-search" type="button" aria-label="{tx['search']}"><span class="Icon-search"></span></button>
        <a class="HeaderButton-root HeaderButton-auth" href="#login">{tx['login']}</a>
      </div>
    </div>
  </header>
  <div class="InfoPanel-root">
    <div class="ExchangeRates-root"><span class="ExchangeRates-item">$ 83,92</span><span class="ExchangeRates-item">€ 97,10</span><span class="ExchangeRates-item">Brent 61,80</span></div>
  </div>"""


def meduza_footer(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    links = "\n".join(f'        <a class="Footer-link" href="{B}/meduza/pages/{i}">{label}</a>'
                      for i, label in enumerate(tx["footer"], 1))
    note = DEMO_NOTE_RU if lang == "ru" else DEMO_NOTE_EN
    return f"""  <footer class="Footer-root">
    <div class="Footer-container">
      <div class="Footer-menu">
{links}
      </div>
      <div class="Footer-social">
        <a class="Footer-socialLink" href="https://t.me/meduza_demo" rel="noopener">Telegram</a>
        <a class="Footer-socialLink" href="https://www.youtube.com/@meduza_demo" rel="noopener">YouTube</a>
        <a class="Footer-socialLink" href="https://www.instagram.com/meduza_demo" rel="noopener">Instagram</a>
      </div>
      <p class="Footer-copyright">&copy; 2014&ndash;2025 {t(tx['footer_note'])} {t(note)}</p>
    </div>
  </footer>
  <div class="CookieBanner-root" role="dialog" hidden>
    <p class="CookieBanner-text">{t(tx['cookie'])}</p>
    <button class="Button-root Button-isCookie" type="button">{t(tx['cookie_ok'])}</button>
  </div>"""


def meduza_ld(a: Article) -> str:
    ld = {"@context": "https://schema.org", "@type": "NewsArticle",
          "headline": a.title, "description": a.summary,
          "datePublished": a.published, "dateModified": a.modified,
          "mainEntityOfPage": {"@type": "WebPage", "@id": a.url}, "url": a.url,
          "inLanguage": a.lang, "keywords": ", ".join(a.tags),
          "image": [f"{B}/meduza/static/share.png"],
          "author": [{"@type": "Person", "name": n} for n in a.authors],
          "publisher": {"@type": "Organization", "name": "Meduza",
                        "logo": {"@type": "ImageObject", "url": f"{B}/meduza/static/share.png"}}}
    return json.dumps(ld, ensure_ascii=False)


def meduza_time_label(a: Article) -> str:
    dt = a.published_dt
    if a.lang == "ru":
        return f"{dt:%H:%M}, {dt.day} {RU_MONTHS[dt.month - 1]} {dt.year}"
    return f"{dt:%I:%M %p}, {dt:%B} {dt.day}, {dt.year}"


def meduza_article(a: Article) -> str:
    tx = MEDUZA_TEXT[a.lang]
    body = "\n".join(f'        <p class="SimpleBlock-p">{t(p)}</p>' for p in a.body)
    share = "\n".join(f'          <button class="ActionButton-root ActionButton-share" type="button" data-service="{service}">{label}</button>'
                      for service, label in tx["share"])
    related = "\n".join(f'          <li class="RelatedRichBlock-item"><a class="RelatedRichBlock-link" href="{by_key(k).url}"><span class="RelatedRichBlock-first">{t(by_key(k).title)}</span></a></li>'
                        for k in a.related)
    feed = "\n".join(f'          <li class="Feed-item"><a class="Feed-link" href="{o.url}"><time datetime="{o.published}">{o.published_dt:%H:%M}</time> {t(o.title)}</a></li>'
                     for o in outlet_articles("meduza", a.lang) if o.key != a.key)
    amp_link = f'\n<link rel="amphtml" href="{a.url}/amp">' if a.amp else ""
    support = "\n".join(f'          <p class="SupportMeduza-text">{t(p)}</p>' for p in tx["support_text"])
    authors = ", ".join(f'<span class="MaterialMeta-author">{t(n)}</span>' for n in a.authors)
    state = json.dumps({"route": "/" + a.path, "material": {"layout": "simple", "type": "news",
                                                          "lang": a.lang, "amp": a.amp}})
    return f"""<!DOCTYPE html>
<html lang="{a.lang}" prefix="og: http://ogp.me/ns#">
<head>
<meta charset="utf-8">
<title>{t(a.title)} — Meduza</title>
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover">
<meta name="description" content="{a_(a.summary)}">
<meta property="og:site_name" content="Meduza">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:description" content="{a_(a.summary)}">
<meta property="og:url" content="{a.url}">
<meta property="og:type" content="article">
<meta property="og:locale" content="{tx['locale']}">
<meta property="og:image" content="{B}/meduza/static/share.png">
<meta property="og:image:width" content="1200">
<meta property="og:image:height" content="630">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@meduza_demo">
<meta name="twitter:title" content="{a_(a.title)}">
<link rel="canonical" href="{a.url}">{amp_link}
<link rel="alternate" type="application/rss+xml" title="{a_(tx['rss_title'])}" href="{B}/{tx['rss']}">
<link rel="preload" href="/meduza/static/js/main-5c1e9a.js" as="script">
<link rel="stylesheet" href="/meduza/static/css/app.css">
<script type="application/ld+json">{meduza_ld(a)}</script>
{MEDUZA_SCRIPT_HEAD % a.lang}
</head>
<body>
<div id="root">
<div class="Layout-root Layout" data-testid="layout">
{meduza_header(a.lang)}
  <main class="Layout-main">
    <div class="GeneralMaterial-root GeneralMaterial-article" data-material-type="news">
      <div class="GeneralMaterial-materialHeader">
        <div class="Tag-root Tag-isNews"><span class="Tag-text">{tx['tag']}</span></div>
        <h1 class="SimpleTitle-root SimpleTitle-first">{t(a.title)}</h1>
        <div class="MaterialMeta-root MaterialMeta-isInMaterialHeader">
          <div class="MaterialMeta-item"><time class="Timestamp-root" datetime="{a.published}">{meduza_time_label(a)}</time></div>
          <div class="MaterialMeta-item MaterialMeta-authors">{authors}</div>
        </div>
        <div class="ActionPanel-root ActionPanel-isInMaterialHeader">
{share}
          <button class="ActionButton-root ActionButton-copy" type="button">{tx['copy']}</button>
        </div>
      </div>
      <div class="GeneralMaterial-body">
{body}
      </div>
      <div class="GeneralMaterial-footer">
        <div class="ActionPanel-root ActionPanel-isInMaterialFooter">
{share}
        </div>
        <div class="SupportMeduza-root">
          <h3 class="SupportMeduza-title">{t(tx['support_title'])}</h3>
{support}
          <a class="Button-root Button-isSupport" href="{B}/meduza/support">{t(tx['support_button'])}</a>
        </div>
        <div class="RelatedRichBlock-root">
          <h3 class="RelatedRichBlock-title">{tx['related']}</h3>
          <ul class="RelatedRichBlock-list">
{related}
          </ul>
        </div>
      </div>
    </div>
    <aside class="Layout-aside">
      <div class="Feed-root">
        <h3 class="Feed-title">{tx['feed']}</h3>
        <ul class="Feed-list">
{feed}
        </ul>
      </div>
      <div class="Banner-root Banner-isSidebar" id="adfox_17011"></div>
    </aside>
  </main>
{meduza_footer(a.lang)}
</div>
</div>
<script>window.__INITIAL_STATE__ = {state};</script>
<script src="/meduza/static/js/main-5c1e9a.js" async></script>
</body>
</html>
"""


AMP_BOILERPLATE = ("<style amp-boilerplate>body{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;"
                   "animation:-amp-start 8s steps(1,end) 0s 1 normal both}@keyframes -amp-start{from{visibility:hidden}"
                   "to{visibility:visible}}</style><noscript><style amp-boilerplate>body{-webkit-animation:none;"
                   "animation:none}</style></noscript>")


def meduza_amp(a: Article) -> str:
    tx = MEDUZA_TEXT[a.lang]
    body = "\n".join(f"      <p>{t(p)}</p>" for p in a.body)
    authors = ", ".join(t(n) for n in a.authors)
    return f"""<!doctype html>
<html amp lang="{a.lang}">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-analytics" src="https://cdn.ampproject.org/v0/amp-analytics-0.1.js"></script>
<title>{t(a.title)} — Meduza</title>
<link rel="canonical" href="{a.url}">
<meta name="viewport" content="width=device-width,minimum-scale=1,initial-scale=1">
<meta property="og:title" content="{a_(a.title)}">
<meta property="og:type" content="article">
<script type="application/ld+json">{meduza_ld(a)}</script>
{AMP_BOILERPLATE}
<style amp-custom>body{{font-family:Georgia,serif;margin:0}}.AmpHeader{{background:#000;color:#fff;padding:12px}}.AmpMaterial{{padding:16px;max-width:640px;margin:0 auto}}.AmpMaterial-meta{{color:#666;font-size:14px}}</style>
</head>
<body>
  <header class="AmpHeader"><a href="{B}/{tx['home']}">Meduza</a></header>
  <article class="AmpMaterial">
    <div class="AmpMaterial-tag">{tx['tag']}</div>
    <h1 class="AmpMaterial-title">{t(a.title)}</h1>
    <div class="AmpMaterial-meta"><time datetime="{a.published}">{meduza_time_label(a)}</time> · <span class="AmpMaterial-author">{authors}</span></div>
    <div class="AmpMaterial-body">
{body}
    </div>
  </article>
  <div class="AmpSupport"><p>{t(tx['support_title'])}</p><a href="{B}/meduza/support">{t(tx['support_button'])}</a></div>
  <div class="AmpFooter"><a href="{a.url}">{t(tx['amp_back'])}</a> · &copy; 2014&ndash;2025 Meduza (demo)</div>
  <amp-analytics type="googleanalytics"><script type="application/json">{{"vars": {{"account": "G-DEMO000MDZ"}}, "triggers": {{"trackPageview": {{"on": "visible", "request": "pageview"}}}}}}</script></amp-analytics>
</body>
</html>
"""


def meduza_rss(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    items = []
    for a in outlet_articles("meduza", lang):
        link = f"{a.url}/amp" if a.amp else a.url
        creators = "\n".join(f"      <dc:creator>{xml_escape(n)}</dc:creator>" for n in a.authors)
        items.append(f"""    <item>
      <title><![CDATA[{a.title}]]></title>
      <link>{link}</link>
      <guid>{link}</guid>
{creators}
      <pubDate>{rfc822(a.published_dt)}</pubDate>
      <enclosure url="{B}/meduza/static/share.png" length="0" type="image/png"/>
      <description><![CDATA[<p>{t(a.summary)}</p>]]></description>
    </item>""")
    desc = ("Мы выбираем для вас самые важные новости и готовим лучшие тексты о том, что происходит "
            "в России и мире." if lang == "ru" else
            "Independent news about Russia, in English.")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<rss xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/" version="2.0">
  <channel>
    <title>{xml_escape(tx['rss_title'])}</title>
    <link>{B}/{tx['home']}</link>
    <language>{lang}</language>
    <description>{xml_escape(desc)}</description>
    <atom:link href="{B}/{tx['rss']}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
  </channel>
</rss>
"""


def meduza_home(lang: str) -> str:
    tx = MEDUZA_TEXT[lang]
    lis = "\n".join(f'        <li class="Feed-item"><a class="Feed-link" href="{a.url}">{t(a.title)}</a></li>'
                    for a in outlet_articles("meduza", lang))
    return f"""<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>Meduza</title>
<link rel="canonical" href="{B}/{tx['home']}">
<link rel="alternate" type="application/rss+xml" title="{a_(tx['rss_title'])}" href="{B}/{tx['rss']}">
<link rel="stylesheet" href="/meduza/static/css/app.css">
</head>
<body>
<div id="root">
<div class="Layout-root Layout">
{meduza_header(lang)}
  <main class="Layout-main">
    <div class="Feed-root">
      <h2 class="Feed-title">{tx['feed']}</h2>
      <ul class="Feed-list">
{lis}
      </ul>
    </div>
  </main>
{meduza_footer(lang)}
</div>
</div>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Novaya Gazeta Europe (WordPress-like, sitemaps only)
# --------------------------------------------------------------------------------------------

NOVAYA_MENU = [("news", "Новости"), ("stories", "Сюжеты"), ("opinions", "Мнения"),
               ("investigations", "Расследования"), ("culture", "Культура"),
               ("podcasts", "Подкасты"), ("donate", "Поддержать")]


def novaya_post_id(a: Article) -> int:
    return 48000 + sum(ord(c) for c in a.slug) % 900


def novaya_head(title: str, url: str, description: str, og_type: str) -> str:
    return f"""<!DOCTYPE html>
<html lang="ru-RU" class="no-js">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="profile" href="https://gmpg.org/xfn/11">
<title>{t(title)} — Новая газета Европа</title>
<meta name="description" content="{a_(description)}">
<meta name="robots" content="index, follow, max-image-preview:large">
<link rel="canonical" href="{url}">
<meta property="og:locale" content="ru_RU">
<meta property="og:type" content="{og_type}">
<meta property="og:title" content="{a_(title)}">
<meta property="og:description" content="{a_(description)}">
<meta property="og:url" content="{url}">
<meta property="og:site_name" content="Новая газета Европа">
<meta property="og:image" content="{B}/novaya/static/cover.png">
<link rel="stylesheet" id="wp-block-library-css" href="/novaya/wp-includes/css/dist/block-library/style.min.css?ver=6.4.2" type="text/css" media="all">
<link rel="stylesheet" id="novaya-style-css" href="/novaya/wp-content/themes/novaya/style.css?ver=2.3.1" type="text/css" media="all">
<script type="text/javascript" id="novaya-js-extra">
/* <![CDATA[ */
var novayaSettings = {{"ajaxurl":"\\/novaya\\/wp-admin\\/admin-ajax.php","lang":"ru","paywall":"1"}};
/* ]]> */
</script>
<script type="text/javascript" src="/novaya/wp-includes/js/jquery/jquery.min.js?ver=3.7.1" id="jquery-core-js"></script>
</head>"""


def novaya_header() -> str:
    items = "\n".join(f'          <li class="menu-item menu-item-type-taxonomy"><a href="{B}/novaya/{slug}">{label}</a></li>'
                      for slug, label in NOVAYA_MENU)
    return f"""<div id="page" class="site">
  <a class="skip-link screen-reader-text" href="#content">Перейти к содержимому</a>
  <header id="masthead" class="site-header">
    <div class="site-branding">
      <p class="site-title"><a href="{B}/novaya/" rel="home">Новая газета Европа</a></p>
      <p class="site-description">Независимая журналистика о России и мире</p>
    </div>
    <nav id="site-navigation" class="main-navigation">
      <button class="menu-toggle" aria-controls="primary-menu" aria-expanded="false">Меню</button>
      <div class="menu-main-container">
        <ul id="primary-menu" class="menu">
{items}
        </ul>
      </div>
    </nav>
    <div class="header-actions"><a class="header-subscribe" href="{B}/novaya/subscribe">Подписка</a> <a class="header-lang" href="{B}/novaya/en/">English</a></div>
  </header>"""


def novaya_sidebar_and_footer(exclude: str = "") -> str:
    others = [a for a in outlet_articles("novaya", kinds=("article", "paywall")) if a.key != exclude]
    recent = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a> <span class="post-date">{ru_date(a.published_dt, False)}</span></li>'
                       for a in others[:6])
    return f"""    <aside id="secondary" class="widget-area">
      <section id="recent-posts-2" class="widget widget_recent_entries">
        <h2 class="widget-title">Последние материалы</h2>
        <ul>
{recent}
        </ul>
      </section>
      <section id="text-3" class="widget widget_text">
        <h2 class="widget-title">Рассылка</h2>
        <div class="textwidget"><p>Главные тексты недели — в вашей почте по пятницам.</p>
        <form class="newsletter-form" action="{B}/novaya/newsletter" method="post"><input type="email" name="email" placeholder="Ваш email"><button type="submit">Подписаться</button></form></div>
      </section>
    </aside>
  </div><!-- #content -->
  <footer id="colophon" class="site-footer">
    <div class="footer-menu">
      <a href="{B}/novaya/about">О нас</a> | <a href="{B}/novaya/contacts">Контакты</a> | <a href="{B}/novaya/privacy">Политика конфиденциальности</a> | <a href="{B}/novaya/donate">Поддержать редакцию</a>
    </div>
    <div class="site-info">&copy; 2022–2025 «Новая газета Европа» (демо). {t(DEMO_NOTE_RU)}</div>
  </footer>
</div><!-- #page -->
<div id="cookie-notice" role="dialog" class="cookie-notice-hidden" aria-label="Cookie Notice">
  <div class="cookie-notice-container"><span id="cn-notice-text" class="cn-text-container">Мы используем файлы cookie, чтобы сайт работал корректно. Оставаясь на сайте, вы соглашаетесь с их использованием.</span><a href="#" id="cn-accept-cookie" data-cookie-set="accept" class="cn-set-cookie cn-button">Ок</a></div>
</div>
<script type="text/javascript">
  (function () {{ var n = document.getElementById('cookie-notice'); if (document.cookie.indexOf('cookie_notice_accepted') === -1) {{ n.className = 'cookie-notice-visible'; }} }})();
</script>
<script type="text/javascript" src="/novaya/wp-content/themes/novaya/js/navigation.js?ver=2.3.1" id="novaya-navigation-js"></script>"""


def novaya_entry_header(a: Article) -> str:
    authors = ", ".join(
        f'<span class="author vcard" itemprop="author" itemscope itemtype="https://schema.org/Person">'
        f'<a class="url fn n" href="{B}/novaya/author/{translit_slug(n)}" itemprop="url"><span itemprop="name">{t(n)}</span></a></span>'
        for n in a.authors)
    slug, label = ("reportage", "Репортаж") if a.kind == "paywall" else ("news", "Новости")
    category = f'<a href="{B}/novaya/{slug}" rel="category tag">{label}</a>'
    return f"""        <meta itemprop="datePublished" content="{a.published}">
        <meta itemprop="dateModified" content="{a.modified}">
        <meta itemprop="mainEntityOfPage" content="{a.url}">
        <header class="entry-header">
          <div class="entry-category">{category}</div>
          <h1 class="entry-title" itemprop="headline">{t(a.title)}</h1>
          <div class="entry-meta">
            <span class="byline">{authors}</span>
            <span class="posted-on"><time class="entry-date published" datetime="{a.published}">{ru_date(a.published_dt)}</time><time class="updated" datetime="{a.modified}" hidden>{ru_date(a.modified_dt)}</time></span>
          </div>
        </header>"""


def novaya_article(a: Article) -> str:
    pid = novaya_post_id(a)
    body = "\n".join(f"          <p>{t(p)}</p>" for p in a.body)
    tags = ", ".join(f'<a href="{B}/novaya/tag/{translit_slug(tag)}" rel="tag">{t(tag)}</a>' for tag in a.tags)
    rel = [by_key(k) for k in a.related]
    nav = ""
    if rel:
        nav = f"""
      <nav class="navigation post-navigation" aria-label="Записи">
        <h2 class="screen-reader-text">Навигация по записям</h2>
        <div class="nav-links"><div class="nav-previous"><a href="{rel[0].url}"><span class="meta-nav">Читайте также</span> <span class="post-title">{t(rel[0].title)}</span></a></div>{''.join(f'<div class="nav-next"><a href="{r.url}"><span class="post-title">{t(r.title)}</span></a></div>' for r in rel[1:])}</div>
      </nav>"""
    if a.kind == "paywall":
        content = f"""        <div class="entry-content entry-content--locked" itemprop="description">
          <p class="lead">{t(a.body[0])}</p>
          <div class="paywall-box">
            <h3 class="paywall-box__title">Этот материал доступен только подписчикам</h3>
            <p class="paywall-box__text">Оформите подписку, чтобы читать все материалы «Новой газеты Европа» и поддержать независимую журналистику.</p>
            <a class="button paywall-box__button" href="{B}/novaya/subscribe">Оформить подписку</a>
            <p class="paywall-box__login">Уже подписаны? <a href="{B}/novaya/login">Войдите</a></p>
          </div>
        </div>"""
        classes = "post type-post status-publish format-standard hentry category-reportage paywalled"
    else:
        content = f"""        <div class="post-thumbnail"><img width="64" height="36" src="{B}/novaya/static/cover.png" class="attachment-post-thumbnail wp-post-image" alt="" decoding="async"></div>
        <div class="entry-content" itemprop="articleBody">
{body}
        </div>
        <footer class="entry-footer"><span class="tags-links">Теги: {tags}</span></footer>"""
        classes = "post type-post status-publish format-standard has-post-thumbnail hentry category-news"
    return f"""{novaya_head(a.title, a.url, a.summary, "article")}
<body class="post-template-default single single-post postid-{pid} single-format-standard">
{novaya_header()}
  <div id="content" class="site-content">
    <div id="primary" class="content-area">
      <main id="main" class="site-main">
      <article id="post-{pid}" class="post-{pid} {classes}" itemscope itemtype="https://schema.org/NewsArticle">
{novaya_entry_header(a)}
{content}
      </article>
      <div class="share-buttons">Поделиться: <a href="https://t.me/share/url?url={a.url}" rel="noopener">Telegram</a> <a href="https://vk.com/share.php?url={a.url}" rel="noopener">ВКонтакте</a> <a href="https://x.com/intent/post?url={a.url}" rel="noopener">X</a></div>
      <div class="donate-box"><p class="donate-box__title">Мы работаем для вас</p><p>Нас заблокировали в России, но мы продолжаем писать правду. Ваша поддержка помогает нам оставаться независимыми.</p><a class="button" href="{B}/novaya/donate">Поддержать</a></div>{nav}
      </main>
    </div>
{novaya_sidebar_and_footer(a.key)}
</body>
</html>
"""


def novaya_sitemaps(items: list[Article]) -> tuple[str, str, str]:
    newest = max(a.modified_dt for a in items)
    index = f"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap>
    <loc>{B}/novaya/sitemap_news.xml.gz</loc>
    <lastmod>{newest.isoformat()}</lastmod>
  </sitemap>
  <sitemap>
    <loc>{B}/novaya/sitemap_latest.xml</loc>
    <lastmod>{newest.isoformat()}</lastmod>
  </sitemap>
</sitemapindex>
"""
    news = "\n".join(f"""  <url>
    <loc>{a.url}</loc>
    <news:news>
      <news:publication>
        <news:name>Новая газета Европа</news:name>
        <news:language>ru</news:language>
      </news:publication>
      <news:publication_date>{a.published}</news:publication_date>
      <news:title>{xml_escape(a.title)}</news:title>
      <news:keywords>{xml_escape(', '.join(a.tags))}</news:keywords>
    </news:news>
  </url>""" for a in items)
    latest = "\n".join(f"""  <url>
    <loc>{a.url}</loc>
    <lastmod>{a.modified}</lastmod>
    <changefreq>hourly</changefreq>
    <priority>0.8</priority>
  </url>""" for a in items)
    news_xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{news}
</urlset>
"""
    latest_xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
{latest}
</urlset>
"""
    return index, news_xml, latest_xml


def novaya_home() -> str:
    lis = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a></li>'
                    for a in outlet_articles("novaya", kinds=("article", "paywall")))
    return f"""{novaya_head("Главная", f"{B}/novaya/", "Новости и расследования о России.", "website")}
<body class="home blog">
{novaya_header()}
  <div id="content" class="site-content">
    <div id="primary" class="content-area">
      <main id="main" class="site-main">
        <h1 class="page-title">Главное</h1>
        <ul class="post-list">
{lis}
        </ul>
      </main>
    </div>
{novaya_sidebar_and_footer()}
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# OVD-Info-like (old-school table layout, windows-1251)
# --------------------------------------------------------------------------------------------

OVD_MENU = [("news", "Новости"), ("articles", "Статьи"), ("data", "Данные"), ("help", "Помощь"),
            ("donate", "Пожертвовать"), ("about", "О проекте")]


def ovd_page(title: str, url: str, content: str, meta: str = "", charset: bool = True) -> str:
    menu = "\n".join(f'          <li><a href="{B}/ovd/{slug}">{label}</a></li>' for slug, label in OVD_MENU)
    charset_meta = ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">\n'
                    if charset else "")
    return f"""<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">
<html>
<head>
{charset_meta}<title>{t(title)} | ОВД-Инфо</title>
<link rel="canonical" href="{url}">
{meta}<link rel="stylesheet" href="{B}/ovd/css/style.css" type="text/css">
<link rel="shortcut icon" href="{B}/ovd/favicon.ico">
<script type="text/javascript">
  var _gaq = _gaq || [];
  _gaq.push(['_setAccount', 'UA-0000000-1']);
  _gaq.push(['_trackPageview']);
</script>
</head>
<body bgcolor="#ffffff" topmargin="0" leftmargin="0" marginwidth="0" marginheight="0">
<table width="100%" cellpadding="0" cellspacing="0" border="0" id="layout">
  <tr>
    <td colspan="2" class="top" height="90">
      <a href="{B}/ovd/"><img src="{B}/ovd/img/logo.png" width="64" height="36" border="0" alt="ОВД-Инфо"></a>
      <span class="slogan">Независимый медиапроект о преследованиях по политическим мотивам</span>
      <span class="hotline">Горячая линия: 8-800-000-00-00 (демо)</span>
    </td>
  </tr>
  <tr>
    <td class="menu" width="200" valign="top">
      <ul class="left-menu">
{menu}
      </ul>
      <div class="left-block">
        <b>Вас задержали?</b><br>
        Звоните на горячую линию или пишите в телеграм-бот. Мы поможем найти адвоката.
      </div>
      <form action="{B}/ovd/subscribe" method="post" class="subscribe">
        Рассылка:<br><input type="text" name="email" size="18"><br><input type="submit" value="Подписаться">
      </form>
    </td>
    <td valign="top">
      <div id="content">
{content}
      </div>
    </td>
  </tr>
  <tr>
    <td colspan="2" class="footer">
      &copy; ОВД-Инфо, 2011&ndash;2025 (демо). {t(DEMO_NOTE_RU)}<br>
      <a href="{B}/ovd/about">О проекте</a> | <a href="{B}/ovd/contacts">Контакты</a> | <a href="{B}/ovd/donate">Поддержать</a>
      <!-- Yandex.Metrika counter -->
      <script type="text/javascript">
        (function(m,e,t,r,i,k,a){{m[i]=m[i]||function(){{(m[i].a=m[i].a||[]).push(arguments)}};}})(window, document, "script", "/ovd/js/tag.js", "ym");
        ym(00000000, "init", {{clickmap:true, trackLinks:true}});
      </script>
      <noscript><div><img src="{B}/ovd/img/counter.png" style="position:absolute; left:-9999px;" alt=""></div></noscript>
      <!-- /Yandex.Metrika counter -->
    </td>
  </tr>
</table>
</body>
</html>
"""


def ovd_article(a: Article) -> str:
    dt = a.published_dt
    body = "\n".join(f"          <p>{t(p)}</p>" for p in a.body)
    more = "\n".join(f'            <li><a href="{by_key(k).url}">{t(by_key(k).title)}</a></li>' for k in a.related)
    tags = ", ".join(t(x) for x in a.tags)
    meta = (f'<meta name="description" content="{a_(a.summary)}">\n'
            f'<meta name="keywords" content="{a_(", ".join(a.tags))}">\n'
            f'<meta name="author" content="{a_(", ".join(a.authors))}">\n'
            f'<meta name="date" content="{a.published}">\n')
    content = f"""        <div class="breadcrumbs"><a href="{B}/ovd/">Главная</a> &raquo; <a href="{B}/ovd/news">Новости</a></div>
        <h1 class="title">{t(a.title)}</h1>
        <div class="date">{dt:%d.%m.%Y}, {dt:%H:%M}</div>
        <div class="author">{"Авторы" if len(a.authors) > 1 else "Автор"}: {t(", ".join(a.authors))}</div>
        <div class="text">
{body}
        </div>
        <div class="tags">Темы: {tags}</div>
        <div class="help-box">Если вас задержали, звоните на нашу горячую линию. Если вы хотите поддержать нашу работу, <a href="{B}/ovd/donate">сделайте пожертвование</a>.</div>
        <div class="share">Поделиться: <a href="https://vk.com/share.php?url={a.url}">ВКонтакте</a> | <a href="https://t.me/share/url?url={a.url}">Telegram</a> | <a href="https://www.facebook.com/sharer.php?u={a.url}">Facebook</a></div>
        <div class="more-news">
          <h3>Другие новости</h3>
          <ul>
{more}
          </ul>
        </div>"""
    return ovd_page(a.title, a.url, content, meta, charset=not a.no_charset)


def ovd_listing(items: list[Article], page: int, pages: int) -> str:
    url = f"{B}/ovd/news" if page == 1 else f"{B}/ovd/news/page/{page}"
    rows = "\n".join(f"""        <div class="news-item">
          <div class="news-date">{a.published_dt:%d.%m.%Y %H:%M}</div>
          <a class="news-title" href="{a.url}">{t(a.title)}</a>
          <p class="news-lead">{t(a.summary)}</p>
        </div>""" for a in items)
    nums = " ".join(f'<span class="pager-current">{n}</span>' if n == page else
                    f'<a href="{B}/ovd/news{"" if n == 1 else f"/page/{n}"}">{n}</a>'
                    for n in range(1, pages + 1))
    prev_link = ""
    if page > 1:
        prev_url = f"{B}/ovd/news" if page == 2 else f"{B}/ovd/news/page/{page - 1}"
        prev_link = f'<a class="pager-prev" href="{prev_url}">Предыдущая страница</a> '
    next_link = (f' <a class="pager-next" href="{B}/ovd/news/page/{page + 1}">Следующая страница</a>'
                 if page < pages else "")
    content = f"""        <div class="breadcrumbs"><a href="{B}/ovd/">Главная</a> &raquo; Новости</div>
        <h1 class="title">Новости{"" if page == 1 else f" — страница {page}"}</h1>
{rows}
        <div class="pager">{prev_link}{nums}{next_link}</div>"""
    return ovd_page("Новости", url, content)


def ovd_home() -> str:
    items = outlet_articles("ovd")
    lis = "\n".join(f'          <li><a href="{a.url}">{t(a.title)}</a></li>' for a in items[:4])
    content = f"""        <h1 class="title">ОВД-Инфо</h1>
        <p>Мы рассказываем о политических преследованиях и помогаем задержанным.</p>
        <h3>Последние новости</h3>
        <ul>
{lis}
        </ul>
        <p><a href="{B}/ovd/news">Все новости</a></p>"""
    return ovd_page("Главная", f"{B}/ovd/", content)


# --------------------------------------------------------------------------------------------
# Site root, static files, config files
# --------------------------------------------------------------------------------------------

def root_index() -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>newsmon demo site</title>
</head>
<body>
<h1>newsmon offline demo</h1>
<p>{t(DEMO_NOTE_EN)}</p>
<ul>
  <li><a href="{B}/tmt/">The Moscow Times (demo)</a> &mdash; English; RSS feed and paginated section listing</li>
  <li><a href="{B}/meduza/">Meduza (demo)</a> and <a href="{B}/meduza/en/">Meduza in English</a> &mdash; RSS feeds, one AMP page</li>
  <li><a href="{B}/novaya/">Новая газета Европа (demo)</a> &mdash; Russian; XML sitemaps only</li>
  <li><a href="{B}/ovd/">ОВД-Инфо (demo)</a> &mdash; Russian, windows-1251; paginated listing</li>
</ul>
</body>
</html>
"""


ROBOTS = f"""User-agent: *
Disallow: /tmt/search/
Disallow: /meduza/api/

Sitemap: {B}/novaya/sitemap.xml
"""

CSS = {
    "tmt/static/css/main.css": "body{font-family:Georgia,serif;margin:0}.container{max-width:1100px;margin:0 auto;padding:0 16px}"
                               ".nav__list{list-style:none;display:flex;gap:16px;padding:0}.sidebar{width:300px}"
                               ".row-flex{display:flex;gap:24px}.col{flex:1}.contribute-banner{background:#f3e9d2;padding:8px}\n",
    "meduza/static/css/app.css": "body{font-family:Helvetica,Arial,sans-serif;margin:0}.Layout-main{display:flex;gap:32px;max-width:1000px;margin:0 auto}"
                                 ".GeneralMaterial-article{flex:1}.Layout-aside{width:280px}.Menu-list{list-style:none;display:flex;gap:12px}\n",
    "novaya/wp-content/themes/novaya/style.css": "body{font-family:'PT Serif',serif}.site-content{display:flex;gap:32px}"
                                                 ".content-area{flex:1}.widget-area{width:280px}#primary-menu{list-style:none;display:flex;gap:12px}\n",
    "ovd/css/style.css": "body{font-family:Verdana,Arial,sans-serif;font-size:13px}td.menu{background:#eef}"
                         "td.top{background:#036;color:#fff}.date{color:#888}.pager a{margin:0 4px}\n",
}


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


def expected_entries() -> list[dict]:
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


# --------------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------------

def build() -> None:
    tmt_all = outlet_articles("tmt", kinds=("article", "gallery"))
    for a in ARTICLES:
        if a.outlet == "tmt":
            emit(a.path, tmt_article(a), HTML_UTF8)
        elif a.outlet == "meduza":
            emit(a.path, meduza_article(a), HTML_UTF8)
            if a.amp:
                emit(a.amp_path, meduza_amp(a), HTML_UTF8)
        elif a.outlet == "novaya":
            emit(a.path, novaya_article(a), HTML_UTF8)
        else:
            emit(a.path, ovd_article(a), "text/html" if a.no_charset else HTML_CP1251, "cp1251")

    # The Moscow Times: feed, two listing pages, homepage
    per_page = 6
    pages = (len(tmt_all) + per_page - 1) // per_page
    for page in range(1, pages + 1):
        chunk = tmt_all[(page - 1) * per_page: page * per_page]
        emit("tmt/news" if page == 1 else f"tmt/news/page/{page}", tmt_listing(chunk, page, pages), HTML_UTF8)
    emit("tmt/rss/news", tmt_rss(outlet_articles("tmt"), tracked_key="T3"), RSS)
    emit("tmt/", tmt_home(), HTML_UTF8)

    # Meduza: two feeds, homepages
    emit("meduza/rss/all", meduza_rss("ru"), RSS)
    emit("meduza/rss/en/all", meduza_rss("en"), RSS)
    emit("meduza/", meduza_home("ru"), HTML_UTF8)
    emit("meduza/en/", meduza_home("en"), HTML_UTF8)

    # Novaya: sitemap index + news sitemap + latest sitemap, homepage
    index, news_xml, latest_xml = novaya_sitemaps(outlet_articles("novaya", kinds=("article", "paywall")))
    emit("novaya/sitemap.xml", index, XML)
    emit("novaya/sitemap_news.xml", news_xml, XML)
    emit("novaya/sitemap_latest.xml", latest_xml, XML)
    emit("novaya/", novaya_home(), HTML_UTF8)

    # OVD: two listing pages, homepage (all windows-1251)
    ovd_all = outlet_articles("ovd")
    for page in (1, 2):
        chunk = ovd_all[(page - 1) * 3: page * 3]
        emit("ovd/news" if page == 1 else f"ovd/news/page/{page}", ovd_listing(chunk, page, 2),
             HTML_CP1251, "cp1251")
    emit("ovd/", ovd_home(), HTML_CP1251, "cp1251")

    # root, robots, static assets
    emit("", root_index(), HTML_UTF8)
    emit("robots.txt", ROBOTS)
    for path, css in CSS.items():
        emit(path, css)
    emit("tmt/static/img/logo.png", png(64, 36, (20, 20, 20), (90, 90, 90)))
    palette = [((200, 220, 240), (250, 250, 255)), ((90, 110, 140), (220, 225, 235)),
               ((240, 240, 245), (160, 170, 185)), ((60, 70, 90), (200, 200, 210)),
               ((180, 60, 50), (235, 235, 240)), ((120, 140, 120), (245, 245, 245))]
    for i, (top, bottom) in enumerate(palette, 1):
        emit(f"tmt/static/img/photo-{i}.png", png(160, 90, top, bottom))
    emit("meduza/static/share.png", png(120, 63, (184, 139, 89), (30, 30, 30)))
    emit("novaya/static/cover.png", png(120, 63, (160, 20, 30), (250, 250, 250)))
    emit("ovd/img/logo.png", png(64, 36, (0, 51, 102), (0, 102, 153)))


def write_all() -> dict[str, str]:
    """Write PAGES under SITE; return URL path -> file path."""
    if SITE.exists():
        shutil.rmtree(SITE)
    mapping = {p: file_for(p, PAGES) for p in PAGES}
    for url_path, data in PAGES.items():
        target = SITE / mapping[url_path]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    headers = {}
    for url_path, ctype in sorted(CTYPES.items()):
        if url_path:
            headers[url_path] = ctype
        if mapping[url_path] != url_path:
            headers[mapping[url_path]] = ctype
    (SITE / "_headers.json").write_text(json.dumps(headers, ensure_ascii=False, indent=2) + "\n",
                                        encoding="utf-8")
    (HERE / "expected.json").write_text(
        json.dumps(expected_entries(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (HERE / "sources.yaml.tmpl").write_text(SOURCES_TMPL, encoding="utf-8")
    return mapping


# --------------------------------------------------------------------------------------------
# Self-checks
# --------------------------------------------------------------------------------------------

_UTF8_MULTIBYTE = re.compile(
    rb"[\xC2-\xDF][\x80-\xBF]|\xE0[\xA0-\xBF][\x80-\xBF]|[\xE1-\xEC\xEE\xEF][\x80-\xBF]{2}"
    rb"|\xED[\x80-\x9F][\x80-\xBF]|\xF0[\x90-\xBF][\x80-\xBF]{2}|[\xF1-\xF3][\x80-\xBF]{3}"
    rb"|\xF4[\x80-\x8F][\x80-\xBF]{2}")
DISCOVERY_DOCS = ["tmt/rss/news", "meduza/rss/all", "meduza/rss/en/all", "novaya/sitemap.xml",
                  "novaya/sitemap_news.xml", "novaya/sitemap_latest.xml"]
LISTINGS = ["tmt/news", "tmt/news/page/2", "ovd/news", "ovd/news/page/2"]


def check() -> list[str]:
    import xml.etree.ElementTree as ET
    from urllib.parse import urlsplit

    problems: list[str] = []
    base = "http://127.0.0.1:8765"

    def served(url: str) -> bool:
        path = urlsplit(html.unescape(url)).path.lstrip("/")
        return path in PAGES or (path.endswith(".gz") and path[:-3] in PAGES)

    def decoded(path: str) -> str:
        enc = "cp1251" if path.startswith("ovd/") and not path.endswith((".png", ".css")) else "utf-8"
        return PAGES[path].decode(enc).replace(B, base)

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
    for path, data in PAGES.items():
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
        if a.no_charset and re.search(rb"charset|encoding=", PAGES[a.path], re.IGNORECASE):
            problems.append(f"{a.path}: must not declare a charset")
        if a.outlet == "ovd" and not a.no_charset and b"charset=windows-1251" not in PAGES[a.path]:
            problems.append(f"{a.path}: missing charset meta")

    # JSON-LD blocks parse; Meduza has no article:published_time; Novaya has no JSON-LD
    for path, data in PAGES.items():
        if path.startswith("ovd/") or path.endswith((".png", ".css", ".txt")):
            continue
        for block in re.findall(rb'<script type="application/ld\+json">(.*?)</script>', data, re.DOTALL):
            json.loads(block.replace(B.encode(), base.encode()))
        if path.startswith("meduza/") and b"article:published_time" in data:
            problems.append(f"{path}: meduza pages must not carry article:published_time")
        if path.startswith("novaya/") and b"application/ld+json" in data:
            problems.append(f"{path}: novaya pages must not carry JSON-LD")
    json.loads((SITE / "_headers.json").read_text(encoding="utf-8"))
    expected = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))

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
    sys.path.insert(0, str(HERE.parents[1]))
    try:
        from crawler.sources import parse_sources
    except ImportError:  # crawler package not importable: skip the sources checks
        return problems
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


def main() -> int:
    build()
    mapping = write_all()
    problems = check()
    print(summary(mapping))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
