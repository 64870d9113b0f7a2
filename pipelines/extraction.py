"""Turn page bytes into an Article: decoding, declared metadata, trafilatura body, evidence."""

from __future__ import annotations

import re
from typing import Any, Callable

import copy
from functools import lru_cache

from cssselect import GenericTranslator
from lxml import etree
from lxml import html as lxml_html
from htmldate import find_date
from trafilatura import bare_extraction
from trafilatura.settings import MANUALLY_CLEANED
from trafilatura.settings import Extractor as TrafilaturaOptions

from crawler.dates import date_from_url, to_utc, to_utc_iso
from crawler.items import Article, Hints
from crawler.sources import ExtractRules, split_selector
from pipelines.encoding import decode_html
from pipelines.language import detect_language, normalise_lang
from pipelines.metadata import ARTICLE_TYPES, clean_text, read_metadata

# Evidence for a date, strongest first; a date guessed from the body never beats a declared
# one, and a source's own rule (sources.yaml `extract.date`) beats everything.
DATE_EVIDENCE_ORDER = ("rules", "jsonld", "meta", "markup", "feed", "sitemap", "url", "text")
# Titles of error pages served with status 200 (soft 404s): the whole title says so.
_ERROR_TITLE = re.compile(
    r"^\W*(404|410|error 404|404 error|page not found|not found|oops\b.*|"
    r"страница не найдена|ошибка 404|404 - страница не найдена)\W*$", re.IGNORECASE)
# Matched against lowercased text: with re.IGNORECASE the scan of an article's text cost
# seven times more (0.35 ms a page). (IGNORECASE also took "ſ" for "s", "ı" for "i" and the
# old Cyrillic letter variants for their letters; no prompt is written with those.)
_PAYWALL = re.compile(
    r"(subscribe to (continue|read)|subscribers only|for subscribers|already a subscriber|"
    r"доступ(ен|но) только (для )?подписчик|только для подписчиков|оформите подписку|"
    r"чтобы продолжить чтение)")
_BLANK_LINES = re.compile(r"[ \t\u00a0]*\n[\s\u00a0]*")
_TITLE_SUFFIX = re.compile(r"\s+[-|–—:]\s+[^-|–—:]{2,40}$")
_AUTHOR_NODES = etree.XPath(
    "//*[@rel='author'] | //*[@itemprop='author']//*[@itemprop='name'] | "
    "//*[contains(@class, '__author__name')]")
_BODY_CONTAINERS = etree.XPath("//*[@itemprop='articleBody'] | //article")
# Scripts written without spaces between words: their length is counted in characters.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f"
                       r"\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff]")
GALLERY_TYPES = {"imagegallery", "mediagallery"}
# trafilatura's fast pass (no readability/jusText fallbacks) is as accurate as the full one
# and a third cheaper, but now and then returns a whole page's menus, or almost nothing:
# then the full pass decides. Measured on the 181-page benchmark (tuned on it): full pass
# 0.9600, fast 0.9626, fast with the full pass on texts under 500 characters or made of
# menu lines 0.9648, the full pass running on 4 pages.
FULL_PASS_BELOW_CHARS = 500


def _menu_lines(text: str) -> bool:
    """Most lines of one to four words: a site's menus, not an article's paragraphs."""
    lines = [line for line in text.split("\n") if line.strip()]
    if len(lines) < 8:
        return False
    return sum(1 for line in lines if len(line.split()) <= 4) > len(lines) / 2


def _cut_paywall_prompt(text: str) -> tuple[str, bool]:
    """Remove a subscription prompt that ends the text: short paragraphs from the first one
    that asks readers to subscribe. Only at the end and only short lines, so an article about
    subscriptions keeps its text. Returns the text and whether a prompt was found."""
    paragraphs = text.split("\n\n")
    for index in range(max(1, len(paragraphs) - 6), len(paragraphs)):
        if _PAYWALL.search(paragraphs[index].lower()):
            if all(len(p) < 300 for p in paragraphs[index:]):
                return "\n\n".join(paragraphs[:index]).rstrip(), True
            break
    return text, False


