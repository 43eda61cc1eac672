"""Customer links: cancel from the link in a notice (R1.11), download the card (R1.4)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import select

from bot.models import Notification
from bot.services.records import update_record
from outbound.jobs import dispatch_tick
from outbound.notices import notice_context
from outbound.policy.links import LINK_MAX_AGE, LinkPurpose, make_token
from outbound.policy.vocabulary import Notice

BERLIN = ZoneInfo("Europe/Berlin")
CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def starts_at(now):
    """14:00 in Berlin three days ahead: customers may still cancel (24-hour window)."""
    day = (now.astimezone(BERLIN) + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=BERLIN)


@pytest.fixture
def emailed(customer_factory):
    return customer_factory(email="ursula@example.org", email_consent=True)


@pytest.fixture
def booked(emailed, record_factory, starts_at):
    return record_factory(emailed, starts_at=starts_at)


def path(app, purpose, record, *, version=None, signed_at=None) -> str:
    token = make_token(
        app.config["SECRET_KEY"],
        purpose,
        record.id,
        record.version if version is None else version,
        now=signed_at or datetime.now(UTC),
    )
    if purpose == LinkPurpose.CANCEL:
        return f"/c/{token}"
    return f"/calendar/{token}.ics"


def emails_with(smtp_sink, word):
    return [m for m in smtp_sink.messages if word in m.get_body(("plain",)).get_content()]


def test_the_cancel_link_in_the_confirmation_email_cancels_the_appointment(
    db, app, client, booked, starts_at, smtp_sink, work
):  # R1.11, and R1.8: the cancellation is confirmed by email
    dispatch_tick()
    work()
    [confirmation] = smtp_sink.messages
    [url] = re.findall(r"https://\S+/c/\S+", confirmation.get_body(("plain",)).get_content())

    page = client.get(urlsplit(url).path)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="de">' in html
    assert f"{starts_at:%d.%m.%Y} 14:00 Uhr" in html
    assert "Termin absagen" in html
    deadline = starts_at - timedelta(hours=24)
    assert f"bis {_weekday_de(deadline)}, {deadline:%d.%m.%Y} 14:00 Uhr absagen" in html

    done = client.post(urlsplit(url).path)

    assert done.status_code == 200
    assert "Ihr Termin ist abgesagt." in done.get_data(as_text=True)
    db.session.refresh(booked)
    assert (booked.status, booked.cancelled_by) == ("cancelled", "customer")

    smtp_sink.messages.clear()
    dispatch_tick()
    work()
    [cancelled] = smtp_sink.messages
    assert cancelled["To"] == "ursula@example.org"
    assert cancelled["Subject"] == f"Ihr Termin am {starts_at:%d.%m.%Y} wurde abgesagt"


def _weekday_de(moment: datetime) -> str:
    names = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
    return names[moment.astimezone(BERLIN).weekday()]


def test_a_second_click_cancels_nothing_twice(db, app, client, booked):
    link = path(app, LinkPurpose.CANCEL, booked)
    client.post(link)

    again = client.post(link)

    assert again.status_code == 409
    assert "Dieser Termin ist abgesagt." in again.get_data(as_text=True)
    cancellations = db.session.scalars(
        select(Notification).where(
            Notification.record_id == booked.id, Notification.notice == Notice.CANCELLATION
        )
    ).all()
    assert len(cancellations) == 1


def test_inside_the_window_the_page_says_it_is_too_late(
    db, app, client, emailed, record_factory, now
):  # R1.11: the business's cancellation window
    soon = record_factory(emailed, starts_at=now + timedelta(hours=5))
    link = path(app, LinkPurpose.CANCEL, soon)

    page = client.get(link)
    refused = client.post(link)

    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Online absagen ist nur bis 24 Stunden vor dem Termin möglich." in html
    assert "<form" not in html
    assert "Salon Sonnenschein" in html and "+4930555010" in html  # whom to call instead
    assert refused.status_code == 409
    db.session.refresh(soon)
    assert soon.status == "confirmed"


def test_a_business_that_turned_it_off_refuses_even_an_earlier_link(
    db, app, client, business, booked
):  # R1.11: "the business can turn that off"
    link = path(app, LinkPurpose.CANCEL, booked)
    business.cancellation_window_hours = None
    db.session.commit()

    page = client.get(link)
    refused = client.post(link)

    assert "Dieser Termin kann nicht online abgesagt werden." in page.get_data(as_text=True)
    assert "<form" not in page.get_data(as_text=True)
    assert refused.status_code == 409
    db.session.refresh(booked)
    assert booked.status == "confirmed"


@pytest.mark.parametrize(
    "make_link",
    [
        lambda app, record: (
            "/c/" + make_token("forged", LinkPurpose.CANCEL, record.id, 1, now=_now())
        ),
        lambda app, record: (
            path(app, LinkPurpose.CALENDAR, record)
            .replace("/calendar/", "/c/")
            .removesuffix(".ics")
        ),
        lambda app, record: path(
            app, LinkPurpose.CANCEL, record, signed_at=_now() - LINK_MAX_AGE - timedelta(hours=1)
        ),
        lambda app, record: (
            "/c/" + make_token(app.config["SECRET_KEY"], LinkPurpose.CANCEL, 99999, 1, now=_now())
        ),
        lambda app, record: "/c/garbage",
    ],
    ids=["forged", "calendar-token", "expired", "no-such-record", "garbage"],
)
def test_a_bad_link_is_a_page_in_every_language_and_changes_nothing(
    db, app, client, booked, make_link
):
    link = make_link(app, booked)

    page = client.get(link)
    posted = client.post(link)

    assert page.status_code == posted.status_code == 404
    html = page.get_data(as_text=True)
    assert "Dieser Link ist ungültig oder abgelaufen." in html
    assert "This link is not valid or has expired." in html
    assert "Deze link is ongeldig of verlopen." in html
    assert "Ursula" not in html and "Salon Sonnenschein" not in html
    db.session.refresh(booked)
    assert booked.status == "confirmed"


def _now() -> datetime:
    return datetime.now(UTC)


def test_a_link_from_before_a_move_shows_the_new_time_but_cancels_nothing(
    db, app, client, business, booked, starts_at, now
):
    link = path(app, LinkPurpose.CANCEL, booked)
    moved_to = starts_at + timedelta(days=1)
    update_record(db.session, business, booked, {"starts_at": moved_to}, now=now)
    db.session.commit()

    page = client.get(link)
    refused = client.post(link)

    html = page.get_data(as_text=True)
    assert "Ihr Termin wurde geändert" in html
    assert f"{moved_to:%d.%m.%Y} 14:00 Uhr" in html
    assert "<form" not in html
    assert refused.status_code == 409
    db.session.refresh(booked)
    assert booked.status == "confirmed"
    # The link in the change notice is current and works.
    assert client.post(path(app, LinkPurpose.CANCEL, booked)).status_code == 200


def test_the_page_speaks_the_customers_language(app, client, customer_factory, record_factory):
    english = customer_factory(email="jane@example.org", email_consent=True, locale="en")
    record = record_factory(english)

    html = client.get(path(app, LinkPurpose.CANCEL, record)).get_data(as_text=True)

    assert '<html lang="en">' in html
    assert "Cancel this appointment" in html and "Your appointment" in html


def test_the_page_is_private_and_self_contained(app, client, booked):
    page = client.get(path(app, LinkPurpose.CANCEL, booked))

    html = page.get_data(as_text=True)
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"
    assert "<script" not in html and "<link" not in html
    assert 'name="robots" content="noindex, nofollow"' in html


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_the_cancel_form_needs_its_csrf_token(self, db, app, client, booked):
        link = path(app, LinkPurpose.CANCEL, booked)

        forged = client.post(link)
        db.session.refresh(booked)
        assert forged.status_code == 400
        assert booked.status == "confirmed"

        [token] = CSRF_FIELD.findall(client.get(link).get_data(as_text=True))
        done = client.post(link, data={"csrf_token": token})
        db.session.refresh(booked)
        assert done.status_code == 200
        assert booked.status == "cancelled"


def test_the_calendar_link_serves_the_card(
    app, client, business, emailed, booked, starts_at, now
):  # R1.4: the "calendar link" a message text can use
    context = notice_context(business, emailed, booked, "de", now=now, config=app.config)

    response = client.get(urlsplit(context["calendar_url"]).path)

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert response.headers["Content-Disposition"] == 'attachment; filename="termin.ics"'
    calendar = Calendar.from_ical(response.data)
    [event] = calendar.walk("VEVENT")
    assert calendar["METHOD"] == "PUBLISH"
    assert event["UID"] == f"record-{booked.id}@replydesk.test"
    assert event["DTSTART"].dt == starts_at.astimezone(UTC)
    assert (event["SEQUENCE"], event["STATUS"]) == (1, "CONFIRMED")


def test_the_cancel_page_offers_the_card_too(app, client, booked):
    html = client.get(path(app, LinkPurpose.CANCEL, booked)).get_data(as_text=True)
    [href] = re.findall(r'href="(/calendar/[^"]+)"', html)

    response = client.get(href)

    assert "In den Kalender übernehmen" in html
    assert response.status_code == 200 and response.data.startswith(b"BEGIN:VCALENDAR")


def test_an_older_calendar_link_serves_the_card_as_it_is_now(
    db, app, client, business, booked, starts_at, now
):  # R1.7: the calendar replaces the event with the newer one
    link = path(app, LinkPurpose.CALENDAR, booked)
    update_record(db.session, business, booked, {"status": "cancelled"}, now=now)
    db.session.commit()

    [event] = Calendar.from_ical(client.get(link).data).walk("VEVENT")

    assert (event["SEQUENCE"], event["STATUS"]) == (2, "CANCELLED")


def test_a_cancel_token_does_not_download_the_card(app, client, booked):
    token = path(app, LinkPurpose.CANCEL, booked).removeprefix("/c/")

    assert client.get(f"/calendar/{token}.ics").status_code == 404
