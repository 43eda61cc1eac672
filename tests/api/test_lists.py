"""GET /messages, /notifications and /usage: filters, scoping, and what the flow leaves behind."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.models import Author, Direction, Message, utcnow
from outbound.delivery import apply_status_callback, valid_month
from outbound.jobs import run_dispatch_pass
from outbound.policy.vocabulary import Channel, MessageStatus
from tests.support.api import assert_error
from tests.support.databases import BOTH_DATABASES


def _message(db, business, customer, **fields):
    """A stored message as the jobs and webhooks leave them (they are not this module's)."""
    defaults = {
        "business_id": business.id,
        "customer_id": customer.id if customer else None,
        "direction": Direction.OUTBOUND,
        "channel": Channel.SMS,
        "from_address": "+4930555010",
        "to_address": customer.phone if customer else "+4915100000000",
        "body": "Ihr Termin ist bestätigt.",
        "segments": 1,
        "encoding": "GSM-7",
        "status": MessageStatus.DELIVERED,
        "author": Author.SYSTEM,
        "created_at": datetime(2030, 5, 10, 12, tzinfo=UTC),
    }
    message = Message(**{**defaults, **fields})
    db.session.add(message)
    db.session.commit()
    return message


def test_messages_filter_by_customer_and_direction(db, api, business, customer_factory):
    ursula = customer_factory()
    jane = customer_factory(name="Jane", phone="+4915199999999")
    out = _message(db, business, ursula)
    reply = _message(
        db,
        business,
        ursula,
        direction=Direction.INBOUND,
        author=Author.CUSTOMER,
        from_address=ursula.phone,
        to_address="+4930555010",
        body="ja",
        status=MessageStatus.RECEIVED,
        created_at=datetime(2030, 5, 10, 13, tzinfo=UTC),
    )
    _message(db, business, jane)

    items = api.get(f"/messages?customer_id={ursula.id}").get_json()["items"]

    assert [m["id"] for m in items] == [out.id, reply.id]
    assert items[1]["from"] == ursula.phone and items[1]["to"] == "+4930555010"
    assert items[1]["direction"] == "inbound" and items[1]["author"] == "customer"
    inbound = api.get(f"/messages?customer_id={ursula.id}&direction=inbound").get_json()["items"]
    assert [m["id"] for m in inbound] == [reply.id]
    assert len(api.get("/messages").get_json()["items"]) == 3
    assert_error(api.get("/messages?direction=sideways"), 422, field="direction")


def test_messages_of_another_business_are_not_listed(
    db, api, other_api, business, customer_factory
):
    _message(db, business, customer_factory())

    assert other_api.get("/messages").get_json() == {"items": [], "next_cursor": None}


def test_notifications_show_status_and_reason_in_words(api, customer_factory, record_factory):
    customer = customer_factory(sms_consent=False)
    record = record_factory(customer)

    items = api.get(f"/notifications?record_id={record.id}&status=skipped").get_json()["items"]

    assert items, "a notice for a customer without consent is planned as skipped"
    assert all(item["status"] == "skipped" for item in items)
    assert all(isinstance(item["reason"], str) and len(item["reason"]) > 10 for item in items)
    assert api.get(f"/notifications?record_id={record.id}&status=scheduled").get_json() == {
        "items": [],
        "next_cursor": None,
    }
    by_customer = api.get(f"/notifications?customer_id={customer.id}").get_json()["items"]
    assert {item["id"] for item in by_customer} == {item["id"] for item in items}


def test_usage_counts_only_delivered_sms_as_billable(db, api, business, customer_factory):
    customer = customer_factory()
    _message(db, business, customer, segments=2, billable=True)
    _message(db, business, customer, status=MessageStatus.UNDELIVERED, error_code="30003")
    _message(db, business, customer, channel=Channel.EMAIL, segments=0, to_address="a@b.de")
    _message(db, business, customer, direction=Direction.INBOUND, status=MessageStatus.RECEIVED)
    _message(db, business, customer, created_at=datetime(2030, 6, 2, 12, tzinfo=UTC), billable=True)

    body = api.get("/usage?month=2030-05").get_json()

    assert body == {
        "month": "2030-05",
        "sms_sent": 2,
        "sms_delivered": 1,
        "sms_billable_segments": 2,
        "emails_sent": 1,
    }


def test_usage_defaults_to_this_month(api):
    body = api.get("/usage").get_json()

    assert body["month"] == datetime.now(ZoneInfo("Europe/Berlin")).strftime("%Y-%m")
    assert body["sms_sent"] == 0


@pytest.mark.parametrize(
    "month", ["2030-05", "1970-01", "2199-12", "2200-01", "1969-12", "2030-05\n", "2030-00"]
)
def test_usage_takes_exactly_the_months_the_usage_page_takes(api, month):
    response = api.get("/usage", query_string={"month": month})

    if valid_month(month):
        assert response.status_code == 200
        assert response.get_json()["month"] == month
    else:
        error = assert_error(response, 422, field="month")
        assert "YYYY-MM" in str(error)


@pytest.mark.parametrize("month", ["2030-13", "2030-5", "May 2030", "0000-01", "9999-12"])
def test_usage_refuses_a_bad_month(api, month):
    assert_error(api.get(f"/usage?month={month}"), 422, field="month")


def test_the_api_flow_sends_an_sms_that_messages_and_usage_report(db, api, fake_twilio):
    customer = api.post(
        "/customers", json={"name": "Ursula", "phone": "0151 12345678", "sms_consent": True}
    ).get_json()
    record = api.post(
        "/records", json={"customer_id": customer["id"], "starts_at": "2030-05-04T14:00:00+02:00"}
    ).get_json()

    run_dispatch_pass(utcnow(), send_inline=True)

    assert [m.to for m in fake_twilio.messages] == ["+4915112345678"]
    messages = api.get(f"/messages?customer_id={customer['id']}").get_json()["items"]
    assert len(messages) == 1
    sms = messages[0]
    assert (sms["direction"], sms["channel"], sms["from"]) == ("outbound", "sms", "+4930555010")
    assert sms["body"] == fake_twilio.messages[0].body
    assert sms["segments"] >= 1 and sms["encoding"] in ("GSM-7", "UCS-2")
    confirmation = [
        n
        for n in api.get(f"/notifications?record_id={record['id']}").get_json()["items"]
        if n["notice"] == "confirmation"
    ]
    assert confirmation[0]["status"] == "sent"
    assert confirmation[0]["message_id"] == sms["id"]

    apply_status_callback(
        db.session, message_sid=fake_twilio.messages[0].sid, status="delivered", now=utcnow()
    )
    db.session.commit()

    usage = api.get("/usage").get_json()
    assert (usage["sms_sent"], usage["sms_delivered"]) == (1, 1)
    assert usage["sms_billable_segments"] == sms["segments"]
    assert api.get(f"/messages?customer_id={customer['id']}").get_json()["items"][0]["billable"]


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/customers?email=a%00@b.de", "email"),
        ("/customers?external_id=%00", "external_id"),
        ("/templates?name=a%0Ab", "name"),
        ("/records?status=%00", "status"),
    ],
)
def test_a_filter_with_a_nul_or_a_line_break_is_refused_by_name(api, path, field):
    assert_error(api.get(path), 422, field=field)

    assert api.get("/customers").status_code == 200  # still answering
