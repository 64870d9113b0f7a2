"""Near-duplicate gate on our labelled groups (tests/data/dedupe_groups.jsonl).

Copies and light rewrites of one story must share a story; different outlets' own reports
of one event (distractors) and unrelated stories must not. Pair precision >= 0.98 and pair
recall >= 0.90 (translations are a stretch goal: they are excluded from recall, and must not
be merged with anything else).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

from crawler.settings import NEWSMON_NEAR_DUP_THRESHOLD
from pipelines.fingerprint import text_hash
from pipelines.fingerprint import fingerprint
from storage.articles import ArticleStore
from storage.db import open_db

GROUPS = Path(__file__).resolve().parent / "data" / "dedupe_groups.jsonl"


def test_pair_precision_and_recall(tmp_path: Path) -> None:
    records = [json.loads(line) for line in GROUPS.read_text(encoding="utf-8").splitlines()]
    store = ArticleStore(open_db(tmp_path / "groups.db"),
                         near_dup_threshold=NEWSMON_NEAR_DUP_THRESHOLD)
    ids = {}
    for record in records:
        fp = fingerprint(record["text"])
        url = f"https://{record['source']}.example/{record['id']}"
        result = store.upsert(
            {"url": url, "canonical_url": url, "source": record["source"],
             "title": record["title"], "text": record["text"],
             "text_hash": text_hash(record["text"])}, [], "2025-11-20",
            signature=fp.signature if fp else None, buckets=fp.bands if fp else None,
            shingles=fp.shingles if fp else 0)
        ids[record["id"]] = result.article_id
    story = {row["id"]: row["story_id"] for row in store.db.query(
        "SELECT id, story_id FROM articles")}
    tp = fp_ = fn = 0
    for a, b in itertools.combinations(records, 2):
        same = a["story"] == b["story"]
        linked = story[ids[a["id"]]] == story[ids[b["id"]]]
        if "translation" in (a["relation"], b["relation"]) and same:
            continue
        tp += same and linked
        fp_ += (not same) and linked
        fn += same and not linked
    precision, recall = tp / (tp + fp_), tp / (tp + fn)
    print(f"\npairs: precision {precision:.3f} recall {recall:.3f} (tp {tp}, fp {fp_}, fn {fn})")
    assert precision >= 0.98 and recall >= 0.90
    distractors = [r for r in records if r["relation"] == "distractor"]
    assert len({story[ids[r["id"]]] for r in distractors}) == len(distractors)
    multi = list(store.db.query("SELECT * FROM stories WHERE article_count > 1"))
    assert len(multi) >= 15 and all(s["first_article_id"] for s in multi)
