"""Tagging with the topic model: what it adds, what it vetoes, the bars the taxonomy sets
(model_veto, model_agree_below, model_veto_beside, model_with_rules) and their evidence."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.tagging import Tagger
from pipelines.taxonomy import DEFAULT_TAXONOMY_PATH, TaxonomyError, load_taxonomy
from tests.test_tagging import _rules_only


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return Tagger(load_taxonomy())


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
        result = tagger.tag(title, text)   # ... but "Belarusian", "striker" say otherwise
        assert not result.relevant, (title, result.evidence)
        assert not any(e["strength"] == "model" for e in result.evidence)
