"""DNS rebinding of outgoing webhook deliveries: a receiver's name whose DNS answers a public
address to the check and loopback to every later lookup never gets the request on loopback,
since each try resolves the name once, for its check, and connects to the address that check
returned; the try is left pending with a connection error, to come again. DNS and the public
internet are the outside world, so `socket.getaddrinfo` and connections to the public address
are replaced; the receiver is a real HTTP server on loopback, the delivery a real row on
SQLite and PostgreSQL."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import select

from bot.models import WebhookDelivery
from bot.services.commands import WebhookEndpointChanges
from bot.services.webhook_endpoints import create_endpoint
from outbound.jobs import deliver_webhook
from outbound.policy.vocabulary import WebhookDeliveryStatus, WebhookEvent
from outbound.webhook_events import record_event
from tests.support.databases import BOTH_DATABASES
from tests.support.receivers import webhook_receiver

REBOUND_NAME = "hooks.rebind.example"
# A public address: the check lets it pass. The tests reach no other machine (the suite's
# network guard), so a connection to it is refused at once (`public_internet`).
PUBLIC_ADDRESS = "93.184.216.34"
_real_getaddrinfo = socket.getaddrinfo


class RebindingDns:
    """`socket.getaddrinfo` for a name whose owner rebinds it: the first lookup of `name`
    answers `first`, every later one `later`; other names and addresses resolve as usual."""

    def __init__(self, name: str, first: str, later: str) -> None:
        self.name, self.first, self.later = name, first, later
        self.lookups = 0

    def __call__(self, host, port, *args, **kwargs):
        if host != self.name:
            return _real_getaddrinfo(host, port, *args, **kwargs)
        self.lookups += 1
        answer = self.first if self.lookups == 1 else self.later
        return _real_getaddrinfo(answer, port, *args, **kwargs)


@pytest.fixture
def public_internet(_network_guard, monkeypatch):
    """The public internet, where nothing answers: a connection to PUBLIC_ADDRESS is refused
    (and noted); every other connection stays under the suite's loopback-only guard."""
    guarded_connect = socket.socket.connect
    attempts: list[tuple[str, int]] = []

    def connect(sock, address):
        if address[0] == PUBLIC_ADDRESS:
            attempts.append(address[:2])
            raise ConnectionRefusedError(111, "Connection refused")
        return guarded_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


@BOTH_DATABASES
def test_a_name_rebound_to_loopback_after_the_check_is_not_called(
    app, db, business, now, monkeypatch, public_internet
):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = False
    with webhook_receiver() as receiver:
        url = f"http://{REBOUND_NAME}:{receiver.port}/hooks"
        # Saved without a lookup: the first one below is the check of the try.
        create_endpoint(
            db.session,
            business,
            WebhookEndpointChanges(url=url, events=[]),
            allow_private_urls=True,
        )
        (delivery,) = record_event(
            db.session, business, WebhookEvent.MESSAGE_RECEIVED, {"customer_id": 7}, now
        )
        db.session.commit()
        dns = RebindingDns(REBOUND_NAME, first=PUBLIC_ADDRESS, later="127.0.0.1")
        monkeypatch.setattr(socket, "getaddrinfo", dns)

        assert deliver_webhook(delivery.id) == "pending"

    assert receiver.requests == []
    assert dns.lookups == 1  # the check's: the connection used the address it returned
    assert public_internet == [(PUBLIC_ADDRESS, receiver.port)]
    db.session.expire_all()
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("ConnectionError")
    assert PUBLIC_ADDRESS in delivery.last_error
    assert delivery.next_attempt_at is not None
