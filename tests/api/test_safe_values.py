"""Hostile values through the API: refused with a 422 naming the field, nothing stored.

Names, senders and addresses with line breaks or control characters (they reach
email headers and texts), and links shown to customers that are not http(s) or
name a host customers cannot reach. Every refusal is checked to leave the stored
value as it was. (URLs the server itself calls, webhook endpoints, have their own
tests: tests/api/test_webhook_endpoint_urls.py.)
"""

from __future__ import annotations

import pytest
from marshmallow import fields
from marshmallow.validate import OneOf
from sqlalchemy import func, select

from bot.api.fields import ClockTime, InputSchema, Line
from bot.models import Customer, Location, Service, StaffMember
from tests.support.api import assert_error

HEADER_INJECTION = "a@b.test\r\nBcc: x@y.test"
METADATA_URL = "http://169.254.169.254/latest/meta-data/"

GOOD_SETTINGS = {
    "name": "Salon Sonnenschein",
    "email_from": "Salon Sonnenschein <mail@salon-sonnenschein.de>",
    "notification_email": "chefin@salon-sonnenschein.de",
    "booking_url": "https://salon-sonnenschein.de/termin",
    "privacy_url": "https://salon-sonnenschein.de/datenschutz",
}

# Characters that must never reach a one-line value, as JSON would carry them.
LINE_BREAKERS = ["\r\n", "\n", "\r", "\x00", "\t", "\x0b", "\x85", "\u2028", "\u2029", "\u202e"]


@pytest.fixture
def strict_urls(app, monkeypatch):
    """The production default, whatever the environment running the tests says."""
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_WEBHOOK_URLS", False)


@pytest.fixture
def settled(api, strict_urls):
    """The business with good values in every field a hostile value will target."""
    response = api.patch("/business", json=GOOD_SETTINGS)
    assert response.status_code == 200, response.get_json()
    return api


def assert_refused_and_unchanged(api, changes, field):
    error = assert_error(api.patch("/business", json=changes), 422, field=field)
    assert api.get("/business").get_json()[field] == GOOD_SETTINGS[field]
    return error


# --- business settings: senders and names -----------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email_from", HEADER_INJECTION),
        ("email_from", "Salon <a@b.test>\r\nSubject: Gewinn"),
        ("email_from", "a@b.test\nBcc: x@y.test"),
        ("email_from", "a@b.test\u2028Bcc: x@y.test"),
        ("email_from", "a@b.test, x@y.test"),
        ("email_from", "Alle: a@b.test, x@y.test;"),
        ("notification_email", HEADER_INJECTION),
        ("notification_email", "chefin@salon.de\n"),
        ("notification_email", "chefin@salon.de\u2028"),
        *[("name", f"Salon{breaker}Bcc: x@y.test") for breaker in LINE_BREAKERS],
    ],
)
def test_senders_and_names_with_line_breaks_are_refused_not_stripped(settled, field, value):
    error = assert_refused_and_unchanged(settled, {field: value}, field)

    assert error["message"].startswith(f"{field}: ")


def test_the_probe_s_bcc_injection_is_refused_with_the_character_named(settled):
    error = assert_refused_and_unchanged(settled, {"email_from": HEADER_INJECTION}, "email_from")

    assert error["message"] == "email_from: must be one line; it contains a line break (U+000D)"


def test_a_refused_value_leaves_the_other_changes_of_the_request_unsaved(settled):
    changes = {"timezone": "Europe/Amsterdam", "email_from": HEADER_INJECTION}

    assert_error(settled.patch("/business", json=changes), 422, field="email_from")

    assert settled.get("/business").get_json()["timezone"] == "Europe/Berlin"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name", "Zoë's Friseursalon „Schnitt & Farbe“"),
        ("name", "👩\u200d🦰 Haarstudio"),
        ("email_from", '"Müller, Salon" <m@salon-mueller.de>'),
        ("email_from", "info@salon-mueller.de"),
        ("notification_email", "team+notices@salon-mueller.de"),
    ],
)
def test_good_senders_and_names_are_still_accepted(settled, field, value):
    response = settled.patch("/business", json={field: value})

    assert response.status_code == 200, response.get_json()
    assert settled.get("/business").get_json()[field] == value


# --- business settings: URLs -------------------------------------------------------


@pytest.mark.parametrize("field", ["booking_url", "privacy_url"])
@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(document.cookie)",
        "ftp://93.184.215.14/termin",
        "file:///etc/passwd",
        "gopher://93.184.215.14:70/",
        "https://salon.de/termin\r\nLocation: https://evil.example/",
        "https://salon.de/\u2028",
        "https://salon.de\\@93.184.215.14/",
        "//salon.de/termin",
        "https://",
    ],
)
def test_urls_that_are_not_http_with_a_host_are_refused(settled, field, url):
    assert_refused_and_unchanged(settled, {field: url}, field)


@pytest.mark.parametrize("field", ["booking_url", "privacy_url"])
@pytest.mark.parametrize(
    ("url", "reason"),
    [
        (METADATA_URL, "169.254.169.254 is link-local"),
        ("http://0xA9FEA9FE/", "which is link-local"),
        ("http://127.0.0.1:5000/termin", "127.0.0.1 is loopback"),
        ("http://localhost/termin", "localhost names the reader's own machine"),
        ("http://buchung/termin", "buchung is not a public host name"),
        ("https://salon.de@evil.example/termin", "user name or password"),
    ],
)
def test_a_link_shown_to_customers_must_be_one_they_can_open(settled, field, url, reason):
    error = assert_refused_and_unchanged(settled, {field: url}, field)

    assert error["message"].startswith(f"{field} must be an http(s) address customers can open")
    assert reason in error["message"]


