"""Scoring and corpus helpers shared by the quality tests and the benchmark scripts."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

_TOKEN = re.compile(r"\w+", re.UNICODE)

SHARED_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
BENCHMARK_DIR = SHARED_CORPUS / "extraction-benchmark"


def _shingles(text: str, n: int = 4) -> Counter[str]:
    tokens = _TOKEN.findall(text or "")
    return Counter(" ".join(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                   if tokens[i:i + n])


def shingle_match(true: str, pred: str, n: int = 4) -> tuple[float, float, float]:
    """(tp, fp, fn) over 4-gram shingle counts, normalised to sum to 1 (benchmark metric)."""
    t, p = _shingles(true, n), _shingles(pred, n)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in p)
    fn = sum(max(0, t[k] - p[k]) for k in t)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def benchmark_f1(pairs: list[tuple[str, str]]) -> dict[str, float]:
    """Precision, recall and F1 of per-page normalised shingle counts, averaged over pages."""
    tp = fp = fn = 0.0
    for true, pred in pairs:
        a, b, c = shingle_match(true, pred)
        tp, fp, fn = tp + a, fp + b, fn + c
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "pages": float(len(pairs))}


def benchmark_pages(directory: Path = BENCHMARK_DIR) -> Iterator[tuple[str, str, bytes, str]]:
    """(id, url, html bytes, ground-truth body) for each page of the extraction benchmark."""
    truth = json.loads((directory / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id in sorted(truth):
        path = directory / "html" / f"{page_id}.html.gz"
        yield page_id, truth[page_id].get("url", ""), gzip.decompress(path.read_bytes()), \
            truth[page_id].get("articleBody", "")


def prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "tp": tp, "fp": fp, "fn": fn}


def tagging_scores(gold: list[dict[str, Any]],
                   predicted: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Precision/recall/F1 per topic and language, for relevance, and micro over subtags."""
    scores: dict[str, dict[str, float]] = {}
    langs = sorted({str(g["lang"]) for g in gold})
    topics = sorted({t for g in gold for t in g["topics"]})
    for lang in [*langs, "all"]:
        pairs = [(g, p) for g, p in zip(gold, predicted) if lang == "all" or g["lang"] == lang]
        for topic in topics:
            tp = sum(1 for g, p in pairs if topic in g["topics"] and topic in p["topics"])
            fp = sum(1 for g, p in pairs if topic not in g["topics"] and topic in p["topics"])
            fn = sum(1 for g, p in pairs if topic in g["topics"] and topic not in p["topics"])
            scores[f"{topic}/{lang}"] = prf(tp, fp, fn)
        tp = sum(1 for g, p in pairs if g["relevant"] and p["relevant"])
        fp = sum(1 for g, p in pairs if not g["relevant"] and p["relevant"])
        fn = sum(1 for g, p in pairs if g["relevant"] and not p["relevant"])
        scores[f"relevant/{lang}"] = prf(tp, fp, fn)
        gold_sub = {(i, s) for i, (g, _) in enumerate(pairs) for s in g["subtags"]}
        pred_sub = {(i, s) for i, (_, p) in enumerate(pairs) for s in p["subtags"]}
        scores[f"subtags/{lang}"] = prf(len(gold_sub & pred_sub), len(pred_sub - gold_sub),
                                        len(gold_sub - pred_sub))
    return scores


# --- extraction: ours against plain trafilatura, page by page -------------------------------

