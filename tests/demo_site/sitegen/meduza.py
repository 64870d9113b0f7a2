"""Meduza (demo): Russian and English article pages, one AMP page, two RSS feeds, homepages."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from tests.demo_site.sitegen.stories import (B, DEMO_NOTE_EN, DEMO_NOTE_RU, RU_MONTHS, Article, a_, by_key,
                                          outlet_articles, rfc822, t)


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
