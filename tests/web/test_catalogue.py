"""The catalogue pages under /settings: locations with their opening hours, staff,
services with rebook intervals and the business's own statuses, for owners only and
each scoped to the owner's business."""

from __future__ import annotations

import re
from datetime import time

import pytest
from sqlalchemy import select

from bot.errors import DomainError
from bot.models import Location, RecordStatusDefinition, Service, StaffMember, UserRole
from bot.services import catalogue, statuses
from bot.services.commands import (
    LocationChanges,
    NewStatus,
    RecordChanges,
    RuleChanges,
    ServiceChanges,
    StaffChanges,
)
from bot.services.records import create_record
from bot.services.rules import create_rule
from outbound.opening import opening_hours
from tests.support.databases import statements_run
from tests.support.web import STAFF_PASSWORD, add_user, fresh_clients

WEEK = {
    **{f"hours-{day}-0-opens": "09:00" for day in range(5)},
    **{f"hours-{day}-0-closes": "18:00" for day in range(5)},
    "hours-5-0-opens": "10:00",
    "hours-5-0-closes": "14:00",
}


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def owner_client(db, staff, logged_in):
    """The owner's client, its pages in English (the business's language is German)."""
    staff.locale = "en"
    db.session.commit()
    return logged_in


@pytest.fixture
def other_business(business_factory):
    return business_factory(name="Other Salon", sms_from="+4930555011")[0]


def only_location(db) -> Location:
    db.session.expire_all()
    [location] = db.session.scalars(select(Location)).all()
    return location


def day_block(page: str, weekday: int) -> str:
    """The HTML of one weekday's row group in the hours form."""
    start = page.index(f'id="day-{weekday}"')
    end = page.index(f'id="day-{weekday + 1}"') if weekday < 6 else page.index("</fieldset>")
    return page[start:end]


def assert_input_value(page: str, name: str, value: str) -> None:
    tag = re.search(rf'<input[^>]*\bname="{re.escape(name)}"[^>]*>', page)
    assert tag is not None, name
    typed = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    assert (typed.group(1) if typed else "") == value, name


# --- locations and opening hours ----------------------------------------------------


