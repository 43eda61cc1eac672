"""Fixtures for the fuzz tests: the salon's API key and rows for the fuzzers to find.

The fuzzers mostly hit ids that do not exist; a customer, an appointment, an open
inbox conversation and two outbound SMS (one already carrying Twilio's SID, one
still waiting for it) give them rows with low ids, so generated ids and SIDs
sometimes meet real ones, and a status callback can name one message's id with
the other's SID.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.models import Customer, InboxStatus, utcnow
from bot.services.businesses import create_api_key
from outbound.policy.vocabulary import Channel
from outbound.threads import conversation_for
from tests.support.outbox import queue_sms


@dataclass
class Seeded:
    api_key: str
    customer: Customer
    customer_phone: str
    message_ids: list[int]
    sids: list[str]


@pytest.fixture
def app_config(app_config):
    # schemathesis repeats every case without a key (its ignored-auth check), so
    # one operation's examples can pass the bad-key limit of their one address.
    # The limits stay on, their code runs for every request, but above what a fuzz
    # test sends; tests/api/test_rate_limits.py holds the limits themselves.
    return {
        **app_config,
        "RATELIMIT_API_PER_KEY": "1000000 per minute",
        "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "1000000 per minute",
    }


@pytest.fixture
def seeded(db, business, customer_factory, record_factory) -> Seeded:
    api_key = create_api_key(db.session, business)
    customer = customer_factory()
    record_factory(customer)
    # An inbox conversation with the first id, for the /conversations routes.
    conversation = conversation_for(
        db.session, business, Channel.SMS, customer.phone, customer=customer, now=utcnow()
    )
    conversation.inbox_status = InboxStatus.OPEN
    waiting = queue_sms(db.session, business, customer, "Ihr Termin steht.")
    sent = queue_sms(db.session, business, customer, "Bis morgen!")
    sent.provider_sid = "SM" + "5e" * 16
    db.session.commit()
    return Seeded(
        api_key=api_key,
        customer=customer,
        customer_phone=customer.phone,
        message_ids=[waiting.id, sent.id],
        sids=[sent.provider_sid],
    )
