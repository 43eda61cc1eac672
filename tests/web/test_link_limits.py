"""Customer link pages share one rate limit per address; the Twilio webhooks have none."""

from __future__ import annotations

import pytest

from outbound.policy.links import LinkPurpose
from tests.support.webhooks import STATUS_PATH, sign
from tests.web.test_links import path

VISITOR = {"REMOTE_ADDR": "203.0.113.66"}
NEIGHBOUR = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "RATELIMIT_LINKS_PER_ADDRESS": "3 per minute"}


@pytest.fixture
def booked(customer_factory, record_factory):
    return record_factory(customer_factory(email="ursula@example.org", email_consent=True))


def test_the_link_pages_share_one_limit_per_address(db, app, client, booked):
    cancel = path(app, LinkPurpose.CANCEL, booked)
    calendar = path(app, LinkPurpose.CALENDAR, booked)
    assert client.get(cancel, environ_base=VISITOR).status_code == 200
    assert client.get(calendar, environ_base=VISITOR).status_code == 200
    assert client.get("/c/made-up-token", environ_base=VISITOR).status_code == 404

    for refused in (
        client.get(cancel, environ_base=VISITOR),
        client.get(calendar, environ_base=VISITOR),
        client.post(cancel, environ_base=VISITOR),
    ):
        assert refused.status_code == 429
        assert "Too many requests" in refused.text
        assert "Please try again in 1 minute." in refused.text
        assert "Bitte versuchen Sie es in 1 Minute noch einmal." in refused.text
        assert 1 <= int(refused.headers["Retry-After"]) <= 60
        # The 429 keeps the link's token out of referrers and caches like every link page.
        assert refused.headers["Referrer-Policy"] == "no-referrer"
        assert refused.headers["Cache-Control"] == "no-store"
    db.session.refresh(booked)
    assert booked.status == "confirmed"  # the refused POST cancelled nothing

    assert client.get(cancel, environ_base=NEIGHBOUR).status_code == 200


def test_the_twilio_webhooks_are_not_limited(client):
    # Twilio retries what we refuse, and its signature already vouches for it.
    form = {"MessageSid": "SM" + "0" * 32, "MessageStatus": "delivered"}
    headers = {"X-Twilio-Signature": sign(STATUS_PATH, form)}
    statuses = {
        client.post(STATUS_PATH, data=form, headers=headers, environ_base=VISITOR).status_code
        for _ in range(25)
    }
    assert statuses == {204}
