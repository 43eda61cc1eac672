"""Signed Twilio requests for the webhook tests: the form fields Twilio sends,
signed the way Twilio signs them (tests/support/webhooks.py), posted through the
test client."""

from __future__ import annotations

import pytest

from tests.support.webhooks import MESSAGES_PATH, inbound_form, sign


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
