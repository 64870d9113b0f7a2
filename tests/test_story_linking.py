"""Story linking: every copy of a story joins it (verbatim, rewrite, teaser, translation),
independent reports of the same event stay apart.

Gates go through `newsmon import` (the production path) into a new database and count the
labelled pairs that share `articles.story_id`. Sets (floors in tests/quality_baseline.json):
- story_groups_dev.jsonl / story_groups_holdout.jsonl: texts written for the project (24
  groups with rewrites, teasers, translations ru/en/es/fr/it/pt, back-translations, and
  same-event distractors), split by group; the holdout groups were not looked at while the
  rules were made;
- story_groups_dev2.jsonl: 20 more groups by another writer, heavy on spun rewrites (every
  sentence reworded), Russian <-> English translations and same-event reports by other
  outlets (14); development set: the spun-rewrite score and the translation threshold were
  chosen on it and story_groups_dev.jsonl;
- story_groups_dev3.jsonl: 14 groups by a fourth writer, heavy on translations into Spanish,
  Portuguese, French and Italian (and ru <-> en), summaries, 10 same-event reports (7 of them
  a foreign correspondent's own story in es/pt/fr/it); development set: first scored with
  the linker as it was (same-language 1.000 / 0.727, cross-language 0.923 / 0.828), then the
  summary ratio was chosen on it;
- story_groups_dev4.jsonl: 16 groups by a fifth writer from a writing spec (14 rewrites, 10 of
  them fully spun; teasers written as Telegram posts without a headline; 5 translations and
  2 back-translations ru <-> en; 10 same-event reports, 2 of them in the other language);
  development set: first scored with the linker as it was (same-language 1.000 / 0.842,
  cross-language 0.769 / 1.000), then a headline's sentences, headlines that open the text,
  numbers' scale words, times of day and two thresholds were changed for it;
- story_groups_holdout2.jsonl: FROZEN HOLDOUT of 30 groups by a third writer (rewrites light
  to fully spun, teasers, ru <-> en and other translations, back-translations, 12 same-event
  reports, 3 of them short posts), first scored after the spun-rewrite score was fixed;
- story_groups_holdout3.jsonl: FROZEN HOLDOUT of 16 groups and 10 same-event reports by a
  sixth writer from the dev4 writing spec (15 rewrites, 11 fully spun; 7 teasers; 5
  translations, 2 back-translations), first scored once the dev4 changes were fixed (and,
  for comparison, with the linker before them);
- story_pairs_real_dev.jsonl / story_pairs_real_holdout.jsonl: labelled pairs of real texts in
  ../shared/corpus/news-text (tgcontest pairs, BBC Russian x RIA and within-channel Telegram
  posts, The Moscow Times x RT RSS); holdout = tgcontest ru_honey + the RSS pairs.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest

from newsmon.quality import (real_story_pairs, stories_after_import, story_link_scores,
                             written_story_pairs)
from pipelines.storylink import Linker, Thresholds, compare, story_keys
from pipelines.storyprofile import Profile, profile, skeleton
from storage.articles import ArticleStore
from storage.db import open_db
from tests import baseline

DATA = Path(__file__).resolve().parent / "data"
HOLDOUTS = {
    "story_groups_holdout.jsonl":
        "1e513b7ccb66f8bbcd2bcda7ce661ab6dee51f154791d6b06dd25d64d5771839",
    "story_pairs_real_holdout.jsonl":
        "82bfd3070c0e13fd438febfe6a3842d8595ee811ffdd6de86a8ceab934269671",
    "story_groups_holdout2.jsonl":
        "9da7d335d6aa6ce85c7565c3afa0b973e450f45738c46e94769f6f77c6ae5dd7",
    "story_groups_holdout3.jsonl":
        "37ef2f39da80b8aa15f15bb33c345705f5477a540fb0a6b9b40e8c71dbd15209",
}


def _written(name: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines()
            if line.strip()]


# --- units --------------------------------------------------------------------------------

@pytest.mark.parametrize("cyrillic, latin", [
    ("Навальный", "Navalny"), ("Саввину", "Savvin"), ("Кирилл", "Kirill"),
    ("Екатеринбурге", "Yekaterinburg"), ("Шевченко", "Shevchenko"), ("Алексею", "Alexei"),
])
def test_names_meet_across_scripts_and_cases(cyrillic: str, latin: str) -> None:
    assert skeleton(cyrillic, "ru") == skeleton(latin, "en")


def test_different_names_stay_different() -> None:
    names = ["Navalny", "Nadezhdin", "Navalnaya", "Savvin", "Savchenko", "Kirill", "Karina"]
    skeletons = {skeleton(n, "en") for n in names}
    assert len(skeletons) >= 6


def _group(rows: list[dict[str, Any]], group: str) -> dict[str, dict[str, Any]]:
    return {r["relation"]: r for r in rows if r["group"] == group}


def _profile(row: dict[str, Any]) -> Any:
    return profile(row["title"], row["text"], row["lang"])


def test_each_kind_of_copy_is_recognised_and_the_same_event_is_not() -> None:
    rows = _written("story_groups_dev.jsonl")
    found: dict[str, list[bool]] = {}
    for group in sorted({r["group"] for r in rows if r["group"]}):
        members = _group(rows, group)
        origin = _profile(members["origin"])
        for relation in ("rewrite", "teaser", "translation"):
            if relation in members:
                got = compare(origin, _profile(members[relation]))
                found.setdefault(relation, []).append(got is not None and got.kind == relation)
        for distractor in (r for r in rows if r.get("same_event_as") == group):
            found.setdefault("same_event", []).append(
                compare(origin, _profile(distractor)) is None)
    shares = {k: sum(v) / len(v) for k, v in found.items()}
    print(shares)
    # Measured on this development set: translation 1.0, rewrite 0.7, teaser 0.6 (most
    # teasers here are condensed leads; those not named teaser still join as rewrites).
    assert shares["translation"] >= 0.9 and shares["teaser"] >= 0.6
    assert shares["rewrite"] >= 0.7 and shares["same_event"] >= 0.9
    # A teaser is the shorter text: seen from the teaser, the origin is its expanded form.
    g01 = _group(rows, "G01")
    link = Linker().relate(_profile(g01["origin"]), [{
        "id": 1, "title": g01["teaser"]["title"], "text": g01["teaser"]["text"],
        "lang": "ru"}])
    assert link is not None and link.kind == "expanded"


def test_spun_rewrites_join_and_reports_of_the_same_event_do_not() -> None:
    """A spun rewrite shares almost no sentence with its origin (every one reworded), but
    keeps its words and its names and numbers in order; another outlet's report of the same
    event keeps the names, not the rest."""
    rows = _written("story_groups_dev2.jsonl")
    rewrites, apart = [], []
    for group in sorted({r["group"] for r in rows}):
        members = _group(rows, group)
        if "rewrite" in members:
            got = compare(_profile(members["origin"]), _profile(members["rewrite"]))
            rewrites.append(got is not None and got.kind == "rewrite")
        for distractor in (r for r in rows if r.get("same_event_as") == group):
            if distractor["lang"] == members["origin"]["lang"]:
                apart.append(compare(_profile(members["origin"]), _profile(distractor)) is None)
    assert len(rewrites) == 12 and len(apart) == 10
    # Measured: 11 of 12 rewrites (3 before the spun-rewrite score), 10 of 10 kept apart.
    assert sum(rewrites) >= 10 and all(apart)


_ARTICLE = (
    "Court in Kazan jails activist Renat Gabdullin for seven years",
    "A court in Kazan on Thursday sentenced the local activist Renat Gabdullin to seven years "
    "in a penal colony on charges of justifying terrorism, his lawyer Marina Orlova said. "
    "Prosecutors had asked for eight years.\n\n"
    "The case was opened in March over two posts on Telegram in which Gabdullin, 34, commented "
    "on the war and on the arrest of his neighbour. Investigators said the posts approved of "
    "an attack on a military enlistment office, which Gabdullin denied at every hearing.\n\n"
    "Orlova said the defence would appeal. She told reporters that the linguistic examination "
    "ordered by the investigators had been written by an expert with no training in "
    "linguistics, and that the court refused to call a second expert. Gabdullin has been held "
    "in a detention centre since his arrest in April and was brought to the courtroom in "
    "handcuffs.\n\n"
    "About forty people came to the court to support him, according to the rights group "
    "Memorial, which has recognised Gabdullin as a political prisoner. Police detained three "
    "of them outside the building after the verdict and later released them without charge. "
    "Gabdullin's mother, Alfiya, read out a letter from her son in which he thanked them.")


def test_a_summary_of_a_longer_article_is_its_teaser_and_a_flash_is_not() -> None:
    """An aggregator's summary shares no sentence with the article, but all its names and
    numbers and most of its words; a one-line flash of the same event is its own report, and a
    summary with a name the article lacks is another outlet's account (texts written here)."""
    article = profile(_ARTICLE[0], _ARTICLE[1], "en")
    summary = ("Seven years for Telegram posts in Kazan",
               "Renat Gabdullin, 34, will spend seven years in a colony for what he wrote on "
               "Telegram about the war. Memorial counts him among political prisoners, and "
               "forty supporters came to the verdict. The defence, led by Marina Orlova, plans "
               "an appeal and disputes the expert examination.")
    got = compare(profile(*summary, "en"), article)
    assert got is not None and got.kind == "teaser" and got.a_is_shorter
    assert got.detail["summary_anchors"] == 1.0 and got.detail["contained"] >= 0.6
    flash = ("Kazan court jails Gabdullin", "A court in Kazan jailed activist Renat Gabdullin "
             "for seven years over Telegram posts, lawyer Marina Orlova said.")
    assert compare(profile(*flash, "en"), article) is None
    other = (summary[0], summary[1].replace("Marina Orlova", "Timur Sadykov"))
    assert compare(profile(*other, "en"), article) is None
    # Off, the summary joins nothing.
    off = Thresholds(summary_ratio=0)
    assert compare(profile(*summary, "en"), article, off) is None


