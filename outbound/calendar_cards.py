"""The appointment card a notice's email carries, built from the record as it is now."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from bot.models import Business, Customer, Notification, Record, utcnow
from outbound.customer_links import NO_CALENDAR, app_config, customer_links
from outbound.notice_texts import notice_locale
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
from outbound.policy.vocabulary import AppointmentStatus, Audience, Channel, Notice
from outbound.transports import Attachment

# Notices whose email carries the appointment card, and what the card asks (R1.4, R1.7).
_CARDS = {
    Notice.CONFIRMATION: CardMethod.REQUEST,
    Notice.CHANGE: CardMethod.REQUEST,
    Notice.CANCELLATION: CardMethod.CANCEL,
}


def appointment_card(
    business: Business,
    customer: Customer | None,
    record: Record,
    locale: str,
    *,
    config: Mapping[str, Any],
    now: datetime,
) -> AppointmentCard:
    """The record's appointment card as of `now`, worded in `locale`.

    The organizer is the address the email comes from (the business's
    `email_from`, else MAIL_FROM, R4.4), so mail clients that add invitations
    from their organizer accept it; the attendee is the customer's email.
    Raises ValueError when the record has no time."""
    if record.starts_at is None:
        raise ValueError(f"{record.kind} {record.id} has no time for a calendar card")
    cancel_url, _ = customer_links(business, record, config=config, now=now)
    _, sender_email = parseaddr(business.email_from or config["MAIL_FROM"])
    location = record.location
    return AppointmentCard(
        uid=card_uid(record.id, config["PUBLIC_BASE_URL"]),
        starts_at=record.starts_at,
        ends_at=record.ends_at or record.starts_at,
        summary=card_summary(
            record.service.name if record.service else None, business.name, locale
        ),
        sequence=record.version,
        status=_card_status(record.status),
        location=", ".join(part for part in (location.name, location.address) if part)
        if location
        else None,
        description=card_description(
            locale,
            service=record.service.name if record.service else None,
            staff=record.staff.name if record.staff else None,
            phone=business.sms_from,
            cancel_url=cancel_url,
        ),
        organizer=Person(sender_email, business.name) if sender_email else None,
        attendee=(Person(customer.email, customer.name) if customer and customer.email else None),
        url=business.booking_url,
    )


def _card_status(status: str) -> CardStatus:
    if status in NO_CALENDAR:
        return CardStatus.CANCELLED
    if status == AppointmentStatus.PENDING:
        return CardStatus.TENTATIVE
    return CardStatus.CONFIRMED


def attachments_for(
    notification: Notification,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    *,
    now: datetime | None = None,
    config: Mapping[str, Any] | None = None,
) -> tuple[Attachment, ...]:
    """The files the notice's email carries: the appointment card (.ics) for a
    customer's confirmation, change or cancellation email, else nothing.

    The card is METHOD:REQUEST (new or changed; SEQUENCE is the record's version,
    so a change replaces the event) or METHOD:CANCEL, named termin.ics /
    appointment.ics / afspraak.ics by the notice's locale. `config` defaults to
    the current app's; `now` (the DTSTAMP and link time) to the clock."""
    method = _CARDS.get(notification.notice)
    if (
        method is None
        or notification.channel != Channel.EMAIL
        or notification.audience != Audience.CUSTOMER
        or record is None
        or record.starts_at is None
    ):
        return ()
    if method == CardMethod.REQUEST and record.status in NO_CALENDAR:
        return ()
    config = config if config is not None else app_config()
    if config is None:
        raise RuntimeError("attachments_for needs the app's config or an app context")
    locale = notice_locale(notification, business, customer)
    now = now or utcnow()
    card = appointment_card(business, customer, record, locale, config=config, now=now)
    return (
        Attachment(
            filename=card_filename(locale),
            content_type=f"text/calendar; method={method.value}",
            data=build_ics(card, method=method, now=now),
        ),
    )
