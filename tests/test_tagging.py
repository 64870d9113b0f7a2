"""Tagging: morphology, context, hard negatives, evidence, taxonomy errors, storage, retag."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _rules_only() -> Tagger:
    """The taxonomy's rules without the topic model."""
    tagger = Tagger(load_taxonomy())
    tagger.model = None
    return tagger


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


# --- defects found on real reporting (issue 13); each test failed before its fix ----------

def test_the_outlet_context_counts_when_the_text_names_no_russian_place(tagger: Tagger) -> None:
    title = "Anti-war activist detained at a solo picket"
    text = ("Police detained an anti-war activist at a solo picket on Saturday. She faces a "
            "charge of discrediting the army, her lawyer said.")
    assert tagger.tag(title, text, source_context=1.0).topics == ["crackdown"]
    # Without an outlet that covers Russia the rules cannot place the story...
    assert not _rules_only().tag(title, text, source_context=0.0).relevant
    # ... while the topic model knows "discrediting the army" and a solo picket, and says so.
    result = tagger.tag(title, text, source_context=0.0)
    assert result.topics == ["crackdown"]
    assert "model" in {e["strength"] for e in result.evidence if e["counted"]}


def test_the_model_adds_no_crackdown_that_foreign_markers_place_elsewhere(
        tagger: Tagger) -> None:
    """The same picket in Georgia or Belarus: the model's words look like a Russian story,
    but the foreign markers outweigh the (absent) Russian context, so it adds nothing."""
    norm = tagger.taxonomy.normaliser
    title = "Anti-war activist detained at a solo picket"
    for place in ("Georgian police detained", "Police in Minsk detained"):
        text = (f"{place} an anti-war activist at a solo picket on Saturday. She faces a "
                "charge of discrediting the army, her lawyer said.")
        probability, _ = tagger.model.predict(norm.keys(title), norm.keys(text))["crackdown"]
        assert probability >= tagger.model.thresholds["crackdown"]
        result = tagger.tag(title, text)
        assert result.context["foreign"] > result.context["russia"]
        assert not result.relevant and not any(e["strength"] == "model"
                                               for e in result.evidence), place


def test_the_month_march_is_not_a_protest(tagger: Tagger) -> None:
    result = tagger.tag("Court jails blogger for anti-war posts",
                        "A court in Kazan sentenced a blogger arrested in March 2023 to six "
                        "years in a penal colony for his anti-war posts.", source_context=1.0)
    assert "protest" not in result.subtags
    assert not any(e["matched"] == "March" for e in result.evidence)
    marched = tagger.tag("Protesters march in Moscow", "Hundreds of protesters marched through "
                         "central Moscow against the war; police detained 40.")
    assert "protest" in marched.subtags


@pytest.mark.parametrize("title, text", [
    ("Journalist banned from leaving Russia", "Border guards at Sheremetyevo told the "
     "journalist she was banned from leaving Russia and confiscated her foreign passport."),
    ("Журналистке запретили выезд из России", "Пограничники в Шереметьеве не выпустили "
     "журналистку из России и изъяли у нее загранпаспорт: ей запретили выезд."),
])
def test_exit_bans_are_not_censorship(tagger: Tagger, title: str, text: str) -> None:
    result = tagger.tag(title, text, source_context=1.0)
    assert result.subtags == ["exit_ban"], result.subtags


def test_being_expelled_by_another_state_is_not_an_exit_ban(tagger: Tagger) -> None:
    result = tagger.tag("Serbia Orders Russian Anti-War Activist to Leave the Country",
                        "Serbian authorities ordered a Russian anti-war activist who has lived "
                        "in Belgrade since 2022 to leave the country within 30 days.",
                        source_context=1.0)
    assert "exit_ban" not in result.subtags
    # Where "leave the country" does meet an exit-ban cue, "ordered to leave" vetoes it.
    barred = tagger.tag("Activist ordered to leave Serbia", "Serbian police ordered the Russian "
                        "activist to leave the country; border guards stamped her passport.",
                        source_context=1.0)
    assert "exit_ban" not in barred.subtags
    assert any(e["tag"] == "exit_ban" and e.get("vetoed_by") for e in barred.evidence), \
        barred.evidence


