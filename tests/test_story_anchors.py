"""Story profiles: what counts as an anchor (a name or a number) and as a headline. Each test
failed before its fix (found on the written development set story_groups_dev4.jsonl)."""

from __future__ import annotations

import pytest

from pipelines.storyprofile import profile, skeleton

POST = ("В Верхнекамске задержали учительницу истории Надежду Сабурову: ей вменяют «фейки» об "
        "армии из-за постов о Буче. Вечером суд в Перми решит, арестовывать ли её. "
        "Подробности — по ссылке.")


def test_the_words_that_open_a_headlines_sentences_are_not_names() -> None:
    # A headline of several sentences (a post's first line made its headline, elsewhere).
    anchors = profile(POST, "Адвокат Сабуровой обжалует задержание.", "ru").anchors
    assert skeleton("Вечером", "ru") not in anchors
    assert skeleton("Подробности", "ru") not in anchors
    assert {skeleton("Сабурову", "ru"), skeleton("Перми", "ru")} <= set(anchors)


def test_a_headline_that_is_the_texts_opening_counts_once() -> None:
    post = POST + " Её адвокат Марат Хайруллин считает, что дело связано с протестом против " \
        "строительства завода."
    assert len(post) > 200
    made = profile(post[:200], post, "ru")   # the first line, cut mid-word as an import does
    plain = profile(None, post, "ru")
    assert not made.titled
    assert made.sentences == plain.sentences and made.anchors == plain.anchors
    titled = profile("Учительницу из Верхнекамска задержали за посты", post, "ru")
    assert titled.titled and len(titled.sentences) == len(plain.sentences) + 1
    # A short headline that only starts the text's first word is a headline.
    assert profile("Суд", "Судья Иванов отказал защите в отводе.", "ru").titled


def test_numbers_carry_their_scale_word() -> None:
    ru = profile(None, "Фонду помогли более 11 тысяч человек, бюджет составил 2,5 млн рублей, "
                 "штрафы — 30 тысячам жителей, ущерб — 1,2 трлн.", "ru").anchors
    en = profile(None, "More than 11,000 people were helped, the budget was 2.5 mln "
                 "roubles, 30 thousand residents were fined, damage 1.2 trillion.", "en").anchors
    assert {"#11000", "#2500000", "#30000", "#1200000000000"} <= set(ru) & set(en)


def test_times_of_day_are_not_anchors() -> None:
    anchors = profile(None, "13:00 12.11.2019 Суд в Перми в 10:30 приговорил активиста к 5 "
                      "годам.", "ru").anchors
    assert not {"#13", "#00", "#10", "#30"} & set(anchors)
    assert {"#12.11", "#2019", "#5"} <= set(anchors)


@pytest.mark.parametrize("names", [
    ("Сафонов", "Сафонова", "Сафоновым", "Safonov"), ("Медведев", "Медведеву", "Medvedev"),
    ("Лавров", "Lavrov"), ("Киров", "Кирове", "Kirov"), ("Ростов", "Ростове", "Rostov"),
])
def test_a_surnames_nominative_meets_its_other_cases_and_its_latin_spelling(
        names: tuple[str, ...]) -> None:
    # Snowball takes "-ов" off the nominative (a plural genitive's ending) and off no other
    # case: "Сафонов" was "sfn", "Сафонова" and "Safonov" "sfnv".
    assert len({skeleton(n, "en" if n.isascii() else "ru") for n in names}) == 1


def test_a_plural_place_names_genitive_still_meets_its_other_cases() -> None:
    # The price of keeping "-ов": a plural-only name's genitive would keep it too.
    assert skeleton("Штатов", "ru") == skeleton("Штаты", "ru") == skeleton("Штатах", "ru")