def text_units(text: str) -> int:
    """Length in words, where two characters of a script written without spaces (Chinese,
    Japanese, Thai, ...) count as a word: a measure that holds in every script."""
    unspaced = len(_UNSPACED.findall(text))
    spaced = len(_UNSPACED.sub(" ", text).split())
    return spaced + unspaced // 2


@lru_cache(maxsize=512)
def _xpath(css: str) -> etree.XPath:
    return etree.XPath(GenericTranslator().css_to_xpath(css))


def _select(tree: lxml_html.HtmlElement, selector: str) -> list[Any]:
    css, _ = split_selector(selector)
    return list(_xpath(css)(tree))


def _value(node: Any, selector: str) -> str | None:
    _, attribute = split_selector(selector)
    raw = node.get(attribute) if attribute else node.text_content()
    text = " ".join((raw or "").split())
    return text or None


def _body_figures(tree: lxml_html.HtmlElement) -> int:
    """Pictures inside the article itself (its articleBody or <article>), not around it:
    related-story cards and sidebars are full of them on text articles."""
    containers = _BODY_CONTAINERS(tree)
    if not containers:
        return 0
    body = max(containers, key=lambda node: len(node.text_content()))
    return sum(1 for _ in body.iter("figure"))


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
    for raw in values:
        value = re.sub(r"^\s*(by|автор[ы]?:?)\s+", "", clean_text(raw) or "", flags=re.IGNORECASE)
        for part in re.split(r"\s*(?:;|,|\band\b|\bи\b|&)\s*", value):
            part = part.strip(" .")
            if part and len(part) < 80 and part.lower() not in (a.lower() for a in authors):
                authors.append(part)
    return authors


# C0 control characters (but tab and newlines) and DEL: lxml stops at them, losing the text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same characters as bytes: in UTF-8 they are only ever these single bytes, and
# bytes.translate finds them five times faster than the pattern scans a page's text.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, 0x0c, *range(0x0e, 0x20), 0x7f])
_HEAVY = re.compile(r"<(script|style|svg)\b.*?</\1\s*>|data:[a-z]+/[a-z0-9.+-]+;base64,[A-Za-z0-9+/=]+",
                    re.IGNORECASE | re.DOTALL)


def _link_texts(tree: lxml_html.HtmlElement,
                also: list[lxml_html.HtmlElement] | None = None) -> set[str]:
    """The texts of the page's links (and of those in elements taken out of it)."""
    return {" ".join(a.text_content().split()).lower()
            for root in (tree, *(also or ())) for a in root.iter("a")}


# Navigation links are short: a paragraph longer than this is taken for prose, not for the
# text of a link (a heuristic: a list of link cards with longer texts is not looked for).
_LINK_TEXT_CHARS = 300


def _could_be_link_list(paragraphs: list[str]) -> bool:
    """Enough paragraphs, nearly all short enough to be navigation links: only then are the
    page's link texts collected for _is_link_list (collecting them costs more than this)."""
    return len(paragraphs) >= 8 and sum(
        1 for p in paragraphs if len(" ".join(p.split())) <= _LINK_TEXT_CHARS
    ) >= 0.8 * len(paragraphs)


def _is_link_list(paragraphs: list[str], links: set[str]) -> bool:
    """Positive evidence of a navigation page: nearly every paragraph is the text of a link
    on the page (prose paragraphs never are)."""
    if len(paragraphs) < 8:
        return False
    linked = sum(1 for p in paragraphs if " ".join(p.split()).lower() in links)
    return linked >= 0.8 * len(paragraphs)


# Elements that hold no text of the article and whose text no pass of trafilatura keeps or
# counts (its main pass, its baseline, its page-size measure): dropped from the tree before it
# is handed over, so its copies and pruning passes walk a smaller tree. JSON-LD scripts stay
# (the baseline reads an articleBody and the forum check a posting type from them);
# <noscript> and <template> stay too (the baseline and the page-size measure read them).
_INERT = ("style", "svg", "link", "meta")
# <aside> and <footer>: trafilatura's cleaning deletes them before its main pass, and its
# baseline and page-size measure delete them too (basic_cleaning), so its fast pass reads
# the same page without them. Three things still see them, and get them: the full pass
# (readability reads the raw tree: it gets the page parsed again, see _body_text), the
# link-list check (the links in them count, see _drop_inert's return), and trafilatura's
# recall retry, which brings back everything its cleaning deleted when that was every
# paragraph of the page: then nothing is dropped here. A fifth of a news page's elements
# are in them; trafilatura's copies and pruning passes take 4% less time without them.
_BOILERPLATE = ("aside", "footer")
_CLEANED = tuple(MANUALLY_CLEANED)        # what trafilatura's cleaning deletes


