"""Who reaches the console's pages, swept over every route the app registers: a visitor
who is not logged in is sent to the login, a staff user gets the owners' pages refused
(403) and works the appointments and customers, a user of another business gets a 404
for every row of this one and changes nothing, and an id wider than a database column
is refused (404, or 405 for a POST) before any query. A new page joins the sweep by its
blueprint's name below; a blueprint listed neither as console nor as elsewhere fails
the first test."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import create_app
from bot.models import (
    ApiKey,
    Business,
    Customer,
    Location,
    NotificationRule,
    Record,
    RecordStatusDefinition,
    Service,
    StaffMember,
    Template,
    UserRole,
    WebhookEndpoint,
)
from bot.services.businesses import create_api_key
from bot.services.catalogue import create_location, create_service, create_staff_member
from bot.services.commands import (
    LocationChanges,
    NewStatus,
    ServiceChanges,
    StaffChanges,
    WebhookEndpointChanges,
)
from bot.services.statuses import create_status
from bot.services.webhook_endpoints import create_endpoint
from bot.web import MAX_ROW_ID
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, add_user, fresh_clients, log_in

# The console's blueprints and who may use them.
CONSOLE = {
    "records_pages": UserRole.STAFF,
    "customers_pages": UserRole.STAFF,
    "customer_privacy": UserRole.OWNER,
    "rules_pages": UserRole.OWNER,
    "template_editor": UserRole.OWNER,
    "settings": UserRole.OWNER,
    "catalogue": UserRole.OWNER,
    "usage_pages": UserRole.OWNER,
    "webhook_pages": UserRole.OWNER,
}
# Everything else the app registers, each swept by its own tests.
ELSEWHERE = {
    "api-docs",
    "auth",
    "business",
    "locations",
    "services",
    "staff",
    "conversations",
    "health",
    "customers",
    "inbox",
    "links",
    "messages",
    "notifications",
    "records",
    "rules",
    "simulator",
    "static",
    "statuses",
    "templates",
    "usage",
    "users",
    "webhooks",
    "webhook_endpoints",
}
ROW_MODELS = (
    Business,
    NotificationRule,
    Template,
    Location,
    StaffMember,
    Service,
    RecordStatusDefinition,
    Customer,
    Record,
    ApiKey,
    WebhookEndpoint,
)
OTHER_EMAIL = "eve@other.test"
STAFF_ONLY_EMAIL = "mira@salon.test"


@pytest.fixture
def app(app):
    return fresh_clients(app)


@pytest.fixture
def rows(db, business, customer_factory, record_factory, now) -> dict[str, int]:
    """One row of every kind the console names by id, all the salon's; by URL argument."""
    session = db.session
    customer = customer_factory()
    record = record_factory(customer, starts_at=now + timedelta(days=3))
    location = create_location(session, business, LocationChanges(name="Salon Mitte"))
    staff_member = create_staff_member(session, business, StaffChanges(name="Mira"))
    service = create_service(session, business, ServiceChanges(name="Haarschnitt"))
    status = create_status(session, business, NewStatus(kind="order", code="parts", label="Teile"))
    create_api_key(session, business, "booking system")
    endpoint = create_endpoint(
        session, business, WebhookEndpointChanges(url="https://93.184.215.14/hooks")
    )
    session.commit()
    first = lambda model: session.scalar(  # noqa: E731
        select(model.id).where(model.business_id == business.id).order_by(model.id)
    )
    return {
        "record_id": record.id,
        "customer_id": customer.id,
        "location_id": location.id,
        "staff_id": staff_member.id,
        "service_id": service.id,
        "status_id": status.id,
        "rule_id": first(NotificationRule),
        "template_id": first(Template),
        "key_id": first(ApiKey),
        "endpoint_id": endpoint.id,
    }


def console_routes(app):
    """Every (path template, method, blueprint, rule) of the console."""
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint in CONSOLE:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, blueprint, rule


def url(rule, ids: dict[str, int]) -> str:
    adapter = rule.map.bind("localhost")
    return adapter.build(rule.endpoint, {name: ids[name] for name in rule.arguments})


def call(client, method: str, path: str):
    return client.get(path) if method == "GET" else client.post(path, data={})


def snapshot(session, business_id: int) -> dict[str, list[tuple]]:
    """Every column of every row of the business the console can change."""
    taken = {}
    for model in ROW_MODELS:
        owner = model.id if model is Business else model.business_id
        columns = model.__table__.columns
        found = session.execute(select(*columns).where(owner == business_id).order_by(model.id))
        taken[model.__name__] = [tuple(row) for row in found]
    return taken


def test_every_blueprint_is_known_to_the_sweep(app):
    registered = set(app.blueprints) | {"static"}
    assert registered - set(CONSOLE) - ELSEWHERE == set()
    assert set(CONSOLE) <= registered


