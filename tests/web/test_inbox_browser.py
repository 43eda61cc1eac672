"""The web inbox in Debian's Chromium against the app served over HTTP, with the
fake Twilio as the SMS provider: texts posted to the real webhook appear without
a reload, a reply leaves from the business's number, the keyboard works, and a
customer's <script> stays text. With REPLYDESK_SCREENSHOTS=1 the run also saves
docs/images/inbox-list.png and docs/images/inbox-thread.png."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker
from sqlalchemy import select

from bot.config import webhook_auth_token
from bot.extensions import db as _db
from bot.models import Conversation, InboxStatus, utcnow
from bot.services.businesses import create_business
from bot.services.commands import CustomerChanges, RecordChanges
from bot.services.customers import create_customer
from bot.services.records import create_record
from bot.web.simulator import INBOUND_PATH, deliver_to_webhook, twilio_inbound_form
from outbound.jobs import run_dispatch_pass
from outbound.queueing import QUEUES, get_queue, redis_connection
from tests.support.settings import SMS_FROM, TWILIO_SID
from tests.support.web import add_user
from tests.web.browser import chromium, log_in

UNKNOWN = "+4917600000001"
STRANGER = "+4917600000666"
XSS = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
OTHER_EMAIL = "eve@other.test"
IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("REPLYDESK_SCREENSHOTS") == "1"
LIVE = 12_000  # ms to wait for a poll (every 4 s) to bring a change in


def inbox_ready(page) -> None:
    """Wait until the page's script has run: a key pressed before it does nothing."""
    expect(page.locator("body[data-inbox-ready]")).to_have_count(1)


@pytest.fixture
def salon(twilio_app):
    """A salon with two staff users and a customer with an appointment, and another
    business with its own user."""
    with twilio_app.app_context():
        session = _db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SMS_FROM, locale="de"
        ).business
        customer = create_customer(
            session,
            business,
            CustomerChanges(name="Ursula Hoffmann", phone="+4915112345678", sms_consent=True),
        )
        now = utcnow()
        create_record(
            session,
            business,
            RecordChanges(
                customer_id=customer.id,
                starts_at=(now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0),
                duration_minutes=45,
                source="calendar",
            ),
            now=now,
        )
        session.commit()
        anna = add_user(session, business)
        anna.locale = "en"
        ben = add_user(session, business, email="ben@salon.test")
        ben.name = "Ben"
        other = create_business(session, name="Other Salon", sms_from="+4930555011").business
        add_user(session, other, email=OTHER_EMAIL)
        session.commit()
        run_dispatch_pass(now, send_inline=True)  # the booking confirmation
        session.remove()


def text_in(app, sender: str, body: str) -> None:
    """A customer's SMS, signed and posted to the running app's webhook as Twilio would."""
    form = twilio_inbound_form(account_sid=TWILIO_SID, sender=sender, to=SMS_FROM, body=body)
    url = app.config["PUBLIC_BASE_URL"] + INBOUND_PATH
    assert deliver_to_webhook(url, form, webhook_auth_token(app.config)) is None


def run_send_jobs(app, redis_url: str) -> None:
    with app.app_context():
        queues = [get_queue(name, redis_url) for name in QUEUES]
        SimpleWorker(queues, connection=redis_connection(redis_url)).work(burst=True)
        _db.session.remove()


def conversation_id(app, address: str) -> int:
    with app.app_context():
        found = _db.session.scalar(select(Conversation.id).where(Conversation.address == address))
        _db.session.remove()
        return found


def inbox_status(app, address: str) -> InboxStatus:
    with app.app_context():
        found = _db.session.scalar(
            select(Conversation.inbox_status).where(Conversation.address == address)
        )
        _db.session.remove()
        return found


