"""POST/GET/PATCH /records: records are created and changed through the domain, which
plans the customer's notices in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.support.api import assert_error

START = "2030-05-04T14:00:00+02:00"


def _notices(api, record_id, **filters):
    query = "&".join(f"{key}={value}" for key, value in {"record_id": record_id, **filters}.items())
    response = api.get(f"/notifications?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()["items"]


def _by_notice(items, notice):
    return [item for item in items if item["notice"] == notice]


def test_phone_only_customer_and_api_appointment_plan_an_sms_confirmation(api):
    customer = api.post("/customers", json={"phone": "0151 12345678", "sms_consent": True})
    assert customer.status_code == 201

    response = api.post(
        "/records",
        json={"kind": "appointment", "customer_id": customer.get_json()["id"], "starts_at": START},
    )

    assert response.status_code == 201, response.get_json()
    record = response.get_json()
    assert record["starts_at"] == "2030-05-04T12:00:00+00:00"
    assert record["ends_at"] == "2030-05-04T12:30:00+00:00"
    assert record["status"] == "confirmed"
    assert record["source"] == "api"
    assert record["customer_confirmed_at"] is None
    assert record["version"] == 1
    confirmations = _by_notice(_notices(api, record["id"]), "confirmation")
    assert len(confirmations) == 1
    assert confirmations[0]["channel"] == "sms"
    assert confirmations[0]["status"] == "scheduled"
    assert confirmations[0]["reason"] is None
    assert confirmations[0]["customer_id"] == customer.get_json()["id"]
    reminders = _by_notice(_notices(api, record["id"]), "reminder")
    assert [r["due_at"] for r in reminders] == ["2030-05-03T12:00:00+00:00"]


def test_a_customer_with_email_and_consent_is_confirmed_by_email_not_sms(api):
    customer = api.post(
        "/customers",
        json={
            "name": "Jane",
            "phone": "0151 12345678",
            "sms_consent": True,
            "email": "jane@example.org",
            "email_consent": True,
        },
    ).get_json()

    record = api.post("/records", json={"customer_id": customer["id"], "starts_at": START})

    confirmations = _by_notice(_notices(api, record.get_json()["id"]), "confirmation")
    assert [c["channel"] for c in confirmations] == ["email"]


def test_a_customer_without_consent_gets_a_skipped_notice_with_a_reason(api):
    customer = api.post("/customers", json={"phone": "0151 12345678"}).get_json()

    record = api.post("/records", json={"customer_id": customer["id"], "starts_at": START})

    confirmations = _by_notice(_notices(api, record.get_json()["id"]), "confirmation")
    assert len(confirmations) == 1
    assert confirmations[0]["status"] == "skipped"
    assert confirmations[0]["reason"]


def test_notify_false_on_create_plans_no_confirmation(api, customer_factory):
    customer = customer_factory()

    record = api.post(
        "/records", json={"customer_id": customer.id, "starts_at": START, "notify": False}
    ).get_json()

    assert _by_notice(_notices(api, record["id"]), "confirmation") == []


def test_moving_with_notify_false_plans_no_change_notice(api, customer_factory, record_factory):
    record = record_factory(customer_factory())

    response = api.patch(
        f"/records/{record.id}", json={"starts_at": "2030-06-01T10:00:00+02:00", "notify": False}
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["starts_at"] == "2030-06-01T08:00:00+00:00"
    assert response.get_json()["version"] == 2
    notices = _notices(api, record.id)
    assert _by_notice(notices, "change") == []
    # R1.6: the reminder follows the new time even when the customer is not told.
    scheduled = _by_notice(_notices(api, record.id, status="scheduled"), "reminder")
    assert [r["due_at"] for r in scheduled] == ["2030-05-31T08:00:00+00:00"]


def test_moving_plans_a_change_notice_by_default(api, customer_factory, record_factory):
    record = record_factory(customer_factory())

    api.patch(f"/records/{record.id}", json={"starts_at": "2030-06-01T10:00:00+02:00"})

    changes = _by_notice(_notices(api, record.id), "change")
    assert [(c["channel"], c["status"]) for c in changes] == [("sms", "scheduled")]


def test_cancelling_plans_a_cancellation_and_records_who(api, customer_factory, record_factory):
    record = record_factory(customer_factory())

    body = api.patch(f"/records/{record.id}", json={"status": "cancelled"}).get_json()

    assert body["status"] == "cancelled"
    assert body["cancelled_by"] == "business"
    assert len(_by_notice(_notices(api, record.id), "cancellation")) == 1


def test_duration_and_links_come_from_the_catalogue(api, customer_factory):
    customer = customer_factory()
    service = api.post("/services", json={"name": "Balayage", "duration_minutes": 120}).get_json()
    staff = api.post("/staff", json={"name": "Jane"}).get_json()
    location = api.post("/locations", json={"name": "Mitte"}).get_json()

    record = api.post(
        "/records",
        json={
            "customer_id": customer.id,
            "starts_at": START,
            "service_id": service["id"],
            "staff_id": staff["id"],
            "location_id": location["id"],
            "title": "Balayage",
            "notes": "Allergie gegen Ammoniak",
            "source": "onsite",
        },
    ).get_json()

    assert record["ends_at"] == "2030-05-04T14:00:00+00:00"
    assert (record["service_id"], record["staff_id"], record["location_id"]) == (
        service["id"],
        staff["id"],
        location["id"],
    )
    assert record["source"] == "onsite"
    assert record["notes"] == "Allergie gegen Ammoniak"


def test_links_to_another_business_are_404(api, other_api, customer_factory):
    foreign = other_api.post("/locations", json={"name": "Werkstatt"}).get_json()

    response = api.post(
        "/records",
        json={
            "customer_id": customer_factory().id,
            "starts_at": START,
            "location_id": foreign["id"],
        },
    )

    assert_error(response, 404, field="location_id")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2030-05-04T14:00:00"}, "starts_at"),
        ({"starts_at": None}, "starts_at"),
        ({"status": "maybe"}, "status"),
        ({"kind": "order"}, "status"),
    ],
)
def test_refused_records_name_the_field(db, api, customer_factory, body, field):
    customer = customer_factory()

    assert_error(api.post("/records", json={"customer_id": customer.id, **body}), 422, field=field)
    assert api.get("/records").get_json() == {"items": [], "next_cursor": None}


def test_an_order_may_have_no_time(api, customer_factory):
    customer = customer_factory()

    body = api.post(
        "/records", json={"kind": "order", "customer_id": customer.id, "status": "received"}
    ).get_json()

    assert body["kind"] == "order"
    assert body["starts_at"] is None and body["ends_at"] is None


def test_patch_refuses_fields_that_cannot_change(api, customer_factory, record_factory):
    record = record_factory(customer_factory())

    assert_error(
        api.patch(f"/records/{record.id}", json={"customer_id": 5}), 422, field="customer_id"
    )
    assert_error(api.patch(f"/records/{record.id}", json={"kind": "order"}), 422, field="kind")


def test_get_one_record(api, customer_factory, record_factory):
    record = record_factory(customer_factory(), title="Schnitt")

    body = api.get(f"/records/{record.id}").get_json()

    assert body["id"] == record.id
    assert body["title"] == "Schnitt"
    assert body["kind"] == "appointment"
    assert set(body) >= {"customer_confirmed_at", "created_at", "updated_at", "cancelled_by"}


def test_list_filters(api, customer_factory, record_factory, now):
    ursula = customer_factory()
    jane = customer_factory(name="Jane", phone="+4915199999999")
    early = record_factory(ursula, starts_at=now + timedelta(days=1))
    late = record_factory(jane, starts_at=now + timedelta(days=10))
    order = record_factory(jane, kind="order", starts_at=None, status="received")

    def ids(query=""):
        response = api.get(f"/records{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    middle = (now + timedelta(days=5)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ids() == [early.id, late.id, order.id]
    assert ids(f"?customer_id={jane.id}") == [late.id, order.id]
    assert ids("?kind=order") == [order.id]
    assert ids("?status=confirmed") == [early.id, late.id]
    assert ids(f"?from={middle}") == [late.id]
    assert ids(f"?to={middle}") == [early.id]
    after_first = api.get("/records?limit=1").get_json()["next_cursor"]
    assert ids(f"?limit=1&cursor={after_first}") == [late.id]


def test_datetimes_in_responses_are_utc_with_offset(api, customer_factory, record_factory):
    start = datetime(2030, 1, 15, 9, 30, tzinfo=UTC)
    record = record_factory(customer_factory(), starts_at=start)

    body = api.get(f"/records/{record.id}").get_json()

    assert datetime.fromisoformat(body["starts_at"]) == start
    assert body["starts_at"].endswith("+00:00")
