"""Bad input under /api/v1 gets a 4xx in the error shape, never a 500, and changes nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.models import Customer
from tests.support.api import assert_error

FUTURE = "2030-05-04T14:00:00+02:00"


@pytest.fixture
def customer(customer_factory):
    return customer_factory()


def test_malformed_json_is_400(api):
    response = api.post(
        "/customers", data='{"name": "Jane",', headers={"Content-Type": "application/json"}
    )

    error = assert_error(response, 400, code="invalid_json")
    assert "not valid JSON" in error["message"]


def test_body_that_is_not_utf8_is_400(api):
    response = api.post(
        "/customers", data=b'{"name": "J\xff"}', headers={"Content-Type": "application/json"}
    )

    assert_error(response, 400, code="invalid_json")


def test_a_json_array_instead_of_an_object_is_422(api):
    error = assert_error(api.post("/customers", json=[{"name": "Jane"}]), 422)

    assert error["message"] == "the request must be a JSON object"
    assert error["field"] is None


def test_a_form_post_is_415(api):
    response = api.post("/customers", data={"name": "Jane"})

    assert_error(response, 415, code="unsupported_media_type")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": "1"}, "customer_id"),
        ({"customer_id": 1.5}, "customer_id"),
        ({"customer_id": True}, "customer_id"),
        ({"duration_minutes": "45"}, "duration_minutes"),
        ({"notify": "yes"}, "notify"),
        ({"notify": 1}, "notify"),
        ({"title": 42}, "title"),
        ({"kind": "haircut"}, "kind"),
        ({"source": "fax"}, "source"),
        ({"location_id": [1]}, "location_id"),
    ],
)
def test_wrong_types_are_422_naming_the_field(api, customer, body, field):
    response = api.post("/records", json={"customer_id": customer.id, "starts_at": FUTURE, **body})

    error = assert_error(response, 422, field=field)
    assert error["message"].startswith(field)
    assert field in error["details"]


def test_the_first_failing_field_is_named_and_all_are_listed(api, customer):
    response = api.post("/records", json={"customer_id": "x", "duration_minutes": 0})

    error = assert_error(response, 422, field="customer_id")
    assert set(error["details"]) == {"customer_id", "duration_minutes"}


def test_unknown_fields_are_refused(api, customer):
    response = api.post("/customers", json={"name": "Jane", "favourite_colour": "green"})

    error = assert_error(response, 422, code="unknown_field", field="favourite_colour")
    assert "Unknown field" in error["message"]


def test_a_missing_required_field_is_named(api):
    response = api.post("/records", json={"starts_at": FUTURE})

    assert_error(response, 422, code="required", field="customer_id")


@pytest.mark.parametrize(
    ("starts_at", "words"),
    [
        ("2030-05-04T14:00:00", "UTC offset"),
        ("2030-05-04 14:00", "UTC offset"),
        ("2030-02-30T14:00:00+01:00", "ISO 8601"),
        ("next Friday", "ISO 8601"),
        ("9999-12-31T23:59:59-12:00", "between the years"),
        ("0001-01-01T00:00:00+14:00", "between the years"),
        (1746360000, "ISO 8601"),
    ],
)
def test_bad_datetimes_are_422_on_starts_at(api, customer, starts_at, words):
    response = api.post("/records", json={"customer_id": customer.id, "starts_at": starts_at})

    error = assert_error(response, 422, field="starts_at")
    assert words in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer_id": 10**19}, "customer_id"),  # 20 digits: longer ones are refused as JSON
        ({"customer_id": 0}, "customer_id"),
        ({"duration_minutes": 2**64}, "duration_minutes"),
        ({"duration_minutes": -5}, "duration_minutes"),
        ({"staff_id": 2**31}, "staff_id"),
    ],
)
def test_out_of_range_integers_are_422(api, customer, body, field):
    response = api.post("/records", json={"customer_id": customer.id, "starts_at": FUTURE, **body})

    assert_error(response, 422, field=field)


def test_a_huge_id_in_the_path_is_404_not_an_overflow(api):
    assert_error(api.get("/customers/99999999999999999999999"), 404, code="not_found")
    assert_error(api.patch("/records/99999999999999999999999", json={}), 404)


def test_bad_query_parameters_are_422(api):
    assert_error(api.get("/records?customer_id=99999999999999999999"), 422, field="customer_id")
    assert_error(api.get("/records?from=2030-05-04T14:00:00"), 422, field="from")
    assert_error(api.get("/notifications?status=lost"), 422, field="status")
    assert_error(api.get("/customers?limit=100000"), 422, field="limit")
    error = assert_error(api.get("/notifications?record=5"), 422, field="record")
    assert error["code"] == "unknown_field"


def test_nul_characters_are_refused(api):
    assert_error(api.post("/customers", json={"name": "Ja\x00ne"}), 422, field="name")


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/customers", {"name": "Ursula \ud800"}, "name"),
        ("post", "/customers", {"email": "u\ud800@example.com"}, "email"),
        ("post", "/customers", {"phone": "0151 \udfff"}, "phone"),
        ("patch", "/business", {"booking_url": "https://x.example/\ud800"}, "booking_url"),
        ("patch", "/business", {"email_from": "Salon <s\ud800@x.example>"}, "email_from"),
        ("post", "/staff", {"name": "\ud83d"}, "name"),
    ],
)
def test_lone_surrogates_are_refused_not_a_500(api, method, path, body, field):
    # JSON may carry "\ud800"; UTF-8 (and so the database) cannot hold it.
    raw = json.dumps(body)  # keeps the escape as written
    response = getattr(api, method)(path, data=raw, content_type="application/json")
    assert_error(response, 422, field=field)


def test_an_unknown_route_under_the_api_is_404_in_the_shape(api):
    error = assert_error(api.get("/appointments"), 404, code="not_found")

    assert "/api/v1/appointments" in error["message"]


def test_a_wrong_method_is_405_in_the_shape(api):
    response = api.delete("/customers")

    assert_error(response, 405, code="method_not_allowed")
    assert "POST" in response.headers["Allow"]


def test_pages_outside_the_api_keep_flask_error_pages(client):
    response = client.get("/no-such-page")

    assert response.status_code == 404
    assert not response.is_json


def test_a_refused_create_leaves_nothing_behind(db, api):
    response = api.post("/customers", json={"name": "Jane", "phone": "12"})

    assert_error(response, 422, field="phone")
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0
    assert api.post("/customers", json={"name": "Jane"}).status_code == 201
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_an_unexpected_failure_is_a_500_in_the_shape(app, client, api):
    def explode():
        raise RuntimeError("a bug, not bad input")

    app.add_url_rule("/api/v1/test-explode", view_func=explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    response = client.get("/api/v1/test-explode")

    error = assert_error(response, 500, code="internal_error")
    assert "a bug" not in error["message"]