def test_opening_hours_are_saved_and_read_back(owner_client, db):
    response = owner_client.post(
        "/settings/locations/new",
        data={"name": "Salon Mitte", "address": "Hauptstraße 1\n10115 Berlin", **WEEK},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/settings/locations")
    location = only_location(db)
    assert location.name == "Salon Mitte"
    assert location.address == "Hauptstraße 1\n10115 Berlin"
    hours = opening_hours(location)
    assert hours == {
        **{day: ((time(9), time(18)),) for day in range(5)},
        5: ((time(10), time(14)),),
    }

    listing = owner_client.get("/settings/locations").text
    assert "Salon Mitte" in listing
    assert "09:00–18:00" in listing and "10:00–14:00" in listing
    assert "closed" in listing  # Sunday

    page = owner_client.get(f"/settings/locations/{location.id}").text
    assert_input_value(page, "hours-0-0-opens", "09:00")
    assert_input_value(page, "hours-5-0-closes", "14:00")
    assert_input_value(page, "hours-6-0-opens", "")


def test_a_lunch_break_is_two_ranges_and_editing_replaces_the_hours(owner_client, db):
    owner_client.post("/settings/locations/new", data={"name": "Salon Mitte", **WEEK})
    location_id = only_location(db).id
    response = owner_client.post(
        f"/settings/locations/{location_id}",
        data={
            "name": "Salon Mitte",
            "hours-0-0-opens": "9",
            "hours-0-0-closes": "12.30",
            "hours-0-1-opens": "13:30",
            "hours-0-1-closes": "18:00",
        },
    )
    assert response.status_code == 302
    hours = opening_hours(only_location(db))
    # The rest of the week is now closed: the new ranges replace the old ones.
    assert hours == {0: ((time(9), time(12, 30)), (time(13, 30), time(18)))}

    page = owner_client.get(f"/settings/locations/{location_id}").text
    assert_input_value(page, "hours-0-1-opens", "13:30")
    assert_input_value(page, "hours-0-2-opens", "")  # one empty row more to add a range
    assert 'name="hours-1-1-opens"' in page  # every day offers two rows without a script


def test_a_row_added_by_the_page_script_is_saved_and_the_rows_are_bounded(owner_client, db):
    response = owner_client.post(
        "/settings/locations/new",
        data={
            "name": "Salon Mitte",
            "hours-2-0-opens": "08:00",
            "hours-2-0-closes": "10:00",
            "hours-2-2-opens": "15:00",  # a third row from "Add a range"; the second left empty
            "hours-2-2-closes": "19:00",
            "hours-2-9-opens": "20:00",  # beyond what the form offers: not read
            "hours-2-9-closes": "21:00",
        },
    )
    assert response.status_code == 302
    hours = opening_hours(only_location(db))
    assert hours == {2: ((time(8), time(10)), (time(15), time(19)))}


def test_bad_ranges_are_refused_next_to_their_day_with_the_values_kept(owner_client, db):
    owner_client.post("/settings/locations/new", data={"name": "Salon Mitte", **WEEK})
    location = only_location(db)
    response = owner_client.post(
        f"/settings/locations/{location.id}",
        data={
            "name": "Salon Mitte",
            "hours-0-0-opens": "18:00",
            "hours-0-0-closes": "09:00",
            "hours-1-0-opens": "09:00",
            "hours-1-0-closes": "13:00",
            "hours-1-1-opens": "12:00",
            "hours-1-1-closes": "18:00",
            "hours-2-0-opens": "25:00",
            "hours-2-0-closes": "18:00",
            "hours-3-0-opens": "09:00",
            "hours-4-0-closes": "17:00",
            "hours-5-0-opens": "10:00",
            "hours-5-0-closes": "14:00",
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "A range must open before it closes." in day_block(page, 0)
    assert "Two ranges overlap" in day_block(page, 1)
    assert "&#34;25:00&#34; is not a time of day" in day_block(page, 2)
    assert "Enter both the opening and the closing time" in day_block(page, 3)
    assert "Enter both the opening and the closing time" in day_block(page, 4)
    assert "field-error" not in day_block(page, 5)
    assert_input_value(page, "hours-0-0-opens", "18:00")
    assert_input_value(page, "hours-1-1-opens", "12:00")
    assert_input_value(page, "hours-2-0-opens", "25:00")
    assert_input_value(page, "hours-4-0-closes", "17:00")
    assert_input_value(page, "name", "Salon Mitte")
    # Nothing of it is saved: the week is as before.
    assert opening_hours(only_location(db))[0] == ((time(9), time(18)),)


def test_a_location_needs_a_name_and_keeps_the_hours_typed(owner_client, db):
    response = owner_client.post("/settings/locations/new", data={"name": " ", **WEEK})
    assert response.status_code == 422
    assert "Enter a name." in response.text or "the name cannot be empty" in response.text
    assert_input_value(response.text, "hours-5-0-opens", "10:00")
    assert db.session.scalars(select(Location)).all() == []


# --- staff --------------------------------------------------------------------------


def test_staff_are_added_renamed_deactivated_and_reactivated(owner_client, db):
    response = owner_client.post("/settings/staff", data={"name": "Mia Lang"})
    assert response.status_code == 302
    member = db.session.scalar(select(StaffMember))
    assert member.name == "Mia Lang" and member.active

    assert (
        owner_client.post(f"/settings/staff/{member.id}/active", data={"active": "0"}).status_code
        == 302
    )
    db.session.expire_all()
    assert member.active is False
    listing = owner_client.get("/settings/staff").text
    assert "deactivated" in listing and "Reactivate Mia Lang" in listing

    response = owner_client.post(
        f"/settings/staff/{member.id}", data={"name": "Mia Lang-Berg", "active": "y"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (member.name, member.active) == ("Mia Lang-Berg", True)


def test_a_staff_member_needs_a_name(owner_client, db):
    response = owner_client.post("/settings/staff", data={"name": ""})
    assert response.status_code == 422
    assert "Enter a name." in response.text
    assert db.session.scalars(select(StaffMember)).all() == []


# --- services -----------------------------------------------------------------------


def test_services_carry_a_rebook_interval(owner_client, db):
    page = owner_client.get("/settings/services").text
    assert "predicts their next visit" in page  # the hint says what the interval is for
    response = owner_client.post(
        "/settings/services",
        data={
            "name": "Colour",
            "category": "Hair",
            "duration_minutes": "90",
            "rebook_interval_days": "42",
        },
    )
    assert response.status_code == 302
    service = db.session.scalar(select(Service))
    assert (service.name, service.category, service.duration_minutes) == ("Colour", "Hair", 90)
    assert service.rebook_interval_days == 42
    assert "every 42 days" in owner_client.get("/settings/services").text

    response = owner_client.post(
        f"/settings/services/{service.id}",
        data={
            "name": "Colour",
            "category": "",
            "duration_minutes": "60",
            "rebook_interval_days": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (service.category, service.duration_minutes, service.rebook_interval_days) == (
        None,
        60,
        None,
    )


def test_bad_service_numbers_are_refused_with_the_values_kept(owner_client, db):
    response = owner_client.post(
        "/settings/services",
        data={"name": "Cut", "duration_minutes": "0", "rebook_interval_days": "soon"},
    )
    assert response.status_code == 422
    assert "Enter a duration from 1 to 1440 minutes." in response.text
    assert_input_value(response.text, "duration_minutes", "0")
    assert_input_value(response.text, "rebook_interval_days", "soon")
    assert_input_value(response.text, "name", "Cut")
    assert db.session.scalars(select(Service)).all() == []


# --- statuses -----------------------------------------------------------------------


def test_an_own_status_is_created_and_then_usable(
    owner_client, db, business, customer_factory, now
):
    page = owner_client.get("/settings/statuses").text
    assert "no-show" in page  # the built-in appointment statuses, read-only
    response = owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "ready", "label": "Ready for pick-up"}
    )
    assert response.status_code == 302
    assert statuses.status_codes(db.session, business, "order") == ["ready"]
    assert statuses.status_codes(db.session, business, "inquiry") == []
    customer = customer_factory()
    record = create_record(
        db.session,
        business,
        RecordChanges(kind="order", customer_id=customer.id, status="ready"),
        now=now,
    )
    assert record.status == "ready"
    with pytest.raises(DomainError):
        create_record(
            db.session,
            business,
            RecordChanges(kind="order", customer_id=customer.id, status="lost"),
            now=now,
        )
    db.session.rollback()

    definition = db.session.scalar(select(RecordStatusDefinition))
    response = owner_client.post(
        f"/settings/statuses/{definition.id}", data={"label": "Fertig", "position": "3"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (definition.code, definition.label, definition.position) == ("ready", "Fertig", 3)


def test_a_bad_or_duplicate_code_is_refused_next_to_the_code(owner_client, db):
    response = owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "Ready Now", "label": "Fertig"}
    )
    assert response.status_code == 422
    assert "Use lowercase letters a-z" in response.text
    assert_input_value(response.text, "code", "Ready Now")
    assert_input_value(response.text, "label", "Fertig")
    owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "ready", "label": "Fertig"}
    )
    response = owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "ready", "label": "Nochmal"}
    )
    assert response.status_code == 409
    assert "This code exists already." in response.text


def test_a_status_in_use_is_not_deleted_and_an_unused_one_is(
    owner_client, db, business, customer_factory, now
):
    owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "ready", "label": "Fertig"}
    )
    owner_client.post(
        "/settings/statuses", data={"kind": "inquiry", "code": "open", "label": "Offen"}
    )
    ready, open_ = db.session.scalars(
        select(RecordStatusDefinition).order_by(RecordStatusDefinition.id)
    ).all()
    create_record(
        db.session,
        business,
        RecordChanges(kind="order", customer_id=customer_factory().id, status="ready"),
        now=now,
    )
    db.session.commit()
    response = owner_client.post(f"/settings/statuses/{ready.id}/delete")
    assert response.status_code == 409
    assert (
        "1 work order still has the status “Fertig”; give it another status first." in response.text
    )
    assert "record(s)" not in response.text
    assert statuses.status_codes(db.session, business, "order") == ["ready"]

    assert owner_client.post(f"/settings/statuses/{open_.id}/delete").status_code == 302
    assert statuses.status_codes(db.session, business, "inquiry") == []