@pytest.mark.browser
def test_staff_work_the_inbox_in_a_browser(twilio_app, salon, redis_server, fake_twilio):
    base = twilio_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        rows = page.locator("[data-row]")
        expect(rows).to_have_count(0)

        # Texts reach the webhook while the page is open and show up without a reload.
        text_in(twilio_app, "+4915112345678", "Kann ich meinen Hund mitbringen?")
        text_in(twilio_app, UNKNOWN, "Habt ihr Samstag noch was frei?")
        expect(rows).to_have_count(2, timeout=LIVE)
        first = rows.first
        expect(first).to_contain_text(UNKNOWN)
        expect(first).to_have_class(re.compile(r"\bunread\b"))
        expect(first).to_contain_text("Unknown number: no customer has this address.")
        expect(rows.nth(1)).to_contain_text("Ursula Hoffmann")
        expect(page.locator(".inbox-tabs")).to_contain_text("Open 2")
        if SCREENSHOTS:
            IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(IMAGES / "inbox-list.png"))
            ursula = conversation_id(twilio_app, "+4915112345678")
            page.goto(f"{base}/inbox/{ursula}")
            page.get_by_label("Reply to Ursula Hoffmann").fill(
                "Gern – Hunde sind bei uns willkommen!"
            )
            page.screenshot(path=str(IMAGES / "inbox-thread.png"), full_page=True)
            page.goto(base + "/inbox")

        # j/k move, Enter opens.
        inbox_ready(page)
        page.keyboard.press("j")
        expect(rows.nth(1)).to_have_class(re.compile(r"\bselected\b"))
        inbox_ready(page)
        page.keyboard.press("k")
        expect(first).to_have_class(re.compile(r"\bselected\b"))
        inbox_ready(page)
        page.keyboard.press("/")
        expect(page.locator("#inbox-q")).to_be_focused()
        inbox_ready(page)
        page.keyboard.press("Escape")
        page.keyboard.press("Enter")
        unknown_id = conversation_id(twilio_app, UNKNOWN)
        expect(page).to_have_url(re.compile(rf"/inbox/{unknown_id}$"))
        expect(page.locator(".inbox-thread")).to_contain_text("Habt ihr Samstag noch was frei?")

        # The live counter names what forces UCS-2; Ctrl+Enter sends.
        box = page.get_by_label(f"Reply to {UNKNOWN}")
        box.fill("Geht’s am Samstag um 10?")
        expect(page.locator("#segment-counter")).to_contain_text("UCS-2 because of: ’")
        box.fill("Ja, Samstag um 10 Uhr ist frei.")
        expect(page.locator("#segment-counter")).to_contain_text("31 characters · 1 SMS · GSM-7")
        box.press("Control+Enter")
        expect(page.locator(".flash")).to_contain_text("Reply queued")
        run_send_jobs(twilio_app, redis_server.url)
        [sent] = [m for m in fake_twilio.messages if m.body.startswith("Ja, Samstag")]
        assert (sent.sender, sent.to) == (SMS_FROM, UNKNOWN)
        staff_message = page.locator(".inbox-thread .msg-staff").last
        expect(staff_message).to_contain_text(re.compile("accepted|sent|delivered"), timeout=LIVE)

        # Assign to a colleague, snooze, reopen, and resolve with e.
        page.get_by_label("Assign to").select_option(label="Ben")
        page.get_by_role("button", name="Assign", exact=True).click()
        expect(page.locator(".thread-status")).to_contain_text("Assigned to Ben")
        page.get_by_label("Until next week").check()
        page.get_by_role("button", name="Snooze").click()
        expect(page.locator(".flash")).to_contain_text("Snoozed until")
        assert inbox_status(twilio_app, UNKNOWN) == InboxStatus.SNOOZED
        page.get_by_role("button", name="Reopen").click()
        expect(page.locator(".thread-status")).to_contain_text("open")
        inbox_ready(page)
        page.keyboard.press("e")
        expect(page.locator(".flash")).to_contain_text("Resolved.")
        assert inbox_status(twilio_app, UNKNOWN) == InboxStatus.RESOLVED

        # e on the list resolves the selected row.
        page.goto(base + "/inbox")
        expect(rows).to_have_count(1)
        inbox_ready(page)
        page.keyboard.press("e")
        expect(page.locator(".flash")).to_contain_text("Resolved.")
        expect(rows).to_have_count(0)
        assert inbox_status(twilio_app, "+4915112345678") == InboxStatus.RESOLVED

        # A customer's markup is shown as text and never runs: in the live list
        # and in the thread.
        text_in(twilio_app, STRANGER, "Hallo")
        text_in(twilio_app, STRANGER, XSS)
        expect(rows).to_have_count(1, timeout=LIVE)
        stranger_id = conversation_id(twilio_app, STRANGER)
        page.goto(f"{base}/inbox/{stranger_id}")
        expect(page.locator(".inbox-thread")).to_contain_text(XSS)
        assert page.evaluate("window.__pwned") is None
        page.goto(base + "/inbox")
        expect(rows.first).to_contain_text(STRANGER)
        assert page.evaluate("window.__pwned") is None

        # Nobody else sees any of it: a visitor without a login, another business's user.
        visitor = browser.new_page()
        visitor.goto(f"{base}/inbox/{stranger_id}")
        expect(visitor).to_have_url(re.compile(r"/login"))
        assert STRANGER not in visitor.content() and "__pwned" not in visitor.content()
        assert visitor.evaluate("window.__pwned") is None
        other = browser.new_context().new_page()
        log_in(other, base, OTHER_EMAIL)
        assert STRANGER not in other.content() and UNKNOWN not in other.content()
        response = other.goto(f"{base}/inbox/{stranger_id}")
        assert response.status == 404
        assert STRANGER not in other.content()
