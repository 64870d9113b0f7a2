"""Real posts and feed entries through `newsmon import`: every one is stored as an article
unless it repeats an earlier one's headline and text, and what only boilerplate or link text
share does not make one story. Texts are read from ../shared/corpus/news-text at test time
(BBC Russian and RIA Telegram posts of 2024; The Moscow Times and RT RSS entries of 2023);
the items named below point at them by channel and message id or by URL."""

from __future__ import annotations

import glob
import html
import json
import re
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

from newsmon.quality import stories_after_import

CHANNELS = {"1001003921752_messages.json": "bbc-russian", "1001101170442_messages.json": "ria"}
# Twelve BBC Russian posts on nine events (Kupyansk, a Brazilian court, Qatar, a boxing
# match, Israel, the Scholz-Putin call, Georgia's election, Hong Kong, and four on the
# Abkhazia protests) were one story before links left story profiles: they shared the words
# of their links to bbc.com.
ABKHAZIA = (72955, 72961, 72995, 72998)
OTHER_EVENTS = (72926, 72934, 72958, 72971, 72972, 72976, 73004, 73111)
BOILERPLATE = "Read Full Article at RT.com"


def _posts(corpus: Path) -> list[dict[str, Any]]:
    docs = []
    for name, channel in CHANNELS.items():
        for post in json.loads((corpus / "news-text" / "tg-channels-2024" / name).read_text(
                encoding="utf-8")):
            if (post.get("text") or "").strip():
                url = f"https://t.me/{channel}/{post['message_id']}"
                docs.append({"key": url, "url": url, "title": "", "text": post["text"],
                             "lang": "ru", "published_at": post["date"], "source": channel})
    return docs


def _entries_sharing_a_text(corpus: Path) -> list[dict[str, Any]]:
    """The RSS entries whose description another entry of the same outlet repeats."""
    entries: dict[str, dict[str, Any]] = {}
    for folder in ("rss-2023-tmt", "rss-2023-rt"):
        for name in sorted(glob.glob(str(corpus / "news-text" / folder / "*_entries.json"))):
            for entry in json.loads(Path(name).read_text(encoding="utf-8")):
                url = entry.get("link")
                if not url or url in entries:
                    continue
                text = re.sub(r"<[^>]+>", " ", html.unescape(entry.get("description") or ""))
                entries[url] = {"key": url, "url": url, "title": entry.get("title") or "",
                                "text": " ".join(text.split()) or entry.get("title") or "",
                                "lang": "en", "published_at": entry.get("date_published"),
                                "source": url.split("/")[2]}
    shared = Counter((e["source"], e["text"]) for e in entries.values())
    return [e for e in entries.values() if shared[(e["source"], e["text"])] > 1]


def test_real_posts_are_stored_and_not_joined_by_what_only_boilerplate_shares(
        corpus: Path, tmp_path: Path) -> None:
    posts, entries = _posts(corpus), _entries_sharing_a_text(corpus)
    assert len(posts) == 1905 and sum(e["text"] == BOILERPLATE for e in entries) == 32
    docs = posts + entries
    story = stories_after_import(docs, tmp_path)
    database = sqlite3.connect(tmp_path / "stories.db")
    article_of = dict(database.execute("SELECT url, article_id FROM article_urls"))
    database.close()
    # Every post and entry is an article of its own, but for the ones that repeat an earlier
    # one's headline and text (an alias of it: the same article seen again).
    first_line = {d["url"]: d["title"] or d["text"].strip().split("\n", 1)[0][:200]
                  for d in docs}
    repeats = len(docs) - len({(d["source"], " ".join(first_line[d["url"]].lower().split()),
                                d["text"]) for d in docs})
    assert all(d["url"] in article_of for d in docs)
    assert len({article_of[d["url"]] for d in docs}) == len(docs) - repeats
    assert repeats <= 9, repeats        # 2 posts and 7 entries, each posted again
    # RT's boilerplate description joins no story: 32 entries, 32 stories.
    assert len({story[e["url"]] for e in entries if e["text"] == BOILERPLATE}) == 32
    # Nor does the text of links.
    story_of = {n: story[f"https://t.me/bbc-russian/{n}"] for n in ABKHAZIA + OTHER_EVENTS}
    assert len({story_of[n] for n in ABKHAZIA}) == 1
    assert len({story_of[n] for n in ABKHAZIA + OTHER_EVENTS}) == 1 + len(OTHER_EVENTS)
