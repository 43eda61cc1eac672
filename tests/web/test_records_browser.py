"""The appointments pages in Debian's Chromium against the app served over HTTP, with the
fake Twilio as the SMS provider: an appointment for a phone-only customer made with the
keyboard shows in the day view and texts the customer; moved with "Notify the customer"
unticked, nothing more is sent; and the week view, a record and the form fit a phone."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.extensions import db as _db
from bot.models import Notification, Record, utcnow
from bot.services.businesses import create_business
from bot.services.catalogue import create_location, create_staff_member
from bot.services.commands import CustomerChanges, LocationChanges, RecordChanges, StaffChanges
from bot.services.customers import create_customer
from bot.services.records import create_record
from outbound.jobs import run_dispatch_pass
from tests.support.settings import SMS_FROM
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in

BERLIN = ZoneInfo("Europe/Berlin")
PHONE_ONLY = "+4915199988877"


@pytest.fixture
def salon(twilio_app):
    """A salon with a user reading English, a phone-only customer and a location."""
    with twilio_app.app_context():
        session = _db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SMS_FROM, locale="de"
        ).business
        customer = create_customer(
            session, business, CustomerChanges(phone=PHONE_ONLY, sms_consent=True)
        )
        create_location(session, business, LocationChanges(name="Mitte"))
        create_staff_member(session, business, StaffChanges(name="Jana"))
        user = add_user(session, business)
        user.locale = "en"
        session.commit()
        found = (business.id, customer.id)
        session.remove()
    return found


def dispatch(app) -> None:
    with app.app_context():
        run_dispatch_pass(utcnow(), send_inline=True)
        _db.session.remove()


def the_record(app) -> Record:
    with app.app_context():
        record = _db.session.scalar(select(Record))
        _db.session.expunge_all()
        _db.session.remove()
        return record


def customer_notices(app) -> list[str]:
    with app.app_context():
        notices = _db.session.scalars(
            select(Notification.notice).where(Notification.audience == "customer")
        ).all()
        _db.session.remove()
        return list(notices)


@pytest.mark.browser
def test_make_and_move_an_appointment_with_the_keyboard(twilio_app, salon, fake_twilio):
    base = twilio_app.config["PUBLIC_BASE_URL"]
    starts = (datetime.now(BERLIN) + timedelta(days=3)).replace(
        hour=10, minute=30, second=0, microsecond=0
    )
    moved = starts + timedelta(days=1, hours=4)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.goto(base + "/records")
        expect(page.get_by_role("link", name="Appointments")).to_have_class("current")

        # From the page to the form with the keyboard: focus the link, Enter.
        page.get_by_role("link", name="New appointment").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/records/new"))
        customer = page.locator("#customer_id")
        expect(customer).to_be_focused()  # the form starts at the customer
        # The script offers only the chosen kind's statuses.
        expect(page.locator("body[data-records-ready]")).to_have_count(1)
        expect(page.locator("#status option[data-kind='order']").first).to_be_disabled()
        expect(page.locator("#status option[data-kind='appointment']").first).to_be_enabled()
        page.keyboard.press("ArrowDown")  # the only customer: known by the number
        expect(customer).to_have_value(str(salon[1]))
        expect(customer.locator("option:checked")).to_have_text(PHONE_ONLY)
        page.get_by_label("Date and time").fill(starts.strftime("%Y-%m-%dT%H:%M"))
        page.get_by_label("Duration (minutes)").fill("45")
        expect(page.locator("#notify")).to_be_checked()
        title = page.get_by_label("Title")
        title.fill("Schnitt")
        title.press("Enter")  # submits with the form's first button, Save

        expect(page.locator(".flash")).to_contain_text("Appointment saved. The customer is told.")
        record = the_record(twilio_app)
        assert record.starts_at == starts.astimezone(UTC)
        dispatch(twilio_app)
        [sms] = [m for m in fake_twilio.messages if m.to == PHONE_ONLY]
        assert starts.strftime("%d.%m.%Y") in sms.body and sms.sender == SMS_FROM
        page.reload()
        expect(page.locator("tr[data-notice='confirmation']")).to_contain_text("sent")

        # In the day view.
        page.get_by_role("link", name="Back to the appointments").click()
        day = page.locator(".records-day")
        expect(day).to_contain_text(PHONE_ONLY)
        expect(day).to_contain_text("10:30–11:15")

        # Moved with "Notify the customer" unticked: nothing more goes out.
        day.get_by_role("link", name=re.compile(re.escape(PHONE_ONLY))).click()
        page.get_by_role("link", name="Edit or move").click()
        page.locator("#starts_at").fill(moved.strftime("%Y-%m-%dT%H:%M"))
        page.locator("#notify").focus()
        page.keyboard.press("Space")
        expect(page.locator("#notify")).not_to_be_checked()
        page.get_by_role("button", name="Save").focus()
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_contain_text("The customer is not told.")
        assert the_record(twilio_app).starts_at == moved.astimezone(UTC)
        dispatch(twilio_app)
        assert "change" not in customer_notices(twilio_app)
        assert [m.to for m in fake_twilio.messages] == [PHONE_ONLY]


@pytest.mark.browser
def test_the_pages_fit_a_phone(twilio_app, salon):
    business_id, customer_id = salon
    monday = datetime.now(BERLIN).date() - timedelta(days=datetime.now(BERLIN).weekday())
    with twilio_app.app_context():
        session = _db.session
        from bot.models import Business

        business = session.get(Business, business_id)
        for n in range(5):
            moment = datetime.combine(monday + timedelta(days=n), datetime.min.time(), BERLIN)
            create_record(
                session,
                business,
                RecordChanges(
                    customer_id=customer_id,
                    starts_at=moment.replace(hour=9 + n),
                    status="pending" if n == 1 else "confirmed",
                    source="online" if n == 1 else "calendar",
                    title="Balayage mit sehr langem Namen und Pflegebehandlung " * 2,
                ),
                now=utcnow() - timedelta(days=10),
            )
        # Enough customers for the form's search box.
        names = ["Anna Berg", "Bernd Kowalski", "Clara Diaz", "Dora Esser", "Emil Fuchs"]
        names += ["Frieda Gans", "Gustav Hahn", "Hanna Igel", "Ida Jung"]
        kowalski = None
        for n, name in enumerate(names):
            phone = f"+49151000000{n:02d}"
            made = create_customer(session, business, CustomerChanges(name=name, phone=phone))
            kowalski = made if name == "Bernd Kowalski" else kowalski
        session.commit()
        kowalski_id = kowalski.id
        session.remove()
    base = twilio_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE, is_mobile=True)
        log_in(page, base)
        page.goto(f"{base}/records?view=week&date={monday.isoformat()}")
        days = page.locator(".records-day")
        expect(days).to_have_count(7)
        # One day under the other, not seven columns side by side.
        first, second = days.nth(0).bounding_box(), days.nth(1).bounding_box()
        assert second["y"] > first["y"] and abs(second["x"] - first["x"]) < 2
        assert first["width"] > 300
        assert_fits_the_screen(page)
        page.get_by_role("link", name=re.compile(re.escape(PHONE_ONLY))).first.click()
        expect(page.locator("#record-when")).to_be_visible()
        assert_fits_the_screen(page)
        page.goto(base + "/records/new")
        expect(page.get_by_role("button", name="Save")).to_be_visible()
        page.get_by_label("Find a customer by name or number").fill("kowal")
        expect(page.locator("#customer_id")).to_have_value(str(kowalski_id))
        assert_fits_the_screen(page)
