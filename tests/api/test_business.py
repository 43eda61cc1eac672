"""GET/PATCH /business: the settings of the key's business."""

from __future__ import annotations

import pytest

from bot.api.business import BusinessPatchSchema, BusinessSchema
from bot.models import Business
from bot.services.businesses import SETTINGS
from tests.support.api import ApiClient, assert_error


def test_get_returns_the_settings(api):
    body = api.get("/business").get_json()

    assert body["id"] == api.business.id
    assert body["name"] == "Salon Sonnenschein"
    assert body["timezone"] == "Europe/Berlin"
    assert body["locale"] == "de"
    assert body["phone_region"] == "DE"
    assert body["sms_enabled"] is True
    assert body["sms_from"] == "+4930555010"
    assert body["cancellation_window_hours"] == 24
    assert "webhook_secret" not in body
    assert "webhook_url" not in body


def test_patch_changes_only_what_is_sent_and_persists(db, api):
    response = api.patch(
        "/business",
        json={
            "sms_confirmation_always": True,
            "cancellation_window_hours": None,
            "timezone": "Europe/Amsterdam",
            "locale": "nl",
            "phone_region": "nl",
            "email_from": "Salon Sonnenschein <mail@salon-sonnenschein.de>",
            "notification_email": "chefin@salon-sonnenschein.de",
            "booking_url": "https://salon-sonnenschein.de/termin",
        },
    )

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["phone_region"] == "NL"
    assert body["cancellation_window_hours"] is None
    db.session.expire_all()
    stored = db.session.get(Business, api.business.id)
    assert stored.sms_confirmation_always is True
    assert stored.cancellation_window_hours is None
    assert stored.timezone == "Europe/Amsterdam"
    assert stored.locale == "nl"
    assert stored.email_from == "Salon Sonnenschein <mail@salon-sonnenschein.de>"
    assert stored.sms_enabled is True  # not sent, not changed
    assert stored.name == "Salon Sonnenschein"


def test_sms_from_is_stored_in_e164(api):
    body = api.patch("/business", json={"sms_from": "030 555 0199"}).get_json()

    assert body["sms_from"] == "+49305550199"


@pytest.fixture
def senderless(client, business_factory):
    """An API client for a business created without a Twilio sender (SMS off)."""
    business, key = business_factory(name="Praxis Ohne Nummer", sms_from=None)
    assert business.sms_enabled is False
    return ApiClient(client, key, business)


@pytest.mark.parametrize(
    "sender", [{"sms_from": "030 555 0177"}, {"messaging_service_sid": "MG" + "0" * 32}]
)
def test_the_first_sender_switches_sms_on(senderless, sender):
    body = senderless.patch("/business", json=sender).get_json()

    assert body["sms_enabled"] is True


def test_the_first_sender_keeps_sms_off_when_the_same_request_says_so(senderless):
    body = senderless.patch("/business", json={"sms_from": "030 555 0177", "sms_enabled": False})

    assert body.get_json()["sms_enabled"] is False


def test_a_later_sender_keeps_the_owner_s_choice(api):
    api.patch("/business", json={"sms_enabled": False})

    body = api.patch("/business", json={"sms_from": "030 555 0177"}).get_json()

    assert (body["sms_from"], body["sms_enabled"]) == ("+49305550177", False)


def test_a_refused_first_sender_leaves_sms_off(senderless):
    assert_error(senderless.patch("/business", json={"sms_from": "abc"}), 422, field="sms_from")

    assert senderless.get("/business").get_json()["sms_enabled"] is False


def test_an_empty_string_clears_a_nullable_setting(api):
    api.patch("/business", json={"booking_url": "https://example.org/book"})

    body = api.patch("/business", json={"booking_url": ""}).get_json()

    assert body["booking_url"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"locale": "fr"}, "locale"),
        ({"phone_region": "XX"}, "phone_region"),
        ({"sms_from": "12"}, "sms_from"),
        ({"messaging_service_sid": "MG123"}, "messaging_service_sid"),
        ({"email_from": "not an address"}, "email_from"),
        ({"notification_email": "chefin@"}, "notification_email"),
        ({"booking_url": "javascript:alert(1)"}, "booking_url"),
        ({"cancellation_window_hours": -1}, "cancellation_window_hours"),
        ({"sms_enabled": None}, "sms_enabled"),
        ({"name": ""}, "name"),
        ({"webhook_secret": "mine"}, "webhook_secret"),
    ],
)
def test_bad_settings_are_422_naming_the_field(db, api, changes, field):
    error = assert_error(api.patch("/business", json=changes), 422, field=field)

    assert error["message"]
    db.session.expire_all()
    stored = db.session.get(Business, api.business.id)
    assert stored.timezone == "Europe/Berlin" and stored.locale == "de"


def test_the_region_names_the_error_for_a_bad_sender(api):
    error = assert_error(api.patch("/business", json={"sms_from": "12"}), 422)

    assert "'12'" in error["message"] and "DE" in error["message"]


def test_the_schemas_cover_exactly_the_domain_settings():
    assert set(BusinessPatchSchema().fields) == set(SETTINGS) | {"webhook_url"}
    assert set(SETTINGS) <= set(BusinessSchema().fields)


@pytest.mark.parametrize("value", ["https://crm.example.com/hooks", None, ""])
def test_the_retired_webhook_url_is_refused_naming_the_endpoints_instead(db, api, value):
    error = assert_error(
        api.patch("/business", json={"webhook_url": value, "name": "Salon Neu"}),
        422,
        code="moved",
        field="webhook_url",
    )

    assert "POST /api/v1/webhook-endpoints" in error["message"]
    assert "webhook_url" not in api.get("/business").get_json()
    db.session.expire_all()
    assert db.session.get(Business, api.business.id).name == "Salon Sonnenschein"
    assert api.get("/webhook-endpoints").get_json()["items"] == []


def test_the_document_marks_the_retired_webhook_url_deprecated(api):
    document = api.client.get("/api/v1/openapi.json").get_json()
    patch = document["components"]["schemas"]["BusinessPatch"]["properties"]

    assert patch["webhook_url"]["deprecated"] is True
    assert "webhook_url" not in document["components"]["schemas"]["Business"]["properties"]


NEIGHBOUR_SENDERS = {
    "sms_from": "+4930555030",
    "messaging_service_sid": "MG" + "3" * 32,
    "whatsapp_from": "+4930555031",
}


@pytest.mark.parametrize("field", NEIGHBOUR_SENDERS)
def test_a_sender_of_another_business_is_refused(db, api, business_factory, field):
    business_factory(name="Salon Nachbar", **NEIGHBOUR_SENDERS)
    before = getattr(db.session.get(Business, api.business.id), field)

    response = api.patch("/business", json={field: NEIGHBOUR_SENDERS[field]})

    error = assert_error(response, 409, field=field)
    assert error["code"] == "sender_taken"
    db.session.expire_all()
    assert getattr(db.session.get(Business, api.business.id), field) == before


def test_the_sender_pace_can_be_set_and_is_checked(db, api):
    assert api.patch("/business", json={"sms_per_second": 10}).get_json()["sms_per_second"] == 10
    assert_error(api.patch("/business", json={"sms_per_second": 0}), 422, field="sms_per_second")
    assert db.session.get(Business, api.business.id).sms_per_second == 10
