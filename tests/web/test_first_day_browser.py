"""An owner's first day in the console, in Debian's Chromium against the app served over
HTTP with the fake Twilio as the SMS provider. A new salon has only its login: the
owner sets the opening hours and the Twilio number, makes the reminder 48 hours, edits
the confirmation text (the preview and the segment count follow an emoji), adds a
phone-only customer and books them, and the SMS reaches Twilio; moving the appointment
with "Notify the customer" unticked sends nothing; two rules change channel at once;
the month's usage counts the one SMS, delivered and billed by its two segments. Every
step goes through the pages a user clicks, and each is checked where it lands: in the
database, at the fake Twilio, on the page. With REPLYDESK_SCREENSHOTS=1 the run also
saves the appointment's page, the rules and the usage as docs/images/console-*.png."""

from __future__ import annotations

import os
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import expect
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.config import webhook_auth_token
from bot.extensions import db as _db
from bot.models import Business, Customer, NotificationRule, Record, utcnow
from bot.models.outbox import Notification
from bot.services.businesses import create_business
from bot.services.catalogue import list_locations
from outbound.jobs import run_dispatch_pass
from outbound.opening import opening_hours
from outbound.policy.vocabulary import ChannelChoice, Notice
from tests.support.settings import SMS_FROM, TWILIO_SID
from tests.support.web import add_user
from tests.web.browser import chromium, log_in

BERLIN = ZoneInfo("Europe/Berlin")
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("REPLYDESK_SCREENSHOTS") == "1"
CUSTOMER_NUMBER = "+4915199988877"
NEW_CONFIRMATION = (
    "Hallo {{ customer.first_name }}, Ihr Termin am {{ date }} um {{ time }} ist bestätigt."
)


@pytest.fixture
def new_salon(twilio_app):
    """A salon as `create-business` leaves it: default rules and texts, no number, no
    location, no customers; and its owner, who reads the console in English."""
    with twilio_app.app_context():
        session = _db.session
        business = create_business(session, name="Salon Sonnenschein", locale="de").business
        session.commit()
        owner = add_user(session, business)
        owner.locale = "en"
        session.commit()
        business_id = business.id
        session.remove()
    return business_id


def in_app(app, read):
    """`read(session)` in a fresh session of the app, the session closed after."""
    with app.app_context():
        try:
            return read(_db.session)
        finally:
            _db.session.remove()


def dispatch(app) -> None:
    """One dispatcher pass now, sending in this process, as the worker would."""
    with app.app_context():
        run_dispatch_pass(utcnow(), send_inline=True)
        _db.session.remove()


def a_weekday_ahead(days: int) -> datetime:
    """10:00 in Berlin on the first weekday at least `days` days from now."""
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(10, 0), BERLIN)


def screenshot(page, name: str) -> None:
    """The page as docs/images/`name`, when the run is asked for screenshots."""
    if SCREENSHOTS:
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / name), full_page=True)


def report_delivered(app, sms) -> None:
    """Twilio's status callback saying `sms` was delivered, signed, to the URL it was given."""
    url = sms.params["StatusCallback"]
    form = {
        "AccountSid": TWILIO_SID,
        "ApiVersion": "2010-04-01",
        "MessageSid": sms.sid,
        "MessageStatus": "delivered",
        "From": sms.sender,
        "To": sms.to,
    }
    signature = RequestValidator(webhook_auth_token(app.config)).compute_signature(url, form)
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code in (200, 204), response.text


