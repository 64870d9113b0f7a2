"""Novaya Gazeta Europe (demo): WordPress-like article pages, a paywalled page, XML sitemaps only."""

from __future__ import annotations

from xml.sax.saxutils import escape as xml_escape

from tests.demo_site.sitegen.stories import (B, DEMO_NOTE_RU, Article, a_, by_key, outlet_articles, ru_date, t,
                                          translit_slug)


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