def test_a_headline_and_one_paraphrased_sentence_are_not_a_rewrite() -> None:
    """Two outlets' posts of one official statement align in their headlines and first
    sentences; that is the same event reported twice. A second paraphrased sentence of the
    body makes a rewrite (texts written here, shaped like Telegram posts)."""
    first = ("Defence minister arrives in Pyongyang on an unannounced visit",
             "Defence Minister Andrei Belousov arrived in Pyongyang on Friday on a visit that "
             "had not been announced, the ministry said. He is due to meet North Korea's "
             "leadership and military commanders.\n\nThe visit follows a treaty on mutual "
             "defence signed this summer. Analysts expect talks on ammunition supplies.")
    other = ("Defence minister Belousov arrives in Pyongyang on official visit",
             "Defence Minister Andrei Belousov arrived in Pyongyang on Friday on an official "
             "visit, the defence ministry said.")
    assert compare(profile(*other, "en"), profile(*first, "en")) is None
    longer = (other[0], other[1] + " He will meet North Korea's leadership and military "
              "commanders, it added.")
    got = compare(profile(*longer, "en"), profile(*first, "en"))
    assert got is not None and got.kind in ("rewrite", "teaser")
    # With one body sentence enough, the first pair links.
    loose = Thresholds(rewrite_sentences=1)
    assert compare(profile(*other, "en"), profile(*first, "en"), loose) is not None
    # Without a headline, two aligned sentences of the text are two of its body; one that
    # aligns under a headline that does not is still one.
    untitled = (None, longer[1])
    assert profile(*untitled, "en").titled is False
    assert compare(profile(*untitled, "en"), profile(*first, "en")) is not None
    unlike = ("Ministry statement on a trip abroad", other[1])
    assert compare(profile(*unlike, "en"), profile(*first, "en")) is None