def local_input(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


@pytest.mark.browser
def test_an_owners_first_day(twilio_app, new_salon, fake_twilio):
    base = twilio_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        log_in(page, base)
        nav = page.get_by_role("navigation", name="Main")

        # Opening hours: Monday to Friday 9 to 18, Saturday 10 to 14, Sunday closed.
        nav.get_by_role("link", name="Settings").click()
        page.get_by_role("link", name="Locations").click()
        page.get_by_role("link", name="Add a location").click()
        page.locator("#name").fill("Salon Mitte")
        for weekday in range(5):
            page.locator(f"#hours-{weekday}-0-opens").fill("09:00")
            page.locator(f"#hours-{weekday}-0-closes").fill("18:00")
        page.locator("#hours-5-0-opens").fill("10:00")
        page.locator("#hours-5-0-closes").fill("14:00")
        page.locator("#save-location").click()
        expect(page).to_have_url(re.compile(r"/settings/locations$"))
        expect(page.locator("main")).to_contain_text("Salon Mitte")
        hours = in_app(
            twilio_app,
            lambda s: opening_hours(list_locations(s, s.get(Business, new_salon))[0]),
        )
        assert hours[0] == ((time(9), time(18)),) and hours[5] == ((time(10), time(14)),)
        assert not hours.get(6)

        # The Twilio number, typed as the owner writes it, saved in E.164; SMS goes on.
        page.get_by_role("link", name="Messaging").click()
        page.locator("#sms_from").fill("030 555010")
        page.locator("#save-messaging").click()
        expect(page.locator("#sms_from")).to_have_value(SMS_FROM)
        business = in_app(twilio_app, lambda s: s.get(Business, new_salon))
        assert business.sms_from == SMS_FROM and business.sms_enabled

        # The reminder rule: 48 hours before the start.
        nav.get_by_role("link", name="Rules").click()
        page.get_by_role("link", name="Reminder", exact=True).click()
        page.locator("#offset_value").fill("48")
        page.locator("#offset_unit").select_option("hours")
        page.locator("#rule-save").click()
        expect(page.locator("main")).to_contain_text("2 days before the start")

        # The confirmation SMS: the preview follows the text, an emoji makes it UCS-2.
        nav.get_by_role("link", name="Texts").click()
        page.locator("#edit-confirmation-sms-de").click()
        expect(page.locator("body[data-template-editor-ready]")).to_have_count(1)
        body = page.locator("#template-body")
        body.fill(NEW_CONFIRMATION)
        expect(page.locator("#preview-text")).to_contain_text("ist bestätigt.")
        expect(page.locator("#preview-encoding")).to_have_text("GSM-7")
        expect(page.locator("#preview-segments")).to_have_text("1")
        body.press("End")
        body.type(" Bis bald 😊")
        expect(page.locator("#preview-encoding")).to_have_text("UCS-2")
        expect(page.locator("#preview-segments")).to_have_text("2")
        expect(page.locator("#preview-text mark.ucs2")).to_have_text("😊")
        page.locator("#template-save").click()
        expect(page.locator(".flash")).to_be_visible()

        # A customer known only by a mobile number, who agreed to SMS.
        nav.get_by_role("link", name="Customers").click()
        page.locator("#customer-new").click()
        page.locator("#name").fill("Ursula Hoffmann")
        page.locator("#phone").fill("0151 99988877")
        page.locator("#sms_consent").check()
        page.locator("#customer-save").click()
        customer = in_app(
            twilio_app,
            lambda s: s.scalar(select(Customer).where(Customer.business_id == new_salon)),
        )
        assert customer.phone == CUSTOMER_NUMBER and customer.email is None

        # Booked from the customer's page: the confirmation reaches Twilio.
        starts = a_weekday_ahead(3)
        page.locator("#customer-new-appointment").click()
        expect(page.locator("#customer_id")).to_have_value(str(customer.id))
        page.locator("#starts_at").fill(local_input(starts))
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".flash")).to_contain_text("The customer is told.")
        dispatch(twilio_app)
        assert [m.to for m in fake_twilio.messages] == [CUSTOMER_NUMBER]
        sent = fake_twilio.messages[0]
        assert sent.sender == SMS_FROM
        assert sent.body.startswith("Hallo Ursula, Ihr Termin am ")
        assert sent.body.endswith("Bis bald 😊")
        record = in_app(
            twilio_app,
            lambda s: s.scalar(select(Record).where(Record.customer_id == customer.id)),
        )
        reminder_due = in_app(
            twilio_app,
            lambda s: s.scalar(
                select(Notification.due_at).where(
                    Notification.record_id == record.id,
                    Notification.notice == Notice.REMINDER,
                )
            ),
        )
        assert reminder_due == (starts - timedelta(hours=48)).astimezone(reminder_due.tzinfo)

        # Moved an hour later without telling the customer: nothing goes out.
        page.locator("#edit-record").click()
        page.locator("#starts_at").fill(local_input(starts + timedelta(hours=1)))
        page.locator("#notify").uncheck()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".flash")).to_contain_text("The customer is not told.")
        dispatch(twilio_app)
        assert len(fake_twilio.messages) == 1
        moved = in_app(twilio_app, lambda s: s.get(Record, record.id))
        assert moved.starts_at == (starts + timedelta(hours=1)).astimezone(moved.starts_at.tzinfo)
        changes = in_app(
            twilio_app,
            lambda s: s.scalars(
                select(Notification).where(
                    Notification.record_id == record.id, Notification.notice == Notice.CHANGE
                )
            ).all(),
        )
        assert changes == []
        screenshot(page, "console-record.png")

        # Two rules at once: the cancellation and the declined request go by email.
        nav.get_by_role("link", name="Rules").click()
        page.get_by_label("Select Cancellation", exact=True).check()
        page.get_by_label("Select Request declined", exact=True).check()
        page.locator("#bulk-action").select_option("set_channel")
        page.locator("#bulk-channel").select_option("email")
        page.locator("#bulk-apply").click()
        expect(page.locator(".flash")).to_contain_text("2 rules changed.")
        channels = in_app(
            twilio_app,
            lambda s: dict(
                s.execute(
                    select(NotificationRule.name, NotificationRule.channel).where(
                        NotificationRule.business_id == new_salon
                    )
                ).all()
            ),
        )
        assert channels["Cancellation"] == ChannelChoice.EMAIL
        assert channels["Request declined"] == ChannelChoice.EMAIL
        assert channels["Booking confirmation"] == ChannelChoice.AUTO
        screenshot(page, "console-rules.png")

        # The month's usage: the one SMS sent and, once Twilio reports it delivered, billed
        # by its segments (the emoji made it UCS-2: two of them).
        report_delivered(twilio_app, sent)
        nav.get_by_role("link", name="Usage").click()
        expect(page.locator("#usage-sms-sent")).to_have_text("1")
        expect(page.locator("#usage-sms-delivered")).to_have_text("1")
        expect(page.locator("#usage-segments")).to_have_text("2")
        expect(page.locator("#usage-emails")).to_have_text("0")
        screenshot(page, "console-usage.png")
