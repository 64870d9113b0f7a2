"""Tagging: negatives (words that veto a term near them) must not fire on the ordinary words
of the stories they guard, and terms whose Snowball stem is a stem of common words too match
only their own word forms ("^" terms). Each test failed before its fix (taxonomy
2026-12-01.7)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.morphology import Normaliser
from pipelines.tagging import Tagger
from pipelines.taxonomy import DEFAULT_TAXONOMY_PATH, TaxonomyError, load_taxonomy


def _rules_only() -> Tagger:
    """The taxonomy's rules without the topic model."""
    tagger = Tagger(load_taxonomy())
    tagger.model = None
    return tagger


def _vetoes(result: object) -> list[tuple[str, str]]:
    return [(e["matched"], e["vetoed_by"]) for e in result.evidence  # type: ignore[attr-defined]
            if e.get("vetoed_by")]


def test_a_name_is_not_the_aliyah_that_shares_its_stem() -> None:
    # "алия" (aliyah), a negative of emigration, and the name "Алёна" both stem to "ал".
    tagger = _rules_only()
    result = tagger.tag("Алёна уехала из России", "Журналистка Алёна Петрова уехала из России "
                        "в Тбилиси после обыска. Алёна работает удалённо.")
    assert result.topics == ["emigration"] and not _vetoes(result), result.evidence
    aliyah = tagger.tag("Алия в цифрах", "Алия: в Израиль за год переехали 32 тысячи человек "
                        "из России, сообщило агентство.")
    assert not aliyah.relevant
    assert ("переехали", "Алия") in _vetoes(aliyah), aliyah.evidence


def test_the_pronoun_kumu_is_not_the_komi_republic() -> None:
    # "Коми" (a Russian region, Russian context) and "кому" (to whom) both stem to "ком".
    result = _rules_only().tag("Кому нужен этот закон", "Кому и зачем нужен закон, спрашивают "
                               "депутаты парламента Грузии.")
    assert result.context["russia"] == 0, result.context
    komi = _rules_only().tag("В Коми задержали активиста", "В Республике Коми задержали "
                             "активиста.")
    assert komi.context["russia"] > 0


def test_single_word_terms_with_short_stems_are_exact() -> None:
    """A one-word term whose stem has two letters or fewer (and is not the word itself)
    meets words it does not mean: it is written "^word" (its own forms only) or listed here
    after a look at what else stems to it."""
    allowed = {"уф"}            # Уфа: "уф" is an interjection, not news
    taxonomy = load_taxonomy()
    sets = [taxonomy.russia, taxonomy.political, taxonomy.foreign]
    for sub in taxonomy.subtags.values():
        sets += [s for s in (sub.strong, sub.weak, sub.cues, sub.negatives) if s is not None]
    loose = {(phrase[0], surface) for terms in sets for phrase, surface in terms.phrases.items()
             if len(phrase) == 1 and len(phrase[0]) <= 2 and phrase[0] != surface.lower()
             and phrase not in terms.exact and phrase[0] not in allowed}
    assert not loose


def test_exact_marks_survive_a_topics_negatives_joining_a_subtags(tmp_path: Path) -> None:
    custom = tmp_path / "t.yaml"
    custom.write_text(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "должников, приставы, приставов, ^алия,", "должников, приставы, приставов, ^алия, "
        "=буряты,"), encoding="utf-8")
    taxonomy = load_taxonomy(custom, normaliser=Normaliser("stem"))
    for name in ("exile_activist", "mass_emigration"):
        negatives = taxonomy.subtags[name].negatives
        assert negatives is not None
        assert negatives.exact[("ал",)] >= {("алия",), ("алии",)}
        assert ("бурят",) in negatives.lowercase_only
    # The same phrase written plainly as well matches any of its forms.
    plain = tmp_path / "p.yaml"
    plain.write_text(custom.read_text(encoding="utf-8").replace("^алия,", "^алия, алия,"),
                     encoding="utf-8")
    assert ("ал",) not in load_taxonomy(plain).subtags["mass_emigration"].negatives.exact  # type: ignore[union-attr]  # noqa: E501