def page_f1(true: str, pred: str) -> float:
    """F1 of one page's 4-gram shingles (0 for an empty extraction of a non-empty body)."""
    tp, fp, fn = shingle_match(true, pred)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def compare_extraction(pages: list[tuple[str, str, bytes, str]],
                       rules_for: Any = None) -> dict[str, Any]:
    """Extract each (id, url, html, truth) page with newsmon's extractor and with plain
    trafilatura.extract; a page newsmon drops counts as an empty extraction.

    Returns the benchmark's aggregate F1 for both, the per-page F1 mean, pages under 0.5,
    the same by language (of the ground truth), and what was dropped and why.
    """
    import trafilatura

    from pipelines.extraction import ArticleExtractor, NotAnArticle
    from pipelines.language import detect_language

    extractor = ArticleExtractor()
    rows: list[dict[str, Any]] = []
    for page_id, url, html, truth in pages:
        try:
            text = extractor.extract(html, url, rules=rules_for(url) if rules_for else None).text
            dropped = None
        except NotAnArticle as exc:
            text, dropped = "", exc.reason
        plain = trafilatura.extract(html.decode("utf-8", errors="replace"), url=url) or ""
        rows.append({"id": page_id, "url": url, "lang": detect_language(truth) or "?",
                     "ours": page_f1(truth, text), "plain": page_f1(truth, plain),
                     "dropped": dropped, "truth": truth, "ours_text": text, "plain_text": plain})

    def summary(selected: list[dict[str, Any]]) -> dict[str, Any]:
        n = len(selected) or 1
        return {
            "pages": len(selected),
            "ours_f1": benchmark_f1([(r["truth"], r["ours_text"]) for r in selected])["f1"],
            "plain_f1": benchmark_f1([(r["truth"], r["plain_text"]) for r in selected])["f1"],
            "ours_mean": sum(r["ours"] for r in selected) / n,
            "plain_mean": sum(r["plain"] for r in selected) / n,
            "ours_below_half": sum(r["ours"] < 0.5 for r in selected),
            "plain_below_half": sum(r["plain"] < 0.5 for r in selected),
        }

    by_lang = {lang: summary([r for r in rows if r["lang"] == lang])
               for lang in sorted({r["lang"] for r in rows})}
    return {"all": summary(rows), "by_lang": by_lang,
            "dropped": [(r["id"], r["url"], r["dropped"]) for r in rows if r["dropped"]],
            "pages": [{k: r[k] for k in ("id", "url", "lang", "ours", "plain", "dropped")}
                      for r in rows]}


# --- tagging: labels that point at real text in ../shared/corpus ----------------------------

_MD_LINK = re.compile(r"\[([^\]]*)\]\((?:[^)]*)\)")
_MD_MARK = re.compile(r"(\*\*|__)")
_HTML_TAG = re.compile(r"<[^>]+>")


class CorpusText:
    """Reads the text a label points at (file + item) from ../shared/corpus/news-text.

    RSS entries (The Moscow Times, RT): title and description without markup or RT's "Read
    Full Article" link. Telegram posts (BBC Russian, RIA): no title, the post without
    Markdown. Meduza long-form: the title from the file index, the whole text. Articles of
    the tgcontest pairs (item "ROW:first" or "ROW:second" of a pool file): their title, text
    and URL. News sitemaps (RFE/RL's, item = the <url> element's index): the headline alone.
    Meduza's RSS (item = the <item>'s index): title and description. An outlet's page
    (`outlets/...`, no item): title and text as newsmon's extractor gives them, the path a
    crawled page takes.
    """

    def __init__(self, corpus: Path = SHARED_CORPUS) -> None:
        self.corpus = corpus
        self._files: dict[str, Any] = {}

    def _load(self, name: str) -> Any:
        if name not in self._files:
            path = self.corpus / name
            if name.endswith(".json"):
                data = json.loads(path.read_text(encoding="utf-8"))
                if "tg-channels" in name:
                    data = {m["message_id"]: m for m in data}
                self._files[name] = data
            elif name.startswith(("feeds/", "outlets/")):
                raw = path.read_bytes()
                self._files[name] = gzip.decompress(raw) if name.endswith(".gz") else raw
            elif "tgcontest-pairs" in name:
                import csv
                csv.field_size_limit(10 ** 8)
                with open(path, newline="", encoding="utf-8") as handle:
                    self._files[name] = list(csv.DictReader(handle, delimiter="\t"))
            else:
                self._files[name] = path.read_text(encoding="utf-8")
        return self._files[name]

    def _feed_item(self, label: dict[str, Any]) -> tuple[str, str, str]:
        """A news sitemap's or an RSS feed's item by its index, read by the crawler's own
        parsers and checked against the label's link (a feed file fetched again would
        otherwise hand the label another text)."""
        from crawler.discovery.feeds import parse_feed
        from crawler.discovery.sitemaps import parse_sitemap
        name = label["file"]
        key = f"{name}#items"
        if key not in self._files:
            body, url = self._load(name), f"https://corpus.invalid/{name}"
            self._files[key] = [(e.url, e.title, "") for e in parse_sitemap(body, url).entries] \
                if "/sitemaps/" in name else \
                [(e.url, e.title, e.description) for e in parse_feed(body, url)]
        link, title, text = self._files[key][label["item"]]
        if link != label["link"]:
            raise ValueError(f"{name} item {label['item']} is {link}, but its label is for "
                             f"{label['link']}: the file changed; label it again")
        return " ".join((title or "").split()), " ".join((text or "").split()), link

    def read(self, label: dict[str, Any]) -> tuple[str, str, str]:
        """(title, text, url) for one label."""
        import html as html_lib
        name = label["file"]
        if "rss-2023" in name:
            entry = self._load(name)[label["item"]]
            description = _HTML_TAG.sub(" ", entry.get("description") or "")
            description = html_lib.unescape(description.replace("Read Full Article at RT.com",
                                                                ""))
            return (html_lib.unescape(entry.get("title") or ""),
                    " ".join(description.split()), entry.get("link") or "")
        if "tg-channels" in name:
            text = self._load(name)[label["item"]].get("text") or ""
            return "", _MD_MARK.sub("", _MD_LINK.sub(r"\1", text)), ""
        if name.startswith("feeds/"):
            return self._feed_item(label)
        if name.startswith("outlets/"):
            from pipelines.extraction import ArticleExtractor
            article = ArticleExtractor().extract(self._load(name), label["link"])
            return article.title or "", article.text, label["link"]
        if "tgcontest-pairs" in name:
            row_number, side = str(label["item"]).split(":")
            row = self._load(name)[int(row_number)]
            return (row[f"INPUT:{side}_title"], row[f"INPUT:{side}_text"],
                    row.get(f"INPUT:{side}_url") or "")
        index = self._load("news-text/meduza-golunov/index.tsv")
        stem = Path(name).name
        title = ""
        for line in index.splitlines()[1:]:
            parts = line.split("\t")
            if parts and parts[0] == stem:
                title = Path(parts[1]).stem[11:]        # "corpus/2016-11-07-Title.txt"
                break
        return title, self._load(name), ""


