"""The settings pages with the Flask test client: each section saves and the API's GET
/business then says the same; bad values are refused next to their field with
everything typed kept; a sender another business uses is refused; an API key is
shown once, opens the API, and after revoking opens it no more; staff get 403 and
visitors the login, on every page and every POST."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.models import ApiKey, UserRole
from tests.support.web import add_user, fresh_clients, log_in

OWNER_EMAIL = "olga@salon.test"
STAFF_EMAIL = "sam@salon.test"
KEY = re.compile(r"rd_[A-Za-z0-9_-]{20,}")

GENERAL = {
    "name": "Salon Mondschein",
    "locale": "nl",
    "timezone": "Europe/Amsterdam",
    "phone_region": "NL",
    "sms_enabled": "y",
    "sms_confirmation_always": "y",
    "cancel_by_text": "y",
    "cancellation_window_hours": "12",
    "privacy_url": "https://salon.example/privacy",
    "booking_url": "https://salon.example/book",
    "email_from": "Salon Mondschein <info@salon.example>",
    "notification_email": "team@salon.example",
}

PAGES = ("/settings", "/settings/messaging", "/settings/api-keys")


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def salon(db, business_factory):
    """The salon with its first API key, an owner and a staff user."""
    business, api_key = business_factory()
    add_user(db.session, business, email=OWNER_EMAIL)
    add_user(db.session, business, email=STAFF_EMAIL).role = UserRole.STAFF
    db.session.commit()
    return business, api_key


def api_business(app, key) -> dict:
    response = app.test_client().get("/api/v1/business", headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 200, response.text
    return response.get_json()


def label_of(page: str, field_id: str) -> str:
    """The <label> around the input with this id: its text, input, hint and errors."""
    at = page.index(f'id="{field_id}"')
    return page[page.rindex("<label", 0, at) : page.index("</label>", at)]


def assert_refused(response, field_id: str, message: str) -> None:
    assert response.status_code == 422, response.text
    label = label_of(response.text, field_id)
    assert 'aria-invalid="true"' in label
    errors = re.findall(r'<span class="field-error">(.*?)</span>', label)
    assert any(message in html.unescape(error) for error in errors), errors


def assert_kept(page: str, field_id: str, value: str) -> None:
    label = label_of(page, field_id)
    if "<select" in label:
        selected = re.search(r'<option selected value="([^"]*)"', label)
        assert selected and html.unescape(selected.group(1)) == value, label
    else:
        assert f'value="{html.escape(value)}"' in label, label


# --- General --------------------------------------------------------------------


def test_general_settings_are_saved_as_the_api_reads_them(app, salon):
    business, key = salon
    owner = log_in(app, OWNER_EMAIL)
    page = owner.get("/settings")
    assert page.status_code == 200
    assert_kept(page.text, "timezone", "Europe/Berlin")
    assert_kept(page.text, "cancellation_window_hours", "24")

    response = owner.post("/settings", data=GENERAL)
    assert response.status_code == 302 and response.location.endswith("/settings")

    saved = api_business(app, key)
    assert saved["name"] == "Salon Mondschein"
    assert saved["locale"] == "nl" and saved["timezone"] == "Europe/Amsterdam"
    assert saved["phone_region"] == "NL"
    assert saved["sms_enabled"] is True and saved["sms_confirmation_always"] is True
    assert saved["cancellation_window_hours"] == 12
    assert saved["privacy_url"] == "https://salon.example/privacy"
    assert saved["booking_url"] == "https://salon.example/book"
    assert saved["email_from"] == "Salon Mondschein <info@salon.example>"
    assert saved["notification_email"] == "team@salon.example"

    # The owner has no language of their own: the page now speaks the business's Dutch.
    assert "De instellingen zijn opgeslagen." in owner.get("/settings").text

    # Unticked boxes: no SMS, no SMS confirmation, no cancelling by text.
    unticked = {
        name: value
        for name, value in GENERAL.items()
        if name not in ("sms_enabled", "sms_confirmation_always", "cancel_by_text")
    }
    assert owner.post("/settings", data=unticked).status_code == 302
    saved = api_business(app, key)
    assert saved["sms_enabled"] is False and saved["sms_confirmation_always"] is False
    assert saved["cancellation_window_hours"] is None
    assert saved["privacy_url"] == "https://salon.example/privacy"


def test_the_reminder_lead_is_shown_with_the_way_to_the_rules(app, salon):
    page = log_in(app, OWNER_EMAIL).get("/settings").text
    leads = page[page.index('id="reminder-leads"') :]
    # worded as on the rules page: a whole day is "1 day", not "24 hours"
    assert "1 Tag vorher" in leads or "1 day before" in leads
    assert "24 Stunden" not in leads and "24 hours" not in leads
    assert 'href="/rules"' in leads


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Zeitzone"),
        ({"privacy_url": "javascript:alert(1)"}, "privacy_url", "http(s)"),
        ({"booking_url": "http://localhost/book"}, "booking_url", "http(s)"),
        ({"notification_email": "team at salon"}, "notification_email", "E-Mail-Adresse"),
        ({"email_from": "a@x.example, b@x.example"}, "email_from", "Absender"),
        ({"name": "   "}, "name", "Namen"),
        ({"cancellation_window_hours": "-3"}, "cancellation_window_hours", "8784"),
        ({"cancellation_window_hours": "zwölf"}, "cancellation_window_hours", "8784"),
        ({"cancellation_window_hours": ""}, "cancellation_window_hours", "Stunden"),
        ({"phone_region": "XX"}, "phone_region", "Land"),
    ],
)
def test_bad_general_values_are_refused_next_to_the_field_keeping_the_input(
    app, salon, db, changes, field_id, message
):
    business, key = salon
    owner = log_in(app, OWNER_EMAIL)
    typed = {**GENERAL, "locale": "de", **changes}
    response = owner.post("/settings", data=typed)
    assert_refused(response, field_id, message)
    for name in ("name", "timezone", "privacy_url", "email_from", "cancellation_window_hours"):
        assert_kept(response.text, name, typed[name])
    box = re.search(r'<input[^>]*id="cancel_by_text"[^>]*>', response.text)
    assert box and "checked" in box.group(0)
    assert api_business(app, key)["name"] == "Salon Sonnenschein"  # nothing saved


# --- Messaging ------------------------------------------------------------------


def test_the_twilio_senders_are_saved_in_e164(app, salon):
    business, key = salon
    owner = log_in(app, OWNER_EMAIL)
    response = owner.post(
        "/settings/messaging",
        data={
            "sms_from": "030 5550 777",
            "messaging_service_sid": "MG" + "a1" * 16,
            "whatsapp_from": "0151 23456789",
            "sms_per_second": "1,5",
        },
    )
    assert response.status_code == 302, response.text
    saved = api_business(app, key)
    assert saved["sms_from"] == "+49305550777"
    assert saved["messaging_service_sid"] == "MG" + "a1" * 16
    assert saved["whatsapp_from"] == "+4915123456789"
    assert saved["sms_per_second"] == 1.5
    page = owner.get("/settings/messaging").text
    assert_kept(page, "sms_from", "+49305550777")

    # Emptied: no Messaging Service, no WhatsApp, the server's pace.
    response = owner.post("/settings/messaging", data={"sms_from": "+49305550777"})
    assert response.status_code == 302
    saved = api_business(app, key)
    assert saved["messaging_service_sid"] is None and saved["whatsapp_from"] is None
    assert saved["sms_per_second"] is None and saved["sms_from"] == "+49305550777"


@pytest.mark.parametrize(
    ("changes", "field_id", "message"),
    [
        ({"sms_from": "12"}, "sms_from", "Telefonnummer"),
        ({"whatsapp_from": "call me"}, "whatsapp_from", "Telefonnummer"),
        ({"messaging_service_sid": "MG123"}, "messaging_service_sid", "MG"),
        ({"sms_per_second": "0"}, "sms_per_second", "1000"),
        ({"sms_per_second": "fast"}, "sms_per_second", "1000"),
    ],
)
def test_bad_senders_are_refused_next_to_the_field_keeping_the_input(
    app, salon, changes, field_id, message
):
    business, key = salon
    typed = {"sms_from": "030 5550 777", "whatsapp_from": "", "sms_per_second": "", **changes}
    response = log_in(app, OWNER_EMAIL).post("/settings/messaging", data=typed)
    assert_refused(response, field_id, message)
    for name, value in typed.items():
        assert_kept(response.text, name, value)
    assert api_business(app, key)["sms_from"] == "+4930555010"  # nothing saved


def test_a_sender_of_another_business_is_refused(app, salon, business_factory):
    business, key = salon
    business_factory(name="Barber Nord", sms_from="+4940555020")
    response = log_in(app, OWNER_EMAIL).post("/settings/messaging", data={"sms_from": "040 555020"})
    assert_refused(response, "sms_from", "Ein anderes Unternehmen")
    assert_kept(response.text, "sms_from", "040 555020")
    assert api_business(app, key)["sms_from"] == "+4930555010"


# --- API keys -------------------------------------------------------------------


def test_an_api_key_is_shown_once_opens_the_api_and_is_revoked(app, salon):
    business, first_key = salon
    owner = log_in(app, OWNER_EMAIL)
    response = owner.post("/settings/api-keys", data={"name": "Booking widget"})
    assert response.status_code == 302 and KEY.search(response.location or "") is None

    page = owner.get("/settings/api-keys")
    assert page.headers["Cache-Control"] == "no-store"
    [new_key] = KEY.findall(page.text)
    assert "Booking widget" in page.text
    with owner.session_transaction() as session:
        assert new_key not in repr(dict(session))  # gone from the session once shown
    assert KEY.search(owner.get("/settings/api-keys").text) is None  # and from the page

    assert api_business(app, new_key)["id"] == business.id
    listed = owner.get("/settings/api-keys").text
    row = re.search(r'<tr id="api-key-(\d+)">\s*<td>Booking widget</td>(.*?)</tr>', listed, re.S)
    assert row and new_key[:10] in row.group(2)
    key_id = row.group(1)

    confirm = owner.get(f"/settings/api-keys/{key_id}/revoke")
    assert confirm.status_code == 200 and 'id="revoke-api-key"' in confirm.text
    assert owner.post(f"/settings/api-keys/{key_id}/revoke").status_code == 302

    refused = app.test_client().get(
        "/api/v1/business", headers={"Authorization": f"Bearer {new_key}"}
    )
    assert refused.status_code == 401
    assert api_business(app, first_key)["id"] == business.id  # the other key still works
    listed = owner.get("/settings/api-keys").text
    row = re.search(rf'<tr id="api-key-{key_id}">(.*?)</tr>', listed, re.S)
    assert row and "widerrufen" in row.group(1) and "/revoke" not in row.group(1)


def test_a_key_without_a_name_is_refused(app, salon):
    response = log_in(app, OWNER_EMAIL).post("/settings/api-keys", data={"name": "  "})
    assert_refused(response, "name", "Namen")
    assert KEY.search(response.text) is None


def test_another_business_s_key_is_not_found(app, salon, db, business_factory):
    other, other_key = business_factory(name="Barber Nord", sms_from="+4940555020")
    from bot.services.businesses import api_keys

    [key] = api_keys(db.session, other)
    owner = log_in(app, OWNER_EMAIL)
    assert owner.get(f"/settings/api-keys/{key.id}/revoke").status_code == 404
    assert owner.post(f"/settings/api-keys/{key.id}/revoke").status_code == 404
    assert api_business(app, other_key)["id"] == other.id


# --- who may ----------------------------------------------------------------------


def test_staff_get_403_on_every_page_and_post(app, salon, db):
    business, key = salon
    staff = log_in(app, STAFF_EMAIL)
    for path in PAGES:
        assert staff.get(path).status_code == 403, path
    assert staff.post("/settings", data=GENERAL).status_code == 403
    assert staff.post("/settings/messaging", data={"sms_from": "030 5550777"}).status_code == 403
    assert staff.post("/settings/api-keys", data={"name": "mine"}).status_code == 403
    from bot.services.businesses import api_keys

    [first] = api_keys(db.session, business)
    assert staff.get(f"/settings/api-keys/{first.id}/revoke").status_code == 403
    assert staff.post(f"/settings/api-keys/{first.id}/revoke").status_code == 403
    saved = api_business(app, key)
    assert saved["name"] == "Salon Sonnenschein" and saved["sms_from"] == "+4930555010"
    assert len(api_keys(db.session, business)) == 1
    assert 'href="/settings"' not in staff.get("/inbox").text  # no link to what they cannot open


def test_a_logged_out_visitor_is_sent_to_the_login(app, salon, db):
    business, key = salon
    visitor = app.test_client()
    for path in (*PAGES, "/settings/api-keys/1/revoke"):
        response = visitor.get(path)
        assert response.status_code == 302 and "/login" in response.location, path
    for path, data in (
        ("/settings", GENERAL),
        ("/settings/messaging", {"sms_from": "030 5550777"}),
        ("/settings/api-keys", {"name": "mine"}),
        ("/settings/api-keys/1/revoke", {}),
    ):
        response = visitor.post(path, data=data)
        assert response.status_code == 302 and "/login" in response.location, path
    assert api_business(app, key)["name"] == "Salon Sonnenschein"


def test_sms_on_without_a_sender_points_to_the_messaging_page(app, salon):
    business, key = salon
    patched = app.test_client().patch(
        "/api/v1/business",
        json={"sms_from": None, "sms_enabled": True},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert patched.status_code == 200, patched.text
    owner = log_in(app, OWNER_EMAIL)
    note = re.search(
        r'<p class="field-hint" id="no-sender-note">(.*?)</p>', owner.get("/settings").text, re.S
    )
    assert note and 'href="/settings/messaging"' in note.group(1)
    assert owner.post("/settings/messaging", data={"sms_from": "+4930555010"}).status_code == 302
    assert 'id="no-sender-note"' not in owner.get("/settings").text


def test_the_first_sender_switches_sms_on_and_a_later_one_keeps_the_choice(app, salon):
    business, key = salon
    patched = app.test_client().patch(
        "/api/v1/business",
        json={"sms_from": None, "sms_enabled": False},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert patched.status_code == 200, patched.text
    owner = log_in(app, OWNER_EMAIL)
    assert 'id="sms-off-note"' in owner.get("/settings/messaging").text
    assert owner.post("/settings/messaging", data={"sms_from": "030 555010"}).status_code == 302
    assert api_business(app, key)["sms_enabled"] is True
    page = owner.get("/settings/messaging").text
    assert "SMS sind eingeschaltet" in page and 'id="sms-off-note"' not in page

    # Switched off again by the owner (the region now NL, hence the +49): a new number
    # does not overrule that.
    unticked = {k: v for k, v in GENERAL.items() if k != "sms_enabled"}
    assert owner.post("/settings", data={**unticked, "locale": "de"}).status_code == 302
    assert owner.post("/settings/messaging", data={"sms_from": "+49 30 555011"}).status_code == 302
    saved = api_business(app, key)
    assert saved["sms_enabled"] is False and saved["sms_from"] == "+4930555011"


def test_key_times_are_shown_in_the_business_s_time_zone(app, salon, db):
    business, _first_key = salon
    key = db.session.scalar(select(ApiKey).where(ApiKey.business_id == business.id))
    key.created_at = datetime(2026, 12, 5, 7, 15, tzinfo=UTC)  # 08:15 in Berlin
    key.last_used_at = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)  # 00:30 the next day, summer
    db.session.commit()
    listed = log_in(app, OWNER_EMAIL).get("/settings/api-keys").text
    row = re.search(rf'<tr id="api-key-{key.id}">(.*?)</tr>', listed, re.S).group(1)
    assert "05.12.26, 08:15" in row and "02.07.26, 00:30" in row
