"""/webhook-endpoints: registering, reading, changing, deleting an outgoing webhook endpoint and
rotating its secret (never kept in an answer stored for Idempotency-Key replays), URLs
refused when they reach private addresses (unless the server allows them), and the whole way
of an event: a customer's signed "ja" at the inbound webhook, the worker, and a receiver on
loopback that verifies the delivery with the `standardwebhooks` package; on SQLite and
PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from bot.models import IdempotencyKey
from tests.support.api import assert_error, created
from tests.support.databases import BOTH_DATABASES
from tests.support.receivers import webhook_receiver
from tests.support.webhooks import MESSAGES_PATH, inbound_form, sign

pytestmark = BOTH_DATABASES

HOOK_URL = "http://127.0.0.1:8999/hooks/replydesk"


@pytest.fixture
def app_config(app_config):
    # Receivers in these tests listen on loopback.
    return {**app_config, "ALLOW_PRIVATE_WEBHOOK_URLS": True}


def _customer_texts(client, body):
    form = inbound_form(body)
    response = client.post(
        MESSAGES_PATH, data=form, headers={"X-Twilio-Signature": sign(MESSAGES_PATH, form)}
    )
    assert response.status_code == 200, response.get_data(as_text=True)


def test_a_receiver_gets_record_confirmed_by_customer_after_the_customer_texts_ja(
    api, client, customer_factory, record_factory, work
):
    record = record_factory(customer_factory())
    with webhook_receiver() as receiver:
        endpoint = created(
            api.post(
                "/webhook-endpoints",
                json={"url": receiver.url, "events": ["record.confirmed_by_customer"]},
            )
        )
        _customer_texts(client, "ja")
        work()

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    assert payload["type"] == "record.confirmed_by_customer"
    assert payload["data"]["record_id"] == record.id
    assert payload["data"]["customer_id"] == record.customer_id
    assert payload["data"]["business_id"] == api.business.id
    assert payload["timestamp"].endswith("+00:00")
    assert request.headers["webhook-id"].startswith("msg_")
    deliveries = created(api.get(f"/webhook-endpoints/{endpoint['id']}/deliveries"))["items"]
    assert [
        (d["event_type"], d["status"], d["attempts"], d["last_status_code"], d["webhook_id"])
        for d in deliveries
    ] == [("record.confirmed_by_customer", "succeeded", 1, 204, request.headers["webhook-id"])]
    # Another key's secret does not verify it.
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "A" * 32).verify(request.body, request.headers)


def test_an_endpoint_for_every_event_also_hears_the_text_itself(
    api, client, customer_factory, record_factory, work
):
    record_factory(customer_factory())
    with webhook_receiver() as receiver:
        endpoint = created(api.post("/webhook-endpoints", json={"url": receiver.url}))
        _customer_texts(client, "ja")
        work()

    assert endpoint["events"] == []
    payloads = [
        Webhook(endpoint["secret"]).verify(request.body, request.headers)
        for request in receiver.requests
    ]
    assert sorted(payload["type"] for payload in payloads) == [
        "message.received",
        "record.confirmed_by_customer",
    ]
    text = next(payload for payload in payloads if payload["type"] == "message.received")
    assert text["data"]["body"] == "ja"
    assert text["data"]["from"] == "+4915112345678"


def test_an_endpoint_is_created_read_changed_rotated_and_deleted(api):
    answer = api.post("/webhook-endpoints", json={"url": HOOK_URL, "events": ["message.received"]})
    assert answer.status_code == 201
    endpoint = answer.get_json()
    assert endpoint["url"] == HOOK_URL
    assert endpoint["events"] == ["message.received"]
    assert endpoint["enabled"] is True
    assert endpoint["secret"].startswith("whsec_")
    Webhook(endpoint["secret"])  # a key the standard's libraries read
    path = f"/webhook-endpoints/{endpoint['id']}"

    listed = created(api.get("/webhook-endpoints"))["items"]
    assert [item["id"] for item in listed] == [endpoint["id"]]
    assert "secret" not in listed[0]
    assert "secret" not in created(api.get(path))

    changed = created(
        api.patch(
            path,
            json={
                "url": HOOK_URL + "/v2",
                "events": ["customer.opted_out", "customer.opted_in", "customer.opted_out"],
                "enabled": False,
            },
        )
    )
    assert changed["url"] == HOOK_URL + "/v2"
    assert changed["events"] == ["customer.opted_out", "customer.opted_in"]
    assert changed["enabled"] is False
    assert "secret" not in changed

    rotated = created(api.post(path + "/rotate-secret"))
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != endpoint["secret"]

    assert api.delete(path).status_code == 204
    assert_error(api.get(path), 404, code="not_found", field="endpoint_id")
    assert created(api.get("/webhook-endpoints"))["items"] == []


def test_a_replay_answers_without_the_secret_and_no_secret_is_stored(api, db):
    create = {"url": HOOK_URL, "events": ["message.received"]}
    first = created(api.post("/webhook-endpoints", json=create, headers={"Idempotency-Key": "ep"}))
    rotate_path = f"/webhook-endpoints/{first['id']}/rotate-secret"
    rotated = created(api.post(rotate_path, headers={"Idempotency-Key": "rotate"}))

    created_again = api.post("/webhook-endpoints", json=create, headers={"Idempotency-Key": "ep"})
    rotated_again = api.post(rotate_path, headers={"Idempotency-Key": "rotate"})

    for again, answer in ((created_again, first), (rotated_again, rotated)):
        assert again.headers["Idempotent-Replayed"] == "true"
        assert again.status_code == 201 if answer is first else 200
        assert again.get_json() == {name: answer[name] for name in answer if name != "secret"}
    db.session.rollback()
    stored = db.session.scalars(select(IdempotencyKey.response_body)).all()
    assert len(stored) == 2
    for secret in (first["secret"], rotated["secret"]):
        assert not any(secret in body or secret[6:] in body for body in stored)
    assert created(api.get(f"/webhook-endpoints/{first['id']}"))["id"] == first["id"]


def test_another_business_cannot_see_or_touch_an_endpoint(api, other_api):
    endpoint = created(api.post("/webhook-endpoints", json={"url": HOOK_URL}))
    path = f"/webhook-endpoints/{endpoint['id']}"
    for response in (
        other_api.get(path),
        other_api.patch(path, json={"enabled": False}),
        other_api.post(path + "/rotate-secret"),
        other_api.get(path + "/deliveries"),
        other_api.delete(path),
    ):
        assert_error(response, 404, code="not_found")
    assert created(other_api.get("/webhook-endpoints"))["items"] == []
    assert created(api.get(path))["enabled"] is True


@pytest.mark.parametrize(
    "body, field, code",
    [
        ({}, "url", None),
        ({"url": "ftp://127.0.0.1/hook"}, "url", "unsafe_url"),
        ({"url": HOOK_URL, "events": ["record.created"]}, "events", "unknown_event"),
        ({"url": HOOK_URL, "events": "message.received"}, "events", None),
        ({"url": HOOK_URL, "enabled": "yes"}, "enabled", None),
        ({"url": HOOK_URL, "secret": "whsec_mine"}, "secret", None),
    ],
)
def test_bad_input_is_refused_naming_the_field(api, body, field, code):
    error = assert_error(api.post("/webhook-endpoints", json=body), 422, field=field)
    if code is not None:
        assert error["code"] == code
    assert created(api.get("/webhook-endpoints"))["items"] == []


def test_a_private_url_is_refused_unless_the_server_allows_private_endpoints(app, api):
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = False
    for url in (HOOK_URL, "http://10.0.0.7/hook", "http://169.254.169.254/latest"):
        error = assert_error(
            api.post("/webhook-endpoints", json={"url": url}), 422, code="private_address"
        )
        assert "ALLOW_PRIVATE_WEBHOOK_URLS" in error["message"]
    public = created(api.post("/webhook-endpoints", json={"url": "https://93.184.215.14/hook"}))
    assert_error(
        api.patch(f"/webhook-endpoints/{public['id']}", json={"url": HOOK_URL}),
        422,
        code="private_address",
        field="url",
    )
    app.config["ALLOW_PRIVATE_WEBHOOK_URLS"] = True
    assert created(api.post("/webhook-endpoints", json={"url": HOOK_URL}))["url"] == HOOK_URL
