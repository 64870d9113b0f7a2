"""Generate the offline demo website (newsmon/demo/site/ and sources.yaml.tmpl) and expected.json.

The generator lives with the tests (like Scrapy's tests/mockserver); the pages it writes are
data that `newsmon demo` serves from the installed package.
"""

from __future__ import annotations

import sys
from pathlib import Path

if not __package__:  # run as `python tests/demo_site/build_site.py`: import this checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.demo_site.sitegen.assets import CSS, ROBOTS, images, root_index
from tests.demo_site.sitegen.checks import check, summary
from tests.demo_site.sitegen.expected import write_expected
from tests.demo_site.sitegen.meduza import meduza_amp, meduza_article, meduza_home, meduza_rss
from tests.demo_site.sitegen.novaya import novaya_article, novaya_home, novaya_sitemaps
from tests.demo_site.sitegen.output import HTML_CP1251, HTML_UTF8, RSS, XML, SiteOutput
from tests.demo_site.sitegen.ovd import ovd_article, ovd_home, ovd_listing
from tests.demo_site.sitegen.stories import ARTICLES, outlet_articles
from tests.demo_site.sitegen.tmt import tmt_article, tmt_home, tmt_listing, tmt_rss

HERE = Path(__file__).resolve().parent
DEMO = HERE.parents[1] / "newsmon" / "demo"      # the package's demo data: site + sources
SITE = DEMO / "site"


def build() -> SiteOutput:
    out = SiteOutput()
    emit = out.emit
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
    for path, data in images():
        emit(path, data)
    return out


def main() -> int:
    out = build()
    mapping = out.write(SITE)
    write_expected(HERE, DEMO)
    problems = check(out.pages, SITE, HERE)
    print(summary(mapping))
    for problem in problems:
        print("PROBLEM:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
