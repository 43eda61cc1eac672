"""Privacy rights (GDPR Art. 15 and 17) through the API, end to end: a customer books, gets
an SMS, texts back and gets the bot's reply; the export holds all of it; the erasure
(`DELETE /customers/{id}`) withdraws their reminder so the worker sends them nothing more,
erases every body and their address from the stored messages while the month's usage
stays the same, and a later text from their number comes from an unknown number."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.models import (
    Conversation,
    IdempotencyKey,
    Message,
    Notification,
    Record,
    WebhookDelivery,
    utcnow,
)
from bot.services.commands import WebhookEndpointChanges
from bot.services.erasure import ERASED, ERASED_REASON
from bot.services.webhook_endpoints import create_endpoint
from outbound.delivery import month_of, usage_history
from tests.support.api import assert_error, created
from tests.support.databases import BOTH_DATABASES
from tests.support.received import texts_to
from tests.support.settings import MOBILE
from tests.support.times import berlin_time

pytestmark = BOTH_DATABASES  # the outbox's withdrawal and the bulk updates run as SQL

CUSTOMER_TEXT = "Kann ich auch eine Stunde später kommen? Liebe Grüße, Ursula"
NOTE = "Ursula mag keinen Kaffee"


def booked_and_talked(api, add_customer, book, deliver, fake_twilio, report_status, text_in):
    """A customer with an appointment in three days, its confirmation delivered (billable),
    a text of theirs and the bot's reply sent, and a staff note in their conversation."""
    customer = add_customer(email="ursula@example.org", external_id="K-17")
    starts_at = berlin_time(3, 10, 30)
    record = book(customer, starts_at, notes="Allergie gegen Färbemittel", external_id="T-0815")
    deliver()
    [confirmation] = fake_twilio.messages
    report_status(confirmation, "delivered")
    text_in(CUSTOMER_TEXT)
    deliver()
    [conversation] = created(
        api.get("/conversations", query_string={"customer_id": customer["id"]})
    )["items"]
    created(api.post(f"/conversations/{conversation['id']}/notes", json={"body": NOTE}))
    return customer, record, starts_at


def test_the_export_holds_the_customers_texts_records_and_notices(
    api, db, add_customer, book, deliver, fake_twilio, report_status, text_in
):
    changes = WebhookEndpointChanges(url="http://127.0.0.1:9/replydesk", events=[])
    create_endpoint(db.session, api.business, changes, allow_private_urls=True)
    db.session.commit()
    customer, record, _ = booked_and_talked(
        api, add_customer, book, deliver, fake_twilio, report_status, text_in
    )

    export = created(api.get(f"/customers/{customer['id']}/export"))

    assert export["customer"]["name"] == "Ursula Hoffmann"
    assert export["customer"]["email"] == "ursula@example.org"
    assert export["customer"]["sms_consent"] is True
    assert [(a["kind"], a["value"], a["opted_out_at"]) for a in export["addresses"]] == [
        ("tel", MOBILE, None)
    ]
    [exported_record] = export["records"]
    assert (exported_record["id"], exported_record["status"]) == (record["id"], record["status"])
    assert exported_record["notes"] == "Allergie gegen Färbemittel"
    assert exported_record["external_id"] == "T-0815"
    notices = {(n["notice"], n["status"]) for n in export["notifications"]}
    assert ("confirmation", "delivered") in notices and ("reminder", "scheduled") in notices
    [conversation] = export["conversations"]
    said = [(m["direction"], m["author"], m["body"]) for m in conversation["messages"]]
    assert ("outbound", "system", fake_twilio.messages[0].body) in said
    assert ("inbound", "customer", CUSTOMER_TEXT) in said
    bot_reply = [body for direction, author, body in said if author == "bot"]
    assert bot_reply and bot_reply[0] == texts_to(fake_twilio)[-1]
    assert ("outbound", "staff", NOTE) in said  # a private note is data about them too
    inbound = next(m for m in conversation["messages"] if m["direction"] == "inbound")
    assert inbound["from"] == MOBILE
    received = [e for e in export["webhook_events"] if e["type"] == "message.received"]
    assert [e["payload"]["data"]["body"] for e in received] == [CUSTOMER_TEXT]
    assert received[0]["webhook_id"].startswith("msg_")
    document = api.client.get("/api/v1/openapi.json").get_json()
    assert_shaped_as_documented(document, export, "#/components/schemas/CustomerExport")


