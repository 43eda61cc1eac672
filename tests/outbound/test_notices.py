"""What a notice carries besides its text: the customer's links (R1.11), the
appointment card (R1.4, R1.7), its sender and reply address (R4.4), and the
business's own emails (R1.9)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from icalendar import Calendar
from sqlalchemy import select

from bot.models import Location, Notification, Service, StaffMember, Template
from bot.services.records import update_record
from outbound.jobs import dispatch_tick
from outbound.notices import (
    attachments_for,
    notice_context,
    notice_locale,
    render_notice,
    reply_address,
)
from outbound.policy.links import LinkPurpose, read_token
from outbound.policy.vocabulary import Channel, Notice
from outbound.transports import Outgoing
from outbound.transports.smtp import SmtpTransport

BERLIN = ZoneInfo("Europe/Berlin")
SALON_FROM = "Salon Sonnenschein <termine@salon.example>"


@pytest.fixture
def starts_at(now):
    """14:00 in Berlin three days ahead: well before the 24-hour cancellation window."""
    day = (now.astimezone(BERLIN) + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=BERLIN)


@pytest.fixture
def salon(db, business):
    """The business with its own sender address, a location, a service and staff."""
    business.email_from = SALON_FROM
    business.notification_email = "team@salon.example"
    location = Location(business_id=business.id, name="Salon Mitte", address="Torstraße 1, Berlin")
    service = Service(business_id=business.id, name="Haarschnitt", duration_minutes=45)
    staff = StaffMember(business_id=business.id, name="Anna")
    db.session.add_all([location, service, staff])
    db.session.commit()
    return business, location, service, staff


@pytest.fixture
def emailed(customer_factory):
    return customer_factory(email="ursula@example.org", email_consent=True)


@pytest.fixture
def booked(db, salon, emailed, record_factory, starts_at):
    business, location, service, staff = salon
    return record_factory(
        emailed,
        starts_at=starts_at,
        location_id=location.id,
        service_id=service.id,
        staff_id=staff.id,
    )


def notice_of(db, record, notice, channel=Channel.EMAIL) -> Notification:
    return db.session.scalars(
        select(Notification)
        .where(
            Notification.record_id == record.id,
            Notification.notice == notice,
            Notification.channel == channel,
        )
        .order_by(Notification.id.desc())
    ).first()


def render(db, notification, business, customer, record, **kwargs):
    locale = notice_locale(notification, business, customer)
    return render_notice(db.session, notification, business, customer, record, locale, **kwargs)


def card_of(attachments) -> tuple[Calendar, dict]:
    [attachment] = attachments
    return parse_card(attachment.data)


def parse_card(data: bytes) -> tuple[Calendar, dict]:
    calendar = Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


# --- customer links (R1.11) ------------------------------------------------------------


def test_the_confirmation_email_offers_a_cancel_link_for_this_record(
    db, salon, emailed, booked, now
):  # R1.11
    business = salon[0]
    notification = notice_of(db, booked, Notice.CONFIRMATION)

    text = render(db, notification, business, emailed, booked, now=now)

    [url] = [word for word in text.body.split() if "/c/" in word]
    assert url.startswith("https://replydesk.test/c/")
    assert "Bis 24 Stunden vorher" in text.body
    token = urlsplit(url).path.removeprefix("/c/")
    target = read_token("test-secret", LinkPurpose.CANCEL, token, now=now)
    assert (target.record_id, target.version) == (booked.id, 1)


def test_inside_the_window_there_is_no_cancel_link(
    db, salon, emailed, record_factory, now
):  # R1.11
    business = salon[0]
    soon = record_factory(emailed, starts_at=now + timedelta(hours=5))
    notification = notice_of(db, soon, Notice.CONFIRMATION)

    context = notice_context(business, emailed, soon, "de", now=now, config=current_app.config)
    text = render(db, notification, business, emailed, soon, now=now)

    assert context["cancel_url"] is None
    assert context["calendar_url"].startswith("https://replydesk.test/calendar/")
    assert "/c/" not in text.body and "absagen" not in text.body


def test_a_business_that_turned_cancelling_off_sends_no_cancel_link(
    db, salon, emailed, booked, now
):  # R1.11: "the business can turn that off"
    business = salon[0]
    business.cancellation_window_hours = None
    db.session.commit()

    context = notice_context(business, emailed, booked, "de", now=now, config=current_app.config)

    assert context["cancel_url"] is None
    assert context["window_hours"] is None


def test_the_window_is_checked_when_the_text_is_rendered(db, salon, emailed, booked, starts_at):
    business = salon[0]
    config = current_app.config
    early = starts_at - timedelta(hours=25)
    late = starts_at - timedelta(hours=23)

    assert notice_context(business, emailed, booked, "de", now=early, config=config)["cancel_url"]
    assert (
        notice_context(business, emailed, booked, "de", now=late, config=config)["cancel_url"]
        is None
    )


def test_a_cancelled_appointment_has_neither_link(db, salon, emailed, booked, now):
    business = salon[0]
    update_record(db.session, business, booked, {"status": "cancelled"}, now=now)

    context = notice_context(business, emailed, booked, "de", now=now, config=current_app.config)

    assert (context["cancel_url"], context["calendar_url"]) == (None, None)


def test_without_the_apps_config_there_are_no_links(salon, emailed, booked, now):
    context = notice_context(salon[0], emailed, booked, "de", now=now)

    assert (context["cancel_url"], context["calendar_url"]) == (None, None)


def test_texts_for_the_business_never_carry_the_customers_links(
    db, salon, emailed, record_factory, starts_at, now
):  # R1.9, R3.4: the business acts in ReplyDesk, not through the customer's link
    business = salon[0]
    template = db.session.scalars(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == "new_booking_for_business",
            Template.channel == Channel.EMAIL,
            Template.locale == "de",
        )
    ).one()
    template.body = "Link: {{ cancel_url }} / {{ calendar_url }}"
    request = record_factory(emailed, starts_at=starts_at, status="pending", source="online")
    notification = notice_of(db, request, Notice.NEW_BOOKING_FOR_BUSINESS)

    text = render(db, notification, business, emailed, request, now=now)

    assert text.body == "Link:  /"  # absent values print as nothing


# --- the appointment card (R1.4, R1.7) ---------------------------------------------------


def test_the_confirmation_email_carries_the_card_as_an_invitation(
    db, salon, emailed, booked, starts_at, now
):  # R1.4
    business = salon[0]
    notification = notice_of(db, booked, Notice.CONFIRMATION)

    attachments = attachments_for(notification, business, emailed, booked, now=now)

    assert attachments[0].filename == "termin.ics"
    assert attachments[0].content_type == "text/calendar; method=REQUEST"
    calendar, event = card_of(attachments)
    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == f"record-{booked.id}@replydesk.test"
    assert event["DTSTART"].dt == starts_at.astimezone(UTC)
    assert event["DTEND"].dt == (starts_at + timedelta(minutes=45)).astimezone(UTC)
    assert event["SEQUENCE"] == 1
    assert str(event["SUMMARY"]) == "Haarschnitt – Salon Sonnenschein"
    assert str(event["LOCATION"]) == "Salon Mitte, Torstraße 1, Berlin"
    assert "Bei: Anna" in str(event["DESCRIPTION"])
    assert "Absagen: https://replydesk.test/c/" in str(event["DESCRIPTION"])
    assert str(event["ORGANIZER"]) == "mailto:termine@salon.example"  # R4.4
    assert str(event["ATTENDEE"]) == "mailto:ursula@example.org"


def test_a_move_sends_the_same_event_with_the_next_sequence(
    db, salon, emailed, booked, starts_at, now
):  # R1.7: "new appointment card marked as changed"
    business = salon[0]
    first = card_of(
        attachments_for(notice_of(db, booked, Notice.CONFIRMATION), business, emailed, booked)
    )[1]
    update_record(
        db.session, business, booked, {"starts_at": starts_at + timedelta(days=1)}, now=now
    )
    db.session.commit()

    change = notice_of(db, booked, Notice.CHANGE)
    calendar, event = card_of(attachments_for(change, business, emailed, booked, now=now))

    assert calendar["METHOD"] == "REQUEST"
    assert event["UID"] == first["UID"]
    assert (first["SEQUENCE"], event["SEQUENCE"]) == (1, 2)
    assert event["DTSTART"].dt == (starts_at + timedelta(days=1)).astimezone(UTC)


def test_a_cancellation_cancels_the_event(db, salon, emailed, booked, now):  # R1.8 by email
    business = salon[0]
    update_record(db.session, business, booked, {"status": "cancelled"}, now=now)
    db.session.commit()

    cancellation = notice_of(db, booked, Notice.CANCELLATION)
    [attachment] = attachments_for(cancellation, business, emailed, booked, now=now)
    calendar, event = card_of([attachment])

    assert attachment.content_type == "text/calendar; method=CANCEL"
    assert calendar["METHOD"] == "CANCEL"
    assert event["STATUS"] == "CANCELLED"
    assert event["UID"] == f"record-{booked.id}@replydesk.test"
    assert event["SEQUENCE"] == 2
    assert "Absagen" not in str(event.get("DESCRIPTION", ""))


def test_an_accepted_request_gets_the_card(
    db, salon, emailed, record_factory, starts_at, now
):  # R1.10: "the acceptance is an appointment card"
    business = salon[0]
    request = record_factory(emailed, starts_at=starts_at, status="pending", source="online")
    update_record(db.session, business, request, {"status": "confirmed"}, now=now)
    db.session.commit()

    accepted = notice_of(db, request, Notice.CONFIRMATION)
    _, event = card_of(attachments_for(accepted, business, emailed, request, now=now))

    assert (event["STATUS"], event["SEQUENCE"]) == ("CONFIRMED", 2)


def test_only_customer_emails_about_the_appointment_carry_the_card(
    db, salon, customer_factory, record_factory, starts_at, now
):
    business = salon[0]
    business.sms_enabled = True
    both = customer_factory(email="ursula@example.org", email_consent=True)
    request = record_factory(both, starts_at=starts_at, status="pending", source="online")
    to_business = notice_of(db, request, Notice.NEW_BOOKING_FOR_BUSINESS)
    received = notice_of(db, request, Notice.REQUEST_RECEIVED)
    sms_only = customer_factory(name="Jane", phone="+4915199999999")
    booked_by_sms = record_factory(sms_only, starts_at=starts_at)
    sms = notice_of(db, booked_by_sms, Notice.CONFIRMATION, channel=Channel.SMS)

    assert attachments_for(to_business, business, both, request, now=now) == ()
    assert attachments_for(received, business, both, request, now=now) == ()
    assert attachments_for(sms, business, sms_only, booked_by_sms, now=now) == ()


def test_the_card_speaks_the_customers_language(
    db, business, customer_factory, record_factory, starts_at, now
):
    english = customer_factory(email="jane@example.org", email_consent=True, locale="en")
    record = record_factory(english, starts_at=starts_at)

    [attachment] = attachments_for(
        notice_of(db, record, Notice.CONFIRMATION), business, english, record, now=now
    )
    _, event = card_of([attachment])

    assert attachment.filename == "appointment.ics"
    assert str(event["SUMMARY"]) == "Appointment – Salon Sonnenschein"
    # Without its own address the business's card comes from the shared sender.
    assert str(event["ORGANIZER"]) == "mailto:notices@replydesk.test"


# --- through the mail server -----------------------------------------------------------


def test_the_email_with_its_card_reaches_the_mail_server(
    db, salon, emailed, booked, now, smtp_sink
):  # R1.4, R4.4
    business = salon[0]
    notification = notice_of(db, booked, Notice.CONFIRMATION)
    text = render(db, notification, business, emailed, booked, now=now)
    outgoing = Outgoing(
        channel=Channel.EMAIL,
        to=emailed.email,
        from_=business.email_from,
        subject=text.subject,
        body=text.body,
        attachments=attachments_for(notification, business, emailed, booked, now=now),
    )

    SmtpTransport(current_app.config).send(outgoing)

    [email] = smtp_sink.messages
    assert email["From"] == SALON_FROM
    assert email.get_content_type() == "multipart/mixed"
    plain = email.get_body(("plain",)).get_content()
    html = email.get_body(("html",)).get_content()
    [cancel_url] = [word for word in plain.split() if "/c/" in word]
    assert f'<a href="{cancel_url}">{cancel_url}</a>' in html
    [card] = list(email.iter_attachments())
    assert card.get_content_type() == "text/calendar"
    assert card.get_param("method") == "REQUEST"
    assert card.get_filename() == "termin.ics"
    _, event = parse_card(card.get_payload(decode=True))
    assert (event["UID"], event["SEQUENCE"]) == (f"record-{booked.id}@replydesk.test", 1)


def test_emails_come_from_the_business_and_its_own_notice_goes_to_its_team(
    db, salon, emailed, record_factory, starts_at, smtp_sink, work
):  # R4.4, R1.9
    record_factory(emailed, starts_at=starts_at, status="pending", source="online")

    dispatch_tick()
    work()

    by_recipient = {email["To"]: email for email in smtp_sink.messages}
    assert set(by_recipient) == {"ursula@example.org", "team@salon.example"}
    to_customer, to_team = by_recipient["ursula@example.org"], by_recipient["team@salon.example"]
    assert to_customer["From"] == SALON_FROM
    assert to_customer["Subject"] == "Wir haben Ihre Anfrage erhalten"
    assert "Dies ist noch keine Bestätigung" in to_customer.get_body(("plain",)).get_content()
    assert to_team["Subject"].startswith("Neue Terminanfrage: Ursula Hoffmann")
    assert "Ursula Hoffmann" in to_team.get_body(("plain",)).get_content()
    assert "/c/" not in to_team.get_body(("plain",)).get_content()


def test_without_its_own_address_the_business_sends_from_mail_from(
    db, business, emailed, record_factory, starts_at, smtp_sink, work
):  # R4.4's default
    record_factory(emailed, starts_at=starts_at)

    dispatch_tick()
    work()

    [email] = smtp_sink.messages
    assert email["From"] == "ReplyDesk <notices@replydesk.test>"


def test_replies_reach_a_person(db, salon, emailed, record_factory, starts_at):
    business = salon[0]
    request = record_factory(emailed, starts_at=starts_at, status="pending", source="online")
    to_customer = notice_of(db, request, Notice.REQUEST_RECEIVED)
    to_business = notice_of(db, request, Notice.NEW_BOOKING_FOR_BUSINESS)

    # The business's own sender already reaches it.
    assert reply_address(to_customer, business, emailed) is None
    # The team answers the customer straight from its notice.
    assert reply_address(to_business, business, emailed) == "ursula@example.org"
    # From the shared sender, replies go to the business's notification address.
    business.email_from = None
    assert reply_address(to_customer, business, emailed) == "team@salon.example"
