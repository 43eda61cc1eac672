"""The plain-answer grammar: which texts the bot may cancel on at once (pure)."""

from __future__ import annotations

import re
import tomllib
from datetime import date
from pathlib import Path

import pytest

from conversations.keywords import CARRIER_KEYWORDS, SHORT_CODES
from conversations.plain import CANCEL_CODE, is_cancel_code, is_plain_cancel, is_plain_yes

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "messages"
TODAY = date(2026, 11, 25)  # Wednesday
THURSDAY = date(2026, 11, 26)  # the appointment's day: tomorrow


def plain(text: str) -> bool:
    return is_plain_cancel(text, today=TODAY, appointment_day=THURSDAY)


PLAIN_CANCELS = [
    # German
    "absagen",
    "Absagen!",
    "ABSAGEN BITTE 🙏",
    "bitte absagen",
    "Termin absagen",
    "ich sage ab",
    "Ich sage den Termin morgen ab, danke",
    "stornieren",
    "Bitte stornieren Sie meinen Termin. LG Maria",
    "Hallo, leider muss ich meinen Termin am Donnerstag absagen. Viele Grüße, Anna Schmidt",
    "muss den termin leider absagn",  # a typo
    "Ich muss leider absagen",
    "Ich kann leider nicht, bitte absagen",
    "Ich bin morgen nicht da. Bitte Termin absagen",
    "Können Sie meinen Friseurtermin bitte absagen",
    "Guten Morgen, bitte stornieren 😔",
    "bitte ganz absagen",
    # English
    "cancel my appointment",
    "please cancel",
    "Cancel it",
    "CANCEL MY APPT PLS",
    "cancle my appointment",  # a typo
    "Hi, can you cancel my appointment tomorrow please. Thanks, John",
    "I'm afraid I have to cancel. Sorry!",
    "I can't make it tomorrow, please cancel",
    "Sorry, need to cancel my booking for Thursday x",
    # Dutch
    "annuleren",
    "graag annuleren",
    "Ik zeg af",
    "Zeg de afspraak maar af",
    "afzeggen aub",
    "ik wil mijn afspraak voor morgen graag annuleren, groetjes",
    "Helaas moet ik annuleren. Mvg Eva",
    "anuleren a.u.b.",  # a typo
]

NOT_PLAIN = [
    # questions, with or without their question mark
    "Was kostet es, wenn ich absage?",
    "what is your cancellation policy?",
    "hoe laat kan ik annuleren?",
    "stornieren?",
    "kann ich absagen",
    "Kann ich noch kostenlos stornieren",
    "how late can I cancel",
    # a sentence with other content
    "Ich schaffe es morgen leider nicht, bitte absagen, weil mein Kind krank ist",
    "cancel and rebook for next week",
    "absagen und verschieben",
    "bitte alle Termine absagen",
    # conditionals
    "absagen wenn möglich",
    "falls es regnet absagen",
    "if needed cancel",
    "als het kan annuleren",
    # negations near the cancel word
    "bitte nicht absagen",
    "Ich kann nicht absagen",
    "Ich komme, nicht absagen",
    "don't cancel",
    "do not cancel my appointment",
    "niet annuleren hoor",
    "geen annulering",
    # a day that is not the appointment's
    "Termin am Freitag absagen",
    "Termin übermorgen absagen",
    "cancel today",
    # no cancel word at all
    "nein",
    "no",
    "ich kann leider nicht",
    "can't make it",
    "ja",
    "C",
    "X",
    "",
    # a cancel verb without its particle
    "ich sage",
    "call me",
]


@pytest.mark.parametrize("text", PLAIN_CANCELS)
def test_a_plain_cancel_is_plain(text):
    assert plain(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_anything_more_than_a_cancel_is_not_plain(text):
    assert not plain(text)


def test_a_day_word_is_plain_only_when_it_is_the_appointment_s_day():
    assert plain("morgen absagen")
    assert not is_plain_cancel("morgen absagen", today=TODAY, appointment_day=date(2026, 11, 27))
    assert not is_plain_cancel("morgen absagen")  # no dates given: the day cannot be checked
    assert is_plain_cancel("bitte absagen")  # no day named: nothing to check


def test_a_closing_name_is_dropped_but_a_closing_day_is_read():
    assert plain("bitte absagen, Tom")
    assert not plain("bitte absagen, Freitag")


@pytest.mark.parametrize(
    "text", ["ja", "Ja bitte", "ja graag", "yes please", "YES", "ok", "Okay danke", "👍", "bitte"]
)
def test_a_plain_yes(text):
    assert is_plain_yes(text)


@pytest.mark.parametrize(
    "text",
    ["nein", "ja passt", "yes, but what does it cost?", "ok?", "ja nicht", "fine", "C", ""],
)
def test_not_a_plain_yes(text):
    assert not is_plain_yes(text)


@pytest.mark.parametrize("text", ["X", "x", "X!", "x danke", " X. "])
def test_the_cancel_code(text):
    assert is_cancel_code(text)


@pytest.mark.parametrize("text", ["C", "xx", "X?", "X ja nein", "ok", "Xaver", ""])
def test_not_the_cancel_code(text):
    assert not is_cancel_code(text)


def test_the_code_is_no_carrier_keyword_and_no_notice_asks_for_it():
    code = CANCEL_CODE.casefold()
    assert code not in CARRIER_KEYWORDS and code not in SHORT_CODES
    code_asked = re.compile(rf"\b{CANCEL_CODE}\b")
    for path in TEMPLATES.glob("*.toml"):
        texts = tomllib.loads(path.read_text(encoding="utf-8"))
        asking = {name for name, text in texts.items() if code_asked.search(text.get("sms", ""))}
        assert asking == {"reply_ask_cancel"}, path.name
