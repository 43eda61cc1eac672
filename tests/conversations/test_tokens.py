"""Tokens of the date reader: numbers keep their punctuation, words their dictionary form."""

from __future__ import annotations

import pytest

from conversations.tokens import tokenize


def kinds(text: str) -> list[tuple[str, str, tuple[int, ...]]]:
    return [(token.kind, token.text, token.nums) for token in tokenize(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.12.", [("pair", "3.12", (3, 12))]),
        ("3.12.2026", [("date", "3.12.2026", (3, 12, 2026))]),
        ("2026-12-03", [("date", "2026-12-03", (3, 12, 2026))]),
        ("15:30", [("clock", "15:30", (15, 30))]),
        ("14h30", [("clock", "14h30", (14, 30))]),
        ("16.30", [("pair", "16.30", (16, 30))]),
        ("1,5 Stunden", [("decimal", "1.5", (1,)), ("word", "stunden", ())]),
        ("3pm", [("num", "3", (3,)), ("word", "pm", ())]),
        ("3 p.m.", [("num", "3", (3,)), ("word", "pm", ())]),
        ("o'clock", [("word", "oclock", ())]),
    ],
)
def test_numbers_keep_what_makes_them_dates_or_times(text, expected):
    assert kinds(text) == expected


def test_an_ordinal_dot_belongs_to_its_number():
    two, month = tokenize("am 2. Dezember")[1:]
    assert (two.text, two.dot, month.text) == ("2", True, "dezember")
    assert tokenize("4.12.")[0].dot


def test_glued_suffixes_are_marked():
    three, pm = tokenize("3pm")
    assert (three.glued, pm.glued) == (False, True)
    assert not tokenize("3 pm")[1].glued


@pytest.mark.parametrize(
    ("word", "forms"),
    [
        ("Übermorgen", ["ubermorgen"]),
        ("naechste", ["nachste"]),
        ("Freitga", ["freitag"]),  # one transposition
        ("wednsday", ["wednesday"]),
        ("nachmitag", ["nachmittag"]),
        ("Freitagnachmittag", ["freitag", "nachmittag"]),
        ("zaterdagochtend", ["zaterdag", "ochtend"]),
        ("morgenavond", ["morgen", "avond"]),
        ("Samstagfrüh", ["samstag", "fruh"]),
        ("sontag", ["sonntag"]),  # near both Sonntag and Montag; the first letter decides
        ("termin", ["termin"]),  # not a day or month: left alone
        ("Morgan", ["morgan"]),  # "morgen" is short and common: no typo reading
    ],
)
def test_dictionary_forms(word, forms):
    assert [token.text for token in tokenize(word)] == forms
