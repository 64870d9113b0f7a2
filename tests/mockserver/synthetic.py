"""A generated outlet of any size for the mock server: feed, sitemap and article pages.

Articles are built on request from a seed (nothing is written to disk), with the markup a
real news page has around its text (navigation, byline, related links, footer) and distinct
prose, so they go through extraction, dedupe and tagging like real ones. Used by the fault
and crash suites and by the crawl benchmark.
"""

from __future__ import annotations

import html
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

_WORDS = ("court city council minister police report region official local river school "
          "hospital market railway bridge festival museum library budget harvest weather "
          "factory airport station theatre election mayor district village winter summer "
          "teacher doctor student farmer driver worker engineer artist writer scientist "
          "project plan decision meeting statement schedule repair road water energy price "
          "season game team match goal coach club league fans record result visit tour "
          "exhibition concert book film garden park forest lake coast island mountain").split()
_VERBS = ("announced opened closed approved delayed visited reported reviewed discussed "
          "planned expected confirmed described repaired built moved changed").split()
BASE_DATE = datetime(2026, 1, 5, 6, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class SyntheticArticle:
    index: int
    slug: str
    title: str
    published: datetime
    paragraphs: tuple[str, ...]

    @property
    def path(self) -> str:
        return f"news/{self.published:%Y/%m/%d}/{self.slug}-{self.index}"

    @property
    def words(self) -> int:
        return sum(len(p.split()) for p in self.paragraphs)


class SyntheticOutlet:
    """`count` articles under /<prefix>/: feed.xml (newest `feed_size`), sitemap.xml (all),
    index.html and news/YYYY/MM/DD/<slug>-<n> pages."""

    def __init__(self, prefix: str = "synth", count: int = 200, seed: int = 7,
                 feed_size: int | None = None, words: tuple[int, int] = (280, 650)) -> None:
        self.prefix = prefix
        self.count = count
        self.seed = seed
        self.feed_size = feed_size                    # None: every article, however many
        self.words = words

    def article(self, index: int) -> SyntheticArticle:
        rng = random.Random(f"{self.seed}:{index}")
        topic = rng.sample(_WORDS, 3)
        title = (f"{topic[0].title()} {rng.choice(_VERBS)} in the {topic[1]} "
                 f"after {topic[2]} {index}")
        target = rng.randint(*self.words)
        paragraphs: list[str] = []
        total = 0
        while total < target:
            sentences = []
            for _ in range(rng.randint(2, 5)):
                words = [rng.choice(_WORDS) for _ in range(rng.randint(8, 20))]
                words.insert(rng.randint(1, len(words) - 1), rng.choice(_VERBS))
                sentences.append(" ".join(words).capitalize() + f" {index}.")
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            total += len(paragraph.split())
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60]
        published = BASE_DATE + timedelta(hours=3 * index)
        return SyntheticArticle(index, slug, title, published, tuple(paragraphs))

    def articles(self) -> list[SyntheticArticle]:
        return [self.article(i) for i in range(1, self.count + 1)]

    def url(self, base: str, article: SyntheticArticle) -> str:
        return f"{base}/{self.prefix}/{article.path}"

    # -- pages ----------------------------------------------------------------------------

    def page(self, base: str, article: SyntheticArticle) -> str:
        related = "".join(
            f'<li><a href="{base}/{self.prefix}/{self.article(j).path}">'
            f"{html.escape(self.article(j).title)}</a></li>"
            for j in (article.index % self.count + 1, (article.index + 7) % self.count + 1))
        body = "".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        published = article.published.isoformat()
        return (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(article.title)} | Synthetic Herald</title>"
            '<meta property="og:type" content="article">'
            f'<link rel="canonical" href="{self.url(base, article)}">'
            '<script type="application/ld+json">{"@context": "https://schema.org", '
            f'"@type": "NewsArticle", "headline": "{html.escape(article.title)}", '
            f'"datePublished": "{published}", "author": {{"@type": "Person", '
            f'"name": "Reporter {article.index % 17}"}}}}</script></head><body>'
            '<header><nav><a href="/">Home</a> <a href="/news">News</a> '
            '<a href="/sport">Sport</a> <a href="/culture">Culture</a></nav></header>'
            f'<main><article><h1>{html.escape(article.title)}</h1>'
            f'<p class="byline">By Reporter {article.index % 17}, '
            f'<time datetime="{published}">{article.published:%d %B %Y}</time></p>'
            f"{body}</article>"
            f'<aside class="related"><h2>Read more</h2><ul>{related}</ul></aside></main>'
            "<footer><p>Synthetic Herald, a test outlet. All rights reserved.</p>"
            '<a href="/about">About</a> <a href="/contact">Contact</a></footer>'
            "</body></html>")

    def feed(self, base: str) -> str:
        newest = sorted(self.articles(), key=lambda a: a.index,
                        reverse=True)[:self.feed_size or self.count]
        items = "".join(
            f"<item><title>{html.escape(a.title)}</title><link>{self.url(base, a)}</link>"
            f"<guid>{self.url(base, a)}</guid>"
            f"<pubDate>{a.published:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for a in newest)
        return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Synthetic Herald</title><link>{base}/{self.prefix}/</link>"
                f"<description>generated</description>{items}</channel></rss>")

    def sitemap(self, base: str) -> str:
        urls = "".join(f"<url><loc>{self.url(base, a)}</loc>"
                       f"<lastmod>{a.published.isoformat()}</lastmod></url>"
                       for a in self.articles())
        return ('<?xml version="1.0" encoding="utf-8"?>'
                f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>')

    def respond(self, base: str, rel: str) -> tuple[bytes, str] | None:
        """(body, content type) for a path under the prefix, or None."""
        if not rel.startswith(self.prefix + "/") and rel != self.prefix:
            return None
        rest = rel[len(self.prefix):].strip("/")
        if rest == "feed.xml":
            return self.feed(base).encode(), "application/rss+xml; charset=utf-8"
        if rest == "sitemap.xml":
            return self.sitemap(base).encode(), "application/xml; charset=utf-8"
        if rest in ("", "index.html"):
            return (f"<html><body><h1>Synthetic Herald</h1><a href='{base}/{self.prefix}/"
                    f"feed.xml'>feed</a></body></html>").encode(), "text/html; charset=utf-8"
        match = re.fullmatch(r"news/\d{4}/\d{2}/\d{2}/[a-z0-9-]+-(\d+)", rest)
        if match and 1 <= int(match.group(1)) <= self.count:
            article = self.article(int(match.group(1)))
            if rest == article.path:
                return self.page(base, article).encode(), "text/html; charset=utf-8"
        return None

    def source_yaml(self, base: str, source_id: str | None = None, *, feed: bool = True,
                    sitemap: bool = False) -> str:
        """A sources-file entry for this outlet (indented for the `sources:` list)."""
        feeds = f'["{base}/{self.prefix}/feed.xml"]' if feed else "[]"
        sitemaps = f'["{base}/{self.prefix}/sitemap.xml"]' if sitemap else "[]"
        pattern = re.escape(f"{base}/{self.prefix}/") + r"news/\d{4}/\d{2}/\d{2}/[a-z0-9-]+$"
        return (f"  - id: {source_id or self.prefix}\n"
                f"    name: Synthetic Herald ({self.prefix})\n"
                f'    homepage: "{base}/{self.prefix}/"\n'
                f"    languages: [en]\n"
                f"    allowed_domains: [127.0.0.1]\n"
                f"    article_url_pattern: '^{pattern}'\n"
                f"    discovery:\n      feeds: {feeds}\n      sitemaps: {sitemaps}\n")