def _drop_inert(tree: lxml_html.HtmlElement, boilerplate: bool = True
                ) -> list[lxml_html.HtmlElement]:
    """Drop what no pass of trafilatura reads from the tree; return the <aside> and <footer>
    elements dropped (with `boilerplate`: when a paragraph stands outside everything
    trafilatura's cleaning deletes)."""
    etree.strip_elements(tree, *_INERT, with_tail=False)
    for script in [s for s in tree.iter("script")
                   if (s.get("type") or "").strip().lower() != "application/ld+json"]:
        if script.getparent() is not None:
            script.drop_tree()              # lxml.html's own removal: the tail text stays
    if not boilerplate or not any(next(p.iterancestors(*_CLEANED), None) is None
                                  for p in tree.iter("p")):
        return []
    dropped = [n for n in tree.iter(*_BOILERPLATE)
               if next(n.iterancestors(*_BOILERPLATE), None) is None]
    for node in dropped:
        node.drop_tree()                    # the tail text stays
    return dropped


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
    """Extraction with trafilatura options built once and reused for every page.

    Pages are dropped only on positive evidence, measured alike in every script: an error
    page (its whole title says so), a list of links, a gallery (a declared one, or pictures
    inside the article with a few words each), too little text (in words, or characters of
    unspaced scripts), too large. A paywall teaser is kept and flagged.
    """

    def __init__(self, min_words: int = 25, favor: str = "balanced",
                 detect_text_dates: bool = True, max_page_chars: int = 2_000_000) -> None:
        self.min_words = min_words
        self.detect_text_dates = detect_text_dates
        self.max_page_chars = max_page_chars
        # Metadata comes from our own reader (declared evidence, one pass over the tree), so
        # trafilatura only extracts the body: first its fast pass (on the 181-page benchmark
        # as accurate as the full one, at three quarters of the cost), then the full pass
        # with its fallbacks where the fast one found little.
        self.options, self.full_options = (TrafilaturaOptions(
            output_format="python", with_metadata=False, comments=False, tables=True,
            precision=favor == "precision", recall=favor == "recall", fast=fast)
            for fast in (True, False))
        self._parser = lxml_html.HTMLParser(encoding="utf-8", remove_comments=True,
                                            remove_pis=True, no_network=True)
        # lxml.html picks each element's class in Python (form fields get their own), a call
        # per element every time trafilatura or we touch one; no one here uses those
        # classes, so the choice is made in C: every element an HtmlElement.
        self._parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
            element=lxml_html.HtmlElement, comment=lxml_html.HtmlComment,
            pi=lxml_html.HtmlProcessingInstruction, entity=lxml_html.HtmlEntity))

    def parse(self, text: str | bytes) -> lxml_html.HtmlElement:
        """The tree of a page's text (or of that text already encoded as UTF-8)."""
        encoded = text if isinstance(text, bytes) else text.encode("utf-8")
        try:
            tree = lxml_html.document_fromstring(encoded, parser=self._parser)
        except (etree.ParserError, ValueError) as exc:
            raise NotAnArticle("unparseable", str(exc)) from None
        return tree

    def _body_text(self, tree: lxml_html.HtmlElement, url: str,
                   whole: Callable[[], lxml_html.HtmlElement] | None = None) -> str:
        """The fast pass on the tree; the full pass where it found little, on `whole()` (the
        tree with the <aside> and <footer> _drop_inert took out) when given. trafilatura
        copies a tree it is given, so both passes read the same page."""
        doc = bare_extraction(tree, url=url, options=self.options)
        text = getattr(doc, "text", None) or ""
        if len(text) < FULL_PASS_BELOW_CHARS or _menu_lines(text):
            full_tree = whole() if whole is not None else tree
            full = getattr(bare_extraction(full_tree, url=url, options=self.full_options),
                           "text", None) or ""
            if full.strip():
                text = full
        return text

    def _apply_rules(self, tree: lxml_html.HtmlElement, rules: ExtractRules
                     ) -> tuple[lxml_html.HtmlElement, dict[str, str], int]:
        """Apply a source's rules: drop elements, keep the body, read title, date, authors.
        Return the tree to extract from, the values read, and how many rules matched
        nothing."""
        missed = 0
        values: dict[str, str] = {}
        read: list[lxml_html.HtmlElement] = []
        for name in ("title", "date", "authors"):
            selector = getattr(rules, name)
            if selector:
                nodes = _select(tree, selector)
                found = [v for v in (_value(n, selector) for n in nodes) if v]
                if found:
                    values[name] = found[0] if name != "authors" else "; ".join(found)
                    read.extend(nodes)
                else:
                    missed += 1
        # What the rules read as title, date or byline is not body text (a paragraph that
        # happens to hold the date stays).
        for node in read:
            if node.tag != "p" and len(node.text_content()) < 300 and \
                    node.getparent() is not None:
                node.drop_tree()
        for selector in rules.drop:
            nodes = _select(tree, selector)
            missed += not nodes
            for node in nodes:
                if node.getparent() is not None:
                    node.drop_tree()
        if rules.body:
            nodes = _select(tree, rules.body)
            if nodes:
                root = lxml_html.Element("html")
                body = etree.SubElement(root, "body")
                for node in nodes:
                    body.append(copy.deepcopy(node))
                return root, values, missed
            missed += 1
        return tree, values, missed

    def extract(self, body: bytes, url: str, *, source: str = "", content_type: str | None = None,
                hints: Hints | None = None, status: int | None = 200,
                fetched_at: str | None = None, rules: ExtractRules | None = None,
                languages: tuple[str, ...] | list[str] = ()) -> Article:
        """Extract one page; raise NotAnArticle with a reason for pages we do not keep.
        `languages` are the source's configured ones: a page that declares none is checked
        against the source's only language before the language model is asked (loading
        py3langid's model costs a process about 0.4 CPU-s)."""
        hints = hints or Hints()
        if content_type and not re.search(r"html|xml", content_type, re.IGNORECASE):
            raise NotAnArticle("not_html", f"{url} is {content_type}")
        decoded = decode_html(body, content_type)
        page = decoded.text
        try:
            encoded = page.encode("utf-8")
        except UnicodeEncodeError as exc:         # a lone surrogate (UTF-7, say)
            raise NotAnArticle("unparseable", str(exc)) from None
        if len(encoded.translate(None, _CONTROL_BYTES)) != len(encoded):
            page = _CONTROL.sub("", page)         # lxml refuses or mangles them
            encoded = page.encode("utf-8")
        if len(page) > self.max_page_chars:
            page = _HEAVY.sub(" ", page)          # inline scripts, styles and images first
            if len(page) > self.max_page_chars:
                raise NotAnArticle("too_large", f"{url} has {len(page):,} characters of markup "
                                                f"and text (limit {self.max_page_chars:,}, "
                                                f"NEWSMON_MAX_PAGE_CHARS)")
            encoded = page.encode("utf-8")
        tree = self.parse(encoded)
        meta = read_metadata(tree, page)
        fallback_title = None if meta.title else _heading_title(tree)
        fallback_authors = [] if meta.authors else _byline_authors(tree)
        figures = _body_figures(tree)
        ruled: dict[str, str] = {}
        missed: int | None = None
        content = tree
        if rules is not None:
            content, ruled, missed = self._apply_rules(tree, rules)
        hint_origin = "feed" if hints.via == "feed" else "sitemap"
        date_candidates = [(ruled.get("date"), "rules"), *meta.published,
                           (hints.published_at, hint_origin), (date_from_url(url), "url")]
        if self.detect_text_dates and not any(v for v, _ in date_candidates):
            date_candidates.append((_date_from_text(tree), "text"))
        boilerplate = _drop_inert(content)

        def whole() -> lxml_html.HtmlElement:
            # The page again, as it was before its <aside> and <footer> went: parsed, the
            # site's rules applied (they give the same tree again), the inert rest dropped.
            again = self.parse(encoded)
            if rules is not None:
                again = self._apply_rules(again, rules)[0]
            _drop_inert(again, boilerplate=False)
            return again

        body_text = self._body_text(content, url, whole if boilerplate else None)
        if not body_text.strip():
            raise NotAnArticle("no_text", f"trafilatura found no main text in {url}")
        text = _BLANK_LINES.sub("\n\n", body_text.strip())
        text, prompt_cut = _cut_paywall_prompt(text)
        units = text_units(text)
        title = clean_text(ruled.get("title") or meta.title or fallback_title or hints.title)
        if _ERROR_TITLE.search(title or "") and units < 150:
            raise NotAnArticle("error_page", f"{url} looks like an error page ({title!r})")
        declared_gallery = bool(GALLERY_TYPES.intersection(meta.ld_types)) or \
            (meta.og_type or "").lower() in ("gallery", "photo")
        if (declared_gallery and units < 200) or (figures >= 6 and units < 20 * figures
                                                  and units < 200):
            raise NotAnArticle("gallery", f"{url} is a gallery: {figures} pictures in the "
                                          f"article, {units} words")
        if units < self.min_words:
            raise NotAnArticle("too_short", f"{url} has {units} words (< {self.min_words}; "
                                            f"characters of unspaced scripts count as half)")
        declared_article = (meta.og_type or "").lower() in ("article", "news") or bool(
            ARTICLE_TYPES.intersection(meta.ld_types))
        declared_other = bool(meta.og_type) or bool(
            {"collectionpage", "itemlist", "searchresultspage"}.intersection(meta.ld_types))
        if not declared_article and declared_other and _looks_like_listing(text):
            raise NotAnArticle("not_article", f"{url} reads like a list of links, not an article")
        paragraphs = [p for p in text.split("\n\n") if p.strip()]
        # The page's link texts are collected only for a text that could be a list of them,
        # after the site's drop rules and _drop_inert (links in what they removed cannot be
        # paragraphs of this text either), with those of the <aside> and <footer> it took
        # out (the same link may stand there and in the text).
        if _could_be_link_list(paragraphs) and _is_link_list(
                paragraphs, _link_texts(tree, boilerplate)):
            raise NotAnArticle("not_article", f"{url} is a list of links (a navigation page)")
        paywalled = prompt_cut or meta.accessible_for_free is False or \
            bool(_PAYWALL.search(text.lower()))

        published, published_from = _pick_date(date_candidates)
        modified, modified_from = _pick_date(meta.modified + [(hints.modified_at, hint_origin)])
        if published and modified and to_utc(modified) < to_utc(published):  # type: ignore[operator]
            modified, modified_from = None, None
        declared = normalise_lang(meta.lang) or normalise_lang(hints.lang)
        expected = normalise_lang(languages[0]) if len(languages) == 1 else None
        detected = detect_language(text, declared=declared or expected)
        keywords = [k for k in map(clean_text, meta.keywords) if k]
        for keyword in map(clean_text, hints.keywords):
            if keyword and keyword.lower() not in (k.lower() for k in keywords):
                keywords.append(keyword)
        authors = _split_authors([ruled["authors"]] if ruled.get("authors") else
                                 meta.authors or fallback_authors or hints.authors)
        return Article(
            url=url,
            canonical_url=meta.canonical or meta.og_url or url,
            source=source,
            title=title,
            text=text,
            description=clean_text(meta.description or hints.description),
            authors=authors,
            published_at=published,
            published_from=published_from,
            modified_at=modified,
            modified_from=modified_from,
            lang=detected or declared,
            lang_declared=declared,
            lang_detected=detected,
            section=clean_text(meta.section),
            keywords=keywords,
            image_url=meta.image,
            word_count=units,
            discovered_via=hints.via,
            encoding=decoded.encoding,
            http_status=status,
            fetched_at=fetched_at,
            paywalled=paywalled,
            extract_rules_missed=missed,
        )