def test_a_visitor_is_sent_to_the_login_from_every_console_page(app, rows):
    client = app.test_client()
    swept = 0
    for method, _blueprint, rule in console_routes(app):
        response = call(client, method, url(rule, rows))
        assert response.status_code == 302, (method, rule.rule, response.status_code)
        assert "/login" in response.headers["Location"], (method, rule.rule)
        swept += 1
    assert swept >= 40


def test_staff_get_the_owners_pages_refused_and_work_the_rest(app, db, business, rows):
    user = add_user(db.session, business, email=STAFF_ONLY_EMAIL)
    user.role = UserRole.STAFF
    user.locale = "en"
    db.session.commit()
    before = snapshot(db.session, business.id)
    client = log_in(app, STAFF_ONLY_EMAIL)
    for method, blueprint, rule in console_routes(app):
        response = call(client, method, url(rule, rows))
        if CONSOLE[blueprint] is UserRole.OWNER:
            assert response.status_code == 403, (method, rule.rule, response.status_code)
            assert "<h1>Only for owners</h1>" in response.get_data(as_text=True)
        elif method == "GET":
            assert response.status_code == 200, (method, rule.rule, response.status_code)
    owner_only = {b for b, role in CONSOLE.items() if role is UserRole.OWNER}
    after = snapshot(db.session, business.id)
    # Staff posts may change appointments and customers (empty forms change nothing
    # anyway); what the owner's pages hold is untouched.
    owners_rows = ("Business", "NotificationRule", "Template", "Location", "Service", "ApiKey")
    for model in (*owners_rows, "WebhookEndpoint"):
        assert after[model] == before[model], model
    assert owner_only


def test_another_businesss_user_gets_a_404_for_every_row_and_changes_nothing(
    app, db, business, business_factory, rows
):
    other, _key = business_factory(name="Other Salon", sms_from="+4930555011")
    add_user(db.session, other, email=OTHER_EMAIL)
    before = snapshot(db.session, business.id)
    client = log_in(app, OTHER_EMAIL)
    swept = 0
    for method, _blueprint, rule in console_routes(app):
        if not rule.arguments:
            continue
        response = call(client, method, url(rule, rows))
        assert response.status_code == 404, (method, rule.rule, response.status_code)
        swept += 1
    assert swept >= 20
    db.session.expire_all()
    assert snapshot(db.session, business.id) == before


@pytest.mark.parametrize("wrong", [MAX_ROW_ID + 1, 10**30])
def test_an_id_wider_than_a_column_is_a_404(app, db, business, rows, wrong):
    add_user(db.session, business)
    client = log_in(app, STAFF_EMAIL)
    for method, _blueprint, rule in console_routes(app):
        if not rule.arguments:
            continue
        path = url(rule, rows)
        ids = {name: rows[name] for name in rule.arguments}
        name = next(iter(rule.arguments))
        widened = path.replace(f"/{ids[name]}", f"/{wrong}", 1)
        assert widened != path
        response = call(client, method, widened)
        # werkzeug answers a POST whose path fits no rule of its method with a 405
        assert response.status_code in (404, 405), (method, widened, response.status_code)


def test_a_nul_character_in_any_field_is_refused_before_anything_is_saved(app, db, business, rows):
    add_user(db.session, business).locale = "en"
    db.session.commit()
    before = snapshot(db.session, business.id)
    client = log_in(app, STAFF_EMAIL)
    fields = ("name", "title", "notes", "body", "label", "address", "q", "code", "email")
    for method, _blueprint, rule in console_routes(app):
        path = url(rule, rows)
        if method == "GET":
            response = client.get(path, query_string={"q": "a\x00b"})
        else:
            response = client.post(path, data={field: "a\x00b" for field in fields})
        assert response.status_code == 400, (method, rule.rule, response.status_code)
        assert "holds a NUL character" in response.get_data(as_text=True)
    db.session.expire_all()
    assert snapshot(db.session, business.id) == before


def test_every_page_post_needs_the_csrf_token(app_config, db, business, rows):
    """Flask-WTF checks every form, except the API and the webhooks, which it exempts by
    blueprint name: a page blueprint named like an API one would lose the check."""
    app = fresh_clients(create_app({**app_config, "WTF_CSRF_ENABLED": True}))
    add_user(db.session, business)
    before = snapshot(db.session, business.id)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    login = {"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token}
    assert client.post("/login", data=login).status_code == 302
    page_blueprints = set(CONSOLE) | {"inbox", "users", "auth"}
    swept = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint.partition(".")[0] not in page_blueprints or "POST" not in rule.methods:
            continue
        ids = {**rows, "conversation_id": 1, "user_id": 1, "reply_id": 1, "token": "x"}
        path = url(rule, ids)
        response = client.post(path, data={"name": "x"})
        assert response.status_code == 400, (rule.rule, response.status_code)
        swept += 1
    assert swept >= 40
    db.session.expire_all()
    assert snapshot(db.session, business.id) == before
