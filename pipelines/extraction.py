"""Turn page bytes into an Article: decoding, declared metadata, trafilatura body, evidence."""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from lxml import html as lxml_html
from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.settings import Extractor as TrafilaturaOptions

from crawler.dates import date_from_url, to_utc, to_utc_iso
from crawler.items import Article, Hints
from pipelines.encoding import decode_html
from pipelines.language import detect_language, normalise_lang
from pipelines.metadata import ARTICLE_TYPES, read_metadata

# Evidence for a date, strongest first; a date guessed from the body never beats a declared one.
DATE_EVIDENCE_ORDER = ("jsonld", "meta", "markup", "feed", "sitemap", "url", "text")
_ERROR_TITLE = re.compile(
    r"\b(404|410|page not found|not found|error|oops)\b|страница не найдена|ошибка 404|"
    r"не найдена", re.IGNORECASE)
_PAYWALL = re.compile(
    r"(subscribe to (continue|read)|subscribers only|for subscribers|already a subscriber|"
    r"доступ(ен|но) только (для )?подписчик|только для подписчиков|оформите подписку|"
    r"чтобы продолжить чтение)", re.IGNORECASE)
_BLANK_LINES = re.compile(r"[ \t\u00a0]*\n[\s\u00a0]*")
_TITLE_SUFFIX = re.compile(r"\s+[-|–—:]\s+[^-|–—:]{2,40}$")
_AUTHOR_NODES = etree.XPath(
    "//*[@rel='author'] | //*[@itemprop='author']//*[@itemprop='name'] | "
    "//*[contains(@class, '__author__name')]")
# Generic boilerplate inside article bodies that trafilatura tends to keep: related-story
# boxes, "read also" inserts, donation appeals, tag lists and share bars. Class tokens only.
# Cheap pre-filter on class names before the exact pattern below (most elements fail it).
_BOILERPLATE_HINT = re.compile(r"elated|lso|onat|block--link|ontribut|__tags")
_BOILERPLATE_CLASS = re.compile(
    r"(^|\s)([\w-]*__)?(related([_-][\w-]+)?|read-?also|see-also|donation[\w-]*|"
    r"contribute[\w-]*|article__block--link|article__tags)(\s|$)", re.IGNORECASE)


def _boilerplate(tree: lxml_html.HtmlElement) -> list[Any]:
    found = []
    for node in tree.iter("div", "aside", "section", "ul", "figure"):
        classes = node.get("class")
        if classes and _BOILERPLATE_HINT.search(classes) and _BOILERPLATE_CLASS.search(classes):
            found.append(node)
    return found


class NotAnArticle(ValueError):
    """The page is not an article; `reason` is a short stats key (no_text, paywall, ...)."""

    def __init__(self, reason: str, detail: str) -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}")


def _pick_date(candidates: list[tuple[str | None, str]]) -> tuple[str | None, str | None]:
    ranked = sorted(((v, o) for v, o in candidates if v),
                    key=lambda c: DATE_EVIDENCE_ORDER.index(c[1]))
    for value, origin in ranked:
        iso = to_utc_iso(value)
        if iso:
            return iso, origin
    return None, None


def _split_authors(values: list[str]) -> list[str]:
    authors: list[str] = []
    for value in values:
        value = re.sub(r"^\s*(by|автор[ы]?:?)\s+", "", value.strip(), flags=re.IGNORECASE)
        for part in re.split(r"\s*(?:;|,|\band\b|\bи\b|&)\s*", value):
            part = part.strip(" .")
            if part and len(part) < 80 and part.lower() not in (a.lower() for a in authors):
                authors.append(part)
    return authors


# C0 control characters (but tab and newlines) and DEL: lxml stops at them, losing the text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEAVY = re.compile(r"<(script|style|svg)\b.*?</\1\s*>|data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+",
                    re.IGNORECASE | re.DOTALL)


def _link_texts(tree: lxml_html.HtmlElement) -> set[str]:
    return {" ".join(a.text_content().split()).lower() for a in tree.iter("a")}


def _is_link_list(paragraphs: list[str], links: set[str]) -> bool:
    """Positive evidence of a navigation page: nearly every paragraph is the text of a link
    on the page (prose paragraphs never are)."""
    if len(paragraphs) < 8:
        return False
    linked = sum(1 for p in paragraphs if " ".join(p.split()).lower() in links)
    return linked >= 0.8 * len(paragraphs)


