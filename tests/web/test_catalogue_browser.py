"""The locations page in Debian's Chromium against the app served over HTTP: an owner
sets a location's week with the keyboard alone and sees it saved, and the hours
form fits a phone's screen."""

from __future__ import annotations

import re
from datetime import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.extensions import db as _db
from bot.models import Location
from bot.services.businesses import create_business
from outbound.opening import opening_hours
from tests.support.settings import SMS_FROM
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in


@pytest.fixture
def salon(live_app):
    with live_app.app_context():
        session = _db.session
        business = create_business(session, name="Salon Sonnenschein", sms_from=SMS_FROM).business
        add_user(session, business).locale = "en"
        session.commit()
        session.remove()


def saved_hours(app):
    with app.app_context():
        location = _db.session.scalar(select(Location))
        found = (location.name, opening_hours(location)) if location else None
        _db.session.remove()
        return found


def type_and_tab(page, text: str = "", tabs: int = 1) -> None:
    if text:
        page.keyboard.type(text)
    for _ in range(tabs):
        page.keyboard.press("Tab")


@pytest.mark.browser
def test_an_owner_sets_opening_hours_with_the_keyboard(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Settings").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/settings$"))
        page.get_by_role("link", name="Locations").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/settings/locations$"))
        page.get_by_role("link", name="Add a location").focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/settings/locations/new$"))

        page.get_by_label("Name").focus()
        type_and_tab(page, "Salon Mitte")
        expect(page.get_by_label("Address")).to_be_focused()
        type_and_tab(page)
        # Monday to Friday: range 1 typed; range 2 and "Add a range" tabbed past.
        for _weekday in range(5):
            type_and_tab(page, "09:00")
            type_and_tab(page, "18:00", tabs=4)
        expect(page.get_by_label("Saturday, range 1, opens")).to_be_focused()
        type_and_tab(page, "10:00")
        type_and_tab(page, "14:00", tabs=4)
        expect(page.get_by_label("Sunday, range 1, opens")).to_be_focused()
        type_and_tab(page, tabs=5)  # Sunday stays empty: closed
        expect(page.locator("#save-location")).to_be_focused()
        page.keyboard.press("Enter")

        expect(page).to_have_url(re.compile(r"/settings/locations$"))
        expect(page.locator(".flash")).to_contain_text("Salon Mitte")
        row = page.locator("table.locations tbody tr")
        expect(row).to_contain_text("09:00–18:00")
        expect(row).to_contain_text("10:00–14:00")
        expect(row).to_contain_text("closed")
        assert saved_hours(live_app) == (
            "Salon Mitte",
            {
                **{weekday: ((time(9), time(18)),) for weekday in range(5)},
                5: ((time(10), time(14)),),
            },
        )


@pytest.mark.browser
def test_the_hours_form_fits_a_phone(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base)
        page.goto(base + "/settings/locations/new")
        page.get_by_label("Name").fill("Salon Mitte")
        page.get_by_label("Monday, range 1, opens").fill("18:00")
        page.get_by_label("Monday, range 1, closes").fill("09:00")
        page.locator("#save-location").click()
        # Refused next to Monday, the typed times still there, on a phone's width.
        expect(page.locator("#day-0")).to_contain_text("A range must open before it closes.")
        expect(page.get_by_label("Monday, range 1, opens")).to_have_value("18:00")
        assert_fits_the_screen(page)
        # "Add a range" (the page's script) gives Monday a fourth row, ready to type in.
        monday_rows = page.locator("#day-0 .hours-range")
        expect(monday_rows).to_have_count(3)
        page.get_by_role("button", name="Add a range on Monday").click()
        expect(monday_rows).to_have_count(4)
        expect(page.get_by_label("Monday, range 4, opens")).to_be_focused()
        assert_fits_the_screen(page)
        save = page.locator("#save-location").bounding_box()
        assert save is not None and save["x"] + save["width"] <= PHONE["width"]
        for path in ("/settings/locations", "/settings/services", "/settings/statuses"):
            page.goto(base + path)
            assert_fits_the_screen(page)
        assert saved_hours(live_app) is None
