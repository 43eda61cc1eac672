"""The customer pages through the Flask test client: the search in any notation of a
number, creating a phone-only customer, consent and privacy stored, an opt-out by a
STOP through the real webhook, the predicted next visit and its explanation, bad
input refused next to its field with the typed values kept, and another business's
customers and logged-out visitors refused."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from twilio.request_validator import RequestValidator

from bot.config import webhook_auth_token
from bot.models import (
    AddressKind,
    Customer,
    Record,
    RecordKind,
    RecordSource,
    Service,
    User,
    UserRole,
)
from bot.services.commands import CustomerChanges, NewStatus
from bot.services.customers import create_customer
from bot.services.statuses import create_status
from bot.web.simulator import twilio_inbound_form
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM, TWILIO_SID
from tests.support.web import add_user, fresh_clients, log_in

URSULA = "+4915112345678"
JANA = "+4917698765432"


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def staff(db, business) -> User:
    """The salon's owner, who reads the web app in English (the salon's own is German)."""
    user = add_user(db.session, business)
    user.locale = "en"
    db.session.commit()
    return user


@pytest.fixture
def ursula(customer_factory) -> Customer:
    return customer_factory(name="Ursula Hoffmann", phone=URSULA, email="ursula@example.test")


def page(response) -> str:
    return response.get_data(as_text=True)


def text_in(app, client, sender: str, body: str) -> None:
    """A customer's SMS, posted to the real inbound webhook as Twilio signs it."""
    form = twilio_inbound_form(account_sid=TWILIO_SID, sender=sender, to=SMS_FROM, body=body)
    url = PUBLIC_BASE_URL + "/webhooks/twilio/messages"
    signature = RequestValidator(webhook_auth_token(app.config)).compute_signature(url, form)
    response = client.post(
        "/webhooks/twilio/messages", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200


def input_value(html: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return found.group(1) if found else None


def error_after(html: str, name: str) -> str:
    """The error messages right under the input called `name`."""
    found = re.search(rf'name="{name}".*?</label>', html, re.S)
    assert found, f"no input {name}"
    return " ".join(re.findall(r'<span class="field-error">([^<]*)</span>', found.group(0)))


def visit(db, business, customer, service, when, status="completed") -> Record:
    record = Record(
        business_id=business.id,
        kind=RecordKind.APPOINTMENT,
        customer_id=customer.id,
        service_id=service.id if service else None,
        starts_at=when,
        ends_at=when + timedelta(minutes=45),
        status=status,
        source=RecordSource.CALENDAR,
    )
    db.session.add(record)
    db.session.commit()
    return record


def form_of(customer: Customer, **changes) -> dict:
    data = {
        "name": customer.name or "",
        "phone": customer.phone or "",
        "email": customer.email or "",
        "whatsapp": customer.whatsapp or "",
        "locale": customer.locale or "",
    }
    for flag in ("sms_consent", "email_consent"):
        if getattr(customer, flag):
            data[flag] = "y"
    if customer.privacy_accepted_at:
        data["privacy_accepted"] = "y"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- the search -------------------------------------------------------------------


def test_the_search_finds_a_customer_by_a_number_in_any_notation(app, staff, ursula, db, business):
    jana = create_customer(db.session, business, CustomerChanges(name="Jana Keller", phone=JANA))
    create_customer(db.session, business, CustomerChanges(name="100% Bio Hof"))
    db.session.commit()
    client = log_in(app)

    national = page(client.get("/customers", query_string={"q": "0151 1234 5678"}))
    assert "Ursula Hoffmann" in national and "Jana Keller" not in national
    assert f'href="/customers/{ursula.id}"' in national
    international = page(client.get("/customers", query_string={"q": "+49 176 98765"}))
    assert "Jana Keller" in international and "Ursula Hoffmann" not in international
    assert f'href="/customers/{jana.id}"' in international
    by_email = page(client.get("/customers", query_string={"q": "URSULA@example"}))
    assert "Ursula Hoffmann" in by_email and "Jana Keller" not in by_email
    percent = page(client.get("/customers", query_string={"q": "%"}))  # literal, not "anything"
    assert "100% Bio Hof" in percent and "Ursula Hoffmann" not in percent
    nobody = page(client.get("/customers", query_string={"q": "_"}))
    assert "No customer matches" in nobody and "Jana Keller" not in nobody


@pytest.mark.parametrize("q", ["000", "0 0 0"])
def test_a_search_for_zeros_alone_finds_nobody(app, staff, ursula, db, business, q):
    create_customer(db.session, business, CustomerChanges(name="Jana Keller", phone=JANA))
    db.session.commit()

    found = page(log_in(app).get("/customers", query_string={"q": q}))

    assert "No customer matches" in found
    assert "Ursula Hoffmann" not in found and "Jana Keller" not in found


def test_a_long_list_is_cut_with_a_link_to_more(app, staff, db, business):
    for number in range(55):
        create_customer(db.session, business, CustomerChanges(name=f"Kundin {number:02d}"))
    db.session.commit()
    client = log_in(app)
    first = page(client.get("/customers"))
    assert "Kundin 00" in first and "Kundin 49" in first and "Kundin 50" not in first
    assert 'id="customers-more" href="/customers?page=2"' in first
    second = page(client.get("/customers?page=2"))
    assert "Kundin 54" in second and "Kundin 49" not in second
    assert 'id="customers-more"' not in second


# --- creating and changing --------------------------------------------------------


def test_a_phone_only_customer_is_created_with_the_number_normalised(app, staff, db, business):
    client = log_in(app)
    assert 'id="customer-form"' in page(client.get("/customers/new"))
    response = client.post("/customers/new", data={"phone": "0151 2222 3333", "sms_consent": "y"})
    assert response.status_code == 302
    created = db.session.query(Customer).filter_by(phone="+4915122223333").one()
    assert response.headers["Location"].endswith(f"/customers/{created.id}")
    assert created.name is None and created.email is None
    assert created.sms_consent is True and created.email_consent is False
    assert created.address(AddressKind.TEL).value == "+4915122223333"
    shown = page(client.get(f"/customers/{created.id}"))
    assert "+4915122223333" in shown and "is saved" in shown


def english(local) -> str:
    """A local date and time as the English pages write it: "Dec 5, 2026 09:03"."""
    return f"{local:%b} {local.day}, {local:%Y %H:%M}"


def test_consent_and_privacy_are_stored_and_shown(app, staff, ursula, db):
    client = log_in(app)
    assert ursula.sms_consent is True and ursula.email_consent is False
    data = form_of(ursula, sms_consent=None, email_consent="y", privacy_accepted="y", locale="nl")
    data.pop("sms_consent", None)
    response = client.post(f"/customers/{ursula.id}", data=data)
    assert response.status_code == 302
    db.session.refresh(ursula)
    assert ursula.sms_consent is False and ursula.email_consent is True
    assert ursula.locale == "nl" and ursula.locale_set_by_staff is True
    assert ursula.privacy_accepted_at is not None
    shown = page(client.get(f"/customers/{ursula.id}"))
    local = ursula.privacy_accepted_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"Accepted on {english(local)}." in shown
    assert re.search(r'<input[^>]*checked[^>]*name="email_consent"', shown) or re.search(
        r'<input[^>]*name="email_consent"[^>]*checked', shown
    )


def test_saving_unchanged_keeps_the_language_the_customer_chose(app, staff, ursula, db):
    ursula.locale = "en"  # the bot learnt it from the customer's own texts
    ursula.locale_set_by_staff = False
    db.session.commit()
    client = log_in(app)
    assert client.post(f"/customers/{ursula.id}", data=form_of(ursula)).status_code == 302
    db.session.refresh(ursula)
    assert ursula.locale == "en" and ursula.locale_set_by_staff is False


def test_bad_input_is_refused_next_to_its_field_with_everything_kept(app, staff, ursula, db):
    client = log_in(app)
    response = client.post(
        "/customers/new", data={"name": "Petra Weiß", "phone": "12", "email": "petra@example.test"}
    )
    assert response.status_code == 422
    html = page(response)
    assert "This is not a phone number we can reach." in error_after(html, "phone")
    assert input_value(html, "name") == "Petra Weiß" and input_value(html, "phone") == "12"
    assert input_value(html, "email") == "petra@example.test"

    duplicate = client.post("/customers/new", data={"name": "Petra Weiß", "phone": "0151 12345678"})
    assert duplicate.status_code == 422
    assert "Another customer has this phone number." in error_after(page(duplicate), "phone")
    assert input_value(page(duplicate), "phone") == "0151 12345678"

    bad_email = client.post(
        f"/customers/{ursula.id}", data=form_of(ursula, name="Ursula H.", email="ursula@")
    )
    assert bad_email.status_code == 422
    html = page(bad_email)
    assert "Enter an email address" in error_after(html, "email")
    assert input_value(html, "email") == "ursula@" and input_value(html, "name") == "Ursula H."
    assert db.session.query(Customer).count() == 1
    db.session.refresh(ursula)
    assert ursula.email == "ursula@example.test" and ursula.name == "Ursula Hoffmann"

    empty = client.post("/customers/new", data={})
    assert empty.status_code == 422
    assert "Give at least a name" in error_after(page(empty), "name")

    # Emptying every contact field of a known customer is refused the same way.
    emptied = client.post(
        f"/customers/{ursula.id}", data=form_of(ursula, name="", phone="", email="")
    )
    assert emptied.status_code == 422
    assert "Give at least a name" in error_after(page(emptied), "name")
    db.session.refresh(ursula)
    assert ursula.name == "Ursula Hoffmann" and ursula.phone and ursula.email


# --- what the page tells about the customer ---------------------------------------


def test_a_stop_through_the_webhook_shows_as_the_customers_opt_out(app, staff, ursula, db):
    client = log_in(app)
    before = page(client.get(f"/customers/{ursula.id}"))
    assert "Not opted out." in before and "Opted out on" not in before
    text_in(app, client, URSULA, "STOP")
    db.session.expire_all()
    address = db.session.get(Customer, ursula.id).address(AddressKind.TEL)
    assert address.opted_out_at is not None
    shown = page(client.get(f"/customers/{ursula.id}"))
    section = shown.split('id="customer-addresses"')[1].split("</section>")[0]
    local = address.opted_out_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert f"Opted out on {english(local)}" in section
    assert "The customer texted: “STOP”" in section
    conversations = shown.split('id="customer-conversations"')[1]
    assert re.search(r'href="/inbox/\d+">SMS · \+4915112345678</a>', conversations)


def test_the_prediction_with_one_visit_uses_the_services_interval(
    app, staff, ursula, db, business, now
):
    cut = Service(business_id=business.id, name="Haarschnitt", rebook_interval_days=42)
    db.session.add(cut)
    db.session.commit()
    client = log_in(app)
    assert "No visit yet." in page(client.get(f"/customers/{ursula.id}"))

    last = now - timedelta(days=10)
    record = visit(db, business, ursula, cut, last)
    shown = page(client.get(f"/customers/{ursula.id}"))
    day = (last.astimezone(ZoneInfo("Europe/Berlin")).date() + timedelta(days=42)).strftime(
        "%b %-d, %Y"
    )
    assert f'<p id="prediction-day">Expected around {day}</p>' in shown
    assert "1 visit, fewer than 3: the rebook interval of Haarschnitt, 42 days." in shown
    records = shown.split('id="customer-records"')[1].split("</section>")[0]
    assert f'id="record-{record.id}"' in records and "completed" in records
    assert f'href="/records/{record.id}"' in records
    assert 'id="prediction-booked"' not in shown

    # A booking ahead is named: no nudge goes out while it is.
    ahead = now + timedelta(days=5)
    visit(db, business, ursula, cut, ahead, status="confirmed")
    booked_day = ahead.astimezone(ZoneInfo("Europe/Berlin")).strftime("%b %-d, %Y")
    assert f"Booked for {booked_day}: no reminder to book again" in page(
        client.get(f"/customers/{ursula.id}")
    )
    assert f'href="/records/new?customer_id={ursula.id}"' in records


def test_the_prediction_with_three_visits_or_more_uses_their_own_rhythm(
    app, staff, ursula, db, business, now
):
    cut = Service(business_id=business.id, name="Haarschnitt", rebook_interval_days=42)
    db.session.add(cut)
    db.session.commit()
    last = now - timedelta(days=5)
    for days_before in (100, 70, 40, 0):  # gaps of 30, 30 and 40 days: median 30
        visit(db, business, ursula, cut, last - timedelta(days=days_before))
    client = log_in(app)
    shown = page(client.get(f"/customers/{ursula.id}"))
    day = (last.astimezone(ZoneInfo("Europe/Berlin")).date() + timedelta(days=30)).strftime(
        "%b %-d, %Y"
    )
    assert f"Expected around {day}" in shown
    assert "4 visits; the customer usually comes every 30 days" in shown
    assert "42 days" not in shown


# --- who may see what ---------------------------------------------------------------


def test_staff_work_with_customers_too(app, staff, ursula, db, business):
    user = add_user(db.session, business, email="ben@salon.test")
    user.role = UserRole.STAFF
    db.session.commit()
    client = log_in(app, "ben@salon.test")
    assert client.get("/customers").status_code == 200
    assert client.get(f"/customers/{ursula.id}").status_code == 200


def test_another_businesss_customer_is_not_found(app, staff, db, business_factory):
    other, _ = business_factory(name="Fahrradwerkstatt Kette", sms_from="+4930555020")
    theirs = create_customer(db.session, other, CustomerChanges(name="Karl Kette", phone=JANA))
    db.session.commit()
    client = log_in(app)
    assert client.get(f"/customers/{theirs.id}").status_code == 404
    response = client.post(f"/customers/{theirs.id}", data={"name": "Gestohlen"})
    assert response.status_code == 404
    db.session.refresh(theirs)
    assert theirs.name == "Karl Kette"
    assert "Karl Kette" not in page(client.get("/customers", query_string={"q": "Karl"}))


def test_logged_out_visitors_are_sent_to_the_login(app, ursula, db):
    client = app.test_client()
    for method, path in (
        ("get", "/customers"),
        ("get", "/customers/new"),
        ("post", "/customers/new"),
        ("get", f"/customers/{ursula.id}"),
        ("post", f"/customers/{ursula.id}"),
    ):
        response = getattr(client, method)(path, data={"name": "Eve"} if method == "post" else None)
        assert response.status_code == 302, path
        assert "/login" in response.headers["Location"]
    assert db.session.query(Customer).count() == 1


def test_the_page_speaks_the_salons_german(app, staff, ursula, db, business, now):
    staff.locale = None  # the business's language
    cut = Service(business_id=business.id, name="Haarschnitt", rebook_interval_days=42)
    db.session.add(cut)
    db.session.commit()
    visit(db, business, ursula, cut, now - timedelta(days=3))
    shown = page(log_in(app).get(f"/customers/{ursula.id}"))
    assert (
        "1 Besuch, also weniger als 3: das Neubuchungsintervall von Haarschnitt, 42 Tage." in shown
    )
    assert "Einverstanden mit Nachrichten per SMS" in shown and "Nicht abgemeldet." in shown
    local = (now - timedelta(days=3)).astimezone(ZoneInfo("Europe/Berlin"))
    assert f"{local:%d.%m.%Y %H:%M}" in shown  # the German way of writing a date


def test_an_order_shows_the_business_s_label_for_its_status(
    app, staff, ursula, db, business, record_factory
):
    create_status(
        db.session, business, NewStatus(kind="order", code="ready_for_pickup", label="Abholbereit")
    )
    db.session.commit()
    record_factory(ursula, kind="order", starts_at=None, status="ready_for_pickup")
    record_factory(ursula, kind="inquiry", starts_at=None, status="in_progress")
    record_factory(ursula, status="no_show")
    shown = page(log_in(app).get(f"/customers/{ursula.id}"))
    history = shown.split('id="customer-records"')[1].split("</section>")[0]
    assert "<td>Abholbereit</td>" in history and "ready_for_pickup" not in history
    # No inquiry statuses of its own: the words the appointments pages use.
    assert "<td>in progress</td>" in history and "in_progress" not in history
    assert "<td>no-show</td>" in history
