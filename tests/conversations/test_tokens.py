"""Tokens of the date reader: numbers keep their punctuation, words their dictionary form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conversations import interpret
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


def test_a_long_digit_run_is_no_number():
    run = "9" * 5000  # more digits than int() converts (4 300)
    token = tokenize(f"Verschieben auf den {run}. Tag")[3]
    assert (token.kind, token.text, token.nums) == ("digits", run, ())
    assert kinds("2026 12345") == [("num", "2026", (2026,)), ("digits", "12345", ())]


@pytest.mark.parametrize(
    "text",
    [
        f"Verschieben auf den {'9' * 5000}. Tag",
        f"in {'9' * 400} Stunden später",  # a float() too large
        "Verschieben auf den 99999999. Tag",
        "in 999999 Wochen",
        "push it back 9999999999 hours",
        "move to 9999-12-31",  # the day after is past the calendar's end
        "am 31.12.9999 um 10",
    ],
)
def test_numbers_past_the_calendar_are_a_wish_without_a_time(text):
    now = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
    reading = interpret(text, now=now, locale="de", appointment_start=now + timedelta(days=3))
    assert reading.start is None and reading.window is None
