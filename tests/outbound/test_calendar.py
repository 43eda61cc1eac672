"""The appointment card (.ics): R1.4 (add to calendar), R1.7 (a change updates the event)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from outbound.policy.calendar import (
    AppointmentCard,
    CardMethod,
    CardStatus,
    Person,
    build_ics,
    card_description,
    card_filename,
    card_summary,
    card_uid,
)

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 4, 23, 14, 0, tzinfo=BERLIN)  # 12:00 UTC
NOW = datetime(2026, 4, 1, 9, 30, tzinfo=UTC)


def card(**overrides) -> AppointmentCard:
    fields = {
        "uid": "record-7@replydesk.test",
        "starts_at": START,
        "ends_at": START + timedelta(minutes=45),
        "summary": "Haarschnitt – Salon Sonnenschein",
        "sequence": 1,
        "location": "Salon Mitte, Torstraße 1, 10119 Berlin",
        "description": "Leistung: Haarschnitt\nBei: Anna",
        "organizer": Person("termine@salon.example", "Salon Sonnenschein"),
        "attendee": Person("ursula@example.org", "Ursula Hoffmann"),
    }
    return AppointmentCard(**{**fields, **overrides})


def parse(data: bytes) -> tuple[Calendar, dict]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def test_a_new_appointment_is_an_invitation_in_utc():  # R1.4
    calendar, event = parse(build_ics(card(), method=CardMethod.REQUEST, now=NOW))

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert event["UID"] == "record-7@replydesk.test"
    assert event["DTSTART"].dt == datetime(2026, 4, 23, 12, 0, tzinfo=UTC)
    assert event["DTEND"].dt == datetime(2026, 4, 23, 12, 45, tzinfo=UTC)
    assert event["DTSTAMP"].dt == NOW
    assert event["SEQUENCE"] == 1
    assert event["STATUS"] == "CONFIRMED"
    assert str(event["SUMMARY"]) == "Haarschnitt – Salon Sonnenschein"
    assert str(event["LOCATION"]) == "Salon Mitte, Torstraße 1, 10119 Berlin"
    assert str(event["DESCRIPTION"]) == "Leistung: Haarschnitt\nBei: Anna"
    assert str(event["ORGANIZER"]) == "mailto:termine@salon.example"
    assert event["ORGANIZER"].params["CN"] == "Salon Sonnenschein"
    attendee = event["ATTENDEE"]
    assert str(attendee) == "mailto:ursula@example.org"
    assert attendee.params["RSVP"] == "FALSE"


def test_the_file_is_utc_with_crlf_lines():
    data = build_ics(card(), method=CardMethod.REQUEST, now=NOW)

    assert b"DTSTART:20260423T120000Z\r\n" in data
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_a_change_is_the_same_event_with_a_higher_sequence():  # R1.7
    first = parse(build_ics(card(), method=CardMethod.REQUEST, now=NOW))[1]
    moved = card(
        starts_at=START + timedelta(days=1), ends_at=START + timedelta(days=1, hours=1), sequence=2
    )
    second = parse(build_ics(moved, method=CardMethod.REQUEST, now=NOW))[1]

    assert second["UID"] == first["UID"]
    assert second["SEQUENCE"] == 2 > first["SEQUENCE"]
    assert second["DTSTART"].dt == datetime(2026, 4, 24, 12, 0, tzinfo=UTC)


def test_a_cancellation_cancels_the_event():  # R1.8 by email
    calendar, event = parse(build_ics(card(sequence=3), method=CardMethod.CANCEL, now=NOW))

    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["SEQUENCE"] == 3
    assert event["TRANSP"] == "TRANSPARENT"


def test_a_downloaded_card_is_published_without_an_invitation():
    calendar, event = parse(build_ics(card(), method=CardMethod.PUBLISH, now=NOW))

    assert calendar["METHOD"] == "PUBLISH"
    assert "ATTENDEE" not in event
    assert event["TRANSP"] == "OPAQUE"


def test_a_request_is_tentative_and_optional_parts_can_be_left_out():
    bare = card(
        status=CardStatus.TENTATIVE, location=None, description=None, organizer=None, attendee=None
    )
    _, event = parse(build_ics(bare, method=CardMethod.REQUEST, now=NOW))

    assert event["STATUS"] == "TENTATIVE"
    for name in ("LOCATION", "DESCRIPTION", "ORGANIZER", "ATTENDEE", "URL"):
        assert name not in event


@pytest.mark.parametrize(
    "broken",
    [
        {"starts_at": datetime(2026, 4, 23, 14, 0)},
        {"ends_at": START - timedelta(minutes=1)},
    ],
)
def test_naive_times_and_backwards_appointments_are_refused(broken):
    with pytest.raises(ValueError):
        build_ics(card(**broken), method=CardMethod.REQUEST, now=NOW)


def test_the_uid_names_the_record_and_the_deployment():
    assert card_uid(42, "https://replydesk.test") == "record-42@replydesk.test"
    assert card_uid(42, "https://Bot.Salon.example:8443/base") == "record-42@bot.salon.example"


@pytest.mark.parametrize(
    ("locale", "summary", "filename"),
    [
        ("de", "Termin – Salon Sonnenschein", "termin.ics"),
        ("en", "Appointment – Salon Sonnenschein", "appointment.ics"),
        ("nl", "Afspraak – Salon Sonnenschein", "afspraak.ics"),
    ],
)
def test_the_words_on_the_card_follow_the_readers_locale(locale, summary, filename):
    assert card_summary(None, "Salon Sonnenschein", locale) == summary
    assert card_summary("Färben", "Salon Sonnenschein", locale) == "Färben – Salon Sonnenschein"
    assert card_filename(locale) == filename


def test_the_description_lists_what_is_known():
    assert card_description(
        "en", service="Haircut", phone="+4930555010", cancel_url="https://x.test/c/t"
    ) == ("Service: Haircut\nPhone: +4930555010\nCancel: https://x.test/c/t")
    assert card_description("nl") == ""