@pytest.mark.parametrize("name, count, joined", [
    # Measured: 5 of 6 (1 of 6 before the summary rule; the sixth has a name the article
    # does not give).
    ("story_groups_dev2.jsonl", 6, 5),
    # Summaries a third of their articles' length: 3 of 5 at summary_ratio 0.4, 2 at 0.3
    # (the same through `newsmon import`).
    ("story_groups_dev3.jsonl", 5, 3)])
def test_summaries_in_the_development_sets_join_their_articles(name: str, count: int,
                                                                joined: int) -> None:
    rows = _written(name)
    summaries = []
    for group in sorted({r["group"] for r in rows}):
        members = _group(rows, group)
        if "teaser" in members and members["teaser"]["lang"] == members["origin"]["lang"]:
            got = compare(_profile(members["origin"]), _profile(members["teaser"]))
            summaries.append(got is not None and got.kind == "teaser")
    assert len(summaries) == count and sum(summaries) >= joined


def _store_written(store: ArticleStore, rows: list[dict[str, Any]]) -> None:
    """Store written texts one by one, with the profile and keys the dedupe stage makes."""
    for row in rows:
        prof = profile(row["title"], row["text"], row["lang"])
        url = f"https://{row['source']}.example/{row['id']}"
        store.upsert({"url": url, "canonical_url": url, "source": row["source"],
                      "title": row["title"], "text": row["text"], "lang": row["lang"],
                      "published_at": row["published_at"],
                      "text_hash": hashlib.sha256(row["text"].encode()).hexdigest()},
                     [], "2024-04-12T00:00:00+00:00", story_keys=story_keys(prof),
                     profile=prof)