@pytest.mark.parametrize("title, text", [
    ("Roskomnadzor blocks 300 online casinos", "Russia's internet regulator Roskomnadzor "
     "blocked access to 300 websites of online casinos and illegal betting operators."),
    ("РКН заблокировал сайты онлайн-казино", "Роскомнадзор заблокировал доступ к 300 сайтам "
     "онлайн-казино и нелегальных букмекеров."),
])
def test_blocking_casinos_is_not_a_crackdown(tagger: Tagger, title: str, text: str) -> None:
    result = tagger.tag(title, text, source_context=1.0)
    assert not result.relevant, result.evidence
    assert any(e.get("vetoed_by") for e in result.evidence)


def test_evidence_says_what_counted_and_what_was_vetoed(tagger: Tagger) -> None:
    result = tagger.tag("Russia jails anti-war activist", "A court in Perm sentenced an "
                        "anti-war activist to five years. Separately, police blocked a casino "
                        "website and an unrelated fraud case was opened against a banker.",
                        source_context=1.0)
    assert result.subtags and result.evidence
    for entry in result.evidence:
        assert {"counted", "weight"} <= set(entry)
        assert entry["counted"] == (entry["tag"] in result.subtags and not entry.get("vetoed_by"))
        if entry.get("vetoed_by"):
            assert entry["weight"] == 0
    assert result.evidence[0]["counted"] and result.evidence[0]["weight"] > 0


def test_seed_story_gets_extremism(corpus: Path, tagger: Tagger) -> None:
    from pipelines.extraction import ArticleExtractor
    page = (corpus / "themoscowtimes" / "article-a76042.html").read_bytes()
    article = ArticleExtractor().extract(page, "https://www.themoscowtimes.com/2022/01/14/"
                                               "russia-had-1500-political-emigres-in-2021-"
                                               "rights-group-a76042")
    result = tagger.tag(article.title, article.text, source_context=1.0)
    assert "emigration" in result.topics and "extremism" in result.subtags, result.subtags
    counted = {e["tag"] for e in result.evidence if e["counted"]}
    assert counted <= set(result.subtags)


# --- the topic model: recall where outlets write without the taxonomy's words ----------------

_NO_KEYWORD = (
    "The school on Vake hill",
    "When the school opened in 2019, almost all of its pupils were local. Today 58 of the 90 "
    "children come from families from Moscow, St Petersburg and Kazan who arrived in Tbilisi "
    "in the autumn of 2022, and the school runs a second timetable so that they can keep the "
    "Russian curriculum. \"Many of them came with two bags and thought it would be for a few "
    "months,\" the headteacher said. \"Now they ask me about secondary school.\"")


def test_the_model_finds_what_the_rules_miss_and_shows_its_words(tagger: Tagger) -> None:
    title, text = _NO_KEYWORD
    assert not _rules_only().tag(title, text).relevant
    result = tagger.tag(title, text)
    assert result.topics == ["emigration"] and result.relevant
    assert result.topic_scores["emigration"] >= tagger.taxonomy.thresholds["relevant"]
    model = [e for e in result.evidence if e["strength"] == "model"]
    assert model and all(e["counted"] and e["tag"] == "emigration" for e in model)
    assert model[0]["probability"] >= tagger.model.thresholds["emigration"]
    for entry in model:           # each reason is words of the text, with their snippet
        source = title if entry["where"] == "title" else text
        assert entry["matched"] in source and entry["matched"] in entry["snippet"]
        assert entry["weight"] > 0
    assert [e["weight"] for e in model] == sorted((e["weight"] for e in model), reverse=True)