# --- who may see what ---------------------------------------------------------------

PAGES = [
    ("get", "/settings/locations"),
    ("get", "/settings/locations/new"),
    ("post", "/settings/locations/new"),
    ("get", "/settings/staff"),
    ("post", "/settings/staff"),
    ("get", "/settings/services"),
    ("post", "/settings/services"),
    ("get", "/settings/statuses"),
    ("post", "/settings/statuses"),
]


def rows_of(db, business):
    """One location, staff member, service and status of `business`, by URL."""
    location = catalogue.create_location(db.session, business, LocationChanges(name="Filiale"))
    member = catalogue.create_staff_member(db.session, business, StaffChanges(name="Mia"))
    service = catalogue.create_service(db.session, business, ServiceChanges(name="Cut"))
    status = statuses.create_status(
        db.session, business, NewStatus(kind="order", code="ready", label="Fertig")
    )
    db.session.commit()
    return [
        ("get", f"/settings/locations/{location.id}"),
        ("post", f"/settings/locations/{location.id}"),
        ("get", f"/settings/staff/{member.id}"),
        ("post", f"/settings/staff/{member.id}"),
        ("post", f"/settings/staff/{member.id}/active"),
        ("get", f"/settings/services/{service.id}"),
        ("post", f"/settings/services/{service.id}"),
        ("get", f"/settings/statuses/{status.id}"),
        ("post", f"/settings/statuses/{status.id}"),
        ("post", f"/settings/statuses/{status.id}/delete"),
    ]