def test_the_store_records_relation_origin_and_languages(tmp_path: Path) -> None:
    rows = sorted((r for r in _written("story_groups_dev.jsonl")
                   if r["group"] == "G01" or r.get("same_event_as") == "G01"),
                  key=lambda r: r["published_at"])
    store = ArticleStore(open_db(tmp_path / "s.db"), linker=Linker())
    _store_written(store, rows)
    got = {r["url"].rsplit("/", 1)[1]: r for r in store.db.query(
        "SELECT url, story_id, story_relation, related_to, similarity FROM articles")}
    origin = got["g01-origin"]
    assert origin["story_relation"] is None                 # the first report
    for copy in ("g01-rewrite", "g01-teaser", "g01-en"):
        assert got[copy]["story_id"] == origin["story_id"], copy
        assert got[copy]["related_to"] and 0 < got[copy]["similarity"] <= 1
    assert got["g01-en"]["story_relation"] == "translation"
    assert got["g01-teaser"]["story_relation"] == "teaser"
    assert got["d01"]["story_id"] != origin["story_id"]
    [story] = store.db.query("SELECT * FROM stories WHERE id = ?", [origin["story_id"]])
    assert story["article_count"] == 4 and json.loads(story["languages"]) == ["ru", "en"]
    first = store.db.execute("SELECT url FROM articles WHERE id = ?",
                             [story["first_article_id"]]).fetchone()[0]
    assert first.endswith("g01-origin")


# Written for the project: a flash, a podcast episode's page about the same case (no
# sentence in common with the flash), and the channel's full post that is both; then two
# flashes of unrelated news and the evening digest that repeats both.
_FLASH = ("Kazan court jails activist Renat Gabdullin for 7 years",
          "A court in Kazan sentenced activist Renat Gabdullin, 34, to 7 years in a penal colony "
          "on Tuesday over his Telegram posts about the war. Memorial lists him as a political "
          "prisoner. His lawyer Marina Orlova said the defence would appeal.")
_EPISODE = ("Podcast: why Kazan jailed Renat Gabdullin",
            "In this episode our correspondent Ilya Sokolov talks to lawyer Marina Orlova about "
            "the case against Renat Gabdullin in Kazan. Orlova explains how the prosecution "
            "built its case on a linguistic expert examination of a handful of Telegram "
            "posts.\n\nSokolov describes the courtroom, where forty supporters waited outside "
            "in the snow and the judge read the verdict in under ten minutes.\n\nWe also ask "
            "what Memorial's list of political prisoners means for the families of those on "
            "it, and why appeals in such cases almost never succeed.\n\nListen on our website "
            "or wherever you get your podcasts.")
_NALCHIK = ("Police detain 12 at Nalchik memorial rally",
            "Police in Nalchik detained 12 people at a rally in memory of the victims of the "
            "Caucasian War on Wednesday, the rights group OVD-Info said. They face charges "
            "under the article on unauthorised protests.")
_ROSTOV = ("Rostov blogger fined 30,000 roubles",
           "A court in Rostov-on-Don fined blogger Artyom Lebedev 30,000 roubles for a video of "
           "a traffic police officer, his lawyer Pavel Gusev said. Lebedev says the video was "
           "in the public interest.")


def _store_in_order(tmp_path: Path, texts: list[tuple[str, str, str]],
                    thresholds: Thresholds | None = None) -> tuple[ArticleStore,
                                                                  list[dict[str, Any]]]:
    """Store English texts (title, text, outlet) an hour apart as the dedupe stage hands
    them over (MinHash signature, profile, story keys); the store and their rows in order,
    each with its story's row."""
    store = ArticleStore(open_db(tmp_path / f"bridge-{len(list(tmp_path.iterdir()))}.db"),
                         linker=Linker(thresholds))
    for i, (title, text, outlet) in enumerate(texts):
        _store_one(store, title, text, outlet, f"https://{outlet}.example/{i}",
                   f"2024-04-12T{i:02d}:00:00+00:00")
    rows = [dict(r) for r in store.db.query("SELECT * FROM articles ORDER BY id")]
    stories = {r["id"]: r for r in store.db.query("SELECT * FROM stories")}
    for row in rows:
        row["story"] = stories[row["story_id"]]
    return store, rows


