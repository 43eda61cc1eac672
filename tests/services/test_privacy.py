"""`bot.services.erasure` and `bot.services.customer_export` on both databases: an erasure
touches one customer only (another customer's rows stay as they were, a number that moved
from one customer to another included), deletes their records while their notices stay
without them, frees their appointments ahead, takes their number out of a failure's reason,
keeps its own on the messages it stopped and locks the customer before it writes; the
export of a customer with only a name holds empty lists, the export holds the webhook
events, template values and record ids kept about them, and outgoing webhook events about
them keep only their ids, those written before they were known too."""

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
from outbound.policy.vocabulary import MessageStatus, NotificationStatus, WebhookEvent
from outbound.webhook_events import record_event
from tests.support.databases import BOTH_DATABASES, statements_run
from tests.support.outbox import notification, queue_sms
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
        "webhook_events": [],
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
    add the customer with that number: the export lists the event, the erasure reduces
    it, and another customer's events stay as they were."""
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

    exported = export_customer(db.session, business, ursula)["webhook_events"]
    assert received.event_id in [each["webhook_id"] for each in exported]
    assert {each["type"] for each in exported} >= {"message.received"}
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
    assert erasure.webhook_events_erased == len(exported)
    assert all(
        d.payload["data"].get("erased") for d in rows(db.session, WebhookDelivery, customer_id=None)
    )
    assert {
        d.id: d.payload for d in rows(db.session, WebhookDelivery, customer_id=jana.id)
    } == janas
    assert "Ursula" not in json.dumps([d.payload for d in rows(db.session, WebhookDelivery)])


def test_the_export_holds_record_ids_template_values_and_webhook_events(
    db, business, customer_factory, record_factory, now
):
    listen_to_every_event(db, business)
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    record_factory(ursula, external_id="B-4711")
    reply = queue_sms(db.session, business, ursula, body="Bis Samstag!")
    reply.content_variables = {"1": "Ursula", "2": "Samstag 10:30"}
    db.session.commit()
    text_in(db, "Ja, bis Samstag", URSULA, now)
    events = rows(db.session, WebhookDelivery)
    assert "message.received" in [event.event_type for event in events]

    export = export_customer(db.session, business, ursula)

    assert [each["external_id"] for each in export["records"]] == ["B-4711"]
    exported_reply = next(m for m in export["other_messages"] if m["id"] == reply.id)
    assert exported_reply["content_variables"] == {"1": "Ursula", "2": "Samstag 10:30"}
    assert export["webhook_events"] == [
        {
            "type": event.event_type,
            "webhook_id": event.event_id,
            "endpoint_id": event.endpoint_id,
            "created_at": event.created_at.isoformat(),
            "status": "pending",
            "payload": event.payload,
        }
        for event in events
    ]


def test_a_message_the_erasure_stopped_keeps_why(
    db, business, customer_factory, record_factory, now
):
    """A notice whose first try failed keeps its message queued for the next; the erasure
    fails that message with its own reason, and leaves the reason there."""
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)
    record = record_factory(ursula, starts_at=now + timedelta(days=3))
    waiting = notification(db, record)
    message = queue_sms(db.session, business, ursula, body="Ihr Termin am Donnerstag")
    db.session.flush()
    waiting.status, waiting.message_id = NotificationStatus.QUEUED, message.id
    db.session.commit()

    erase_customer(db.session, business, ursula, now)
    db.session.commit()

    db.session.refresh(message)
    assert (message.status, message.body) == (MessageStatus.FAILED, ERASED)
    assert message.error_message == f"not sent: {ERASED_REASON}"


def test_the_erasure_locks_the_customer_first(db, business, customer_factory, now):
    """On PostgreSQL the erasure locks the customer's row and address rows before it
    writes, so a text stored for them meanwhile waits instead of failing the erasure's
    DELETE; SQLite writes one transaction at a time and has no row locks."""
    ursula = customer_factory(name="Ursula Hoffmann", phone=URSULA)

    with statements_run(db) as statements:
        erase_customer(db.session, business, ursula, now)
    db.session.commit()

    words = [" ".join(sql.split()) for sql in statements]
    first_write = next(i for i, sql in enumerate(words) if sql.startswith(("UPDATE", "DELETE")))
    locked = [
        sql.split(" FROM ")[1].split()[0] for sql in words[:first_write] if "FOR UPDATE" in sql
    ]
    on_postgresql = db.engine.dialect.name == "postgresql"
    assert locked == (["customer", "contact_address"] if on_postgresql else [])
