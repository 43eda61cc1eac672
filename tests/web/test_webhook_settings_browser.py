"""The webhooks page in Debian's Chromium against the app served over HTTP: the owner
reaches it from the settings navigation with the keyboard, adds an endpoint at a real
receiver on loopback (the server allows private addresses here), reads its secret off the
page, and once an event is delivered sees it delivered on the endpoint's deliveries page;
the receiver verifies the request's signature with that secret (standardwebhooks). And
the pages fit a phone-sized screen with a long address and a long error."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from bot import create_app
from bot.extensions import db as _db
from bot.models import Business, WebhookDelivery, utcnow
from bot.services.businesses import create_business
from bot.services.commands import WebhookEndpointChanges
from bot.services.webhook_endpoints import create_endpoint
from outbound.policy.vocabulary import WebhookDeliveryStatus, WebhookEvent
from outbound.queueing import redis_connection
from outbound.webhook_deliveries import deliver_now
from outbound.webhook_events import record_event
from tests.support.receivers import webhook_receiver
from tests.support.servers import live_database_app
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in


@pytest.fixture
def hooks_app(tmp_path, redis_server):
    """`live_app` of tests/web/conftest.py, but calling private addresses: the receiver
    is on loopback."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'hooks.sqlite3'}",
            "REDIS_URL": redis_server.url,
            "SECRET_KEY": "hooks-test-secret",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "TWILIO_ACCOUNT_SID": None,
            "TWILIO_AUTH_TOKEN": None,
            "SMS_TRANSPORT": "simulator",
            "EMAIL_TRANSPORT": "simulator",
            "SMTP_URL": None,
            "ALLOW_PRIVATE_WEBHOOK_URLS": True,
        }
    )
    with live_database_app(app):
        yield app
    redis_connection(redis_server.url).flushdb()


@pytest.fixture
def salon(hooks_app) -> int:
    """A salon and its owner, who reads the app in English."""
    with hooks_app.app_context():
        business = create_business(_db.session, name="Salon Sonnenschein").business
        add_user(_db.session, business).locale = "en"
        _db.session.commit()
        business_id = business.id
        _db.session.remove()
    return business_id


def deliver_a_customer_text(app, business_id: int) -> str:
    """A customer's text as the inbound webhook records it, delivered at once as the
    worker's job would; the delivery's status afterwards."""
    with app.app_context():
        (delivery,) = record_event(
            _db.session,
            business_id,
            WebhookEvent.MESSAGE_RECEIVED,
            {"customer_id": None, "body": "Ja"},
            utcnow(),
        )
        _db.session.commit()
        status = deliver_now(_db.session, delivery.id, now=utcnow(), config=app.config)
        assert _db.session.get(WebhookDelivery, delivery.id).status.value == status
        _db.session.remove()
    return status


@pytest.mark.browser
def test_the_owner_adds_a_webhook_and_sees_its_delivery(hooks_app, salon):
    base = hooks_app.config["PUBLIC_BASE_URL"]
    with webhook_receiver() as receiver, chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Settings", exact=True).click()
        expect(page).to_have_url(re.compile(r"/settings$"))
        page.get_by_role("navigation", name="Settings").get_by_role("link", name="Webhooks").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/settings/webhooks$"))
        expect(page.locator("#webhooks")).to_contain_text("No webhook yet.")

        page.get_by_label("Address (URL)").fill(receiver.url)
        page.keyboard.press("Tab")  # the events follow the address
        expect(page.get_by_label("A customer's text came in")).to_be_focused()
        page.keyboard.press("Space")
        page.get_by_role("button", name="Add webhook").click()

        expect(page).to_have_url(re.compile(r"/settings/webhooks$"))
        secret = page.locator("#new_webhook_secret").input_value()
        assert secret.startswith("whsec_")
        row = page.locator("#webhooks tbody tr").first
        expect(row).to_contain_text(receiver.url)
        expect(row).to_contain_text("message.received")
        expect(row).to_contain_text("none yet")

        assert deliver_a_customer_text(hooks_app, salon) == "succeeded"
        (request,) = receiver.requests
        event = Webhook(secret).verify(request.body, request.headers)
        assert event["type"] == "message.received" and event["data"]["body"] == "Ja"

        page.reload()
        expect(page.locator("#new_webhook_secret")).to_have_count(0)  # shown once
        expect(row).to_contain_text("delivered")
        row.get_by_role("link", name="Deliveries").click()
        delivered = page.locator("#webhook-deliveries tbody tr")
        expect(delivered).to_have_count(1)
        expect(delivered.locator(".delivery-status")).to_have_text("delivered")
        expect(delivered).to_contain_text(request.headers["webhook-id"])
        expect(delivered).to_contain_text("204")


@pytest.mark.browser
def test_the_webhook_pages_fit_a_phone(hooks_app, salon):
    base = hooks_app.config["PUBLIC_BASE_URL"]
    long_url = "https://crm.example.com/hooks/" + "replydesk-" * 12
    with hooks_app.app_context():
        endpoint = create_endpoint(
            _db.session,
            _db.session.get(Business, salon),
            WebhookEndpointChanges(url=long_url, events=["message.received"]),
            allow_private_urls=True,
        )
        _db.session.flush()
        _db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint.id,
                event_type="message.received",
                event_id="msg_" + "ab" * 12,
                payload={},
                status=WebhookDeliveryStatus.FAILED,
                attempts=10,
                last_status_code=None,
                last_error="ConnectTimeout: " + "the host did not answer in time " * 6,
            )
        )
        _db.session.commit()
        endpoint_id = endpoint.id
        _db.session.remove()
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base)
        one = f"{base}/settings/webhooks/{endpoint_id}"
        pages = (f"{base}/settings/webhooks", one, f"{one}/rotate-secret", f"{one}/delete")
        for address in (*pages, f"{one}/deliveries"):
            page.goto(address)
            assert_fits_the_screen(page)