def _store_one(store: ArticleStore, title: str, text: str, outlet: str, url: str,
               published_at: str) -> None:
    from pipelines.fingerprint import fingerprint
    prof, fp = profile(title, text, "en"), fingerprint(text)
    assert fp is not None
    store.upsert({"url": url, "canonical_url": url, "source": outlet, "title": title,
                  "text": text, "lang": "en", "published_at": published_at,
                  "text_hash": hashlib.sha256(text.encode()).hexdigest()}, [],
                 "2024-04-13T00:00:00+00:00", signature=fp.signature, buckets=fp.bands,
                 shingles=fp.shingles, story_keys=story_keys(prof), profile=prof)


def _full_post(channel: str = "channel") -> list[tuple[str, str, str]]:
    return [(*_FLASH, channel), (*_EPISODE, channel),
            (_EPISODE[0], _FLASH[1] + "\n\n" + _EPISODE[1], channel)]


def test_an_outlets_post_that_copies_two_of_its_stories_joins_them(tmp_path: Path) -> None:
    """The channel's flash and its episode page share no sentence, so they start two
    stories; its full post is a near-verbatim copy of the episode (MinHash) and repeats the
    flash: the two stories become one, its origin the flash. Off, or when the full post is
    another outlet's, they stay apart; the channel's own copies of the episode do not crowd
    the flash out of the candidates."""
    assert compare(profile(*_FLASH, "en"), profile(*_EPISODE, "en")) is None
    texts = _full_post()
    _, (flash, episode, post) = _store_in_order(tmp_path, texts)
    assert post["near_duplicate_of"] == episode["id"]
    assert flash["story_id"] == episode["story_id"] == post["story_id"]
    assert post["story"]["article_count"] == 3
    assert post["story"]["first_article_id"] == flash["id"]
    # One first report: the episode says how its story came in.
    assert flash["story_relation"] is None and post["story_relation"] == "rewrite"
    assert (episode["story_relation"], episode["related_to"]) == ("joined", post["id"])
    _, off = _store_in_order(tmp_path, texts, Thresholds(bridge_anchors=0))
    assert len({r["story_id"] for r in off}) == 2
    _, elsewhere = _store_in_order(tmp_path, texts[:2] + [(*texts[2][:2], "aggregator")])
    assert len({r["story_id"] for r in elsewhere}) == 2
    copies = [(_EPISODE[0], _EPISODE[1] + f"\n\nRepeat number {n}.", "channel")
              for n in range(8)]
    _, crowded = _store_in_order(tmp_path, texts[:2] + copies + texts[2:])
    assert len({r["story_id"] for r in crowded}) == 1 and len(crowded) == 11


_SUPPORTERS = ("Supporters wait outside Kazan court for Renat Gabdullin",
               "About forty supporters of Renat Gabdullin stood in the snow outside the Kazan "
               "court for most of Tuesday. Marina Orlova, his lawyer, came out to thank them. "
               "Several held portraits and the list of political prisoners kept by Memorial.")


def test_which_outlets_copies_join_stories(tmp_path: Path) -> None:
    """Only an outlet's copy of its own story joins its other stories: not when the flash is
    another outlet's, nor when an aggregator copies the channel's episode and repeats its
    own flash. A third outlet's verbatim copy of the episode, stored before or after it,
    does not change the answer for the channel's post; a post that repeats two of the
    channel's stories joins both."""
    flash, episode, post = _full_post()
    other_flash = (*flash[:2], "wire")
    assert len({r["story_id"] for r in _store_in_order(
        tmp_path, [other_flash, episode, post])[1]}) == 2
    aggregator = [(*flash[:2], "aggregator"), episode,
                  (post[0], post[1] + "\n\nVia the channel.", "aggregator")]
    assert len({r["story_id"] for r in _store_in_order(tmp_path, aggregator)[1]}) == 2
    copy = (*episode[:2], "mirror")
    for order in ([flash, copy, episode, post], [flash, episode, copy, post]):
        rows = _store_in_order(tmp_path, order)[1]
        assert len({r["story_id"] for r in rows}) == 1, order
    supporters = (*_SUPPORTERS, "channel")
    assert compare(profile(*_SUPPORTERS, "en"), profile(*_FLASH, "en")) is None
    both = (post[0], f"{_FLASH[1]}\n\n{_SUPPORTERS[1]}\n\n{_EPISODE[1]}", "channel")
    rows = _store_in_order(tmp_path, [flash, supporters, episode, both])[1]
    assert len({r["story_id"] for r in rows}) == 1
    assert [r["story_relation"] for r in rows[:3]] == [None, "joined", "joined"]


