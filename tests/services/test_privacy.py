"""`bot.services.erasure` and `bot.services.customer_export` on both databases: an erasure
touches one customer only (another customer's rows stay as they were, a number that moved
from one customer to another included), deletes their records while their notices stay
without them, frees their appointments ahead, and takes their number out of a failure's
reason; the export of a customer with nothing but a name holds empty lists, and outgoing
webhook events about them keep only their ids, those written before they were known too."""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from sqlalchemy import select

from bot.models import (
    ContactAddress,
    Conversation,
    Customer,
    Message,
    Notification,
    Record,
    WebhookDelivery,
)
from bot.services.commands import CustomerChanges, WebhookEndpointChanges
from bot.services.customer_export import export_customer
from bot.services.customers import update_customer
from bot.services.erasure import ERASED, ERASED_REASON, erase_customer
from bot.services.inbound import handle_inbound
from bot.services.webhook_endpoints import create_endpoint
from outbound.policy.vocabulary import NotificationStatus, WebhookEvent
from outbound.webhook_events import record_event
from tests.support.databases import BOTH_DATABASES
from tests.support.settings import SMS_FROM
from tests.support.webhooks import twilio_form

pytestmark = BOTH_DATABASES

URSULA = "+4915112345678"
JANA = "+4917698765432"
ANNAS_NEW_NUMBER = "+4915199999999"


def rows(session, model, **where):
    return session.scalars(select(model).filter_by(**where).order_by(model.id)).all()


def text_in(db, body: str, sender: str, now) -> None:
    """A text from `sender` to the business, as the inbound webhook hands it over."""
    form = twilio_form(
        MessageSid="SM" + secrets.token_hex(16),
        From=sender,
        To=SMS_FROM,
        Body=body,
        NumMedia="0",
        NumSegments="1",
        SmsStatus="received",
    )
    handle_inbound(db.session, form, now=now)
    db.session.commit()


def listen_to_every_event(db, business) -> None:
    changes = WebhookEndpointChanges(url="http://127.0.0.1:9/replydesk", events=[])
    create_endpoint(db.session, business, changes, allow_private_urls=True)
    db.session.commit()


def test_an_erasure_touches_only_its_customer(db, business, customer_factory, record_factory, now):
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    jana = customer_factory(name="Jana Keller", phone=JANA)
    record_factory(ursula, starts_at=now + timedelta(days=3))
    record_factory(ursula, starts_at=now - timedelta(days=30))
    janas_record = record_factory(jana, starts_at=now + timedelta(days=3))
    janas_notices = [
        (n.id, n.status, n.reason, n.record_id)
        for n in rows(db.session, Notification, customer_id=jana.id)
    ]
    ursulas_notices = [n.id for n in rows(db.session, Notification, customer_id=ursula.id)]
    assert janas_notices and ursulas_notices

    erasure = erase_customer(db.session, business, ursula, now)
    db.session.commit()

    assert (erasure.records_deleted, erasure.appointments_ahead_freed) == (2, 1)
    assert rows(db.session, Record, customer_id=ursula.id) == []
    assert [c.name for c in rows(db.session, Customer)] == ["Jana Keller"]
    assert [a.value for a in rows(db.session, ContactAddress)] == [JANA]
    assert [
        (n.id, n.status, n.reason, n.record_id)
        for n in rows(db.session, Notification, customer_id=jana.id)
    ] == janas_notices
    assert db.session.get(Record, janas_record.id) is not None
    kept = [db.session.get(Notification, each) for each in ursulas_notices]
    assert all(n is not None and (n.customer_id, n.record_id) == (None, None) for n in kept)
    assert all(n.status != NotificationStatus.SCHEDULED for n in kept)


def test_a_failures_reason_loses_the_number(db, business, customer_factory, record_factory, now):
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    record_factory(ursula, starts_at=now + timedelta(days=3))
    failed, *planned = rows(db.session, Notification, customer_id=ursula.id)
    failed.status = NotificationStatus.FAILED
    failed.reason = f"Twilio 21211: The 'To' number {URSULA} is not a valid phone number"
    db.session.commit()

    erase_customer(db.session, business, ursula, now)
    db.session.commit()

    db.session.refresh(failed)
    assert failed.reason == f"Twilio 21211: The 'To' number {ERASED} is not a valid phone number"
    for notice in planned:
        db.session.refresh(notice)
        assert (notice.status, notice.reason) == (NotificationStatus.CANCELLED, ERASED_REASON)


def test_the_export_of_a_customer_with_only_a_name(db, business, customer_factory):
    customer = customer_factory(name="Ursula Hoffmann", phone=None, sms_consent=False)

    export = export_customer(db.session, business, customer)

    assert export["customer"]["name"] == "Ursula Hoffmann"
    assert export["customer"]["phone"] is None
    assert {key: export[key] for key in export if key != "customer"} == {
        "addresses": [],
        "records": [],
        "notifications": [],
        "conversations": [],
        "other_messages": [],
    }


