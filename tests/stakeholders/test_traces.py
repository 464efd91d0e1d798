"""The spellings of a person's phone number, name and username the privacy sweep finds (pure, no database)."""

import re

import pytest

from stakeholders import traces

REMOVED = "(removed)"
SPELLINGS = (
    "070-999 88 77",
    "0709998877",
    "070 999 88 77",
    "070-99 98 877",
    "070.999.88.77",
    "070/999 88 77",
    "(070) 999 88 77",
    "+46 70 999 88 77",
    "+46709998877",
    "+46 (0)70-999 88 77",
    "0046 70 999 88 77",
    "0046709998877",
    "070\u2013999\u00a088\u00a077",
)


@pytest.mark.parametrize("stored", ["070-999 88 77", "+46709998877", "+46 (0)70 999 88 77", "709998877"])
@pytest.mark.parametrize("written", SPELLINGS)
def test_a_number_is_found_in_every_common_spelling_whatever_the_stored_format(stored, written):
    trace = traces.phone_trace(stored, part=REMOVED)
    text = f"Ring {written}, helst före nio."
    assert traces.scrub(text, [trace]) == f"Ring {REMOVED}, helst före nio."
    assert re.search(trace.regex, text)  # the database's first pass finds the row too
    assert traces.scrub(written, [trace]) == ""  # a value that is nothing but the number is emptied


@pytest.mark.parametrize(
    "text",
    ["070-999 88 78", "10709998877", "07099988771", "070-999 88 7", "org.nr 556070-9998877", "46709998877"],
)
def test_other_numbers_are_left_alone(text):
    trace = traces.phone_trace("070-999 88 77", part=REMOVED)
    assert traces.scrub(text, [trace]) == text


def test_a_foreign_number_needs_its_country_code_and_short_numbers_are_not_traced():
    trace = traces.phone_trace("+47 22 33 44 55", part=REMOVED)
    assert traces.scrub("tel 0047 22334455", [trace]) == f"tel {REMOVED}"
    assert traces.scrub("tel +47-22-33-44-55", [trace]) == f"tel {REMOVED}"
    assert traces.phone_trace("112", part=REMOVED) is None
    assert traces.phone_trace("", part=REMOVED) is None


@pytest.mark.parametrize(
    "written",
    [
        "Zebulon Quintavalle",
        "zebulon  quintavalle",
        "Quintavalle, Zebulon",
        "Quintavalle,Zebulon",
        "Quintavalle Zebulon",
        "Z. Quintavalle",
        "Z.Quintavalle",
        "Z Quintavalle",
        "Quintavalle, Z.",
        "QUINTAVALLE, Z",
    ],
)
def test_name_variants_become_the_pseudonym(written):
    trace = traces.name_trace("Zebulon", "Quintavalle", replacement="Anonymiserad person 7")
    assert traces.scrub(f"Enligt {written} går det.", [trace]) == "Enligt Anonymiserad person 7 går det."
    assert traces.scrub(written, [trace]) == "Anonymiserad person 7"


@pytest.mark.parametrize(
    "text", ["Ada Quintavalle", "A. Quintavalle", "Quintavalle, Zorro", "Zebulon Quintavallegatan", "Zebulon"]
)
def test_other_people_of_the_same_surname_are_left_alone(text):
    trace = traces.name_trace("Zebulon", "Quintavalle", replacement="X")
    assert traces.scrub(text, [trace]) == text


@pytest.mark.parametrize(
    "text", ["Mötet hölls i Lund.", "I Lund finns ett kontor.", "Vi åker till lund i maj.", "Ingrid", "i. Lund"]
)
def test_a_surname_that_is_also_a_place_keeps_its_sentences(text):
    trace = traces.name_trace("Ingrid", "Lund", replacement="X")
    assert traces.scrub(text, [trace]) == text


@pytest.mark.parametrize("text", ["I. Lund", "Lund, I.", "Ingrid Lund", "Lund, Ingrid", "LUND, I"])
def test_a_surname_that_is_also_a_place_is_still_scrubbed_as_a_name(text):
    trace = traces.name_trace("Ingrid", "Lund", replacement="X")
    assert traces.scrub(text, [trace]) == "X"


def test_a_name_needs_both_parts_and_a_username_must_be_more_than_a_name():
    assert traces.name_trace("Zebulon", " ", replacement="X") is None
    assert traces.username_trace("quintavalle", replacement="X", names={"Zebulon", "Quintavalle"}) is None
    assert traces.username_trace("zq", replacement="X") is None
    trace = traces.username_trace("zquinta", replacement="anonymised-5")
    assert traces.scrub("Inloggning zquinta.", [trace]) == "Inloggning anonymised-5."
    assert traces.scrub("zquinta@example.se, xzquinta", [trace]) == "zquinta@example.se, xzquinta"


def test_addresses_go_before_names_and_numbers():
    found = traces.ordered(
        [
            traces.phone_trace("070-999 88 77", part="(tel)"),
            traces.name_trace("Zebulon", "Quintavalle", replacement="P"),
            None,
            traces.email_trace("Zeb.0709998877@example.se", part="(e-post)"),
        ]
    )
    assert [trace.kind for trace in found] == ["email", "name", "phone"]
    text = "Zebulon Quintavalle <zeb.0709998877@example.se>, 070-999 88 77"
    assert traces.scrub(text, found) == "P <(e-post)>, (tel)"
