"""Outgoing webhook deliveries through the outbox and the real worker: one row per endpoint that
takes the event, written with the event and sent after the commit; a receiver that fails twice
gets the event on the third try, as the dispatcher brings it back once its next try is due,
with every try logged; the signature, recomputed by hand; a job run twice sends once; a try
that outlived its lease leaves the row to the try that took it over, one whose delivery was
deleted meanwhile is "gone", and one whose receiver trickles its answer is cut at the try's
deadline and tried again; a URL that became private is refused at send time; the backoff;
and the events the bot's side of a conversation and a failed notice record. Receivers are real
HTTP servers on loopback; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import hmac
import socket
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from standardwebhooks.webhooks import Webhook

from bot.models import WebhookDelivery, WebhookEndpoint, utcnow
from bot.services.commands import WebhookEndpointChanges
from bot.services.webhook_endpoints import create_endpoint, delete_endpoint, update_endpoint
from outbound import webhook_deliveries
from outbound.jobs import deliver_webhook, dispatch_tick
from outbound.policy.links import LinkPurpose, make_token
from outbound.policy.vocabulary import WebhookDeliveryStatus, WebhookEvent
from outbound.policy.webhook_retries import MAX_ATTEMPTS
from outbound.queueing import redis_connection
from outbound.webhook_deliveries import DELIVERY_LEASE, deliver_now
from outbound.webhook_events import record_event
from tests.support.api import created
from tests.support.databases import BOTH_DATABASES
from tests.support.receivers import webhook_receiver
from tests.support.settings import SMS_FROM
from tests.support.webhooks import MESSAGES_PATH, STATUS_PATH, inbound_form, sign, twilio_form

pytestmark = BOTH_DATABASES


@pytest.fixture
def app_config(app_config):
    return {**app_config, "ALLOW_PRIVATE_WEBHOOK_URLS": True}


@pytest.fixture
def endpoint_at(db, business):
    def make(url, events=None, **changes):
        endpoint = create_endpoint(
            db.session,
            business,
            WebhookEndpointChanges(url=url, events=events or [], **changes),
            allow_private_urls=True,
        )
        db.session.commit()
        return endpoint

    return make


def _event(db, business, now, event_type=WebhookEvent.MESSAGE_RECEIVED, **data):
    deliveries = record_event(db.session, business, event_type, data or {"customer_id": 7}, now)
    db.session.commit()
    return deliveries


def _deliveries(db):
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _let_the_next_try_come(db):
    """Time passes: every pending delivery's next try is due (the clock's tick finds it)."""
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.status == WebhookDeliveryStatus.PENDING)
        .values(next_attempt_at=utcnow() - timedelta(seconds=1))
    )
    db.session.commit()


def test_a_receiver_that_fails_twice_gets_the_event_on_the_third_try(
    db, api, endpoint_at, now, work
):
    with webhook_receiver(answers=[500, 503]) as receiver:
        endpoint = endpoint_at(receiver.url)
        _event(db, api.business, now, customer_id=7)
        work()
        (delivery,) = _deliveries(db)
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
            WebhookDeliveryStatus.PENDING,
            1,
            500,
        )
        assert delivery.last_error == "answered 500"
        # Its next try is seconds away, not now: a tick before then sends nothing.
        assert delivery.next_attempt_at > delivery.created_at
        dispatch_tick()
        work()
        assert deliver_webhook(delivery.id) == "pending"  # a stray job: not due, left alone
        assert len(receiver.requests) == 1

        _let_the_next_try_come(db)
        dispatch_tick()
        work()
        assert [(d.attempts, d.last_status_code) for d in _deliveries(db)] == [(2, 503)]

        _let_the_next_try_come(db)
        dispatch_tick()
        work()

    assert len(receiver.requests) == 3
    assert len({request.headers["webhook-id"] for request in receiver.requests}) == 1
    for request in receiver.requests:
        payload = Webhook(endpoint.secret).verify(request.body, request.headers)
        assert payload["data"] == {"business_id": api.business.id, "customer_id": 7}
    logged = created(api.get(f"/webhook-endpoints/{endpoint.id}/deliveries"))["items"]
    assert [
        (item["status"], item["attempts"], item["last_status_code"], item["next_attempt_at"])
        for item in logged
    ] == [("succeeded", 3, 204, None)]
    assert logged[0]["delivered_at"] is not None


def test_the_signature_is_the_standard_s_hmac_recomputed_by_hand(db, business, endpoint_at, now):
    # Not through the library that signs: its key, content and encoding, as the standard says.
    with webhook_receiver() as receiver:
        endpoint = endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        before = int(time.time())
        assert deliver_webhook(delivery.id) == "succeeded"
        after = int(time.time())

    (request,) = receiver.requests
    webhook_id = request.headers["webhook-id"]
    timestamp = request.headers["webhook-timestamp"]
    assert timestamp.isdigit() and before <= int(timestamp) <= after
    key = base64.b64decode(endpoint.secret.removeprefix("whsec_"))
    content = f"{webhook_id}.{timestamp}.".encode() + request.body
    expected = base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()
    assert request.headers["webhook-signature"] == f"v1,{expected}"


def test_a_delivery_whose_job_was_lost_is_sent_by_the_dispatcher(
    db, business, endpoint_at, now, redis_server, work
):
    with webhook_receiver() as receiver:
        endpoint_at(receiver.url)
        _event(db, business, now)
        redis_connection(redis_server.url).flushdb()  # Redis lost the job
        dispatch_tick()
        work()
        assert receiver.requests == []  # written just now: its job may still come
        db.session.execute(
            update(WebhookDelivery).values(created_at=utcnow() - timedelta(minutes=3))
        )
        db.session.commit()
        dispatch_tick()
        work()

    assert len(receiver.requests) == 1
    assert [d.status for d in _deliveries(db)] == [WebhookDeliveryStatus.SUCCEEDED]


def test_a_delivery_fails_after_its_last_try(db, business, endpoint_at, now, work):
    with webhook_receiver(answers=[502]) as receiver:
        endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        delivery.attempts = MAX_ATTEMPTS - 1
        db.session.commit()
        deliver_webhook(delivery.id)

    (delivery,) = _deliveries(db)
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS
    assert delivery.last_error == f"gave up after {MAX_ATTEMPTS} tries: answered 502"
    assert delivery.next_attempt_at is None


def test_a_delivery_job_run_twice_sends_once(db, business, endpoint_at, now):
    with webhook_receiver() as receiver:
        endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        assert deliver_webhook(delivery.id) == "succeeded"
        assert deliver_webhook(delivery.id) == "succeeded"
    assert len(receiver.requests) == 1


def test_a_try_that_outlived_its_lease_leaves_the_outcome_of_the_try_that_took_over(
    app, db, business, endpoint_at, now
):
    taken_over = []
    engine = db.engine  # the receiver's thread has no app context

    def lease_runs_out_and_another_job_claims_the_delivery(request):
        if len(receiver.requests) > 1:
            return  # the other job's own request
        later = now + DELIVERY_LEASE + timedelta(seconds=1)
        with Session(engine) as other_worker:
            taken_over.append(deliver_now(other_worker, delivery_id, now=later, config=app.config))

    with webhook_receiver(
        answers=[500], while_holding=lease_runs_out_and_another_job_claims_the_delivery
    ) as receiver:
        endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        delivery_id = delivery.id
        first_try = deliver_now(db.session, delivery_id, now=now, config=app.config)

    assert taken_over == ["succeeded"]
    assert first_try == "succeeded"  # its own 500 is dropped: the row is the other try's
    assert len(receiver.requests) == 2
    (delivery,) = _deliveries(db)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        WebhookDeliveryStatus.SUCCEEDED,
        2,
        204,
    )
    assert (delivery.last_error, delivery.next_attempt_at) == (None, None)


def test_a_delivery_deleted_during_its_try_is_gone_without_an_error(
    app, db, business, endpoint_at, now
):
    engine = db.engine  # the receiver's thread has no app context

    def the_endpoint_is_deleted(request):
        with Session(engine) as owner:
            delete_endpoint(owner, owner.get(WebhookEndpoint, endpoint_id))
            owner.commit()

    with webhook_receiver(answers=[503], while_holding=the_endpoint_is_deleted) as receiver:
        endpoint_id = endpoint_at(receiver.url).id
        (delivery,) = _event(db, business, now)
        delivery_id = delivery.id
        assert deliver_now(db.session, delivery_id, now=now, config=app.config) == "gone"

    assert len(receiver.requests) == 1
    assert _deliveries(db) == []
    assert deliver_webhook(delivery_id) == "gone"  # a stray job for it, too


def test_a_receiver_that_trickles_its_answer_is_cut_at_the_deadline_and_tried_again(
    db, business, endpoint_at, now, monkeypatch
):
    # A byte a second, each well within the read timeout: only a deadline on the whole
    # try ends it (it is 30 seconds; 3 here, to keep the test short).
    monkeypatch.setattr(webhook_deliveries, "TRY_DEADLINE_SECONDS", 3)
    with webhook_receiver(trickled=1) as receiver:
        endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        assert deliver_webhook(delivery.id) == "pending"
        (delivery,) = _deliveries(db)
        assert (delivery.attempts, delivery.last_status_code) == (1, None)
        assert delivery.last_error == "DeadlinePassed: no complete answer within 3 seconds"
        assert delivery.next_attempt_at is not None

        _let_the_next_try_come(db)
        assert deliver_webhook(delivery.id) == "succeeded"

    assert len(receiver.requests) == 2
    assert receiver.hung_up_on == 1  # cut off, not waited out
    assert [(d.attempts, d.last_status_code) for d in _deliveries(db)] == [(2, 204)]


def test_an_endpoint_that_cannot_be_reached_is_tried_again(db, business, endpoint_at, now):
    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    endpoint_at(f"http://127.0.0.1:{port}/hooks")
    (delivery,) = _event(db, business, now)

    assert deliver_webhook(delivery.id) == "pending"

    (delivery,) = _deliveries(db)
    assert delivery.last_status_code is None
    assert delivery.last_error.startswith("ConnectionError")
    assert delivery.next_attempt_at is not None


def test_a_url_that_became_private_is_refused_at_send_time(app, db, business, endpoint_at, now):
    with webhook_receiver() as receiver:
        endpoint_at(receiver.url)
        (delivery,) = _event(db, business, now)
        app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = False
        assert deliver_webhook(delivery.id) == "failed"
    assert receiver.requests == []
    (delivery,) = _deliveries(db)
    assert delivery.last_error.startswith("the URL is refused: 127.0.0.1 is loopback")


def test_only_enabled_endpoints_that_take_the_event_get_a_delivery(db, business, endpoint_at, now):
    everything = endpoint_at("http://127.0.0.1:9/all")
    texts = endpoint_at("http://127.0.0.1:9/texts", events=["message.received"])
    endpoint_at("http://127.0.0.1:9/confirmations", events=["record.confirmed_by_customer"])
    endpoint_at("http://127.0.0.1:9/off", enabled=False)

    deliveries = _event(db, business, now)

    assert [d.endpoint_id for d in deliveries] == [everything.id, texts.id]
    assert len({d.event_id for d in deliveries}) == 2
    assert deliveries[0].payload == {
        "type": "message.received",
        "timestamp": now.isoformat(),
        "data": {"business_id": business.id, "customer_id": 7},
    }
    update_endpoint(db.session, texts, WebhookEndpointChanges(enabled=False))
    db.session.commit()
    assert [d.endpoint_id for d in _event(db, business, now)] == [everything.id]


# --- the events a conversation and a failed notice record ---------------------------------


def _customer_texts(client, body):
    form = inbound_form(body)
    headers = {"X-Twilio-Signature": sign(MESSAGES_PATH, form)}
    assert client.post(MESSAGES_PATH, data=form, headers=headers).status_code == 200


def _events(db):
    return [(d.event_type, d.payload["data"]) for d in _deliveries(db)]


def test_stop_and_start_tell_the_business_the_customer_opted_out_and_in_again(
    db, client, customer_factory, endpoint_at
):
    customer = customer_factory()
    endpoint_at("http://127.0.0.1:9/hooks", events=["customer.opted_out", "customer.opted_in"])

    _customer_texts(client, "STOP")
    _customer_texts(client, "STOP")  # already out: nothing new
    _customer_texts(client, "START")

    expected = {"customer_id": customer.id, "address_kind": "tel", "address": "+4915112345678"}
    assert [(event, data) for event, data in _events(db)] == [
        ("customer.opted_out", {"business_id": customer.business_id, **expected}),
        ("customer.opted_in", {"business_id": customer.business_id, **expected}),
    ]


def test_a_question_handed_to_staff_tells_the_business(
    db, client, customer_factory, record_factory, endpoint_at
):
    customer = customer_factory()
    record_factory(customer)
    endpoint_at("http://127.0.0.1:9/hooks", events=["conversation.handed_over"])

    _customer_texts(client, "Haben Sie am Samstag auch geöffnet?")

    ((event, data),) = _events(db)
    assert event == "conversation.handed_over"
    assert data["customer_id"] == customer.id
    assert data["conversation_id"] is not None and data["reason"]


def test_a_cancellation_by_text_tells_the_business(
    db, business, client, customer_factory, record_factory, endpoint_at
):
    customer = customer_factory()
    record = record_factory(customer)
    endpoint_at("http://127.0.0.1:9/hooks", events=["record.cancelled_by_customer"])

    _customer_texts(client, "Bitte absagen")

    ((event, data),) = _events(db)
    assert event == "record.cancelled_by_customer"
    assert (data["record_id"], data["customer_id"], data["status"]) == (
        record.id,
        customer.id,
        "cancelled",
    )


def test_a_cancellation_by_the_customer_s_link_tells_the_business(
    app, db, client, customer_factory, record_factory, endpoint_at, now
):
    record = record_factory(customer_factory())
    endpoint_at("http://127.0.0.1:9/hooks", events=["record.cancelled_by_customer"])
    token = make_token(
        app.config["SECRET_KEY"], LinkPurpose.CANCEL, record.id, record.version, now=now
    )

    assert client.post(f"/c/{token}").status_code == 200

    ((event, data),) = _events(db)
    assert (event, data["record_id"], data["status"]) == (
        "record.cancelled_by_customer",
        record.id,
        "cancelled",
    )


def test_a_notice_that_fails_for_good_tells_the_business(
    db, customer_factory, record_factory, endpoint_at, fake_twilio, work
):
    endpoint_at("http://127.0.0.1:9/hooks", events=["notification.failed"])
    record = record_factory(customer_factory())
    fake_twilio.fail_next(400, 21211)

    dispatch_tick()
    work()

    ((event, data),) = _events(db)
    assert event == "notification.failed"
    assert data["record_id"] == record.id
    assert "not a valid phone number" in data["reason"]


def test_a_notice_the_carrier_reports_undelivered_tells_the_business(
    db, client, customer_factory, record_factory, endpoint_at, fake_twilio, work
):
    endpoint_at("http://127.0.0.1:9/hooks", events=["notification.failed"])
    record = record_factory(customer_factory())
    dispatch_tick()
    work()
    assert _events(db) == []  # sent: nothing failed yet
    sid = fake_twilio.messages[0].sid
    form = twilio_form(MessageSid=sid, SmsSid=sid, MessageStatus="undelivered", ErrorCode="30003")
    form.update(From=SMS_FROM, To="+4915112345678")
    headers = {"X-Twilio-Signature": sign(STATUS_PATH, form)}

    assert client.post(STATUS_PATH, data=form, headers=headers).status_code == 204

    ((event, data),) = _events(db)
    assert (event, data["record_id"]) == ("notification.failed", record.id)
