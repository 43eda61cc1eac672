"""Every page of the web app on a phone, in Debian's Chromium: the demo salon (German,
the language with the longest words) opened by its owner at 390 pixels wide, each
console page and one of each row's pages, none scrolling sideways. The pages are
found from the app's routes, so a new page is swept without being listed here."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.demo import DEMO_EMAIL, DEMO_PASSWORD, load_demo
from bot.extensions import db as _db
from bot.models import (
    ApiKey,
    Business,
    Conversation,
    Customer,
    Location,
    NotificationRule,
    Record,
    RecordStatusDefinition,
    Service,
    StaffMember,
    Template,
    utcnow,
)
from bot.services.commands import NewStatus
from bot.services.statuses import create_status
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in

# The web app's blueprints whose pages a logged-in owner opens.
PAGES = {
    "inbox",
    "users",
    "records_pages",
    "customers_pages",
    "rules_pages",
    "template_editor",
    "settings",
    "catalogue",
    "usage_pages",
}
ROWS = {
    "record_id": Record,
    "customer_id": Customer,
    "location_id": Location,
    "staff_id": StaffMember,
    "service_id": Service,
    "status_id": RecordStatusDefinition,
    "rule_id": NotificationRule,
    "template_id": Template,
    "key_id": ApiKey,
    "conversation_id": Conversation,
}


@pytest.fixture
def demo(live_app):
    """The demo as `make run` loads it, with an order status of the salon's own."""
    with live_app.app_context():
        session = _db.session
        business_id = load_demo(session, now=utcnow())["business_id"]
        session.commit()
        create_status(
            session,
            session.get(Business, business_id),
            NewStatus(kind="order", code="ready_for_pickup", label="Abholbereit"),
        )
        session.commit()
        ids = {}
        for name, model in ROWS.items():
            ids[name] = session.scalar(
                select(model.id).where(model.business_id == business_id).order_by(model.id)
            )
        session.remove()
    return ids


def page_paths(app, ids: dict[str, int]) -> list[str]:
    """Every GET page of the owner's blueprints, with the demo's rows filled in."""
    adapter = app.url_map.bind("localhost")
    paths = []
    for rule in app.url_map.iter_rules():
        blueprint = rule.endpoint.partition(".")[0]
        if blueprint not in PAGES or "GET" not in rule.methods or rule.arguments - set(ids):
            continue  # an invitation's token page is a visitor's, swept elsewhere
        if rule.endpoint.endswith(("updates", "thread_fragment")) or "fragments" in rule.rule:
            continue  # the inbox's live feed and fragments, not pages
        values = {name: ids[name] for name in rule.arguments}
        paths.append(adapter.build(rule.endpoint, values))
    return sorted(set(paths))


@pytest.mark.browser
def test_every_page_fits_a_phone(live_app, demo):
    base = live_app.config["PUBLIC_BASE_URL"]
    paths = page_paths(live_app, demo)
    assert len(paths) >= 30
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base, DEMO_EMAIL, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(base + path)
            assert response.status == 200, (path, response.status)
            assert_fits_the_screen(page)