def load_real_labels(path: Path, corpus: Path = SHARED_CORPUS) -> list[dict[str, Any]]:
    """Labels of tests/data/tagging_real_*.jsonl with their title, text and url filled in."""
    reader = CorpusText(corpus)
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        label["title"], label["text"], label["url"] = reader.read(label)
        label["id"] = f"{label['file']}#{label['item']}"
        records.append(label)
    return records


# Where each labelled text was published: the pipeline gives an article from a configured
# outlet its outlet context (pipelines/tag.py), whatever the text itself names.
OUTLET_HOSTS = {"rss-2023-tmt": "www.themoscowtimes.com", "rss-2023-rt": "www.rt.com",
                "1001003921752_messages": "www.bbc.com", "1001101170442_messages": "ria.ru",
                "meduza-golunov": "meduza.io"}


def outlet_host(label: dict[str, Any]) -> str:
    if label["file"].startswith(("feeds/", "outlets/")):     # the page's own outlet
        return urlsplit(label["link"]).hostname or ""
    if "tgcontest-pairs" in label["file"]:        # many outlets: the article's own
        return urlsplit(label.get("url") or label.get("link") or "").hostname \
            or "tgcontest.example"
    for key, host in OUTLET_HOSTS.items():
        if key in label["file"]:
            return host
    raise KeyError(f"no outlet known for {label['file']}")


# --- story linking: labelled pairs, written groups, scored through the real store ----------

LINK_RELATIONS = {"verbatim", "rewrite", "teaser", "translation", "back_translation", "copy"}


def written_story_pairs(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(documents, pairs) of a written-groups file: every two texts of one group are a link
    (against the origin with the copy's relation, otherwise `copy`); a distractor against its
    group is `same_event`; everything else `different`."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    docs = [{"key": r["id"], "url": f"https://{r['source']}.example/{r['id']}",
             "title": r["title"], "text": r["text"], "lang": r["lang"],
             "published_at": r.get("published_at"), "source": r["source"]} for r in rows]
    pairs = []
    for i, x in enumerate(rows):
        for y in rows[i + 1:]:
            if x["group"] and x["group"] == y["group"]:
                relation = (y["relation"] if x["relation"] == "origin" else
                            x["relation"] if y["relation"] == "origin" else "copy")
            elif (x.get("same_event_as") and x["same_event_as"] == y["group"]) or \
                    (y.get("same_event_as") and y["same_event_as"] == x["group"]):
                relation = "same_event"
            else:
                relation = "different"
            pairs.append({"a": x["id"], "b": y["id"], "relation": relation,
                          "lang_a": x["lang"], "lang_b": y["lang"]})
    return docs, pairs