@pytest.mark.parametrize("term", ["=^алия", "^=алия"])
def test_a_term_with_both_marks_is_refused(tmp_path: Path, term: str) -> None:
    custom = tmp_path / "t.yaml"
    custom.write_text(DEFAULT_TAXONOMY_PATH.read_text(encoding="utf-8").replace(
        "приставов, ^алия,", f"приставов, {term},"), encoding="utf-8")
    with pytest.raises(TaxonomyError, match=r"two marks.*emigration\.negatives\.ru|"
                       r"emigration\.negatives\.ru.*two marks"):
        load_taxonomy(custom)


@pytest.mark.parametrize("title, text", [
    ("Русский Бишкек", "На улице Токтогула открылись кофейня, детский клуб с российскими "
     "педагогами и коворкинг. Большинство посетителей — программисты из Москвы, которые осенью "
     "2022 года уехали из России и так и остались."),
    ("A running club in Yerevan", "The largest running club in Yerevan was founded by "
     "programmers from Moscow who left Russia in the autumn of 2022 and stayed."),
])
def test_a_club_is_not_sport(title: str, text: str) -> None:
    result = _rules_only().tag(title, text)
    assert result.topics == ["emigration"] and not _vetoes(result), result.evidence


@pytest.mark.parametrize("title, text", [
    ("Forward leaves CSKA for a Swiss club", "CSKA Moscow forward Ilya Granov is leaving Russia "
     "for the Swiss hockey club Lugano, the KHL club said."),
    ("Хоккеист перешёл в шведский клуб", "Нападающий «Авангарда», хоккеист Кирилл Плетнёв "
     "покинул Россию и перешёл в шведский клуб, сообщил хоккейный клуб."),
])
def test_a_player_leaving_for_a_foreign_club_is_still_not_emigration(title: str,
                                                                       text: str) -> None:
    assert not _rules_only().tag(title, text).relevant


@pytest.mark.parametrize("title, text", [
    ("Россияне в Берлине прошли маршем", "Несколько тысяч россиян, уехавших из России после "
     "начала вторжения в Украину, прошли маршем к посольству России в Берлине."),
    ("Russians in Berlin march", "Several thousand Russians who left Russia after the invasion "
     "of Ukraine and the war in Ukraine began marched to the Russian embassy in Berlin."),
])
def test_the_war_in_ukraine_does_not_veto_emigration(title: str, text: str) -> None:
    result = _rules_only().tag(title, text)
    assert "emigration" in result.topics and not _vetoes(result), result.evidence


def test_money_for_the_ukrainian_army_is_a_crackdown_case() -> None:
    # "ВСУ" stood alone among crackdown's negatives (war reports): it vetoed the treason and
    # "foreign agent" cases of people accused of sending money to the Ukrainian army.
    result = _rules_only().tag("Жительницу Твери обвинили в госизмене", "ФСБ задержала "
                               "жительницу Твери и обвинила её в госизмене: по версии "
                               "следствия, она перевела 2 тысячи рублей на нужды ВСУ.")
    assert result.topics == ["crackdown"] and "treason" in result.subtags, result.evidence
    war = _rules_only().tag("Генштаб ВСУ: атаки отбиты", "Генштаб ВСУ сообщил, что бойцы ВСУ "
                            "задержали диверсантов и взяли в плен десять военных.")
    assert "crackdown" not in war.topics


@pytest.mark.parametrize("title, text, topic, subtag", [
    # "судя по" (judging by) is a negative of crackdown; "Суд по иску" stems alike.
    ("Суд признал движение экстремистским", "Московский городской суд по иску прокуратуры "
     "признал экстремистским движение сторонников арестованного оппозиционера.", "crackdown",
     "extremism"),
    # "collaborator" (a negative: Ukraine's collaborator trials) stems as "collaborated" does.
    ("Journalist who collaborated with Meduza fled Russia", "A journalist from Perm who "
     "collaborated with Meduza fled Russia after a search and now lives in exile in Riga.",
     "emigration", "exile_activist"),
    # "in Ukraine" guarded treason against Ukraine's own cases; the war is in most of ours.
    ("Physicist charged with treason", "FSB officers detained a Tomsk physicist and charged "
     "him with treason for donating money to a charity that helps civilians in Ukraine.",
     "crackdown", "treason"),
])
def test_common_words_near_a_term_do_not_veto_it(title: str, text: str, topic: str,
                                                 subtag: str) -> None:
    result = _rules_only().tag(title, text)
    assert topic in result.topics and subtag in result.subtags, result.evidence
    assert not _vetoes(result), result.evidence