def test_a_verbatim_repost_does_not_search_for_stories_to_join(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An outlet that posts its text again (a correction, a re-post) repeats nothing its
    original did not: the search for other stories runs for rewrites only (its cost grows
    with the outlet's copies of the story)."""
    searched: list[int] = []
    original = ArticleStore._outlet_bridges

    def counting(self: ArticleStore, entry: Any, day: str, joined: int) -> Any:
        searched.append(joined)
        return original(self, entry, day, joined)

    monkeypatch.setattr(ArticleStore, "_outlet_bridges", counting)
    texts = _full_post()
    _store_in_order(tmp_path, texts[:2] + [(*texts[1][:1], texts[1][1] + " Updated.",
                                            "channel")])
    assert searched == []
    _store_in_order(tmp_path, texts)
    assert searched == [2]


def test_a_merge_keeps_the_older_story_and_its_queued_alerts(tmp_path: Path) -> None:
    """The full post joins the episode's story (the newer, id 2) first; the merge keeps the
    flash's (the older, id 1), and the alert queued for the episode's story moves with it."""
    texts = _full_post()
    store, _ = _store_in_order(tmp_path, texts[:2])
    store.db.execute("INSERT INTO alert_outbox (subscription, event, subject, article_id, "
                     "story_id, queued_at) VALUES ('desk', 'new_article', 'article:2', 2, 2, "
                     "'2024-04-12T02:00:00+00:00')")
    _store_one(store, *texts[2], "https://channel.example/post", "2024-04-12T03:00:00+00:00")
    assert store.db.execute("SELECT related_to FROM articles WHERE id = 3").fetchone()[0] == 2
    assert {r["story_id"] for r in store.db.query("SELECT story_id FROM articles")} == {1}
    assert [r["id"] for r in store.db.query("SELECT id FROM stories")] == [1]
    assert store.db.execute("SELECT story_id FROM alert_outbox").fetchone()[0] == 1


def test_only_a_shared_sentence_and_shared_names_bridge_two_stories() -> None:
    """The linker's verdict on a second link: a translation, a spun rewrite or a summary
    rests on names, numbers and words, which same-event reports share, so none bridges; two
    articles with fewer than three names and numbers, or naming different ones (an evening
    digest repeating unrelated flashes), do not either."""
    from pipelines.storylink import Link
    linker = Linker()
    flash = {"id": 1, "title": _FLASH[0], "text": _FLASH[1], "lang": "en"}
    episode = {"id": 2, "title": _EPISODE[0], "text": _EPISODE[1], "lang": "en"}
    teaser = Link(2, "teaser", 0.8, {"close_short": 0.8})
    assert linker.bridges(teaser, flash, episode)
    for kind, detail in (("translation", {}), ("rewrite", {"spun": 0.6}),
                         ("teaser", {"contained": 0.8})):
        assert not linker.bridges(Link(2, kind, 0.8, detail), flash, episode), kind
    nalchik = {"id": 3, "title": _NALCHIK[0], "text": _NALCHIK[1], "lang": "en"}
    rostov = {"id": 4, "title": _ROSTOV[0], "text": _ROSTOV[1], "lang": "en"}
    assert not linker.bridges(teaser, nalchik, rostov)
    few = {"id": 5, "title": "Gabdullin jailed", "text": "Renat Gabdullin was jailed.",
           "lang": "en"}
    assert len(profile(few["title"], few["text"], "en").anchor_set) < 3
    assert not linker.bridges(teaser, few, episode)
    assert not Linker(Thresholds(bridge_anchors=0)).bridges(teaser, flash, episode)


def test_the_linker_reuses_stored_profiles_and_never_a_stale_one(tmp_path: Path,
                                                                  monkeypatch: Any) -> None:
    """An article just stored keeps the profile the dedupe stage made, so it is not rebuilt
    when it is a later candidate; a row whose title or text changed (an edit, or a row id
    reused after a rolled-back batch) gets a fresh profile."""
    import pipelines.storylink as storylink
    built: list[str] = []
    real_profile = storylink.profile

    def counting(title: str | None, text: str, lang: str | None) -> Any:
        built.append(text)
        return real_profile(title, text, lang)

    rows = sorted((r for r in _written("story_groups_dev.jsonl") if r["group"] == "G01"),
                  key=lambda r: r["published_at"])
    linker = Linker()
    store = ArticleStore(open_db(tmp_path / "s.db"), linker=linker)
    monkeypatch.setattr(storylink, "profile", counting)
    _store_written(store, rows)
    assert built == []              # every candidate was an article stored before it
    first = rows[0]
    [stored_id] = [r["id"] for r in store.db.query(
        "SELECT id FROM articles WHERE url LIKE ?", [f"%/{first['id']}"])]
    kept = linker.profile_of(stored_id, first["title"], first["text"], first["lang"])
    assert built == [] and kept == real_profile(first["title"], first["text"], first["lang"])
    edited = first["text"] + " Дополнено: суд перенес заседание."
    fresh = linker.profile_of(stored_id, first["title"], edited, first["lang"])
    assert built == [edited] and fresh != kept
    retitled = linker.profile_of(stored_id, "Новый заголовок о приговоре", first["text"],
                                 first["lang"])
    assert built == [edited, first["text"]] and retitled != kept
    # Only a profile made from exactly the stored row is kept: not a shared crawl worker's
    # (sent over the wire, its text normalised again by the ingest), not another text's.
    second = rows[1]
    for other_id, offered in ((998, storylink.Profile.from_wire(kept.to_wire())),
                              (999, real_profile(second["title"], second["text"],
                                                 second["lang"]))):
        built.clear()
        linker.remember(other_id, first["title"], first["text"], first["lang"], offered)
        linker.profile_of(other_id, first["title"], first["text"], first["lang"])
        assert built == [first["text"]], other_id


def test_the_ingest_lets_the_linker_keep_a_workers_profile(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared crawl's worker sends its profile over the wire; the ingest stores the text as
    the worker normalised it, so the profile is one of the stored row and the linker keeps
    it (a profile over the wire alone says nothing of what it was made from)."""
    from crawler.items import Article
    from pipelines.dedupe import DedupePipeline
    row = _written("story_groups_dev.jsonl")[0]
    made = profile(row["title"], row["text"], row["lang"])
    sent = Article("https://x.org/1", "https://x.org/1", "x", row["title"], row["text"],
                   lang=row["lang"], story_profile=made.to_wire(),
                   search_stems=("", ""))       # type: ignore[arg-type]
    assert Profile.from_wire(made.to_wire()).built_from == 0
    DedupePipeline().process(sent)
    assert sent.story_profile == made and sent.story_profile.built_from == made.built_from
    linker = Linker()
    linker.remember(7, row["title"], row["text"], row["lang"], sent.story_profile)

    def rebuilt(*args: Any) -> None:
        raise AssertionError("the kept profile was made again")

    monkeypatch.setattr("pipelines.storylink.profile", rebuilt)
    kept = linker.profile_of(7, row["title"], row["text"], row["lang"])
    assert kept == sent.story_profile and kept.built_from == made.built_from
    monkeypatch.undo()
    # A worker of an older version made its profile another way (it did not say whether its
    # first sentence is the headline; or before version 2, its anchors were read otherwise):
    # the ingest makes the profile again rather than compare unlike profiles.
    for dropped in ("titled", "version"):
        old_wire = {k: v for k, v in made.to_wire().items() if k != dropped}
        old_wire["anchors"] = ["stale"]
        old = Article("https://x.org/2", "https://x.org/2", "x", row["title"], row["text"],
                      lang=row["lang"], story_profile=old_wire,
                      search_stems=("", ""))        # type: ignore[arg-type]
        DedupePipeline().process(old)
        assert old.story_profile == made and old.story_profile.titled, dropped
        assert old.search_stems[1] and old.fingerprint is not None


# --- gates --------------------------------------------------------------------------------

def test_holdouts_are_frozen() -> None:
    for name, digest in HOLDOUTS.items():
        assert hashlib.sha256((DATA / name).read_bytes()).hexdigest() == digest, (
            f"{name} is a frozen holdout: add a new file instead of editing it")


def _check(prefix: str, scores: dict[str, Any], scopes: tuple[str, ...]) -> None:
    print(f"\n{prefix}: {json.dumps(scores)}")
    for scope in scopes:
        baseline.check(f"{prefix}.{scope}.precision", scores[scope]["precision"])
        baseline.check(f"{prefix}.{scope}.recall", scores[scope]["recall"])


@pytest.mark.slow
@pytest.mark.parametrize("split", ["dev", "dev2", "dev3", "dev4", "holdout", "holdout2",
                                   "holdout3"])
def test_written_groups_through_newsmon_import(split: str, tmp_path: Path) -> None:
    docs, pairs = written_story_pairs(DATA / f"story_groups_{split}.jsonl")
    kinds = {p["relation"] for p in pairs}
    assert {"rewrite", "teaser", "translation", "same_event", "different"} <= kinds
    scores = story_link_scores(pairs, stories_after_import(docs, tmp_path))
    _check(f"stories.written_{split}", scores, ("same", "cross"))


@pytest.mark.parametrize("split", ["dev", "holdout"])
def test_real_pairs_through_newsmon_import(split: str, corpus: Path, tmp_path: Path) -> None:
    docs, pairs = real_story_pairs(DATA / f"story_pairs_real_{split}.jsonl", corpus)
    assert sum(p["relation"] == "same_event" for p in pairs) >= 40
    scores = story_link_scores(pairs, stories_after_import(docs, tmp_path))
    _check(f"stories.real_{split}", scores, ("same",))


def test_sentence_alignment_through_the_word_index_equals_comparing_every_pair() -> None:
    """Sentence alignment only scores sentences that share 3+ words (found through a word
    index); it must give exactly what comparing every pair with _dice gives."""
    import random

    from pipelines.storylink import _alignment, _covered, _dice

    def brute_best(these: list[frozenset[str]],
                   those: list[frozenset[str]]) -> list[tuple[float, int]]:
        out = []
        for sentence in (s for s in these if len(s) >= 3):
            best, where = 0.0, -1
            for index, other in enumerate(those):
                score = _dice(sentence, other)
                if score > best:
                    best, where = score, index
            out.append((best, where))
        return out

    def brute(these: list[frozenset[str]], those: list[frozenset[str]],
              share: float) -> tuple[float, list[int]]:
        usable = [s for s in these if len(s) >= 3]
        if not usable:
            return 0.0, []
        matched = []
        for sentence in usable:
            best, where = 0.0, -1
            for index, other in enumerate(those):
                score = _dice(sentence, other)
                if score > best:
                    best, where = score, index
            if best >= share:
                matched.append(where)
        return len(matched) / len(usable), matched

    rng = random.Random(5)
    vocabulary = [f"w{i}" for i in range(60)]
    for _ in range(300):
        these = [frozenset(rng.sample(vocabulary, rng.randint(1, 12)))
                 for _ in range(rng.randint(0, 8))]
        those = [frozenset(rng.sample(vocabulary, rng.randint(1, 12)))
                 for _ in range(rng.randint(0, 8))]
        those += rng.sample(these, min(len(these), 2))          # some exact counterparts
        forward, backward = _alignment(these, those)
        assert forward == brute_best(these, those) and backward == brute_best(those, these)
        for share in (0.3, 0.6, 0.9):
            assert _covered(forward, share) == brute(these, those, share)
            # One pass gives the other direction too, exactly.
            assert _covered(backward, share) == brute(those, these, share)


def test_the_linker_keeps_profiles_packed_and_serves_them_whole() -> None:
    """The linker's cache holds thousands of profiles: it keeps them packed (tuples of
    shared stems, about a tenth of the memory of sets) and serves a profile equal to the
    one made from the text, which compares exactly as that one does."""
    import sys

    from pipelines import storyprofile
    storyprofile._STEMS.clear()       # the shared stems are bounded: start from none
    rows = _written("story_groups_dev.jsonl")
    made = [profile(r["title"], r["text"], r["lang"]) for r in rows]
    for one in made:
        again = Profile.unpack(one.pack())
        assert again == one and again.built_from == one.built_from
        assert again.anchor_set == one.anchor_set
    assert compare(Profile.unpack(made[0].pack()), made[1]) == compare(made[0], made[1])
    # Shared stems: the same word in two profiles is one string.
    again = profile(rows[0]["title"], rows[0]["text"], rows[0]["lang"])
    word = next(iter(made[0].sentences[1]))
    assert next(w for w in again.sentences[1] if w == word) is word
    # What each form adds besides the (shared) strings: sets' hash tables against tuples.
    as_sets = sum(sys.getsizeof(p.sentences) + sum(map(sys.getsizeof, p.sentences))
                  for p in made)
    as_packed = sum(sys.getsizeof(t[2]) + sum(map(sys.getsizeof, t[2]))
                    for t in (p.pack() for p in made))
    assert as_packed < as_sets / 3, (as_packed, as_sets)
    linker = Linker(cache=2)
    for n, row in enumerate(rows[:3]):
        linker.profile_of(n, row["title"], row["text"], row["lang"])
    assert len(linker._cache) == 2 and all(isinstance(v, tuple) for v in linker._cache.values())
