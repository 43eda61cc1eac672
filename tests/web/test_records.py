"""The appointments pages through the Flask test client: the day and week views in the
business's time zone with their filters, creating an appointment that texts the customer
(the SMS reaches the fake Twilio), moving one without telling them, accepting and
declining online requests, the business's own order statuses, a record's notices with
the reason for a skipped one, refusals next to the field with the typed values kept,
staff users, logged-out visitors and another business's user."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask_babel import refresh
from sqlalchemy import event, select

from bot.models import Notification, Record, RecordStatusDefinition, UserRole
from bot.services.catalogue import create_location, create_staff_member
from bot.services.commands import LocationChanges, NewStatus, StaffChanges
from bot.services.statuses import create_status
from outbound.jobs import dispatch_tick, run_dispatch_pass
from tests.support.databases import BOTH_DATABASES
from tests.support.web import STAFF_PASSWORD, add_user

BERLIN = ZoneInfo("Europe/Berlin")
PHONE_ONLY = "+4915199988877"


@pytest.fixture
def app_config(app_config):
    """Real Twilio (the fake one over HTTP), so a notice can be seen leaving."""
    return {**app_config, "SMS_TRANSPORT": "twilio"}


@pytest.fixture
def staff(db, business):
    """The salon's user, who reads the web app in English (the salon's own is German)."""
    user = add_user(db.session, business)
    user.locale = "en"
    db.session.commit()
    return user


@pytest.fixture
def phone_only(customer_factory):
    """A customer known by nothing but a mobile number (and consent to texts)."""
    return customer_factory(name=None, phone=PHONE_ONLY, sms_consent=True)


def page(response) -> str:
    return response.get_data(as_text=True)


def local_input(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%dT%H:%M")


def in_days(days: int, hour: int) -> datetime:
    day = (datetime.now(BERLIN) + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, hour, 0, tzinfo=BERLIN)


def new_notices(db, after: int | None, audience: str = "customer") -> list[str]:
    return db.session.scalars(
        select(Notification.notice).where(
            Notification.id > (after or 0), Notification.audience == audience
        )
    ).all()


def last_notification_id(db) -> int | None:
    return db.session.scalar(select(Notification.id).order_by(Notification.id.desc()))


def assert_field_error(html: str, field: str, words: str) -> None:
    """`words` stands in the label of input `field`, which is marked invalid."""
    label = re.search(
        rf'<label[^>]*>(?:(?!</label>).)*id="{field}"(?:(?!</label>).)*</label>', html, re.S
    )
    assert label is not None, f"no label around #{field}"
    assert words in label.group(0)
    assert 'aria-invalid="true"' in label.group(0)


# --- create, see, move ------------------------------------------------------------


def test_create_for_a_phone_only_customer_texts_them(
    db, logged_in, phone_only, fake_twilio, work, business
):  # R1.7: a staff-made appointment is confirmed to the customer
    form = logged_in.get("/records/new")
    assert form.status_code == 200
    html = page(form)
    for needle in ('id="customer_id"', 'id="starts_at"', 'type="datetime-local"', 'id="notify"'):
        assert needle in html
    assert re.search(r'id="notify"[^>]*checked|checked[^>]*id="notify"', html)
    assert f">{PHONE_ONLY}</option>" in html

    starts = in_days(3, 10)
    response = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": local_input(starts),
            "duration_minutes": "45",
            "notify": "y",
        },
    )
    assert response.status_code == 302
    record = db.session.scalar(select(Record).where(Record.customer_id == phone_only.id))
    assert record.starts_at == starts.astimezone(UTC)  # typed in Berlin time
    assert record.ends_at - record.starts_at == timedelta(minutes=45)
    assert record.status == "confirmed" and record.source == "calendar"
    assert "confirmation" in new_notices(db, None)

    dispatch_tick()
    work()
    [sms] = [m for m in fake_twilio.messages if m.to == PHONE_ONLY]
    assert starts.strftime("%d.%m.%Y") in sms.body

    shown = page(logged_in.get(response.headers["Location"]))
    assert PHONE_ONLY in shown
    assert "booking confirmation" in shown and "sent" in shown

    day = page(logged_in.get("/records", query_string={"date": starts.date().isoformat()}))
    assert PHONE_ONLY in day and "10:00–10:45" in day


@pytest.mark.parametrize("notify", [False, True])
def test_move_telling_the_customer_or_not(db, logged_in, phone_only, record_factory, notify):
    record = record_factory(phone_only, starts_at=in_days(2, 9))
    before = last_notification_id(db)
    new_time = in_days(4, 15)
    data = {"starts_at": local_input(new_time), "duration_minutes": "45", "status": "confirmed"}
    data.update({"kind": "appointment", "customer_id": str(phone_only.id)})
    if notify:
        data["notify"] = "y"
    response = logged_in.post(f"/records/{record.id}/edit", data=data, follow_redirects=True)
    assert response.status_code == 200
    assert "Moved to" in page(response)
    assert ("The customer is not told." in page(response)) is not notify
    db.session.refresh(record)
    assert record.starts_at == new_time.astimezone(UTC)
    assert ("change" in new_notices(db, before)) is notify
    # The reminder for the old time is withdrawn, and the page says why.
    assert "the appointment was moved to another time" in page(
        logged_in.get(f"/records/{record.id}")
    )


def test_the_edit_form_shows_the_record_in_business_time(db, logged_in, phone_only, record_factory):
    record = record_factory(phone_only, starts_at=in_days(2, 9), title="Färben")
    html = page(logged_in.get(f"/records/{record.id}/edit"))
    assert f'value="{local_input(in_days(2, 9))}"' in html
    assert 'value="Färben"' in html
    assert 'value="45"' in html


@BOTH_DATABASES
def test_day_and_week_views_with_filters(db, logged_in, business, customer_factory, record_factory):
    mitte = create_location(db.session, business, LocationChanges(name="Mitte"))
    kreuzberg = create_location(db.session, business, LocationChanges(name="Kreuzberg"))
    jana = create_staff_member(db.session, business, StaffChanges(name="Jana"))
    db.session.commit()
    ursula = customer_factory()
    monday = in_days(14, 11)
    monday -= timedelta(days=monday.weekday())
    record_factory(
        ursula, starts_at=monday, location_id=mitte.id, staff_id=jana.id, title="Schnitt"
    )
    record_factory(
        ursula, starts_at=monday + timedelta(days=2), location_id=kreuzberg.id, title="Welle"
    )
    # 00:30 on Monday in Berlin is still Sunday in UTC: it belongs to Monday.
    early = monday.replace(hour=0, minute=30)
    record_factory(ursula, starts_at=early, title="Früh")
    record_factory(ursula, starts_at=early - timedelta(hours=1), title="Sonntagnacht")

    day = page(logged_in.get("/records", query_string={"date": monday.date().isoformat()}))
    assert "Schnitt" in day and "Früh" in day
    assert "Welle" not in day and "Sonntagnacht" not in day
    assert f"date={(monday.date() - timedelta(days=1)).isoformat()}" in day  # previous
    assert f"date={(monday.date() + timedelta(days=1)).isoformat()}" in day  # next

    week_query = {"view": "week", "date": (monday.date() + timedelta(days=3)).isoformat()}
    week = page(logged_in.get("/records", query_string=week_query))
    assert "Schnitt" in week and "Welle" in week and "Früh" in week
    assert f"date={(monday.date() + timedelta(days=7)).isoformat()}" in week

    only_mitte = page(
        logged_in.get("/records", query_string={**week_query, "location_id": mitte.id})
    )
    assert "Schnitt" in only_mitte and "Welle" not in only_mitte
    only_jana = page(logged_in.get("/records", query_string={**week_query, "staff_id": jana.id}))
    assert "Schnitt" in only_jana and "Welle" not in only_jana and "Früh" not in only_jana

    nonsense = logged_in.get("/records", query_string={"date": "2026-02-30", "view": "year"})
    assert nonsense.status_code == 200  # today's day, not an error


# --- requests, statuses, cancelling -------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "notice"),
    [
        ("accept", "confirmed", "confirmation"),
        ("decline", "rejected", "rejected"),
    ],
)
def test_accept_or_decline_an_online_request(
    db, logged_in, phone_only, record_factory, action, status, notice
):  # R1.10
    request_ = record_factory(
        phone_only, status="pending", source="online", starts_at=in_days(3, 9)
    )
    listed = page(logged_in.get("/records"))
    assert "Requests waiting for your answer" in listed and PHONE_ONLY in listed
    assert page(logged_in.get(f"/records/{request_.id}")).count('value="accept"') == 1
    before = last_notification_id(db)

    response = logged_in.post(
        f"/records/{request_.id}/action",
        data={"action": action, "notify": "1", "next": "/records?view=week"},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/records?view=week"
    db.session.refresh(request_)
    assert request_.status == status
    assert notice in new_notices(db, before)
    assert "Requests waiting" not in page(logged_in.get("/records"))


def test_the_business_s_own_order_statuses(db, logged_in, business, phone_only, record_factory):
    for code, label in (("received", "Received"), ("ready_for_pickup", "Ready for pickup")):
        create_status(db.session, business, NewStatus(kind="order", code=code, label=label))
    db.session.commit()
    created = logged_in.post(
        "/records/new",
        data={"kind": "order", "customer_id": str(phone_only.id), "title": "Uhr reparieren"},
    )
    assert created.status_code == 302
    order = db.session.scalar(select(Record).where(Record.kind == "order"))
    assert order.starts_at is None and order.status == "received"  # the first defined

    listed = page(logged_in.get("/records"))
    assert "Orders and inquiries without a time" in listed and "Uhr reparieren" in listed
    shown = page(logged_in.get(f"/records/{order.id}"))
    assert '<option value="ready_for_pickup"' in shown and "Ready for pickup" in shown

    done = logged_in.post(
        f"/records/{order.id}/action",
        data={"action": "status", "status": "ready_for_pickup"},
        follow_redirects=True,
    )
    assert "Status set to Ready for pickup." in page(done)
    db.session.refresh(order)
    assert order.status == "ready_for_pickup"

    refused = logged_in.post(
        f"/records/{order.id}/action", data={"action": "status", "status": "confirmed"}
    )
    assert refused.status_code == 409  # not a status this record is offered
    assert "Choose one of the statuses offered for this record." in page(refused)
    db.session.refresh(order)
    assert order.status == "ready_for_pickup"
    assert (
        db.session.scalar(
            select(RecordStatusDefinition.label).where(
                RecordStatusDefinition.code == "ready_for_pickup"
            )
        )
        == "Ready for pickup"
    )


def test_cancel_without_telling_and_the_notices_say_why_one_was_skipped(
    db, logged_in, staff, business, customer_factory, record_factory
):
    # SMS off: the confirmation to a phone-only customer is skipped, with the reason.
    business.sms_enabled = False
    db.session.commit()
    customer = customer_factory(name="Ursula Hoffmann")
    record = record_factory(customer, starts_at=in_days(3, 9))
    run_dispatch_pass(datetime.now(UTC), send_inline=True)
    skipped = db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id, Notification.status == "skipped"
        )
    )
    assert skipped is not None
    assert skipped.reason == (
        "no channel: customer has no email address; SMS is switched off for this business"
    )
    shown = page(logged_in.get(f"/records/{record.id}"))
    assert "skipped" in shown
    assert (
        "no way to reach the customer: the customer has no email address; "
        "SMS is switched off for this business"
    ) in shown
    staff.locale = "de"
    db.session.commit()
    refresh()  # the test's one app context keeps the language it chose first
    german = page(logged_in.get(f"/records/{record.id}"))
    assert "übersprungen" in german
    assert (
        "keine Möglichkeit, den Kunden zu erreichen: der Kunde hat keine E-Mail-Adresse; "
        "SMS ist für diesen Betrieb ausgeschaltet"
    ) in german
    # The customer's page words the same reason the same way.
    assert (
        "keine Möglichkeit, den Kunden zu erreichen: der Kunde hat keine E-Mail-Adresse; "
        "SMS ist für diesen Betrieb ausgeschaltet"
    ) in page(logged_in.get(f"/customers/{customer.id}"))
    staff.locale = "en"
    db.session.commit()
    refresh()

    before = last_notification_id(db)
    response = logged_in.post(f"/records/{record.id}/action", data={"action": "cancel"})
    assert response.status_code == 302
    db.session.refresh(record)
    assert record.status == "cancelled" and record.cancelled_by == "business"
    assert "cancellation" not in new_notices(db, before)


# --- refusals -----------------------------------------------------------------------


def test_bad_input_is_refused_next_to_the_field_with_the_typed_values_kept(
    db, logged_in, phone_only
):
    response = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": "2026-02-30T10:00",
            "duration_minutes": "45",
            "title": "Strähnchen <b>bitte</b>",
            "notes": "Allergie gegen Ammoniak",
        },
    )
    assert response.status_code == 422
    html = page(response)
    assert_field_error(html, "starts_at", "Enter a real date and time")
    assert 'value="2026-02-30T10:00"' in html
    assert 'value="Strähnchen &lt;b&gt;bitte&lt;/b&gt;"' in html
    assert "Allergie gegen Ammoniak</textarea>" in html
    assert f'<option selected value="{phone_only.id}">' in html
    assert not re.search(r'id="notify"[^>]*checked', html)  # unticked stays unticked

    no_time = logged_in.post(
        "/records/new", data={"kind": "appointment", "customer_id": str(phone_only.id)}
    )
    assert no_time.status_code == 422
    assert_field_error(page(no_time), "starts_at", "An appointment needs a date and time.")

    no_customer = logged_in.post(
        "/records/new", data={"kind": "appointment", "starts_at": "2026-12-24T10:00"}
    )
    assert no_customer.status_code == 422
    assert_field_error(page(no_customer), "customer_id", "Choose a customer.")

    too_long = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": "2026-12-24T10:00",
            "duration_minutes": "5000",
        },
    )
    assert too_long.status_code == 422
    assert_field_error(page(too_long), "duration_minutes", "from 1 to 1440 minutes")

    wrong_status = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": "2026-12-24T10:00",
            "status": "open",
        },
    )
    assert wrong_status.status_code == 422
    assert_field_error(page(wrong_status), "status", "Choose one of the statuses")
    assert db.session.scalar(select(Record)) is None


def test_an_impossible_move_is_refused_and_changes_nothing(
    db, logged_in, phone_only, record_factory
):
    record = record_factory(phone_only, starts_at=in_days(2, 9))
    before = record.starts_at
    response = logged_in.post(
        f"/records/{record.id}/edit",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": "morgen",
            "status": "confirmed",
            "notify": "y",
        },
    )
    assert response.status_code == 422
    assert_field_error(page(response), "starts_at", "Enter a real date and time")
    assert 'value="morgen"' in page(response)
    db.session.refresh(record)
    assert record.starts_at == before


# --- who may -------------------------------------------------------------------------


def test_staff_users_work_here_too(db, app, client, business, phone_only, record_factory):
    staff_user = add_user(db.session, business, email="ben@salon.test")
    staff_user.role = UserRole.STAFF
    db.session.commit()
    record = record_factory(phone_only, starts_at=in_days(2, 9))
    assert (
        client.post(
            "/login", data={"email": "ben@salon.test", "password": STAFF_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get("/records").status_code == 200
    assert client.get(f"/records/{record.id}").status_code == 200
    assert client.get("/records/new").status_code == 200
    made = client.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": local_input(in_days(5, 11)),
            "notify": "y",
        },
    )
    assert made.status_code == 302
    cancelled = client.post(f"/records/{record.id}/action", data={"action": "cancel"})
    assert cancelled.status_code == 302
    db.session.refresh(record)
    assert record.status == "cancelled"
    assert len(db.session.scalars(select(Record)).all()) == 2


def test_a_logged_out_visitor_is_sent_to_the_login(db, client, phone_only, record_factory):
    record = record_factory(phone_only)
    for url in ("/records", "/records/new", f"/records/{record.id}", f"/records/{record.id}/edit"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    for url, data in (
        ("/records/new", {"customer_id": str(phone_only.id), "starts_at": "2026-12-24T10:00"}),
        (f"/records/{record.id}/edit", {"starts_at": "2026-12-24T10:00"}),
        (f"/records/{record.id}/action", {"action": "cancel"}),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert db.session.scalar(select(Record.status)) == "confirmed"
    assert len(db.session.scalars(select(Record)).all()) == 1


def test_another_business_s_record_is_not_found(
    db, client, business_factory, phone_only, record_factory
):
    record = record_factory(phone_only, status="pending", source="online")
    other, _ = business_factory(name="Other Salon", sms_from="+4930555011")
    add_user(db.session, other, email="eve@other.test")
    assert (
        client.post(
            "/login", data={"email": "eve@other.test", "password": STAFF_PASSWORD}
        ).status_code
        == 302
    )
    assert client.get(f"/records/{record.id}").status_code == 404
    assert client.get(f"/records/{record.id}/edit").status_code == 404
    for action in ("accept", "decline", "cancel"):
        assert (
            client.post(f"/records/{record.id}/action", data={"action": action}).status_code == 404
        )
    assert (
        client.post(
            f"/records/{record.id}/edit", data={"starts_at": "2026-12-24T10:00", "notify": "y"}
        ).status_code
        == 404
    )
    # Their customers are not in the picker, and one posted by hand is refused.
    new_form = page(client.get("/records/new"))
    assert PHONE_ONLY not in new_form
    refused = client.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": "2026-12-24T10:00",
        },
    )
    assert refused.status_code == 422
    assert PHONE_ONLY not in page(client.get("/records", query_string={"view": "week"}))
    db.session.refresh(record)
    assert record.status == "pending"
    assert len(db.session.scalars(select(Record)).all()) == 1


class TestCsrf:
    @pytest.fixture
    def app_config(self, app_config):
        return {**app_config, "WTF_CSRF_ENABLED": True}

    def test_every_form_needs_the_csrf_token(self, db, client, staff, phone_only, record_factory):
        csrf_field = re.compile(r'name="csrf_token"[^>]* value="([^"]+)"')
        [token] = csrf_field.findall(page(client.get("/login")))
        login = {"email": staff.email, "password": STAFF_PASSWORD, "csrf_token": token}
        assert client.post("/login", data=login).status_code == 302
        record = record_factory(phone_only, starts_at=in_days(2, 9))
        new = {"kind": "appointment", "customer_id": str(phone_only.id)}
        new["starts_at"] = "2026-12-24T10:00"
        assert client.post("/records/new", data=new).status_code in (400, 422)
        moved = {**new, "status": "confirmed"}
        assert client.post(f"/records/{record.id}/edit", data=moved).status_code in (400, 422)
        cancel = {"action": "cancel"}
        assert client.post(f"/records/{record.id}/action", data=cancel).status_code == 400
        db.session.refresh(record)
        assert record.status == "confirmed" and record.starts_at == in_days(2, 9)
        assert len(db.session.scalars(select(Record)).all()) == 1

        [token] = set(csrf_field.findall(page(client.get(f"/records/{record.id}"))))
        done = client.post(f"/records/{record.id}/action", data={**cancel, "csrf_token": token})
        assert done.status_code == 302
        db.session.refresh(record)
        assert record.status == "cancelled"


@pytest.mark.parametrize(
    ("locale", "words"),
    [("de", ["Termine", "Neuer Termin", "Nächster Tag"]), ("nl", ["Afspraken", "Nieuwe afspraak"])],
)
def test_the_pages_speak_german_and_dutch(db, logged_in, staff, phone_only, locale, words):
    staff.locale = locale
    db.session.commit()
    listed = page(logged_in.get("/records"))
    assert all(word in listed for word in words)
    form = page(logged_in.get("/records/new"))
    assert ("Kunden benachrichtigen" if locale == "de" else "Klant op de hoogte brengen") in form


def test_customer_written_text_is_shown_as_text(db, logged_in, customer_factory, record_factory):
    markup = "<script>window.__pwned=1</script>"
    customer = customer_factory(name=markup)
    record = record_factory(customer, starts_at=in_days(1, 9), title=markup, notes=markup)
    escaped = "&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    for url in (
        "/records?view=week&date=" + in_days(1, 9).date().isoformat(),
        f"/records/{record.id}",
        f"/records/{record.id}/edit",
        "/records/new",
    ):
        html = page(logged_in.get(url))
        assert markup not in html, url
        assert escaped in html, url


def test_an_order_keeps_a_status_the_page_does_not_offer(
    db, logged_in, phone_only, record_factory
):  # set through the API while the business defines no statuses of its own
    order = record_factory(phone_only, kind="order", starts_at=None, status="waiting_for_parts")
    shown = page(logged_in.get(f"/records/{order.id}"))
    assert '<option value="waiting_for_parts" selected>' in shown
    assert '<option value="done"' in shown  # the usual ones, offered while none are defined
    done = logged_in.post(
        f"/records/{order.id}/action", data={"action": "status", "status": "done"}
    )
    assert done.status_code == 302
    db.session.refresh(order)
    assert order.status == "done"


# --- found in review ------------------------------------------------------------------


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    assert found is not None, f"no hidden {name}"
    return found.group(1)


@BOTH_DATABASES
def test_a_row_id_wider_than_the_database_s_integer_is_no_such_row(
    db, logged_in, phone_only, record_factory
):
    record_factory(phone_only, starts_at=in_days(1, 9), title="Schnitt")
    day = {"date": in_days(1, 9).date().isoformat()}
    assert "Schnitt" in page(logged_in.get("/records", query_string=day))
    for name in ("location_id", "staff_id"):
        for wide in ("2147483648", "99999999999", "9" * 40):
            wider = logged_in.get("/records", query_string={**day, name: wide})
            assert wider.status_code == 404, (name, wide)
        widest = logged_in.get("/records", query_string={**day, name: "2147483647"})
        assert widest.status_code == 200 and "Schnitt" not in page(widest)
    assert logged_in.get("/records/new?customer_id=2147483648").status_code == 404


def test_a_next_with_a_line_break_falls_back_to_the_record(
    db, logged_in, phone_only, record_factory
):
    record = record_factory(phone_only, starts_at=in_days(2, 9))
    for target in ("/records\r\nX: 1", "/records\x1b", "/records?view=week\n"):
        response = logged_in.post(
            f"/records/{record.id}/action",
            data={"action": "status", "status": "completed", "next": target},
        )
        assert response.status_code == 302
        assert response.headers["Location"] == f"/records/{record.id}"
        assert "X" not in response.headers
    db.session.refresh(record)
    assert record.status == "completed"


def test_a_save_over_someone_else_s_newer_change_is_refused(
    db, logged_in, phone_only, record_factory
):
    record = record_factory(phone_only, starts_at=in_days(2, 9), notes="Kurz schneiden")
    mine, theirs = (page(logged_in.get(f"/records/{record.id}/edit")) for _ in range(2))
    form = {"kind": "appointment", "customer_id": str(phone_only.id), "status": "confirmed"}
    first = logged_in.post(
        f"/records/{record.id}/edit",
        data={
            **form,
            "starts_at": local_input(in_days(2, 9)),
            "duration_minutes": "45",
            "notes": "Färben statt schneiden",
            "version": hidden(theirs, "version"),
            "seen": hidden(theirs, "seen"),
        },
    )
    assert first.status_code == 302
    late = {
        **form,
        "starts_at": local_input(in_days(3, 14)),
        "duration_minutes": "30",
        "notes": "Nur Pony",
        "version": hidden(mine, "version"),
        "seen": hidden(mine, "seen"),
    }
    refused = logged_in.post(f"/records/{record.id}/edit", data=late)
    assert refused.status_code == 409
    html = page(refused)
    assert "Someone else changed this appointment meanwhile" in html
    assert "Färben statt schneiden" in html  # what is there now
    assert "Nur Pony</textarea>" in html and f'value="{local_input(in_days(3, 14))}"' in html
    db.session.refresh(record)
    assert record.notes == "Färben statt schneiden"
    assert record.starts_at == in_days(2, 9).astimezone(UTC)

    # Having seen it, a second save goes through.
    again = logged_in.post(
        f"/records/{record.id}/edit",
        data={**late, "version": hidden(html, "version"), "seen": hidden(html, "seen")},
    )
    assert again.status_code == 302
    db.session.refresh(record)
    assert record.notes == "Nur Pony" and record.starts_at == in_days(3, 14).astimezone(UTC)

    # The record page's buttons carry the version too: a stale one changes nothing.
    shown = page(logged_in.get(f"/records/{record.id}"))
    stale = hidden(shown, "version")
    moved = logged_in.post(
        f"/records/{record.id}/edit",
        data={**form, "starts_at": local_input(in_days(4, 10)), "notes": "Nur Pony"},
    )  # a form without the hidden fields (made by hand) is not checked
    assert moved.status_code == 302
    cancel = logged_in.post(
        f"/records/{record.id}/action", data={"action": "cancel", "version": stale}
    )
    assert cancel.status_code == 409
    assert "someone else changed this appointment meanwhile" in page(cancel)
    db.session.refresh(record)
    assert record.status == "confirmed"


def test_a_time_the_clocks_skip_is_refused_and_a_doubled_one_is_the_first(
    db, logged_in, phone_only
):
    data = {
        "kind": "appointment",
        "customer_id": str(phone_only.id),
        "duration_minutes": "30",
        "notify": "y",
    }
    skipped = logged_in.post("/records/new", data={**data, "starts_at": "2027-03-28T02:30"})
    assert skipped.status_code == 422
    assert_field_error(
        page(skipped), "starts_at", "does not exist on that day: the clocks go forward"
    )
    assert 'value="2027-03-28T02:30"' in page(skipped)
    assert db.session.scalar(select(Record)) is None

    doubled = logged_in.post("/records/new", data={**data, "starts_at": "2027-10-31T02:30"})
    assert doubled.status_code == 302
    record = db.session.scalar(select(Record))
    assert record.starts_at == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # summer time
    assert record.ends_at - record.starts_at == timedelta(minutes=30)


def test_the_flash_says_what_the_customer_gets(
    db, logged_in, business, phone_only, customer_factory, record_factory
):
    created = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(phone_only.id),
            "starts_at": local_input(in_days(3, 10)),
            "notify": "y",
        },
        follow_redirects=True,
    )
    assert "Appointment saved. The customer is told. They get: booking confirmation (SMS)" in (
        page(created)
    )

    # A landline: the texts are planned as skipped, so nothing goes to the customer.
    landline = customer_factory(name="Festnetz", phone="+493012345678")
    made = logged_in.post(
        "/records/new",
        data={
            "kind": "appointment",
            "customer_id": str(landline.id),
            "starts_at": local_input(in_days(3, 11)),
            "notify": "y",
        },
        follow_redirects=True,
    )
    assert "Appointment saved. No message goes to the customer for this change." in page(made)
    assert "is told" not in page(made)

    # The business's own order status with no rule for it.
    create_status(db.session, business, NewStatus(kind="order", code="received", label="Received"))
    create_status(db.session, business, NewStatus(kind="order", code="polished", label="Polished"))
    db.session.commit()
    order = record_factory(phone_only, kind="order", starts_at=None, status="received")
    done = logged_in.post(
        f"/records/{order.id}/action",
        data={"action": "status", "status": "polished", "notify": "1"},
        follow_redirects=True,
    )
    assert "Status set to Polished. No message goes to the customer for this change." in page(done)


def test_a_declined_request_cannot_be_cancelled_by_a_hand_made_post(
    db, logged_in, phone_only, record_factory
):
    request_ = record_factory(
        phone_only, status="pending", source="online", starts_at=in_days(3, 9)
    )
    declined = logged_in.post(
        f"/records/{request_.id}/action", data={"action": "decline", "notify": "1"}
    )
    assert declined.status_code == 302
    shown = page(logged_in.get(f"/records/{request_.id}"))
    assert 'value="cancel"' not in shown and 'value="cancelled"' not in shown
    before = last_notification_id(db)
    for data in (
        {"action": "cancel"},
        {"action": "status", "status": "cancelled"},
        {"action": "accept"},
    ):
        refused = logged_in.post(f"/records/{request_.id}/action", data={**data, "notify": "1"})
        assert refused.status_code == 409, data
        assert "Nothing was changed" in page(refused)
        db.session.refresh(request_)
        assert request_.status == "rejected"
    assert new_notices(db, before) == []


def test_every_mistake_shows_at_once_and_dates_are_written_in_the_user_s_language(
    db, logged_in, staff, phone_only, record_factory
):
    response = logged_in.post(
        "/records/new",
        data={"kind": "appointment", "starts_at": "2026-02-30T10:00", "duration_minutes": "0"},
    )
    assert response.status_code == 422
    html = page(response)
    assert_field_error(html, "starts_at", "Enter a real date and time")
    assert_field_error(html, "customer_id", "Choose a customer.")
    assert_field_error(html, "duration_minutes", "from 1 to 1440 minutes")

    starts = in_days(11, 12)
    record = record_factory(phone_only, starts_at=starts)
    english = page(logged_in.get(f"/records/{record.id}"))
    assert f"{starts:%b} {starts.day}, {starts.year}" in english
    assert f"{starts:%d.%m.%Y}" not in english
    staff.locale = "de"
    db.session.commit()
    refresh()
    assert f"{starts:%d.%m.%Y} 12:00" in page(logged_in.get(f"/records/{record.id}"))
    staff.locale = "en"
    db.session.commit()
    refresh()


def statements_of(db, request) -> tuple[object, list[str]]:
    """The response to `request()` and the SQL statements it ran."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = request()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return response, statements


