"""Tagging: morphology, context, hard negatives, evidence, taxonomy errors, storage, retag."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.morphology import Normaliser
from pipelines.tag import tags_for_storage
from pipelines.tagging import Tagger
from pipelines.taxonomy import DEFAULT_TAXONOMY_PATH, TaxonomyError, load_taxonomy
from storage.articles import ArticleStore
from storage.db import open_db


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


@pytest.mark.parametrize("backend", ["stem", "lemma"])
def test_inflections_meet(backend: str) -> None:
    norm = Normaliser(backend)
    assert len({norm.word(w) for w in ("иноагент", "иноагентом", "иноагентов")}) == 1
    assert len({norm.word(w) for w in ("задержали", "задержал")}) == 1
    assert norm.word("detained") == norm.word("detain") == norm.word("detains")


@pytest.mark.parametrize("title, text, topic, subtag", [
    ("Журналиста признали иноагентом", "Минюст в пятницу признал иностранным агентом "
     "журналиста из Екатеринбурга, который уехал из России в 2022 году.", "crackdown",
     "foreign_agent"),
    ("Activist flees", "After a search of her home in Kazan, the anti-war activist left the "
     "country and now lives in Tbilisi, Georgia. Police seized her laptop.", "emigration",
     "exile_activist"),
    ("Редакция перебралась в Ригу", "Независимое издание из Пскова перевезло редакцию в Ригу "
     "после того, как Роскомнадзор заблокировал его сайт, а главного редактора вызвали в ФСБ.",
     "emigration", "relocation_media_ngo"),
    ("Man jailed", "A court in Krasnodar sentenced a 41-year-old man to seven years for "
     "treason over a donation to a Ukrainian charity, the FSB said.", "crackdown", "treason"),
])
def test_positives(tagger: Tagger, title: str, text: str, topic: str, subtag: str) -> None:
    result = tagger.tag(title, text)
    assert result.relevant and topic in result.topics and subtag in result.subtags, result
    assert result.evidence and all(e["snippet"] for e in result.evidence)


@pytest.mark.parametrize("title, text", [
    ("ICE raids spread", "Immigration and Customs Enforcement agents detained dozens of "
     "migrants in raids across Chicago, and protesters rallied outside the facility."),
    ("Georgia passes foreign agent law", "Georgia's parliament, controlled by Georgian Dream, "
     "passed a foreign agent law as protesters were detained outside parliament in Tbilisi."),
    ("Drug arrest in Arkhangelsk", "Police in Arkhangelsk detained a man with two kilograms "
     "of drugs; a criminal case was opened and he faces up to 15 years in prison."),
    ("Hong Kong arrests", "Hong Kong police arrested six people under the national security "
     "law for seditious posts; Beijing praised the detentions."),
    ("US FARA case", "The Justice Department charged a lobbyist with failing to register under "
     "the Foreign Agents Registration Act (FARA) as a foreign agent of a Gulf state."),
    ("Georgia adopts Russian-style foreign agent law", "Georgia's parliament adopted a "
     "Russian-style foreign agent law on Tuesday, critics said, as protesters gathered."),
    ("Ukraine's SBU detains suspected spy", "Ukraine's SBU security service detained a man in "
     "Kharkiv suspected of spying for Russia and charged him with high treason."),
    ("Regulator warns of side effects", "Russia's health regulator warned of undesirable side "
     "effects of weight-loss injections sold in Moscow pharmacies."),
    ("Putin signs autumn conscription decree", "Putin signed a decree on the autumn "
     "conscription of 160,000 men; enlistment offices in Russia will send out summons."),
    ("Рейсы задержаны из-за дождя", "В Москве из-за сильного дождя задержаны десятки рейсов, "
     "сообщили в аэропорту Шереметьево."),
    ("Должникам запретили выезд", "Судебные приставы в Новосибирске запретили выезд за "
     "границу 300 должникам по алиментам."),
])
def test_hard_negatives(tagger: Tagger, title: str, text: str) -> None:
    result = tagger.tag(title, text)
    assert not result.relevant, (result.topics, result.evidence[:3], result.context)


def test_title_and_lead_weigh_more(tagger: Tagger) -> None:
    filler = " ".join(["The city council discussed the new budget and road repairs."] * 60)
    tail = tagger.tag("Budget news", filler + " Separately, a Moscow activist was detained.")
    lead = tagger.tag("Budget news", "A Moscow activist was detained. " + filler)
    assert lead.topic_scores["crackdown"] > tail.topic_scores["crackdown"]


def test_names_across_scripts(tagger: Tagger) -> None:
    en = tagger.tag("Navalny", "Alexei Navalny's team moved to Vilnius, Lithuania.")
    ru = tagger.tag("Навальный", "Команда Алексея Навального переехала в Вильнюс.")
    assert "Alexei Navalny" in en.people and "Alexei Navalny" in ru.people
    assert "Lithuania" in en.countries and "Lithuania" in ru.countries


def test_broken_taxonomy_names_the_entry(tmp_path: Path) -> None:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "t.yaml"
    broken.write_text(text.replace("          en: [treason, high treason,",
                                   "          en: [treason, 42, high treason,"), encoding="utf-8")
    with pytest.raises(TaxonomyError) as info:
        load_taxonomy(broken)
    assert "topics.crackdown.subtags.treason.strong.en" in str(info.value)
    assert str(broken) in str(info.value)
    missing = tmp_path / "m.yaml"
    missing.write_text(text.replace("      exit_ban:\n", "      exit_ban:\n        bogus: 1\n"),
                       encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"exit_ban\.bogus"):
        load_taxonomy(missing)


def test_user_terms_without_code(tmp_path: Path) -> None:
    custom = tmp_path / "custom.yaml"
    custom.write_text(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "          en: [treason, high treason,", "          en: [grass snake affair, treason, "
        "high treason,"), encoding="utf-8")
    text = "In Moscow the grass snake affair reached court, investigators said."
    assert not Tagger(load_taxonomy()).tag("News", text).relevant
    assert "treason" in Tagger(load_taxonomy(custom)).tag("Grass snake affair", text).subtags


def test_tags_stored_for_facets(tmp_path: Path, tagger: Tagger) -> None:
    db = open_db(tmp_path / "t.db")
    store = ArticleStore(db)
    result = tagger.tag("Журналиста признали иноагентом", "Минюст признал иноагентом "
                        "журналиста из Казани, уехавшего в Грузию.")
    row = {"url": "https://x.org/1", "canonical_url": "https://x.org/1", "source": "x",
           "title": "t", "text": "t", "text_hash": "h"}
    stored = store.upsert(row, [], "2025-11-20", tags_for_storage(result, "test"))
    article = next(db.query("SELECT * FROM articles"))
    assert article["relevant"] == 1 and json.loads(article["topics"]) == result.topics
    assert json.loads(article["tag_evidence"])[0]["snippet"]
    tags = {r["tag"]: r for r in db.query("SELECT * FROM article_tags WHERE article_id = ?",
                                          [stored.article_id])}
    assert {"crackdown", "foreign_agent"} <= set(tags)
    assert tags["foreign_agent"]["kind"] == "subtag" and tags["foreign_agent"]["score"] > 0
    entities = {(r["kind"], r["name"]) for r in db.query("SELECT * FROM article_entities")}
    assert ("country", "Georgia") in entities
