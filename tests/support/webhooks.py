"""Twilio's side of the webhooks for the tests: the webhook paths, the form fields
Twilio sends for an inbound SMS, and its signature (HMAC-SHA1 over the public URL
and the sorted parameters, as Twilio signs)."""

from __future__ import annotations

import secrets

from twilio.request_validator import RequestValidator

from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM, TWILIO_SID, TWILIO_TOKEN

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


def twilio_form(**fields) -> dict:
    """What Twilio posts to a webhook: account, API version and the given fields."""
    return {"AccountSid": TWILIO_SID, "ApiVersion": "2010-04-01", **fields}
