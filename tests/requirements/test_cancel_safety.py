"""Cancelling safely, through the signed webhook: a question about cancelling
never cancels; a cancel in a sentence is asked about first and the code X then
cancels; a plain cancel inside the window cancels at once."""

from __future__ import annotations

from datetime import datetime

import pytest

from outbound.policy.rendering import time_variables
from tests.support.api import created
from tests.support.received import texts_to
from tests.support.times import berlin_time

ASKED = {
    "de": "Soll ich Ihren Termin am {weekday}, {date} um 14:00 Uhr absagen? "
    "Antworten Sie X, um ihn abzusagen.",
    # never the bare word CANCEL, the carrier's opt-out keyword a customer might echo
    "en": "Should your appointment on {weekday}, {date} at 2:00 PM be cancelled? "
    "Reply X to have it cancelled.",
    "nl": "Zal ik uw afspraak op {weekday} {date} om 14:00 uur annuleren? "
    "Antwoord X om te annuleren.",
}
HANDED = {
    "de": "Danke für Ihre Nachricht.",
    "en": "Thanks for your message.",
    "nl": "Bedankt voor uw bericht.",
}
CANCELLED = {"de": "ist abgesagt", "en": "is cancelled", "nl": "is geannuleerd"}


@pytest.fixture
def booked(add_customer, book, deliver):
    """A customer of the German salon (in `locale`) booked three days ahead at 14:00,
    the confirmation delivered."""

    def make(locale: str = "de") -> dict:
        record = book(add_customer(locale=locale), berlin_time(3))
        deliver()
        return record

    return make


def status(api, record: dict) -> str:
    return created(api.get(f"/records/{record['id']}"))["status"]


def question(record: dict, locale: str) -> str:
    """The question the bot asks about `record`, in `locale`, dated as the notices are."""
    variables = time_variables(_start(record), "Europe/Berlin", locale)
    return ASKED[locale].format(weekday=variables["weekday"], date=variables["date"])


def _start(record: dict) -> datetime:
    return datetime.fromisoformat(record["starts_at"])


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("de", "Was kostet es, wenn ich absage?"),
        ("de", "Wie lange vorher kann ich absagen?"),
        ("en", "what is your cancellation policy?"),
        ("en", "how late can I cancel?"),
        ("nl", "hoe laat kan ik annuleren?"),
        ("nl", "Wat kost het als ik annuleer?"),
    ],
)
def test_a_question_about_cancelling_never_cancels(
    api, booked, deliver, fake_twilio, text_in, locale, text
):
    record = booked(locale)
    text_in(text)
    deliver()
    assert status(api, record) == "confirmed"
    reply = texts_to(fake_twilio)[-1]
    # Read as a cancel, it is asked about; read as a question, it goes to staff.
    assert reply in (question(record, locale),) or reply.startswith(HANDED[locale]), reply
    assert CANCELLED[locale] not in reply


def test_a_cancel_in_a_sentence_is_asked_about_and_the_code_then_cancels(
    api, booked, deliver, fake_twilio, text_in
):
    record = booked()
    text_in("Ich schaffe es morgen leider nicht, bitte absagen, weil mein Kind krank ist")
    deliver()
    assert status(api, record) == "confirmed"
    assert texts_to(fake_twilio)[-1] == question(record, "de")

    text_in("X")
    deliver()
    cancelled = created(api.get(f"/records/{record['id']}"))
    assert (cancelled["status"], cancelled["cancelled_by"]) == ("cancelled", "customer")
    assert texts_to(fake_twilio)[-1].startswith(
        f"Ihr Termin am {_start(record):%d.%m.%Y} um 14:00 Uhr ist abgesagt."
    )


def test_a_plain_yes_to_the_question_cancels_in_english(api, booked, deliver, fake_twilio, text_in):
    record = booked("en")
    text_in("I won't make it, my car broke down, so cancel it if that's ok")
    deliver()
    assert texts_to(fake_twilio)[-1] == question(record, "en")
    assert status(api, record) == "confirmed"

    text_in("yes please")
    deliver()
    assert status(api, record) == "cancelled"
    assert CANCELLED["en"] in texts_to(fake_twilio)[-1]


def test_no_to_the_question_keeps_the_appointment(api, booked, deliver, fake_twilio, text_in):
    record = booked("nl")
    text_in("Ik denk dat ik moet annuleren, mijn dochter is ziek")
    deliver()
    assert texts_to(fake_twilio)[-1] == question(record, "nl")

    text_in("nee")
    deliver()
    assert status(api, record) == "confirmed"
    assert texts_to(fake_twilio)[-1].startswith("Prima, uw afspraak blijft op ")
    # the question is over: an "X" now cancels nothing
    text_in("X")
    deliver()
    assert status(api, record) == "confirmed"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("de", "Termin absagen bitte. LG Ursula"),
        ("en", "Sorry, please cancel my appointment"),
        ("nl", "Ik wil mijn afspraak graag annuleren, groetjes"),
    ],
)
def test_a_plain_cancel_inside_the_window_cancels_at_once(
    api, booked, deliver, fake_twilio, text_in, locale, text
):
    record = booked(locale)
    sent = len(texts_to(fake_twilio))
    text_in(text)
    deliver()
    assert status(api, record) == "cancelled"
    [reply] = texts_to(fake_twilio)[sent:]
    assert CANCELLED[locale] in reply
