"""The appointment card: one appointment as an iCalendar (.ics) file (R1.4, R1.7).

A card is built from plain values (`AppointmentCard`) with the `icalendar`
package. Its UID is stable per record, so every card about one appointment
names the same event, and its SEQUENCE is the record's version, so a calendar
that already holds the event replaces it with the newer one: that is how a
change reaches the customer's calendar "marked as changed". Cards mailed with
a notice are iTIP messages (RFC 5546): METHOD:REQUEST for a new or changed
appointment, METHOD:CANCEL with STATUS:CANCELLED for a cancellation; a card
downloaded from a link is METHOD:PUBLISH, a plain "add to calendar". The
words on the card (summary, description, file name) follow the reader's
locale. Pure: no database, no Flask, no network; the clock is a parameter.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//ReplyDesk//Appointment card//EN"


class CardMethod(enum.StrEnum):
    """What the card asks of the calendar that receives it (RFC 5546 §1.4)."""

    REQUEST = "REQUEST"  # put this event in the calendar, or update it (higher SEQUENCE)
    CANCEL = "CANCEL"  # take this event out of the calendar
    PUBLISH = "PUBLISH"  # a downloaded card: add it, no invitation semantics


class CardStatus(enum.StrEnum):
    """The event's STATUS: how sure the appointment is."""

    CONFIRMED = "CONFIRMED"  # booked
    TENTATIVE = "TENTATIVE"  # requested, the business has not accepted it yet
    CANCELLED = "CANCELLED"  # called off; calendars show it struck out or drop it


@dataclass(frozen=True)
class Person:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class AppointmentCard:
    """Everything a card says, as plain values; times are timezone-aware."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    sequence: int  # the record's version: a higher one replaces the event
    status: CardStatus = CardStatus.CONFIRMED
    location: str | None = None
    description: str | None = None
    organizer: Person | None = None
    attendee: Person | None = None
    url: str | None = None


_WORDS = {
    "de": {
        "appointment": "Termin",
        "file": "termin.ics",
        "service": "Leistung",
        "staff": "Bei",
        "phone": "Telefon",
        "cancel": "Absagen",
    },
    "en": {
        "appointment": "Appointment",
        "file": "appointment.ics",
        "service": "Service",
        "staff": "With",
        "phone": "Phone",
        "cancel": "Cancel",
    },
    "nl": {
        "appointment": "Afspraak",
        "file": "afspraak.ics",
        "service": "Behandeling",
        "staff": "Bij",
        "phone": "Telefoon",
        "cancel": "Annuleren",
    },
}


def _words(locale: str) -> dict[str, str]:
    return _WORDS.get(locale, _WORDS["de"])


def card_uid(record_id: int, public_base_url: str) -> str:
    """The event's UID: the same for every card about record `record_id`.

    The host of the deployment's public URL keeps UIDs of two ReplyDesk
    installations apart, as RFC 5545 asks."""
    host = urlsplit(public_base_url).hostname or "replydesk.invalid"
    return f"record-{record_id}@{host}"


def card_summary(service_name: str | None, business_name: str, locale: str) -> str:
    """The event's title: "<service or 'Termin'> – <business>" in the reader's locale."""
    return f"{service_name or _words(locale)['appointment']} – {business_name}"


def card_filename(locale: str) -> str:
    """The attachment's file name in the reader's language: termin.ics, appointment.ics …"""
    return _words(locale)["file"]


def card_description(
    locale: str,
    *,
    service: str | None = None,
    staff: str | None = None,
    phone: str | None = None,
    cancel_url: str | None = None,
) -> str:
    """The event's notes: the service, who it is with, how to reach the business and,
    while it is allowed, where to cancel; one "Label: value" line each."""
    words = _words(locale)
    lines = [
        f"{words[label]}: {value}"
        for label, value in (
            ("service", service),
            ("staff", staff),
            ("phone", phone),
            ("cancel", cancel_url),
        )
        if value
    ]
    return "\n".join(lines)


def build_ics(card: AppointmentCard, *, method: CardMethod, now: datetime) -> bytes:
    """The card as an iCalendar file (bytes, CRLF lines, UTF-8).

    `now` is the DTSTAMP, the instant the card was made. A CANCEL card always
    carries STATUS:CANCELLED, whatever `card.status` says. Raises ValueError for
    naive times or an end before the start."""
    for instant in (card.starts_at, card.ends_at, now):
        if instant.tzinfo is None:
            raise ValueError("card times must be timezone-aware")
    if card.ends_at < card.starts_at:
        raise ValueError("an appointment cannot end before it starts")
    status = CardStatus.CANCELLED if method == CardMethod.CANCEL else card.status

    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)

    event = Event()
    event.add("uid", card.uid)
    event.add("dtstamp", now.astimezone(UTC))
    event.add("dtstart", card.starts_at.astimezone(UTC))
    event.add("dtend", card.ends_at.astimezone(UTC))
    event.add("sequence", card.sequence)
    event.add("status", status.value)
    event.add("summary", card.summary)
    # An appointment blocks the customer's time; a cancelled one no longer does.
    event.add("transp", "TRANSPARENT" if status == CardStatus.CANCELLED else "OPAQUE")
    if card.location:
        event.add("location", card.location)
    if card.description:
        event.add("description", card.description)
    if card.url:
        event.add("url", card.url)
    if card.organizer is not None:
        event.add("organizer", _address(card.organizer))
    if card.attendee is not None and method != CardMethod.PUBLISH:
        attendee = _address(card.attendee)
        attendee.params["ROLE"] = vText("REQ-PARTICIPANT")
        # The customer booked it: nothing to accept, so no reply is asked for.
        attendee.params["PARTSTAT"] = vText("ACCEPTED")
        attendee.params["RSVP"] = vText("FALSE")
        event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    if person.name:
        address.params["CN"] = vText(person.name)
    return address
