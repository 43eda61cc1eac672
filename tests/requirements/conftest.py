"""Shared fixtures for the requirement tests (R0.1 … R4.10, listed in
docs/REQUIREMENTS.md): one file per requirement group.

These tests drive ReplyDesk the way an integrating developer does: through
the REST API with a bearer key, then one dispatcher pass as of an explicit
instant and the real RQ worker, then they read what reached the outside
world (the fake Twilio API, the SMTP sink) and what `GET /notifications`
says about each planned notice. Signed Twilio webhooks (inbound replies,
status callbacks) go through the test client like Twilio's own requests.
The plain helpers they read with live in tests/support/.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

import pytest
from twilio.request_validator import RequestValidator

from bot.models import utcnow
from outbound.jobs import run_dispatch_pass
from tests.support.api import created
from tests.support.settings import MOBILE, PUBLIC_BASE_URL, SMS_FROM, TWILIO_TOKEN
from tests.support.webhooks import twilio_form


@pytest.fixture
def add_customer(api):
    """POST /customers; defaults: Ursula Hoffmann, a German mobile, SMS consent."""

    def add(**fields) -> dict:
        body = {"name": "Ursula Hoffmann", "phone": MOBILE, "sms_consent": True, **fields}
        return created(api.post("/customers", json=body))

    return add


@pytest.fixture
def book(api):
    """POST /records for a customer: an appointment at `starts_at` unless told otherwise."""

    def add(customer: dict, starts_at: datetime | None = None, **fields) -> dict:
        body = {"customer_id": customer["id"], "duration_minutes": 45, **fields}
        if starts_at is not None:
            body["starts_at"] = starts_at.isoformat()
        return created(api.post("/records", json=body))

    return add


@pytest.fixture
def deliver(work):
    """One dispatcher pass as of `at` (default: now), then the real worker runs its jobs."""

    def run(at: datetime | None = None) -> dict:
        counts = run_dispatch_pass(at or utcnow(), send_inline=False)
        work()
        return counts

    return run


@pytest.fixture
def post_signed(client):
    """POST a form to a webhook URL (absolute, as Twilio calls it) with Twilio's signature."""

    def post(url: str, form: dict):
        signature = RequestValidator(TWILIO_TOKEN).compute_signature(url, form)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    return post


@pytest.fixture
def text_in(post_signed):
    """The customer's SMS `body` arriving at the inbound webhook from `sender`."""

    def send(body: str, sender: str = MOBILE):
        form = twilio_form(
            MessageSid="SM" + secrets.token_hex(16),
            From=sender,
            To=SMS_FROM,
            Body=body,
            NumMedia="0",
            NumSegments="1",
            SmsStatus="received",
        )
        response = post_signed(f"{PUBLIC_BASE_URL}/webhooks/twilio/messages", form)
        assert response.status_code == 200, response.get_data(as_text=True)
        return response

    return send


@pytest.fixture
def report_status(post_signed):
    """Twilio's status callback for an SMS the fake received, to the URL it was given."""

    def report(sms, status: str, **extra):
        form = twilio_form(
            MessageSid=sms.sid,
            MessageStatus=status,
            From=sms.params["From"],
            To=sms.to,
            **extra,
        )
        response = post_signed(sms.params["StatusCallback"], form)
        assert response.status_code in (200, 204), response.get_data(as_text=True)
        return response

    return report
