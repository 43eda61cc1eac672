"""The phone simulator: the page, its feed, the Twilio form it builds, and the
whole loop in a real browser against the app served over HTTP."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from rq import SimpleWorker
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot.config import webhook_auth_token
from bot.extensions import db as _db
from bot.models import Direction, Message, Record, utcnow
from bot.services.businesses import create_business
from bot.services.commands import CustomerChanges, RecordChanges
from bot.services.customers import create_customer
from bot.services.records import create_record
from bot.web.simulator import twilio_inbound_form
from outbound.jobs import run_dispatch_pass
from outbound.queueing import QUEUES, get_queue, redis_connection
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM
from tests.support.web import add_user
from tests.web.browser import chromium, log_in

SCREENSHOT = "/tmp/simulator.png"


# --- the page and its feed, through the test client --------------------------------


def test_the_page_lists_the_customers_with_a_phone(logged_in, customer_factory, business_factory):
    customer_factory(name="Ursula Hoffmann")
    customer_factory(name="Mail Only", phone=None, email="mail@example.org")
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    customer_factory(name="Someone Else", phone="+4915199988877", business=other)
    page = logged_in.get("/simulator").get_data(as_text=True)
    assert "Ursula Hoffmann" in page
    assert "Mail Only" not in page
    assert "Someone Else" not in page


def test_the_form_the_simulator_builds_passes_the_webhook_check(
    app, db, logged_in, customer_factory, record_factory
):
    customer = customer_factory()
    record_factory(customer)
    form = twilio_inbound_form(
        account_sid="AC" + "0" * 32, sender=customer.phone, to=SMS_FROM, body="ja"
    )
    assert re.fullmatch(r"SM[0-9a-f]{32}", form["MessageSid"])
    assert form["NumSegments"] == "1" and form["SmsStatus"] == "received"
    url = PUBLIC_BASE_URL + "/webhooks/twilio/messages"
    signature = RequestValidator(webhook_auth_token(app.config)).compute_signature(url, form)
    response = logged_in.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200

    feed = logged_in.get(f"/simulator/customers/{customer.id}/feed.json").json
    assert [(m["from_customer"], m["author"]) for m in feed["messages"]] == [
        (True, "customer"),
        (False, "bot"),
    ]
    assert feed["messages"][0]["body"] == "ja"
    assert feed["messages"][1]["body"].startswith("Danke, Ihr Termin")
    assert feed["appointments"][0]["confirmed_by_customer"] is True


def test_the_feed_of_another_business_customer_is_not_found(
    logged_in, customer_factory, business_factory
):
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    stranger = customer_factory(phone="+4915199988877", business=other)
    assert logged_in.get(f"/simulator/customers/{stranger.id}/feed.json").status_code == 404
    response = logged_in.post(f"/simulator/customers/{stranger.id}/texts", data={"body": "ja"})
    assert response.status_code == 404


def test_an_empty_text_is_not_sent(db, logged_in, customer_factory):
    customer = customer_factory()
    response = logged_in.post(
        f"/simulator/customers/{customer.id}/texts", data={"body": "   "}, follow_redirects=True
    )
    assert "Type a text first." in response.get_data(as_text=True)
    assert db.session.scalars(select(Message)).all() == []


def test_the_feed_needs_a_login(client, customer_factory):
    customer = customer_factory()
    assert client.get(f"/simulator/customers/{customer.id}/feed.json").status_code == 302


# --- the whole loop in a browser -----------------------------------------------------


@pytest.fixture
def demo(live_app):
    """A salon with SMS, a staff login, and a customer with an appointment in two days,
    whose booking confirmation has been sent (through the simulator transport)."""
    with live_app.app_context():
        session = _db.session
        business = create_business(session, name="Salon Sonnenschein", sms_from=SMS_FROM).business
        customer = create_customer(
            session,
            business,
            CustomerChanges(name="Ursula Hoffmann", phone="+4915112345678", sms_consent=True),
        )
        now = utcnow()
        record = create_record(
            session,
            business,
            RecordChanges(
                customer_id=customer.id,
                starts_at=now + timedelta(days=2),
                duration_minutes=45,
                source="calendar",
            ),
            now=now,
        )
        session.commit()
        # The salon speaks German; its staff user reads the web app in English.
        add_user(session, business).locale = "en"
        session.commit()
        run_dispatch_pass(now, send_inline=True)
        ids = {"customer": customer.id, "record": record.id}
        session.remove()
    return ids


def run_worker(live_app, redis_url: str) -> None:
    with live_app.app_context():
        queues = [get_queue(name, redis_url) for name in QUEUES]
        SimpleWorker(queues, connection=redis_connection(redis_url)).work(burst=True)


@pytest.mark.browser
def test_texting_ja_in_the_simulator_confirms_the_appointment(live_app, demo, redis_server):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Phone simulator").click()
        expect(page).to_have_url(re.compile(r"/simulator"))

        page.get_by_role("link", name=re.compile("Ursula Hoffmann")).click()
        thread = page.locator("#thread")
        expect(thread).to_contain_text("Antworten Sie C, um ihn zu bestätigen")

        page.get_by_label("Text from Ursula Hoffmann").fill("ja")
        page.get_by_role("button", name="Send").click()
        expect(thread.locator(".bubble.mine").last).to_contain_text("ja")

        run_worker(live_app, redis_server.url)  # sends the bot's reply
        reply = thread.locator(".bubble.theirs").last
        expect(reply).to_contain_text("ist bestätigt", timeout=10_000)
        expect(reply).to_contain_text("delivered")
        expect(page.locator("#appointments")).to_contain_text("confirmed by customer")
        page.screenshot(path=SCREENSHOT, full_page=True)

    with live_app.app_context():
        record = _db.session.get(Record, demo["record"])
        assert record.customer_confirmed_at is not None
        inbound = _db.session.scalar(select(Message).where(Message.direction == Direction.INBOUND))
        assert inbound.from_address == "+4915112345678" and inbound.to_address == SMS_FROM
        _db.session.remove()