def test_a_negative_in_the_lead_does_not_keep_the_model_out() -> None:
    """The model may add a topic whose negative stands in the lead without vetoing anything
    there ("Ukrainians" guards mass emigration against refugees from Ukraine); not one whose
    negative is in the title (or vetoed one of its terms in the lead: test_tagging_model)."""
    tagger = Tagger(load_taxonomy())
    text = ("Three teachers from Perm, who quit their school after refusing to hold the "
            "Kremlin's patriotic lessons, now run a Russian-language Saturday school in Yerevan; "
            "half of their pupils are children of Ukrainians and Russians who arrived in the "
            "autumn of 2022. They say they will not go back while the war goes on.")
    result = tagger.tag("The Perm teachers who now run a school in Yerevan", text)
    assert result.topics == ["emigration"], result.evidence
    assert any(e["strength"] == "model" and e["counted"] for e in result.evidence)
    titled = tagger.tag("Ukrainian refugees: the Perm teachers who run a school in Yerevan", text)
    assert "emigration" not in titled.topics, titled.evidence


@pytest.mark.parametrize("title, text, word", [
    # A term's stem is also the stem of another common word: that word matched the term.
    ("Новости", "Судя по всему, активиста задержали у здания суда.", "Судя"),
    ("Новости", "Колонна протестующих прошла по центру Москвы, полиция задержала активистов.",
     "Колонна"),
    ("Новости", "Понятие «иноагент» журналист объяснил в своём блоге после обыска.", "Понятие"),
    ("Новости", "Президент Польши Дуда встретился с журналистами, уехавшими из России.", "Дуда"),
    ("News", "He fled abroad across the border with Georgia; his mobile phone stayed on.",
     "mobile"),
    ("News", "The journalist designed the opposition site; police detained him in Moscow.",
     "designed"),
    ("News", "It was extremely cold when police detained the activist in Moscow.", "extremely"),
    ("Новости", "Пограничники долго проверяли документы активистки в Шереметьеве, затем ей "
     "запретили выезд и изъяли загранпаспорт.", "долго"),
    ("Новости", "Его визит закончился в Шереметьеве: пограничники изъяли загранпаспорт "
     "журналиста и запретили ему выезд из России.", "визит"),
])
def test_a_word_that_only_shares_a_terms_stem_is_not_that_term(title: str, text: str,
                                                                word: str) -> None:
    result = _rules_only().tag(title, text)
    assert not [e for e in result.evidence if e["matched"] == word
                or e.get("vetoed_by") == word], result.evidence


@pytest.mark.parametrize("title, text, subtag", [
    # How outlets tell a fine, a remand, a treason charge, a purge of library shelves, the
    # anti-war sign, without the words the rules had for them.
    ("Pensioner told to pay 20,000 roubles", "A magistrate in Kaluga has ordered a pensioner "
     "to pay 20,000 roubles over a comment under a post by the governor.", "prosecution"),
    ("Пенсионерку обязали выплатить 20 тысяч", "Мировой судья в Калуге обязал выплатить 20 "
     "тысяч рублей пенсионерку, которая оставила антивоенный комментарий под постом "
     "губернатора.", "prosecution"),
    ("Taxi driver fined over a sticker", "A court in Chita fined a taxi driver 45,000 roubles "
     "over a sticker on his car that read “No war”.", "prosecution"),
    ("Councillor held for two months", "A judge in Pskov ordered her held for two months while "
     "investigators examine a speech the opposition councillor gave.", "arrest_detention"),
    ("Physicist faces 20 years", "FSB officers detained a Tomsk physicist accused of passing "
     "state secrets to foreign states; he faces up to 20 years.", "treason"),
    ("Физика обвинили в передаче гостайны", "Сотрудники ФСБ задержали томского физика, его "
     "обвиняют в передаче государственной тайны иностранному государству.", "treason"),
    ("Library clears its shelves", "Books by the anti-war writer were removed from library "
     "shelves in Tula after a letter from the regional ministry.", "censorship_blocking"),
])
def test_the_ways_outlets_tell_a_crackdown_story(title: str, text: str, subtag: str) -> None:
    result = _rules_only().tag(title, text)
    assert result.topics == ["crackdown"] and subtag in result.subtags, result.evidence