def test_webhook_events_about_the_customer_keep_only_ids(db, business, customer_factory, now):
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    jana = customer_factory(name="Jana Keller", phone=JANA)
    create_endpoint(
        db.session,
        business,
        WebhookEndpointChanges(url="http://127.0.0.1:9/replydesk"),
        allow_private_urls=True,
    )
    about = {"channel": "sms", "from": URSULA, "body": "Ja, ich komme"}
    record_event(
        db.session, business, WebhookEvent.MESSAGE_RECEIVED,
        {"customer_id": ursula.id, "message_id": 7, **about}, now,
    )  # fmt: skip
    record_event(
        db.session, business, WebhookEvent.MESSAGE_RECEIVED,
        {"customer_id": jana.id, "message_id": 8, **about, "from": JANA}, now,
    )  # fmt: skip
    db.session.commit()

    erasure = erase_customer(db.session, business, ursula, now)
    db.session.commit()

    theirs, others = rows(db.session, WebhookDelivery)
    assert erasure.webhook_events_erased == 1
    assert theirs.payload["data"] == {
        "business_id": business.id,
        "customer_id": ursula.id,
        "message_id": 7,
        "erased": True,
    }
    assert theirs.payload["type"] == "message.received"
    assert others.payload["data"]["body"] == "Ja, ich komme"
    assert others.payload["data"]["from"] == JANA


def test_a_number_that_moved_to_another_customer_stays_with_its_first_customer(
    db, business, customer_factory, now
):
    """Anna texts, her number changes, Berta gets Anna's old number: Anna's conversation
    still has that address but is Anna's, so Berta's export and erasure leave it alone."""
    anna = customer_factory(name="Anna Schmidt", phone=URSULA)
    text_in(db, "Anna hier, alles gut", URSULA, now)
    update_customer(db.session, business, anna, CustomerChanges(phone=ANNAS_NEW_NUMBER))
    db.session.commit()
    berta = customer_factory(name="Berta Braun", phone=URSULA)
    [annas_conversation] = rows(db.session, Conversation)
    assert (annas_conversation.customer_id, annas_conversation.address) == (anna.id, URSULA)
    annas_texts = [(m.id, m.body, m.from_address, m.to_address) for m in rows(db.session, Message)]
    annas_export = export_customer(db.session, business, anna)
    assert annas_export["conversations"][0]["messages"][0]["body"] == "Anna hier, alles gut"

    bertas_export = export_customer(db.session, business, berta)

    assert (bertas_export["conversations"], bertas_export["other_messages"]) == ([], [])
    assert "Anna" not in json.dumps(bertas_export, ensure_ascii=False)

    erasure = erase_customer(db.session, business, berta, now)
    db.session.commit()

    assert (erasure.conversations_detached, erasure.messages_erased) == (0, 0)
    [conversation] = rows(db.session, Conversation)
    assert (conversation.customer_id, conversation.address) == (anna.id, URSULA)
    assert [
        (m.id, m.body, m.from_address, m.to_address) for m in rows(db.session, Message)
    ] == annas_texts
    assert export_customer(db.session, business, db.session.get(Customer, anna.id)) == annas_export


def test_webhook_events_from_before_the_customer_was_added_keep_only_ids(
    db, business, customer_factory, now
):
    """An unknown number texts (its `message.received` is written with no customer), staff
    add the customer with that number: the erasure reduces the event, and another
    customer's events stay as they were."""
    listen_to_every_event(db, business)
    text_in(db, "Hallo, hier ist Ursula Hoffmann, Samstag frei?", URSULA, now)
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    jana = customer_factory(name="Jana Keller", phone=JANA)
    text_in(db, "Jana hier, bis morgen", JANA, now)
    [received] = rows(db.session, WebhookDelivery, event_type="message.received", customer_id=None)
    [conversation] = rows(db.session, Conversation, address=URSULA)
    assert received.conversation_id == conversation.id
    janas = {d.id: d.payload for d in rows(db.session, WebhookDelivery, customer_id=jana.id)}
    assert janas

    erasure = erase_customer(db.session, business, ursula, now)
    db.session.commit()

    db.session.refresh(received)
    assert received.payload["data"] == {
        "business_id": business.id,
        "customer_id": None,
        "conversation_id": conversation.id,
        "message_id": received.payload["data"]["message_id"],
        "erased": True,
    }
    assert erasure.webhook_events_erased == len(rows(db.session, WebhookDelivery)) - len(janas)
    assert all(
        d.payload["data"].get("erased") for d in rows(db.session, WebhookDelivery, customer_id=None)
    )
    assert {
        d.id: d.payload for d in rows(db.session, WebhookDelivery, customer_id=jana.id)
    } == janas
    assert "Ursula" not in json.dumps([d.payload for d in rows(db.session, WebhookDelivery)])