def real_story_pairs(path: Path, corpus: Path = SHARED_CORPUS
                     ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(documents, pairs) of labelled real pairs pointing at ../shared/corpus/news-text:
    tgcontest rows (two texts each), Telegram posts and RSS entries."""
    reader = CorpusText(corpus)
    docs: dict[str, dict[str, Any]] = {}
    pairs = []

    def add(key: str, **fields: Any) -> str:
        docs.setdefault(key, {"key": key, **fields})
        return key

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        label = json.loads(line)
        lang = label["lang"]
        if label["source"] == "tgcontest-pairs":
            name = label["file"]
            keys = []
            for side in ("first", "second"):
                title, text, url = reader.read({"file": name, "item": f"{label['row']}:{side}"})
                url = url or f"https://tgcontest.example/{name}/{label['row']}/{side}"
                keys.append(add(url, url=url, title=title, text=text, lang=lang,
                                published_at=None,
                                source=url.split("/")[2] if "//" in url else "tgcontest"))
        else:
            keys = []
            for side in ("a", "b"):
                name, item = label[f"file_{side}"], label[f"item_{side}"]
                if "tg-channels" in name:
                    post = reader._load(name)[item]
                    channel = "bbc-russian" if "1001003921752" in name else "ria"
                    url = f"https://t.me/{channel}/{item}"
                    _, text, _ = reader.read({"file": name, "item": item})
                    keys.append(add(url, url=url, title="", text=text, lang=lang,
                                    published_at=post.get("date"), source=channel))
                else:
                    entry = reader._load(name)[item]
                    title, text, url = reader.read({"file": name, "item": item})
                    keys.append(add(url, url=url, title=title, text=text, lang=lang,
                                    published_at=entry.get("date_published"),
                                    source=url.split("/")[2]))
        pairs.append({"a": keys[0], "b": keys[1], "relation": label["relation"],
                      "lang_a": lang, "lang_b": lang})
    return list(docs.values()), pairs


def story_link_scores(pairs: list[dict[str, Any]], story_of: dict[str, int | None]
                      ) -> dict[str, Any]:
    """Pair precision and recall of story linking (a pair is linked when both texts share a
    story), same-language and cross-language apart, and recall per relation."""
    out: dict[str, Any] = {}
    for scope in ("same", "cross"):
        chosen = [p for p in pairs if (p["lang_a"] == p["lang_b"]) == (scope == "same")]
        tp = fp = fn = 0
        for pair in chosen:
            a, b = story_of.get(pair["a"]), story_of.get(pair["b"])
            linked = a is not None and a == b
            gold = pair["relation"] in LINK_RELATIONS
            tp += linked and gold
            fp += linked and not gold
            fn += gold and not linked
        out[scope] = prf(tp, fp, fn)
    per: dict[str, list[int]] = {}
    for pair in pairs:
        a, b = story_of.get(pair["a"]), story_of.get(pair["b"])
        per.setdefault(pair["relation"], [0, 0])
        per[pair["relation"]][0] += a is not None and a == b
        per[pair["relation"]][1] += 1
    out["linked_by_relation"] = {k: f"{v[0]}/{v[1]}" for k, v in sorted(per.items())}
    return out


def stories_after_import(docs: list[dict[str, Any]], workdir: Path) -> dict[str, int | None]:
    """Import the documents with `newsmon import` (the production path: the crawl pipeline
    offline) in publication order into a new database; return each document's story id."""
    import subprocess
    import sys
    ordered = sorted(docs, key=lambda d: (d.get("published_at") or "9999", d["key"]))
    source = workdir / "stories.jsonl"
    with source.open("w", encoding="utf-8") as handle:
        for doc in ordered:
            # A Telegram post has no title: its first line is its headline.
            title = doc["title"] or doc["text"].strip().split("\n", 1)[0][:200]
            record = {"url": doc["url"], "title": title, "text": doc["text"],
                      "lang": doc["lang"], "source": doc["source"]}
            if doc.get("published_at"):
                record["published_at"] = doc["published_at"]
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    db = workdir / "stories.db"
    result = subprocess.run([sys.executable, "-m", "newsmon.cli", "import", str(source),
                             "--db", str(db)], capture_output=True, text=True, timeout=1800,
                            cwd=Path(__file__).resolve().parent.parent)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"newsmon import failed: {result.stderr[-2000:]}")
    from storage.stories import stories_by_url
    from storage.db import open_db
    database = open_db(db, readonly=True)
    try:
        story = stories_by_url(database)
    finally:
        database.close()
    return {doc["key"]: story.get(doc["url"]) for doc in docs}