def test_the_model_does_not_tag_what_is_elsewhere(tagger: Tagger) -> None:
    for title, text in [
        ("Belgrade rents climb", "Rents in central Belgrade rose by 12% this year as the "
         "construction boom before Expo 2027 pushed up costs, a property portal said."),
        ("Mbappe moves to Madrid", "The French striker moved to Real Madrid on a five-year "
         "contract after leaving Paris Saint-Germain in the summer."),
    ]:
        assert not tagger.tag(title, text).relevant, title


def test_a_taxonomy_without_a_model_tags_by_rules_alone(tmp_path: Path) -> None:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    assert "\nmodel: topic_model.npz\n" in text
    plain = tmp_path / "rules.yaml"
    plain.write_text(text.replace("\nmodel: topic_model.npz\n", "\n"), encoding="utf-8")
    rules = Tagger(load_taxonomy(plain))
    assert rules.model is None and not rules.tag(*_NO_KEYWORD).relevant
    # A copied taxonomy keeps the shipped model; a missing one is named.
    copied = tmp_path / "copy.yaml"
    copied.write_text(text, encoding="utf-8")
    assert Tagger(load_taxonomy(copied)).tag(*_NO_KEYWORD).relevant
    missing = tmp_path / "missing.yaml"
    missing.write_text(text.replace("model: topic_model.npz", "model: nowhere.npz"),
                       encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'model'.*nowhere.npz"):
        load_taxonomy(missing)
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(text + "\nmodels: x\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'models': unknown key"):
        load_taxonomy(unknown)


_WEAK_RULES = (
    "Холдинг переехал с Кипра на остров Октябрьский",
    "Промышленный холдинг перерегистрировался с Кипра в специальный административный район "
    "в Калининграде, куда с 2018 года переехали более 60 компаний.")


def test_the_model_vetoes_a_topic_the_rules_give_on_weak_evidence(tagger: Tagger,
                                                                  tmp_path: Path) -> None:
    # "переехал(и)" is how emigration is written, but a company re-registering is not it.
    rules = _rules_only().tag(*_WEAK_RULES)
    assert rules.topics == ["emigration"]
    assert rules.topic_scores["emigration"] < tagger.taxonomy.thresholds["model_agree_below"]
    result = tagger.tag(*_WEAK_RULES)
    assert not result.relevant and result.topics == [] and result.subtags == []
    # The relevance score leaves the vetoed topic out; its own score is kept.
    assert result.score == 0.0 and result.topic_scores["emigration"] == 4.0
    vetoed = [e for e in result.evidence if e.get("vetoed_by") == "model"]
    assert vetoed and {e["matched"] for e in vetoed} == {"переехал", "переехали"}
    assert all(not e["counted"] and e["probability"] < tagger.taxonomy.thresholds["model_veto"]
               for e in vetoed)
    # The veto is the taxonomy's setting: at 0 the rules' topic stands.
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    assert "\n  model_veto: 0.3\n" in text
    off = tmp_path / "no-veto.yaml"
    off.write_text(text.replace("\n  model_veto: 0.3\n", "\n  model_veto: 0\n"),
                   encoding="utf-8")
    assert Tagger(load_taxonomy(off)).tag(*_WEAK_RULES).topics == ["emigration"]
    # Evidence at or above model_agree_below is not second-guessed (the rules' 4.0 here).
    assert "\n  model_agree_below: 5.0\n" in text
    for below, kept in ((4.0, True), (4.5, False)):
        setting = tmp_path / f"below-{below}.yaml"
        setting.write_text(text.replace("\n  model_agree_below: 5.0\n",
                                        f"\n  model_agree_below: {below}\n"), encoding="utf-8")
        assert (Tagger(load_taxonomy(setting)).tag(*_WEAK_RULES).topics == ["emigration"]) \
            is kept, below
    # A topic the model agrees with keeps its matches unmarked.
    both = tagger.tag("Журналиста признали иноагентом", "Минюст в пятницу признал "
                      "иностранным агентом журналиста, который уехал из России в 2022 году.")
    assert {"crackdown", "emigration"} <= set(both.topics)
    assert not any(e.get("vetoed_by") == "model" for e in both.evidence)
    # Settings the veto cannot act on are refused, by name.
    for bad, key in (("\n  model_veto: 1.5\n", "model_veto"),
                     ("\n  model_veto: 0.3\n  model_agree_below: 1.0\n",
                      "model_agree_below")):
        wrong = tmp_path / "wrong.yaml"
        wrong.write_text(text.replace("\n  model_veto: 0.3\n  model_agree_below: 5.0\n",
                                      bad if "agree" in bad else
                                      bad + "  model_agree_below: 5.0\n"), encoding="utf-8")
        with pytest.raises(TaxonomyError, match=f"thresholds.{key}"):
            load_taxonomy(wrong)


@pytest.mark.parametrize("title, text, subtag", [
    ("Baptist pastor fined in Tula", "A court in Tula fined a Baptist pastor 40,000 roubles on "
     "Tuesday for illegal missionary activity after he handed out invitations to a Sunday "
     "service.", "prosecution"),
    ("Пастора оштрафовали в Туле", "Суд в Туле оштрафовал на 40 тысяч рублей пастора "
     "баптистской общины за незаконную миссионерскую деятельность: он раздавал приглашения "
     "на воскресную службу.", "prosecution"),
    ("Crimean Tatars detained in Simferopol", "Security officers searched the homes of three "
     "Crimean Tatars near Simferopol on Wednesday and detained two of them, relatives said.",
     "arrest_detention"),
])
def test_believers_the_state_prosecutes_make_a_crackdown_story(tagger: Tagger, title: str,
                                                               text: str, subtag: str) -> None:
    # A fine or a detention is political when believers are its object: the rules alone
    # find it (religious communities are political cues for weak terms), with evidence.
    for result in (_rules_only().tag(title, text), tagger.tag(title, text)):
        assert result.topics == ["crackdown"] and subtag in result.subtags, result


@pytest.mark.parametrize("title, text", [
    ("Минкультуры отозвало прокатное удостоверение документального фильма", "Министерство "
     "культуры отозвало прокатное удостоверение документального фильма о жизни в Пермском "
     "крае после жалобы депутата Госдумы."),
    ("Culture Ministry pulls documentary about Perm", "The Culture Ministry revoked the "
     "distribution certificate of a documentary about life in the Perm region after a "
     "complaint by a State Duma deputy."),
    ("В Самаре отменили концерты рок-группы", "В Самаре отменили концерты рок-группы, "
     "музыканты которой выступили против войны; организаторы сослались на «технические "
     "причины»."),
    ("Спектакль исчез из афиши омского театра", "Спектакль по пьесе драматурга, выступившего "
     "против войны, исчез из афиши омского драмтеатра за несколько дней до премьеры."),
    ("Замедление WhatsApp в Казани", "Пользователи в Казани жалуются на замедление WhatsApp: "
     "голосовые сообщения не загружаются вторые сутки."),
])
def test_films_plays_and_concerts_pulled_are_censorship(title: str, text: str) -> None:
    result = _rules_only().tag(title, text)
    assert result.topics == ["crackdown"] and result.subtags == ["censorship_blocking"], result


@pytest.mark.parametrize("title, text", [
    ("Woman with a blank sheet detained in Ulan-Ude", "A woman who stood on the square in "
     "Ulan-Ude holding a blank sheet of paper was detained after ten minutes."),
    ("Activist put into a police van in Samara", "An activist who stood with a placard outside "
     "the Samara city hall was put into a police van on Sunday."),
])
def test_a_blank_sheet_and_a_police_van_are_a_detention(title: str, text: str) -> None:
    result = _rules_only().tag(title, text)
    assert result.topics == ["crackdown"] and "arrest_detention" in result.subtags, result


def test_short_stems_are_not_cues(tagger: Tagger) -> None:
    # "верующие" and "имам" stem to "вер" and "им" ("Вера", "Имя"): not political cues.
    result = _rules_only().tag("Задержан подозреваемый в краже", "Полиция Тулы задержала "
                               "мужчину, подозреваемого в краже. Имя задержанного не называется, "
                               "сообщила его сестра Вера.")
    assert result.topics == []


_HALF_FOUND = ("A bakery on a Tbilisi side street",
               "The owners, a couple from Samara, opened it last spring. They say they have "
               "not been home since the invasion.")


def test_the_model_adds_a_topic_the_rules_half_found_at_a_lower_bar(tagger: Tagger,
                                                                    tmp_path: Path) -> None:
    # The rules find some emigration ("since the invasion", half weight) but not enough for
    # a tag; the model is fairly sure (under its own threshold, over model_with_rules').
    rules = _rules_only().tag(*_HALF_FOUND)
    assert rules.topics == []
    assert 0.5 <= rules.topic_scores["emigration"] < tagger.taxonomy.thresholds["relevant"]
    assert tagger.model is not None
    probability = tagger.model.predict(tagger.norm.keys(_HALF_FOUND[0]),
                                       tagger.norm.keys(_HALF_FOUND[1]))["emigration"][0]
    score, low = tagger.taxonomy.model_with_rules["emigration"]
    assert score == 0.5 and low <= probability < tagger.model.thresholds["emigration"]
    result = tagger.tag(*_HALF_FOUND)
    assert result.topics == ["emigration"]
    model = [e for e in result.evidence if e["strength"] == "model"]
    assert model and all(e["probability"] == round(probability, 3) for e in model)
    # The setting is the taxonomy's: without it the model's own threshold stands.
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    line = "\n    model_with_rules: {score: 0.5, probability: 0.45}\n"
    assert line in text
    off = tmp_path / "no-with-rules.yaml"
    off.write_text(text.replace(line, "\n"), encoding="utf-8")
    assert Tagger(load_taxonomy(off)).tag(*_HALF_FOUND).topics == []
    # Only where the rules found something: the same story told without their words stays
    # the model's alone, even at a bar under its probability.
    bare = ("Samara couple's bakery", "A couple from Samara opened a bakery last spring; they "
            "have not been home since the war began and bake rye bread as they did there.")
    assert _rules_only().tag(*bare).topic_scores["emigration"] == 0.0
    loose = tmp_path / "loose.yaml"
    loose.write_text(text.replace(line, "\n    model_with_rules: {score: 0.5, probability: 0.05}\n"),
                     encoding="utf-8")
    lowered = Tagger(load_taxonomy(loose))
    assert lowered.tag(*_HALF_FOUND).topics == ["emigration"]
    assert lowered.tag(*bare).topics == tagger.tag(*bare).topics == []
    # Nor where the rules refused the topic for want of Russian context (a detention with no
    # Russian place, institution or outlet): the model's own threshold stands there.
    elsewhere = ("Blogger detained over post about land deals", "Police detained a blogger on "
                 "Friday over a post questioning a governor's land deals, his lawyer said. He "
                 "faces charges of disseminating false information and was placed in custody "
                 "for two months.")
    refused = _rules_only().tag(*elsewhere)
    assert refused.topics == [] and refused.topic_scores["crackdown"] >= 1.5
    assert refused.context["russia"] == 0.0
    crackdown_line = "\n    model_with_rules: {score: 1.5, probability: 0.7}\n"
    assert crackdown_line in text
    loose_crackdown = tmp_path / "loose-crackdown.yaml"
    loose_crackdown.write_text(text.replace(
        crackdown_line, "\n    model_with_rules: {score: 1.5, probability: 0.05}\n"),
        encoding="utf-8")
    probability = tagger.model.predict(tagger.norm.keys(elsewhere[0]),
                                       tagger.norm.keys(elsewhere[1]))["crackdown"][0]
    assert 0.05 < probability < tagger.model.thresholds["crackdown"]
    assert Tagger(load_taxonomy(loose_crackdown)).tag(*elsewhere).topics == []
    for bad, key in (("{score: 0, probability: 0.45}", "score"),
                     ("{score: 0.5, probability: 1.5}", "probability"),
                     ("{score: 0.5}", "model_with_rules")):
        wrong = tmp_path / "wrong-with-rules.yaml"
        wrong.write_text(text.replace(line, f"\n    model_with_rules: {bad}\n"),
                         encoding="utf-8")
        with pytest.raises(TaxonomyError, match=f"topics.emigration.model_with_rules.*{key}"
                           if key != "model_with_rules" else "topics.emigration.model_with_rules"):
            load_taxonomy(wrong)


_BACKSTORY = (
    "A Perm newsroom settles in Riga",
    "Journalists of a Perm news site who fled Russia after the site was blocked and labelled "
    "a foreign agent have settled in Riga, where they rent a small office. The team of nine "
    "now publishes daily, and most of its readers are still in the Urals.")


def test_a_weak_crackdown_beside_emigration_needs_the_models_agreement(
        tagger: Tagger, tmp_path: Path) -> None:
    # Why the newsroom left (blocked, labelled) is back-story of an emigration story: the
    # rules give crackdown on weak evidence, and the model is unsure of it (0.3-0.6).
    result = tagger.tag(*_BACKSTORY)
    assert result.topics == ["emigration"]
    assert result.topic_scores["crackdown"] < tagger.taxonomy.thresholds["model_agree_below"]
    vetoed = [e for e in result.evidence if e.get("vetoed_by") == "model"]
    assert vetoed and all(e["tag"] in ("censorship_blocking", "foreign_agent") for e in vetoed)
    bar = tagger.taxonomy.veto_beside["crackdown"]
    assert all(tagger.taxonomy.thresholds["model_veto"] <= e["probability"] < bar
               and not e["counted"] for e in vetoed)
    # The setting is the taxonomy's: without it the rules' crackdown stands beside emigration.
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    assert "\n    model_veto_beside: 0.6\n" in text
    off = tmp_path / "no-beside.yaml"
    off.write_text(text.replace("\n    model_veto_beside: 0.6\n", "\n"), encoding="utf-8")
    assert Tagger(load_taxonomy(off)).tag(*_BACKSTORY).topics == ["emigration", "crackdown"]
    wrong = tmp_path / "wrong-beside.yaml"
    wrong.write_text(text.replace("\n    model_veto_beside: 0.6\n",
                                  "\n    model_veto_beside: high\n"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"topics.crackdown.model_veto_beside"):
        load_taxonomy(wrong)
    # A bar at or under model_veto could never act: refused by name.
    wrong.write_text(text.replace("\n    model_veto_beside: 0.6\n",
                                  "\n    model_veto_beside: 0.3\n"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"model_veto_beside.*above thresholds.model_veto"):
        load_taxonomy(wrong)


class _FixedModel:
    """The shipped model's thresholds, with probabilities fixed by the test."""

    def __init__(self, model: Any, probabilities: dict[str, float]) -> None:
        self.thresholds, self.coef = model.thresholds, model.coef
        self.topics = model.topics
        self.probabilities = probabilities

    def predict(self, *args: Any, **kwargs: Any) -> dict[str, tuple[float, list[Any]]]:
        return {t: (self.probabilities[t], []) for t in self.topics}


@pytest.mark.parametrize("rules_topics, p_emigration, kept", [
    (["crackdown"], 0.1, True),                   # alone: 0.45 meets model_veto (0.3)
    (["crackdown", "emigration"], 0.9, False),    # beside the rules' emigration: under 0.6
    (["crackdown"], 0.9, False),                  # beside an emigration the model adds
    (["crackdown", "emigration"], 0.1, True),     # emigration vetoed first: alone again
])
def test_the_veto_beside_another_topic_decides_on_the_topics_that_stand(
        rules_topics: list[str], p_emigration: float, kept: bool) -> None:
    # The tagger's decision, with the model's probabilities fixed: a weak crackdown
    # (score 3, under model_agree_below) at p 0.45; emigration weak (score 3) too.
    tagger = Tagger(load_taxonomy())
    assert tagger.model is not None
    tagger.model = _FixedModel(tagger.model, {"crackdown": 0.45,  # type: ignore[assignment]
                                              "emigration": p_emigration})
    topics = list(rules_topics)
    scores = {"crackdown": 3.0, "emigration": 3.0 if "emigration" in rules_topics else 0.0}
    _, vetoed = tagger._model_topics([], [], topics, scores, set(), {"crackdown", "emigration"})
    assert ("crackdown" in topics) is kept
    assert ("crackdown" in vetoed) is not kept


def test_the_model_yields_to_a_negative_in_the_title_or_lead(tagger: Tagger) -> None:
    norm = tagger.taxonomy.normaliser
    for title, text in [
        ("Exiled journalist's new life in Vilnius",
         "Alena Varenik, a Belarusian journalist, has lived in Vilnius since fleeing the country "
         "in 2020. She now edits a news site from a rented office and says most of her readers "
         "are still at home."),
        ("Football: Russian striker moves to Serbian club",
         "The striker, who left Russia in 2022, signed a contract with the club in Belgrade, "
         "where many Russians now live."),
    ]:
        probability, _ = tagger.model.predict(norm.keys(title), norm.keys(text))["emigration"]
        assert probability >= tagger.model.thresholds["emigration"]   # the words look like it
        result = tagger.tag(title, text)         # ... but "Belarusian", "club" say otherwise
        assert not result.relevant, (title, result.evidence)
        assert not any(e["strength"] == "model" for e in result.evidence)


def test_the_dedupe_stage_and_the_tagger_share_one_normaliser_per_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The search index's stems and the tagger's keys come from one normaliser (per thread),
    so a word stemmed for one stage is a lookup for the other; a lemma normaliser is not the
    search index's and is refused there."""
    from crawler.items import Article
    from pipelines.dedupe import DedupePipeline
    from pipelines.morphology import shared_normaliser
    dedupe = DedupePipeline()
    assert dedupe.stemmer is shared_normaliser("stem") is load_taxonomy().normaliser
    article = Article(url="https://x.org/1", canonical_url="https://x.org/1", source="x",
                      title="Журналистку задержали",
                      text="Журналистку задержали в Екатеринбурге по делу иноагентов. " * 3,
                      lang="ru")
    dedupe.process(article)
    assert "задержа" in article.search_stems[1]
    assert "екатеринбург" in dedupe.stemmer._keys["Екатеринбурге"]
    # The tagger then asks for the same title and text: neither is tokenised again, and
    # each caller gets its own list.
    import pipelines.morphology as morphology
    tokenised: list[str] = []
    real = morphology._TOKEN_OR_POSSESSIVE

    class Spy:
        def findall(self, text: str) -> list[str]:
            tokenised.append(text)
            return real.findall(text)
    monkeypatch.setattr(morphology, "_TOKEN_OR_POSSESSIVE", Spy())
    title_keys = dedupe.stemmer.keys(article.title)
    text_keys = dedupe.stemmer.keys(article.text)
    assert tokenised == [] and text_keys[:2] == ["журналистк", "задержа"]
    title_keys.append("changed")
    assert dedupe.stemmer.keys(article.title) == title_keys[:-1]
    dedupe.stemmer.keys("Другой текст")
    assert tokenised == ["Другой текст"]
    with pytest.raises(ValueError, match="stem"):
        DedupePipeline(stemmer=Normaliser("lemma"))
    # Another thread (the scheduler's alert jobs run side by side) gets its own.
    import threading
    other: list[Normaliser] = []
    thread = threading.Thread(target=lambda: other.append(shared_normaliser("stem")))
    thread.start()
    thread.join()
    assert other and other[0] is not dedupe.stemmer
