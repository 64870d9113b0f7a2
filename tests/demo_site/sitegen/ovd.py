"""OVD-Info (demo): old-school table layout in windows-1251, paginated news listing, homepage."""

from __future__ import annotations

from tests.demo_site.sitegen.stories import B, DEMO_NOTE_RU, Article, a_, by_key, outlet_articles, t


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