@pytest.mark.parametrize(
    ("field", "url"),
    [
        ("booking_url", "https://buchung.salon-sonnenschein.de/termin?ort=2#jetzt"),
        ("booking_url", "http://salon.example/book"),  # shown, not called: not resolved
        ("privacy_url", "https://bücher-salon.example/datenschutz"),
    ],
)
def test_good_urls_are_still_accepted(settled, field, url):
    response = settled.patch("/business", json={field: url})

    assert response.status_code == 200, response.get_json()
    assert settled.get("/business").get_json()[field] == url


def test_an_empty_url_still_clears_the_setting(settled):
    body = settled.patch("/business", json={"booking_url": ""}).get_json()

    assert body["booking_url"] is None


def test_allow_private_webhook_urls_does_not_widen_the_links_customers_see(
    settled, app, monkeypatch
):
    monkeypatch.setitem(app.config, "ALLOW_PRIVATE_WEBHOOK_URLS", True)

    assert_refused_and_unchanged(settled, {"booking_url": METADATA_URL}, "booking_url")
    assert_refused_and_unchanged(settled, {"privacy_url": "http://10.0.0.1/"}, "privacy_url")


# --- customers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", HEADER_INJECTION),
        ("email", "ursula@example.com\n"),
        ("email", "ursula@example.com\u2028"),
        *[("name", f"Ursula{breaker}Hoffmann") for breaker in LINE_BREAKERS],
        ("external_id", "K-1\r\nK-2"),
        ("phone", "0151 12345678\n"),
        ("whatsapp", "0151 12345678\r\n"),
    ],
)
def test_a_customer_with_a_line_break_is_not_created(db, api, field, value):
    response = api.post("/customers", json={"name": "Ursula Hoffmann", field: value})

    assert_error(response, 422, field=field)
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


@pytest.mark.parametrize(
    ("field", "value"),
    [("name", "Ursula\r\nBcc: x@y.test"), ("email", HEADER_INJECTION), ("external_id", "\u2028")],
)
def test_a_customer_change_with_a_line_break_is_refused_and_nothing_changes(
    api, customer_factory, field, value
):
    customer = customer_factory(email="ursula@example.com", external_id="K-1")
    before = api.get(f"/customers/{customer.id}").get_json()

    response = api.patch(f"/customers/{customer.id}", json={field: value})

    assert_error(response, 422, field=field)
    assert api.get(f"/customers/{customer.id}").get_json()[field] == before[field]


def test_customer_names_in_any_script_are_still_accepted(api):
    name = "Zoë Nguyễn-محمد"

    response = api.post("/customers", json={"name": name, "email": "zoe@example.com"})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["name"] == name


# --- locations, staff and services ---------------------------------------------------


@pytest.mark.parametrize(
    ("path", "model", "body", "field"),
    [
        ("/staff", StaffMember, {"name": "Mira\r\nBcc: x@y.test"}, "name"),
        ("/staff", StaffMember, {"name": "Mira\u2028"}, "name"),
        ("/locations", Location, {"name": "Mitte\n"}, "name"),
        ("/services", Service, {"name": "Schnitt\x85Farbe", "duration_minutes": 30}, "name"),
        (
            "/services",
            Service,
            {"name": "Schnitt", "duration_minutes": 30, "category": "Haare\r\n"},
            "category",
        ),
    ],
)
def test_catalogue_names_with_line_breaks_are_not_created(db, api, path, model, body, field):
    assert_error(api.post(path, json=body), 422, field=field)

    assert db.session.scalar(select(func.count()).select_from(model)) == 0


@pytest.mark.parametrize("path", ["/staff", "/locations"])
def test_a_catalogue_rename_with_a_line_break_keeps_the_old_name(api, path):
    row = api.post(path, json={"name": "Mira"}).get_json()

    assert_error(api.patch(f"{path}/{row['id']}", json={"name": "Mira\nX"}), 422, field="name")

    assert api.get(f"{path}/{row['id']}").get_json()["name"] == "Mira"


def test_a_location_address_may_still_span_lines(api):
    address = "Hauptstraße 1\n10115 Berlin"

    response = api.post("/locations", json={"name": "Mitte", "address": address})

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["address"] == address


# --- every one-line field of the API ----------------------------------------------------


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/statuses", {"kind": "order", "code": "ready", "label": "Abholbereit\r\nX"}, "label"),
        ("/statuses", {"kind": "order", "code": "re\u2028ady", "label": "Abholbereit"}, "code"),
    ],
)
def test_a_status_label_or_code_with_a_line_break_is_not_created(db, api, path, body, field):
    assert_error(api.post(path, json=body), 422, field=field)

    assert [item["code"] for item in api.get(path).get_json()["items"]] == []


# Free text that may span lines: message and template bodies, notes, a postal
# address, a template's subject (rendered onto one line) and WhatsApp variables.
MULTI_LINE = {"address", "body", "notes", "subject", "content_variables"}


def _input_schemas(cls=InputSchema):
    for schema in cls.__subclasses__():
        yield schema
        yield from _input_schemas(schema)


def test_every_one_line_text_field_of_the_api_refuses_line_breaks(app):
    # Free-form strings must be `Line`s; a closed list (OneOf) or a clock time is
    # safe by construction, and MULTI_LINE names the texts that may span lines.
    loose = []
    for schema in set(_input_schemas()):
        for name, field in schema._declared_fields.items():
            inner = getattr(field, "inner", None) or getattr(field, "value_field", None) or field
            if not isinstance(inner, fields.String) or isinstance(inner, Line | ClockTime):
                continue
            closed = any(isinstance(check, OneOf) for check in inner.validators)
            if not closed and name not in MULTI_LINE:
                loose.append(f"{schema.__module__}.{schema.__name__}.{name}")

    assert loose == []
