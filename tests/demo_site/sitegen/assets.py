"""Static files of the demo site: placeholder PNGs, stylesheets, robots.txt and the root index page."""

from __future__ import annotations

import struct
import zlib

from tests.demo_site.sitegen.stories import B, DEMO_NOTE_EN, t


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



def images() -> list[tuple[str, bytes]]:
    """The placeholder images: URL path -> PNG bytes."""
    out = [("tmt/static/img/logo.png", png(64, 36, (20, 20, 20), (90, 90, 90)))]
    palette = [((200, 220, 240), (250, 250, 255)), ((90, 110, 140), (220, 225, 235)),
               ((240, 240, 245), (160, 170, 185)), ((60, 70, 90), (200, 200, 210)),
               ((180, 60, 50), (235, 235, 240)), ((120, 140, 120), (245, 245, 245))]
    for i, (top, bottom) in enumerate(palette, 1):
        out.append((f"tmt/static/img/photo-{i}.png", png(160, 90, top, bottom)))
    out.append(("meduza/static/share.png", png(120, 63, (184, 139, 89), (30, 30, 30))))
    out.append(("novaya/static/cover.png", png(120, 63, (160, 20, 30), (250, 250, 250))))
    out.append(("ovd/img/logo.png", png(64, 36, (0, 51, 102), (0, 102, 153))))
    return out
