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


def test_taxonomy_key_given_twice_or_broken_yaml_is_refused_by_line(tmp_path: Path) -> None:
    text = DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8")
    twice = tmp_path / "twice.yaml"
    twice.write_text(text.replace("      exit_ban:\n", "      exit_ban:\n        weight: 1\n"
                                  "        weight: 2\n", 1), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"key 'weight' appears twice") as info:
        load_taxonomy(twice)
    line = text[:text.index("      exit_ban:\n")].count("\n") + 3      # the second 'weight'
    assert f"line {line}" in str(info.value) and str(twice) in str(info.value)
    import yaml

    from crawler.yamlfile import UniqueKeyLoader
    # libyaml's parser where PyYAML has it (a tenth of the CPU), with the same refusal.
    if yaml.__with_libyaml__:
        assert issubclass(UniqueKeyLoader, yaml.CSafeLoader)
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: x\ntopics: [\n", encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"line \d+.*not valid YAML"):
        load_taxonomy(broken)


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


def test_token_spans_are_those_of_the_tokens_at_the_asked_indices() -> None:
    """Evidence offsets: the character span of each asked token (words and English
    possessives counted as the keys count them), an index past the text's end left out."""
    from pipelines.morphology import Normaliser
    norm = Normaliser("stem")
    text = "Russia's court jailed Ilya Yashin, 41, for «фейки»; he'd appeal — Navalny’s ally."
    tokens = norm.tokens(text)
    for indices in ({0}, {1, 5}, set(range(len(tokens))), {len(tokens) - 1, 3, 0},
                    {2, len(tokens) + 4}, set()):
        spans = norm.spans(text, indices)
        assert set(spans) == {i for i in indices if i < len(tokens)}
        for index, (start, end) in spans.items():
            assert text[start:end] == tokens[index]
    assert len(norm.keys(text)) == len(tokens) and tokens[1] == "'s"
    long = " ".join([text] * 20)            # a few indices far apart, and many together
    tokens = norm.tokens(long)
    for indices in ({5, len(tokens) - 2}, {7, 150, 151, 299}, set(range(0, len(tokens), 2))):
        spans = norm.spans(long, indices)
        assert set(spans) == indices
        assert all(long[start:end] == tokens[i] for i, (start, end) in spans.items())