def test_staff_users_get_the_friendly_403(app, db, business):
    urls = rows_of(db, business)
    ben = add_user(db.session, business, email="ben@salon.test")
    ben.role = UserRole.STAFF
    db.session.commit()
    client = app.test_client()
    assert (
        client.post(
            "/login", data={"email": "ben@salon.test", "password": STAFF_PASSWORD}
        ).status_code
        == 302
    )
    for method, url in PAGES + urls:
        response = getattr(client, method)(url, data={"name": "Taken over"})
        assert response.status_code == 403, (method, url)
    db.session.expire_all()
    assert db.session.scalar(select(Location)).name == "Filiale"
    assert "Settings" not in client.get("/inbox").text.split("<main")[0]


def test_logged_out_visitors_are_sent_to_the_login(client, db, business):
    urls = rows_of(db, business)
    for method, url in PAGES + urls:
        response = getattr(client, method)(url, data={"name": "Taken over"})
        assert response.status_code == 302, (method, url)
        assert "/login" in response.headers["Location"]
    db.session.expire_all()
    assert db.session.scalar(select(StaffMember)).name == "Mia"


def test_another_business_rows_are_not_found(owner_client, db, other_business):
    for method, url in rows_of(db, other_business):
        response = getattr(owner_client, method)(url, data={"name": "Taken over", "active": "0"})
        assert response.status_code == 404, (method, url)
    db.session.expire_all()
    assert db.session.scalar(select(StaffMember)).active is True
    assert db.session.scalar(select(Location)).name == "Filiale"
    assert db.session.scalar(select(RecordStatusDefinition)).label == "Fertig"


def test_the_hours_form_speaks_the_business_language(logged_in):
    # The owner has no language of their own; the business's is German.
    page = logged_in.get("/settings/locations/new").text
    assert "Öffnungszeiten" in page
    assert "Montag, Zeitraum 1, öffnet" in page
    response = logged_in.post(
        "/settings/locations/new",
        data={"name": "Filiale", "hours-6-0-opens": "14:00", "hours-6-0-closes": "10:00"},
    )
    assert response.status_code == 422
    assert "Ein Zeitraum muss beginnen, bevor er endet." in day_block(response.text, 6)


def test_a_status_in_use_is_refused_in_the_owner_s_language(
    owner_client, staff, db, business, customer_factory, now
):
    owner_client.post(
        "/settings/statuses", data={"kind": "order", "code": "ready", "label": "Fertig"}
    )
    owner_client.post(
        "/settings/statuses", data={"kind": "inquiry", "code": "open", "label": "Offen"}
    )
    ready, open_ = db.session.scalars(
        select(RecordStatusDefinition).order_by(RecordStatusDefinition.id)
    ).all()
    customer = customer_factory()
    for _twice in range(2):
        create_record(
            db.session,
            business,
            RecordChanges(kind="order", customer_id=customer.id, status="ready"),
            now=now,
        )
    create_rule(
        db.session,
        business,
        RuleChanges(
            kind="inquiry",
            name="Anfrage offen",
            trigger="status_changed_to",
            trigger_status="open",
            notice="order_status",
        ),
    )
    staff.locale = "de"
    db.session.commit()

    orders = owner_client.post(f"/settings/statuses/{ready.id}/delete")
    inquiries = owner_client.post(f"/settings/statuses/{open_.id}/delete")

    assert orders.status_code == inquiries.status_code == 409
    assert (
        "2 Aufträge haben noch den Status „Fertig“; geben Sie ihnen zuerst einen anderen Status."
        in orders.text
    )
    assert (
        "Die Regel „Anfrage offen“ wird durch den Status „Offen“ ausgelöst; ändern oder "
        "löschen Sie zuerst die Regel." in inquiries.text
    )
    for page in (orders.text, inquiries.text):
        assert "record(s)" not in page and "triggers on" not in page
    staff.locale = "nl"
    db.session.commit()
    dutch = owner_client.post(f"/settings/statuses/{ready.id}/delete")
    assert "2 opdrachten hebben nog de status ‘Fertig’" in dutch.text
    assert statuses.status_codes(db.session, business, "order") == ["ready"]
    assert statuses.status_codes(db.session, business, "inquiry") == ["open"]


def test_the_locations_page_reads_the_hours_in_one_query_however_many_locations(
    owner_client, db, business
):
    hours = [{"weekday": 0, "opens": time(9), "closes": time(18)}]

    def statements_for(locations: int) -> int:
        for number in range(locations):
            catalogue.create_location(
                db.session, business, LocationChanges(name=f"Salon {number}", working_hours=hours)
            )
        db.session.commit()
        with statements_run(db) as statements:
            page = owner_client.get("/settings/locations")
        assert page.status_code == 200
        return len(statements)

    few = statements_for(1)
    many = statements_for(19)
    assert few == many