def assert_shaped_as_documented(document: dict, value, reference: str, where: str = "export"):
    """Every object of the export has exactly the fields its schema in the OpenAPI document
    names (a `payload`, a free object, is not looked into)."""
    schema = document
    for part in reference.removeprefix("#/").split("/"):
        schema = schema[part]
    properties = schema["properties"]
    assert set(value) == set(properties), where
    for name, field in properties.items():
        items = field.get("items", {})
        if "$ref" in field and value[name] is not None:
            assert_shaped_as_documented(document, value[name], field["$ref"], f"{where}.{name}")
        elif "$ref" in items:
            for each in value[name]:
                assert_shaped_as_documented(document, each, items["$ref"], f"{where}.{name}[]")


def test_erasure_stops_reminders_erases_texts_and_keeps_usage(
    api, db, add_customer, book, deliver, fake_twilio, report_status, text_in
):
    customer, record, starts_at = booked_and_talked(
        api, add_customer, book, deliver, fake_twilio, report_status, text_in
    )
    usage_before = created(api.get("/usage"))
    assert usage_before["sms_billable_segments"] >= 1
    month = month_of(api.business, utcnow())
    history_before = usage_history(db.session, api.business, month)
    sent_before = len(fake_twilio.messages)

    assert api.delete(f"/customers/{customer['id']}").status_code == 204

    # The reminder was withdrawn: at its moment the dispatcher and the worker send nothing.
    deliver(starts_at - timedelta(hours=24))
    assert len(fake_twilio.messages) == sent_before
    assert created(api.get("/usage")) == usage_before
    assert usage_history(db.session, api.business, month) == history_before
    db.session.expire_all()
    reminders = db.session.scalars(
        select(Notification).where(Notification.notice == "reminder")
    ).all()
    assert [(n.status, n.reason, n.customer_id) for n in reminders] == [
        ("cancelled", ERASED_REASON, None)
    ]
    stored = db.session.scalars(select(Message)).all()
    assert len(stored) >= 4
    for message in stored:
        assert message.body == ERASED, message.body
        assert MOBILE not in (message.from_address, message.to_address)
        assert message.customer_id is None and message.subject is None
    assert db.session.get(Record, record["id"]) is None
    assert_error(api.get(f"/customers/{customer['id']}"), 404)
    assert_error(api.get(f"/customers/{customer['id']}/export"), 404)
    assert_error(api.delete(f"/customers/{customer['id']}"), 404, code="not_found")


def test_a_text_from_the_erased_number_comes_from_an_unknown_number(
    api, db, add_customer, book, deliver, fake_twilio, report_status, text_in
):
    customer, _, _ = booked_and_talked(
        api, add_customer, book, deliver, fake_twilio, report_status, text_in
    )
    assert api.delete(f"/customers/{customer['id']}").status_code == 204

    text_in("Hallo, ich bin es wieder")

    db.session.expire_all()
    [conversation] = db.session.scalars(
        select(Conversation).where(Conversation.address == MOBILE)
    ).all()
    assert conversation.customer_id is None
    assert conversation.handover_reason == "unknown_sender"
    bodies = db.session.scalars(
        select(Message.body).where(Message.conversation_id == conversation.id).order_by(Message.id)
    ).all()
    assert bodies[0] == "Hallo, ich bin es wieder"  # a new thread: no history before it
    assert ERASED not in bodies
    assert created(api.get("/customers", query_string={"phone": MOBILE}))["items"] == []


def test_a_message_still_queued_for_the_customer_is_not_sent_after_the_erasure(
    api, db, add_customer, work, fake_twilio, text_in
):
    text_in("Hallo, wer ist da?")  # before staff knew the number: an unknown sender
    customer = add_customer()
    body = {"customer_id": customer["id"], "body": "Wir haben morgen geschlossen."}
    created(api.post("/messages", json=body))  # queued; its job is in Redis

    assert api.delete(f"/customers/{customer['id']}").status_code == 204
    work()

    assert fake_twilio.messages == []  # neither the staff message nor the bot's reply
    db.session.expire_all()
    stored = db.session.scalars(select(Message).order_by(Message.id)).all()
    assert {m.body for m in stored} == {ERASED}
    staff_message = next(m for m in stored if m.author == "staff")
    assert (staff_message.status, staff_message.sent_at) == ("failed", None)
    assert not db.session.scalars(select(Conversation).where(Conversation.address == MOBILE)).all()


