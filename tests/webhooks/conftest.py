"""Signed Twilio requests for the webhook tests: the form fields Twilio sends,
signed the way Twilio signs them (HMAC-SHA1 over the public URL and the sorted
parameters), posted through the test client."""

from __future__ import annotations

import secrets

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import PUBLIC_BASE_URL, SMS_FROM, TWILIO_SID, TWILIO_TOKEN

MESSAGES_PATH = "/webhooks/twilio/messages"
STATUS_PATH = "/webhooks/twilio/status"
CUSTOMER_PHONE = "+4915112345678"  # the customer_factory's default


def sign(path: str, form: dict, token: str = TWILIO_TOKEN) -> str:
    return RequestValidator(token).compute_signature(PUBLIC_BASE_URL + path, form)


def inbound_form(body: str, *, sender: str = CUSTOMER_PHONE, to: str = SMS_FROM, **extra) -> dict:
    """What Twilio posts for an inbound SMS."""
    return {
        "ToCountry": "DE",
        "SmsMessageSid": extra.get("MessageSid", ""),
        "NumMedia": "0",
        "SmsSid": extra.get("MessageSid", ""),
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": "SM" + secrets.token_hex(16),
        "AccountSid": TWILIO_SID,
        "From": sender,
        "ApiVersion": "2010-04-01",
        **extra,
    }


@pytest.fixture
def post_signed(client):
    """Post `form` to `path` with a valid signature (or the `signature` given)."""

    def post(path: str, form: dict, *, signature: str | None = None):
        headers = {"X-Twilio-Signature": sign(path, form) if signature is None else signature}
        return client.post(path, data=form, headers=headers)

    return post


@pytest.fixture
def text_in(post_signed):
    """A customer's text arriving at the inbound webhook; returns the response."""

    def send(body: str, **kwargs):
        return post_signed(MESSAGES_PATH, inbound_form(body, **kwargs))

    return send
