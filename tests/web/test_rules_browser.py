"""The rules pages in Debian's Chromium against the app served over HTTP: the owner
edits the reminder rule to 48 hours with the keyboard alone, bulk-changes the channel
of two rules, and the list and the form fit a phone-sized screen."""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.extensions import db as _db
from bot.models import NotificationRule
from bot.services.businesses import create_business
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in

SHOTS = os.environ.get("RULES_SCREENSHOTS")  # a folder to save the pages' pictures in


@pytest.fixture
def salon(live_app):
    """A salon with its default rules and its owner, who reads the app in English."""
    with live_app.app_context():
        session = _db.session
        business = create_business(session, name="Salon Sonnenschein", locale="de").business
        session.commit()
        add_user(session, business).locale = "en"
        session.commit()
        session.remove()


def stored_rule(app, name: str) -> NotificationRule:
    with app.app_context():
        rule = _db.session.scalar(select(NotificationRule).where(NotificationRule.name == name))
        _db.session.expunge_all()
        _db.session.remove()
        return rule


@pytest.mark.browser
def test_the_owner_edits_the_reminder_and_bulk_changes_channels(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Rules").click()
        expect(page.get_by_role("heading", name="Notification rules")).to_be_visible()

        # The reminder rule to 48 hours, by keyboard: Enter on its link, type the
        # amount, Tab to the unit and pick "hours" by its letter, Enter to save.
        page.get_by_role("link", name="Reminder", exact=True).focus()
        page.keyboard.press("Enter")
        if SHOTS:
            page.screenshot(path=SHOTS + "/rule.png", full_page=True)
        amount = page.get_by_label("Reminder: how long before the start")
        expect(amount).to_have_value("1")
        amount.focus()
        page.keyboard.press("Control+A")
        page.keyboard.type("48")
        page.keyboard.press("Tab")
        unit = page.get_by_label("Unit of the reminder time")
        expect(unit).to_be_focused()
        page.keyboard.press("h")
        expect(unit).to_have_value("hours")
        page.keyboard.press("Shift+Tab")
        expect(amount).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_contain_text("The rule “Reminder” is saved.")
        reminder_row = page.locator("tr", has=page.get_by_label("Select Reminder", exact=True))
        expect(reminder_row).to_contain_text("2 days before the start")
        assert stored_rule(live_app, "Reminder").offset_minutes == 48 * 60

        # Two rules by their checkboxes, one action, one new channel.
        page.get_by_label("Select Reminder", exact=True).check()
        page.get_by_label("Select Cancellation", exact=True).check()
        page.get_by_label("Action", exact=True).select_option("set_channel")
        page.get_by_label("New channel", exact=True).select_option("sms")
        page.get_by_role("button", name="Apply to the selected rules").click()
        expect(page.locator(".flash")).to_contain_text("2 rules changed.")
        if SHOTS:
            page.screenshot(path=SHOTS + "/rules.png", full_page=True)
        expect(reminder_row.locator(".rule-channel")).to_have_text("SMS")
        cancellation_row = page.locator(
            "tr", has=page.get_by_label("Select Cancellation", exact=True)
        )
        expect(cancellation_row.locator(".rule-channel")).to_have_text("SMS")
        assert stored_rule(live_app, "Cancellation").channel == "sms"
        assert stored_rule(live_app, "Time changed").channel == "auto"

        # Nothing selected: refused in words, on the page.
        page.get_by_role("button", name="Apply to the selected rules").click()
        expect(page.locator("#bulk-error-rules")).to_have_text("Select at least one rule first.")


@pytest.mark.browser
def test_the_rules_fit_a_phone(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base)
        expect(page.get_by_role("link", name="Rules")).to_be_visible()
        page.goto(base + "/rules")
        expect(page.get_by_role("button", name="Apply to the selected rules")).to_be_visible()
        assert_fits_the_screen(page)
        if SHOTS:
            page.screenshot(path=SHOTS + "/rules-phone.png", full_page=True)
        page.get_by_role("link", name="Reminder", exact=True).click()
        expect(page.get_by_label("Reminder: how long before the start")).to_be_visible()
        expect(page.get_by_role("button", name="Save the rule")).to_be_visible()
        assert_fits_the_screen(page)
        if SHOTS:
            page.screenshot(path=SHOTS + "/rule-phone.png", full_page=True)
