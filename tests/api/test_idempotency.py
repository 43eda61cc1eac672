"""`Idempotency-Key` on the API's POSTs, on SQLite and PostgreSQL: a retry with the same key
and body makes no second customer, record or message (the fake Twilio gets one SMS) and gets
the first answer again; a key reused for another body or path, or malformed, is refused; no
key changes nothing; keys are per business and expire after 24 hours; the answer commits in
the one transaction of the work; a second request waiting on the first's key replays it."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, text

from bot.idempotency_pruning import prune_idempotency_keys
from bot.models import Customer, IdempotencyKey, Message, Record, utcnow
from bot.services.idempotency import body_fingerprint
from tests.support.api import assert_error, created, notifications
from tests.support.databases import BOTH_DATABASES
from tests.support.servers import wait_for

pytestmark = BOTH_DATABASES

# No phone or email: the domain refuses a second customer with the same one, and so would
# hide a duplicate these tests are there to catch.
NEW_CUSTOMER = {"name": "Ursula Hoffmann", "external_id": "crm-4711"}


def keyed(key):
    return {"Idempotency-Key": key}


def count(db, model) -> int:
    db.session.rollback()  # a fresh read of what the requests committed
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_retried_customer_post_makes_one_customer_and_answers_the_same(api, db):
    first = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("customer-4711"))
    again = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("customer-4711"))

    assert first.status_code == again.status_code == 201
    assert again.get_json() == created(first)
    assert again.mimetype == "application/json"
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert count(db, Customer) == 1


def test_a_retried_record_post_makes_one_record_and_plans_its_notices_once(
    api, db, customer_factory, now
):
    customer = customer_factory()
    body = {"customer_id": customer.id, "starts_at": (now + timedelta(days=3)).isoformat()}

    first = api.post("/records", json=body, headers=keyed("record-1"))
    again = api.post("/records", json=body, headers=keyed("record-1"))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert count(db, Record) == 1
    planned = notifications(api, first.get_json())
    assert planned
    assert len({(n["notice"], n["channel"]) for n in planned}) == len(planned)


def test_a_retried_message_post_sends_one_sms(api, db, customer_factory, work, fake_twilio):
    customer = customer_factory()
    body = {"customer_id": customer.id, "body": "Ihr Gerät ist da."}

    first = api.post("/messages", json=body, headers=keyed("message-1"))
    work()
    again = api.post("/messages", json=body, headers=keyed("message-1"))
    work()

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert count(db, Message) == 1
    [sms] = fake_twilio.messages
    assert sms.body == "Ihr Gerät ist da."


def test_the_same_key_with_another_body_or_path_is_refused(api, db, customer_factory):
    api.post("/customers", json=NEW_CUSTOMER, headers=keyed("k-1"))

    other_body = api.post(
        "/customers", json={**NEW_CUSTOMER, "name": "Uschi"}, headers=keyed("k-1")
    )
    other_path = api.post(
        "/messages",
        json={"customer_id": customer_factory(phone="+4915199999999").id, "body": "Hallo"},
        headers=keyed("k-1"),
    )

    assert_error(other_body, 422, code="idempotency_key_reused")
    assert_error(other_path, 422, code="idempotency_key_reused")
    assert count(db, Message) == 0
    assert count(db, Customer) == 2  # the first request's and the factory's


def _raw(api, text, key):
    """POST /customers with `text` as the body, as sent."""
    return api.post("/customers", data=text, content_type="application/json", headers=keyed(key))


def test_the_same_json_in_another_key_order_or_spacing_is_the_same_request(api, db):
    first = _raw(api, '{"name":"Ursula Hoffmann","external_id":"crm-4711"}', "same-json")
    reordered = _raw(api, '{"external_id":"crm-4711","name":"Ursula Hoffmann"}', "same-json")
    spaced = _raw(api, '{\n  "name": "Ursula Hoffmann",\t"external_id" : "crm-4711" }', "same-json")

    assert created(first)
    for again in (reordered, spaced):
        assert (again.status_code, again.headers["Idempotent-Replayed"]) == (201, "true")
        assert again.get_json() == first.get_json()
    assert count(db, Customer) == 1


def test_a_key_stored_by_its_body_s_bytes_still_replays_its_retry(api, db):
    """A key stored before bodies counted by their canonical JSON holds the hash of the
    bytes: the same bytes sent again (a retry across the upgrade) replay its answer."""
    sent = '{ "name": "Ursula Hoffmann", "external_id": "crm-4711" }'
    answer = {"id": 4711, "name": "Ursula Hoffmann"}
    db.session.add(
        IdempotencyKey(
            business_id=api.business.id,
            key="before-upgrade",
            method="POST",
            path="/api/v1/customers",
            body_sha256=hashlib.sha256(sent.encode()).hexdigest(),
            response_status=201,
            response_body=json.dumps(answer),
            created_at=utcnow(),
        )
    )
    db.session.commit()

    retry = _raw(api, sent, "before-upgrade")
    other = _raw(api, sent.replace("4711", "4712"), "before-upgrade")

    assert (retry.status_code, retry.get_json()) == (201, answer)
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert_error(other, 422, code="idempotency_key_reused")
    assert count(db, Customer) == 0


def test_json_with_another_value_is_another_request(api, db, customer_factory):
    # 1 and 1.0 are different JSON texts and parse to different values: not the same body.
    customer = customer_factory()
    starts_at = "2031-05-06T09:00:00+00:00"
    body = '{"customer_id": %s, "starts_at": "%s", "duration_minutes": %s}'
    first = api.post(
        "/records",
        data=body % (customer.id, starts_at, "30"),
        content_type="application/json",
        headers=keyed("value"),
    )
    as_float = api.post(
        "/records",
        data=body % (customer.id, starts_at, "30.0"),
        content_type="application/json",
        headers=keyed("value"),
    )
    other_name = _raw(api, '{"name":"Uschi Hoffmann","external_id":"crm-4711"}', "name")
    other_name_again = _raw(api, '{"external_id":"crm-4711","name":"Ursula Hoffmann"}', "name")

    assert created(first)
    assert_error(as_float, 422, code="idempotency_key_reused")
    assert created(other_name)
    assert_error(other_name_again, 422, code="idempotency_key_reused")


def test_without_a_key_each_post_makes_its_own_object(api, db):
    first = api.post("/customers", json=NEW_CUSTOMER)
    second = api.post("/customers", json=NEW_CUSTOMER)

    assert created(first)["id"] != created(second)["id"]
    assert count(db, Customer) == 2
    assert count(db, IdempotencyKey) == 0


def test_keys_are_per_business(api, other_api, db):
    ours = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("shared-key"))
    theirs = other_api.post("/customers", json=NEW_CUSTOMER, headers=keyed("shared-key"))

    assert (ours.status_code, theirs.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in theirs.headers
    assert created(ours)["id"] != created(theirs)["id"]
    assert [c["id"] for c in other_api.get("/customers").get_json()["items"]] == [
        theirs.get_json()["id"]
    ]


def test_a_key_older_than_24_hours_counts_as_new(api, db):
    first = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("yesterday"))
    stored = db.session.scalar(select(IdempotencyKey))
    stored.created_at = utcnow() - timedelta(hours=24, minutes=1)
    db.session.commit()

    again = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("yesterday"))
    third = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("yesterday"))

    assert created(again)["id"] != created(first)["id"]
    assert "Idempotent-Replayed" not in again.headers
    assert third.headers["Idempotent-Replayed"] == "true"
    assert third.get_json() == again.get_json()
    assert count(db, Customer) == 2
    assert count(db, IdempotencyKey) == 1


def test_the_clock_job_prunes_the_keys_past_their_window(api, db):
    api.post("/customers", json=NEW_CUSTOMER, headers=keyed("old"))
    api.post("/customers", json=NEW_CUSTOMER, headers=keyed("new"))
    old = db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "old"))
    cutoff = old.created_at + timedelta(hours=24)

    assert prune_idempotency_keys((cutoff - timedelta(seconds=1)).isoformat()) == 0
    db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.key == "new")).created_at = (
        cutoff + timedelta(hours=1)
    )
    db.session.commit()
    assert prune_idempotency_keys(cutoff.isoformat()) == 1

    assert db.session.scalars(select(IdempotencyKey.key)).all() == ["new"]


@pytest.mark.parametrize(
    "key", ["", "   ", "k" * 256, "zwei wörter", "mit leerzeichen", "tab\there"]
)
def test_a_malformed_key_is_refused_and_nothing_is_made(api, db, key):
    response = api.post("/customers", json=NEW_CUSTOMER, headers=keyed(key))

    assert_error(response, 400, code="invalid_idempotency_key")
    assert count(db, Customer) == 0


def test_the_longest_key_is_taken(api, db):
    response = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("~" * 255))

    assert response.status_code == 201, response.get_data(as_text=True)
    assert count(db, IdempotencyKey) == 1


def test_a_refused_request_keeps_no_answer_so_its_retry_runs_again(api, db, customer_factory):
    customer = customer_factory(sms_consent=False)
    body = {"customer_id": customer.id, "body": "Hallo"}

    refused = api.post("/messages", json=body, headers=keyed("after-consent"))
    api.patch(f"/customers/{customer.id}", json={"sms_consent": True})
    retried = api.post("/messages", json=body, headers=keyed("after-consent"))

    assert_error(refused, 422, code="unreachable")
    assert retried.status_code == 201, retried.get_data(as_text=True)
    assert "Idempotent-Replayed" not in retried.headers
    assert count(db, Message) == 1


def test_the_answer_commits_in_the_one_transaction_of_the_work(api, db):
    commits = []
    listener = lambda connection: commits.append(connection)  # noqa: E731
    event.listen(db.engine, "commit", listener)
    try:
        response = api.post("/customers", json=NEW_CUSTOMER, headers=keyed("one-commit"))
    finally:
        event.remove(db.engine, "commit", listener)

    assert response.status_code == 201
    assert len(commits) == 1
    stored = db.session.scalar(select(IdempotencyKey))
    assert (stored.response_status, json.loads(stored.response_body)) == (201, response.get_json())


def test_a_request_waiting_on_the_first_one_s_key_replays_its_answer(api, db, client, database):
    body = json.dumps(NEW_CUSTOMER).encode()
    answer = {"id": 4711, "name": "first"}
    first = db.engine.connect()
    first_transaction = first.begin()
    # The first request, mid-way: its key claimed, its answer written, not yet committed.
    first.execute(
        IdempotencyKey.__table__.insert().values(
            business_id=api.business.id,
            key="racing",
            method="POST",
            path="/api/v1/customers",
            body_sha256=body_fingerprint(body),
            response_status=201,
            response_body=json.dumps(answer),
            created_at=utcnow(),
        )
    )
    answers = []

    def second_request():
        # A thread of its own pushes its own app context, so it has its own session.
        answers.append(
            client.post(
                "/api/v1/customers",
                data=body,
                content_type="application/json",
                headers={"Authorization": f"Bearer {api.key}", **keyed("racing")},
            )
        )

    second = threading.Thread(target=second_request)
    second.start()
    if database == "postgresql":
        observer = db.engine.connect()
        wait_for(
            lambda: observer.execute(
                text("SELECT count(*) FROM pg_locks WHERE NOT granted")
            ).scalar(),
            30,
            "the second request to wait for the first one's key",
        )
        observer.close()
    first_transaction.commit()
    first.close()
    second.join(timeout=60)

    [replayed] = answers
    assert replayed.status_code == 201
    assert replayed.get_json() == answer
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert count(db, Customer) == 0
