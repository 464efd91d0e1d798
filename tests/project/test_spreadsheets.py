"""The formula escaping of CSV cells (samverkan_project.spreadsheets): pure functions, checked exhaustively."""

import pytest
import tablib
from hypothesis import given
from hypothesis import strategies as st

from samverkan_project.spreadsheets import (
    FORMULA_SIGNS,
    SafeCSV,
    escape_cell,
    starts_like_formula,
    unescape_cell,
)

# Text biased towards what matters here: formula signs and apostrophes at the start.
risky_text = st.builds(
    lambda head, tail: head + tail,
    st.text(alphabet=FORMULA_SIGNS + "'a1 ", max_size=4),
    st.text(max_size=20),
)


@given(risky_text)
def test_an_escaped_cell_never_starts_with_a_formula_sign(value):
    assert not escape_cell(value).startswith(tuple(FORMULA_SIGNS))


@given(risky_text)
def test_unescaping_undoes_escaping(value):
    assert unescape_cell(escape_cell(value)) == value


@given(st.text(alphabet="abcdefgh åäö0123456789.,", max_size=30))
def test_ordinary_text_is_left_alone(value):
    assert escape_cell(value) == value
    assert unescape_cell(value) == value


@pytest.mark.parametrize(
    ("value", "escaped"),
    [
        ("=1+1", "'=1+1"),
        ("+46 70 123 45 67", "'+46 70 123 45 67"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("\uff1d1+1", "'\uff1d1+1"),  # full-width equals sign
        ("'=1", "''=1"),  # a leading apostrophe of its own survives the round trip
        ("it's = fine", "it's = fine"),
        (5, 5),
        (None, None),
    ],
)
def test_escape_cell(value, escaped):
    assert escape_cell(value) == escaped


@pytest.mark.parametrize(
    ("value", "looks_like_formula"),
    [("=A1", True), ("-5 % kostnad", True), ("@x", True), ("\tx", True), ("+46 70 123 45 67", False),
     ("-5", False), ("-", False), ("Anna", False), ("", False), (3, False)],
)
def test_starts_like_formula(value, looks_like_formula):
    assert starts_like_formula(value) is looks_like_formula


def test_safe_csv_escapes_on_export_and_unescapes_on_import(settings):
    dataset = tablib.Dataset(("=HYPERLINK(1)", 3, None, "Anna"), headers=["a", "b", "c", "d"])
    exported = SafeCSV().export_data(dataset)
    assert exported.splitlines()[1] == "'=HYPERLINK(1),3,,Anna"
    assert dataset[0][0] == "=HYPERLINK(1)"  # the caller's dataset is left as it was
    assert SafeCSV().create_dataset(exported)[0] == ("=HYPERLINK(1)", "3", "", "Anna")
