"""POST/GET/PATCH/DELETE /customers: phone numbers in E.164, warnings, consent, filters, erasure."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import AddressKind, ContactAddress, Customer, utcnow
from tests.support.api import assert_error, created


def test_a_domestic_mobile_number_is_stored_in_e164(db, api):
    response = api.post(
        "/customers",
        json={"name": "Ursula Hoffmann", "phone": "0151 12345678", "sms_consent": True},
    )

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["phone"] == "+4915112345678"
    assert body["phone_is_mobile"] is True
    assert body["warnings"] == []
    assert body["sms_consent"] is True
    assert body["email_consent"] is False
    assert body["created_at"].endswith("+00:00")
    stored = db.session.get(Customer, body["id"])
    assert stored.business_id == api.business.id
    assert stored.address(AddressKind.TEL).value == "+4915112345678"


def test_an_invalid_phone_is_422_naming_field_number_and_region(db, api):
    response = api.post("/customers", json={"name": "Jane", "phone": "0151 123"})

    error = assert_error(response, 422, code="invalid_phone", field="phone")
    assert "0151 123" in error["message"]
    assert "DE" in error["message"]
    assert db.session.scalars(select(Customer)).all() == []


def test_a_valid_landline_is_kept_with_a_warning(api):
    response = api.post("/customers", json={"name": "Praxis Weber", "phone": "030 12345678"})

    assert response.status_code == 201
    body = response.get_json()
    assert body["phone"] == "+493012345678"
    assert body["phone_is_mobile"] is False
    assert body["warnings"] == ["not a mobile number: SMS may not arrive"]


def test_a_foreign_number_needs_its_country_code(api):
    body = api.post("/customers", json={"phone": "+44 7911 123456"}).get_json()

    assert body["phone"] == "+447911123456"


def test_an_opted_out_number_is_warned_about(db, api, customer_factory):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = utcnow()
    db.session.commit()

    body = api.get(f"/customers/{customer.id}").get_json()

    assert body["sms_opted_out_at"] is not None
    assert any("opted out" in warning for warning in body["warnings"])


def test_the_same_number_twice_is_refused(api):
    api.post("/customers", json={"phone": "0151 12345678"})

    error = assert_error(api.post("/customers", json={"phone": "+4915112345678"}), 409)

    assert error["field"] == "phone"
    assert error["code"] == "duplicate_phone"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"email": "ursula@"}, "email"),
        ({"name": "Jane", "locale": "fr"}, "locale"),
        ({"name": "Jane", "sms_consent": "true"}, "sms_consent"),
        ({"name": "x" * 201}, "name"),
        ({}, "name"),
        ({"name": "", "phone": "", "email": ""}, "name"),
    ],
)
def test_bad_customer_input_is_422(api, body, field):
    assert_error(api.post("/customers", json=body), 422, field=field)


def test_email_is_stored_lower_case_and_consent_per_channel(api):
    body = api.post(
        "/customers",
        json={"name": "Jane", "email": "Jane.Doe@Example.ORG", "email_consent": True},
    ).get_json()

    assert body["email"] == "jane.doe@example.org"
    assert body["email_consent"] is True
    assert body["sms_consent"] is False
    assert body["phone"] is None


def test_privacy_accepted_records_the_moment_and_can_be_withdrawn(api):
    customer = api.post("/customers", json={"name": "Jane", "privacy_accepted": True}).get_json()
    assert customer["privacy_accepted"] is True
    assert customer["privacy_accepted_at"] is not None

    changed = api.patch(f"/customers/{customer['id']}", json={"privacy_accepted": False}).get_json()

    assert changed["privacy_accepted"] is False
    assert changed["privacy_accepted_at"] is None


def test_patch_changes_the_phone_and_its_contact_address(db, api, customer_factory):
    customer = customer_factory()

    response = api.patch(
        f"/customers/{customer.id}", json={"phone": "030 12345678", "email": None, "locale": "en"}
    )

    assert response.status_code == 200
    body = response.get_json()
    assert body["phone"] == "+493012345678"
    assert body["locale"] == "en"
    assert body["warnings"] == ["not a mobile number: SMS may not arrive"]
    addresses = db.session.scalars(
        select(ContactAddress.value)
        .where(ContactAddress.customer_id == customer.id)
        .order_by(ContactAddress.id)
    ).all()
    # the old number's row stays: it keeps that number's opt-out and matches its replies
    assert addresses == ["+4915112345678", "+493012345678"]


def test_patch_with_an_invalid_phone_keeps_the_old_one(db, api, customer_factory):
    customer = customer_factory()

    assert_error(api.patch(f"/customers/{customer.id}", json={"phone": "abc"}), 422, field="phone")

    db.session.expire_all()
    assert db.session.get(Customer, customer.id).phone == "+4915112345678"


@pytest.mark.parametrize(
    "changes",
    [
        {"name": None, "phone": None},
        {"name": "", "phone": "", "email": "", "whatsapp": ""},
        {"name": "   ", "phone": None, "email": None, "whatsapp": None},
    ],
)
def test_patch_emptying_everything_naming_the_customer_is_422_and_changes_nothing(
    db, api, customer_factory, changes
):
    customer = customer_factory(name="Ursula Hoffmann", phone="0151 12345678")

    error = assert_error(
        api.patch(f"/customers/{customer.id}", json=changes), 422, code="required", field="name"
    )

    assert "WhatsApp" in error["message"]
    body = api.get(f"/customers/{customer.id}").get_json()
    assert (body["name"], body["phone"]) == ("Ursula Hoffmann", "+4915112345678")


def test_patch_may_empty_all_but_one_naming_field(api, customer_factory):
    customer = customer_factory(name="Ursula Hoffmann", phone="0151 12345678")

    response = api.patch(f"/customers/{customer.id}", json={"name": None, "email": None})

    assert response.status_code == 200
    assert (response.get_json()["name"], response.get_json()["phone"]) == (None, "+4915112345678")


def test_a_customer_known_only_by_whatsapp_can_be_created(api):
    response = api.post("/customers", json={"whatsapp": "0151 12345678"})

    assert response.status_code == 201, response.text
    assert response.get_json()["whatsapp"] == "+4915112345678"


def test_get_one_and_unknown_ids(api, customer_factory):
    customer = customer_factory(external_id="K-1001")

    body = api.get(f"/customers/{customer.id}").get_json()

    assert body["external_id"] == "K-1001"
    assert body["name"] == "Ursula Hoffmann"
    assert_error(api.get(f"/customers/{customer.id + 100}"), 404, field="customer_id")


def test_list_filters_by_phone_email_and_external_id(api, customer_factory):
    ursula = customer_factory()
    jane = customer_factory(
        name="Jane", phone="+4915199999999", email="jane@example.org", external_id="K-2"
    )

    def ids(query):
        response = api.get(f"/customers{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("") == [ursula.id, jane.id]
    assert ids("?phone=0151%2012345678") == [ursula.id]
    assert ids("?phone=%2B4915199999999") == [jane.id]
    assert ids("?email=JANE@example.org") == [jane.id]
    assert ids("?external_id=K-2") == [jane.id]
    assert ids("?external_id=K-3") == []
    assert ids("?limit=1") == [ursula.id]
    after_first = api.get("/customers?limit=1").get_json()["next_cursor"]
    assert ids(f"?limit=1&cursor={after_first}") == [jane.id]
    assert_error(api.get("/customers?phone=12"), 422, field="phone")


def test_another_businesss_customer_can_be_neither_exported_nor_erased(
    db, api, other_api, customer_factory
):
    customer = customer_factory()

    assert_error(other_api.get(f"/customers/{customer.id}/export"), 404, code="not_found")
    assert_error(other_api.delete(f"/customers/{customer.id}"), 404, code="not_found")
    assert_error(api.delete("/customers/2147483648"), 404)
    assert created(api.get(f"/customers/{customer.id}"))["name"] == "Ursula Hoffmann"


def test_erasing_a_customer_is_204_with_no_body_and_a_second_time_404(api, customer_factory):
    customer = customer_factory()

    erased = api.delete(f"/customers/{customer.id}")

    assert (erased.status_code, erased.get_data()) == (204, b"")
    assert_error(api.delete(f"/customers/{customer.id}"), 404, code="not_found")
    assert created(api.get("/customers"))["items"] == []
