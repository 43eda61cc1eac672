"""Bearer keys: who may call the API, and that every resource is scoped to the key's business."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import ApiKey, Customer, utcnow
from tests.support.api import assert_error

PROTECTED = [
    ("get", "/api/v1/business"),
    ("patch", "/api/v1/business"),
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("get", "/api/v1/customers/1"),
    ("get", "/api/v1/records"),
    ("post", "/api/v1/records"),
    ("get", "/api/v1/locations"),
    ("get", "/api/v1/staff"),
    ("get", "/api/v1/services"),
    ("get", "/api/v1/messages"),
    ("get", "/api/v1/notifications"),
    ("get", "/api/v1/usage"),
]


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_no_key_is_401_in_the_error_shape(client, business, method, path):
    response = getattr(client, method)(path, json={})

    error = assert_error(response, 401, code="unauthorized")
    assert "Bearer" in error["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer rd_forged-key-that-was-never-issued",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "rd_key-without-scheme",
    ],
)
def test_forged_or_malformed_key_is_401(client, api, header):
    response = client.get("/api/v1/customers", headers={"Authorization": header})

    assert_error(response, 401, code="unauthorized")


def test_a_revoked_key_is_refused(client, db, api):
    assert api.get("/customers").status_code == 200
    for key in db.session.scalars(select(ApiKey).where(ApiKey.business_id == api.business.id)):
        key.revoked_at = utcnow()
    db.session.commit()

    error = assert_error(api.get("/customers"), 401, code="unauthorized")
    assert "revoked" in error["message"]


def test_the_scheme_name_is_case_insensitive(client, api):
    response = client.get("/api/v1/business", headers={"Authorization": f"bearer {api.key}"})

    assert response.status_code == 200
    assert response.get_json()["id"] == api.business.id


def test_a_key_only_sees_its_own_business(api, other_api):
    assert api.get("/business").get_json()["name"] == "Salon Sonnenschein"
    assert other_api.get("/business").get_json()["name"] == "Fahrradwerkstatt Kette"


def test_another_business_customer_is_404(db, api, other_api, customer_factory):
    customer = customer_factory()  # belongs to api's business

    assert_error(other_api.get(f"/customers/{customer.id}"), 404, code="not_found")
    response = other_api.patch(f"/customers/{customer.id}", json={"name": "Hijacked"})
    assert_error(response, 404, code="not_found")
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Ursula Hoffmann"
    assert other_api.get("/customers").get_json() == {"items": [], "next_cursor": None}
    assert [c["id"] for c in api.get("/customers").get_json()["items"]] == [customer.id]


def test_another_business_records_are_404(api, other_api, customer_factory, record_factory):
    customer = customer_factory()
    record = record_factory(customer)

    assert_error(other_api.get(f"/records/{record.id}"), 404)
    assert_error(other_api.patch(f"/records/{record.id}", json={"status": "cancelled"}), 404)
    assert other_api.get(f"/notifications?record_id={record.id}").get_json() == {
        "items": [],
        "next_cursor": None,
    }
    assert other_api.get(f"/records?customer_id={customer.id}").get_json() == {
        "items": [],
        "next_cursor": None,
    }
    response = other_api.post(
        "/records", json={"customer_id": customer.id, "starts_at": "2030-05-04T14:00:00+02:00"}
    )
    assert_error(response, 404, field="customer_id")
    assert api.get(f"/records/{record.id}").get_json()["status"] == "confirmed"


def test_another_business_location_is_404(api, other_api):
    location = other_api.post("/locations", json={"name": "Werkstatt"}).get_json()

    assert_error(api.get(f"/locations/{location['id']}"), 404)
    assert api.get("/locations").get_json() == {"items": [], "next_cursor": None}


def test_the_openapi_document_needs_no_key(client, business):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.get_json()["info"]["title"] == "ReplyDesk"
