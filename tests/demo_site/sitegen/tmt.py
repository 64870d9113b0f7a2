"""The Moscow Times (demo): English article pages, paginated news listing, RSS feed, homepage."""

from __future__ import annotations

import json
from datetime import timedelta
from xml.sax.saxutils import escape as xml_escape

from tests.demo_site.sitegen.stories import (B, DEMO_NOTE_EN, Article, a_, by_key, en_date, joined_names,
                                          outlet_articles, rfc822, t, translit_slug)


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