def test_the_day_costs_the_same_statements_with_3_and_with_30_orders(
    db, logged_in, business, phone_only, record_factory
):
    create_status(
        db.session, business, NewStatus(kind="order", code="received", label="Angenommen")
    )
    db.session.commit()
    day = in_days(3, 8)
    counts = {}
    for total in (3, 30):
        made = len(db.session.scalars(select(Record.id)).all())
        for n in range(made, total):
            record_factory(
                phone_only,
                kind="order",
                status="received",
                starts_at=day + timedelta(minutes=10 * n),
                title=f"Auftrag {n}",
            )
        response, statements = statements_of(
            db, lambda: logged_in.get(f"/records?date={day.date().isoformat()}")
        )
        assert response.status_code == 200
        assert page(response).count("Angenommen") == total  # the business's label, each row
        counts[total] = len(statements)
        definitions = [s for s in statements if "FROM record_status_definition " in s]
        assert len(definitions) == 1  # the labels are read once per page
    assert counts[3] == counts[30]


def test_the_new_record_form_reads_the_statuses_once(db, logged_in, business):
    create_status(db.session, business, NewStatus(kind="inquiry", code="asked", label="Gefragt"))
    db.session.commit()
    response, statements = statements_of(db, lambda: logged_in.get("/records/new"))
    assert response.status_code == 200 and "Inquiry: Gefragt" in page(response)
    assert len([s for s in statements if "FROM record_status_definition " in s]) == 1
