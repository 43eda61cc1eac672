"""A notice's stored reason in the user's language (`bot.web.words.reason_in_words`):
fixed reasons by table, reasons with a day, a status or a lead time by pattern with
those parts formatted for the language, and an unknown reason as stored."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from bot.web.words import reason_in_words
from tests.support.web import compile_catalogues

CASES = [
    (
        "appointment was cancelled",
        {"en": "the appointment was cancelled", "de": "der Termin wurde abgesagt"},
    ),
    (
        "customer already has an appointment on 2026-12-03",
        {
            "en": "the customer already has an appointment on Dec 3, 2026",
            "de": "der Kunde hat bereits einen Termin am 03.12.2026",
        },
    ),
    (
        "the visit on 2026-11-20 is now no_show",
        {
            "en": "the visit on Nov 20, 2026 is now no-show",
            "nl": "het bezoek op 20 nov 2026 is nu niet verschenen",
        },
    ),
    (
        "appointment was booked after the reminder time (2 days before the start)",
        {
            "en": "the appointment was booked after the reminder time (2 days before the start)",
            "de": "der Termin wurde nach dem Erinnerungszeitpunkt gebucht (2 Tage vor Beginn)",
        },
    ),
    (
        "no channel: customer has no email address; customer has no visit yet",
        {
            "de": "keine Möglichkeit, den Kunden zu erreichen: der Kunde hat keine "
            "E-Mail-Adresse; der Kunde hatte noch keinen Besuch"
        },
    ),
    ("gave up after 6 attempts: HTTP 500", {"de": "gave up after 6 attempts: HTTP 500"}),
]


@pytest.mark.parametrize(("stored", "wanted"), CASES)
def test_a_stored_reason_reads_in_the_users_language(app, stored, wanted):
    compile_catalogues()
    with app.test_request_context():
        for locale, text in wanted.items():
            with force_locale(locale):
                assert reason_in_words(stored) == text