def test_a_text_from_before_the_customer_was_added_is_erased_with_them(
    api, db, add_customer, text_in
):
    changes = WebhookEndpointChanges(url="http://127.0.0.1:9/replydesk", events=[])
    create_endpoint(db.session, api.business, changes, allow_private_urls=True)
    db.session.commit()
    text_in("Hallo, hier ist Ursula, haben Sie Samstag frei?")  # an unknown number then
    customer = add_customer()

    export = created(api.get(f"/customers/{customer['id']}/export"))
    [conversation] = export["conversations"]
    assert conversation["messages"][0]["body"].startswith("Hallo, hier ist Ursula")
    assert api.delete(f"/customers/{customer['id']}").status_code == 204

    db.session.expire_all()
    assert db.session.scalars(select(Conversation.address)).all() == [
        f"{ERASED}:{conversation['id']}"
    ]
    assert set(db.session.scalars(select(Message.body))) == {ERASED}
    events = db.session.scalars(select(WebhookDelivery.payload)).all()
    assert "message.received" in [event["type"] for event in events]
    for event in events:  # the text's event was written before anyone knew the number
        assert event["data"]["erased"] is True
        assert "Ursula" not in str(event) and MOBILE not in str(event)


def test_an_email_still_queued_for_the_customer_is_not_sent_after_the_erasure(
    api, db, add_customer, work, smtp_sink
):
    customer = add_customer(email="ursula@example.org", email_consent=True)
    body = {"customer_id": customer["id"], "body": "Wir haben morgen geschlossen."}
    created(api.post("/messages", json=body))

    assert api.delete(f"/customers/{customer['id']}").status_code == 204
    work()

    assert smtp_sink.messages == []
    db.session.expire_all()
    [email] = db.session.scalars(select(Message)).all()
    assert (email.status, email.body, email.to_address) == ("failed", ERASED, ERASED)


def test_answers_kept_for_retries_lose_the_customer_and_a_retry_creates_nothing(api, db):
    """An integration that created the customer, their appointment and a message with
    Idempotency-Keys: after the erasure a retry of any of them is a 410 that creates
    nothing and shows nothing of them, while another customer's answer still replays."""
    keyed = {"Idempotency-Key": "create-ursula"}
    ursula_body = {"name": "Ursula Hoffmann", "phone": MOBILE, "sms_consent": True}
    ursula = created(api.post("/customers", json=ursula_body, headers=keyed))
    tomorrow = (utcnow() + timedelta(days=1)).isoformat()
    requests = [
        ("/customers", ursula_body, "create-ursula"),
        ("/records", {"customer_id": ursula["id"], "starts_at": tomorrow}, "book-ursula"),
        ("/messages", {"customer_id": ursula["id"], "body": "Bis morgen!"}, "tell-ursula"),
    ]
    for path, body, key in requests[1:]:
        created(api.post(path, json=body, headers={"Idempotency-Key": key}))
    jana_body = {"name": "Jana Berger", "phone": "+4917698765432", "sms_consent": True}
    jana = created(api.post("/customers", json=jana_body, headers={"Idempotency-Key": "jana"}))

    assert api.delete(f"/customers/{ursula['id']}").status_code == 204

    for path, body, key in requests:
        retry = api.post(path, json=body, headers={"Idempotency-Key": key})
        assert_error(retry, 410, code="answer_erased")
        assert "Ursula" not in retry.get_data(as_text=True)
        assert MOBILE not in retry.get_data(as_text=True)
    listed = api.get("/customers").get_json()["items"]
    assert [each["id"] for each in listed] == [jana["id"]]
    assert api.get("/records").get_json()["items"] == []
    replay = api.post("/customers", json=jana_body, headers={"Idempotency-Key": "jana"})
    assert (replay.status_code, replay.get_json()) == (201, jana)
    db.session.expire_all()
    kept = db.session.scalars(select(IdempotencyKey.response_body)).all()
    assert not any(MOBILE in body or "Ursula" in body for body in kept)