def _looks_like_listing(text: str) -> bool:
    """Section pages come out as many short headline lines rather than paragraphs of prose."""
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    if len(paragraphs) < 6:
        return False
    lengths = sorted(len(p.split()) for p in paragraphs)
    return lengths[len(lengths) // 2] < 14


def _heading_title(tree: lxml_html.HtmlElement) -> str | None:
    for h1 in tree.iterfind(".//h1"):
        text = " ".join(h1.text_content().split())
        if 3 < len(text) < 300:
            return text
    title = tree.findtext(".//title")
    if title:
        return _TITLE_SUFFIX.sub("", " ".join(title.split())) or None
    return None


def _byline_authors(tree: lxml_html.HtmlElement) -> list[str]:
    names = []
    for node in _AUTHOR_NODES(tree):
        text = " ".join(node.text_content().split())
        if 2 < len(text) < 80:
            names.append(text)
    return names[:5]


def _date_from_text(tree: lxml_html.HtmlElement) -> str | None:
    """htmldate's guess from the page's markup, then its text: the weakest evidence.

    The quick markup pass finds a date on almost every page; the extensive text search costs
    about thirty times more, so it only runs when the quick pass finds nothing.
    """
    for extensive in (False, True):
        try:
            found = find_date(tree, extensive_search=extensive, original_date=True,
                              outputformat="%Y-%m-%d")
        except (ValueError, TypeError):
            found = None
        if found:
            return found
    return None


class ArticleExtractor:
    """Extraction with trafilatura options built once and reused for every page."""

    def __init__(self, min_words: int = 25, favor: str = "balanced",
                 detect_text_dates: bool = True, max_page_chars: int = 2_000_000) -> None:
        self.min_words = min_words
        self.detect_text_dates = detect_text_dates
        self.max_page_chars = max_page_chars
        # Metadata comes from our own reader (declared evidence, one pass over the tree), so
        # trafilatura only extracts the body.
        self.options = TrafilaturaOptions(
            output_format="python", with_metadata=False, comments=False, tables=True,
            precision=favor == "precision", recall=favor == "recall")
        self._parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True,
                                            remove_pis=True, no_network=True)

    def parse(self, text: str) -> lxml_html.HtmlElement:
        try:
            tree = lxml_html.document_fromstring(text.encode("utf-8"), parser=self._parser)
        except (etree.ParserError, ValueError) as exc:
            raise NotAnArticle("unparseable", str(exc)) from None
        return tree

    def extract(self, body: bytes, url: str, *, source: str = "", content_type: str | None = None,
                hints: Hints | None = None, status: int | None = 200,
                fetched_at: str | None = None) -> Article:
        """Extract one page; raise NotAnArticle with a reason for pages we do not keep."""
        hints = hints or Hints()
        if content_type and not re.search(r"html|xml", content_type, re.IGNORECASE):
            raise NotAnArticle("not_html", f"{url} is {content_type}")
        decoded = decode_html(body, content_type)
        page = _CONTROL.sub("", decoded.text)
        if len(page) > self.max_page_chars:
            page = _HEAVY.sub(" ", page)          # inline scripts, styles and images first
            if len(page) > self.max_page_chars:
                raise NotAnArticle("too_large", f"{url} has {len(page):,} characters of markup "
                                                f"and text (limit {self.max_page_chars:,}, "
                                                f"NEWSMON_MAX_PAGE_CHARS)")
        tree = self.parse(page)
        meta = read_metadata(tree)
        hint_origin = "feed" if hints.via == "feed" else "sitemap"
        date_candidates = meta.published + [(hints.published_at, hint_origin),
                                            (date_from_url(url), "url")]
        if self.detect_text_dates and not any(v for v, _ in date_candidates):
            date_candidates.append((_date_from_text(tree), "text"))
        fallback_title = None if meta.title else _heading_title(tree)
        fallback_authors = [] if meta.authors else _byline_authors(tree)
        figures = sum(1 for _ in tree.iter("figure"))
        links = _link_texts(tree)
        for node in _boilerplate(tree):
            node.drop_tree()
        doc = bare_extraction(tree, url=url, options=self.options)
        body_text = getattr(doc, "text", None) or ""
        if not body_text.strip():
            raise NotAnArticle("no_text", f"trafilatura found no main text in {url}")
        text = _BLANK_LINES.sub("\n\n", body_text.strip())
        words = len(text.split())
        title = meta.title or fallback_title or hints.title
        if _ERROR_TITLE.search(title or "") and words < 150:
            raise NotAnArticle("error_page", f"{url} looks like an error page ({title!r})")
        if (meta.accessible_for_free is False or _PAYWALL.search(text)) and words < 200:
            raise NotAnArticle("paywall", f"{url} shows only a paywall teaser ({words} words)")
        if figures >= 4 and words < min(200, 30 * figures):
            raise NotAnArticle("gallery", f"{url} is a gallery: {figures} pictures, {words} words")
        if words < self.min_words:
            raise NotAnArticle("too_short", f"{url} has {words} words (< {self.min_words})")
        declared_article = (meta.og_type or "").lower() in ("article", "news") or bool(
            ARTICLE_TYPES.intersection(meta.ld_types))
        declared_other = bool(meta.og_type) or bool(
            {"collectionpage", "itemlist", "searchresultspage"}.intersection(meta.ld_types))
        if not declared_article and declared_other and _looks_like_listing(text):
            raise NotAnArticle("not_article", f"{url} reads like a list of links, not an article")
        if _is_link_list([p for p in text.split("\n\n") if p.strip()], links):
            raise NotAnArticle("not_article", f"{url} is a list of links (a navigation page)")

        published, published_from = _pick_date(date_candidates)
        modified, modified_from = _pick_date(meta.modified + [(hints.modified_at, hint_origin)])
        if published and modified and to_utc(modified) < to_utc(published):  # type: ignore[operator]
            modified, modified_from = None, None
        declared = normalise_lang(meta.lang) or normalise_lang(hints.lang)
        detected = detect_language(text)
        keywords = list(meta.keywords)
        for keyword in hints.keywords:
            if keyword and keyword.lower() not in (k.lower() for k in keywords):
                keywords.append(keyword)
        authors = _split_authors(meta.authors or fallback_authors or hints.authors)
        return Article(
            url=url,
            canonical_url=meta.canonical or meta.og_url or url,
            source=source,
            title=title,
            text=text,
            description=meta.description or hints.description,
            authors=authors,
            published_at=published,
            published_from=published_from,
            modified_at=modified,
            modified_from=modified_from,
            lang=detected or declared,
            lang_declared=declared,
            lang_detected=detected,
            section=meta.section,
            keywords=keywords,
            image_url=meta.image,
            word_count=words,
            discovered_via=hints.via,
            encoding=decoded.encoding,
            http_status=status,
            fetched_at=fetched_at,
        )
