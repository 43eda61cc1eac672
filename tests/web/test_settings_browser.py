"""The settings pages in Debian's Chromium against the app served over HTTP: the owner
reaches the senders from the top bar, types the Twilio number with the keyboard and
sees it saved in E.164; and the general settings fit a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.extensions import db as _db
from bot.models import Business
from bot.services.businesses import create_business
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in


@pytest.fixture
def salon(live_app):
    """A salon without a Twilio number yet and its owner, who reads the app in English."""
    with live_app.app_context():
        business = create_business(_db.session, name="Salon Sonnenschein").business
        add_user(_db.session, business).locale = "en"
        _db.session.commit()
        business_id = business.id
        _db.session.remove()
    return business_id


@pytest.mark.browser
def test_the_owner_sets_the_twilio_number_with_the_keyboard(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Settings", exact=True).click()
        expect(page).to_have_url(re.compile(r"/settings$"))
        page.get_by_role("navigation", name="Settings").get_by_role(
            "link", name="Messaging"
        ).focus()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/settings/messaging$"))

        page.get_by_label("SMS number (Twilio)").focus()
        page.keyboard.type("030 5550 777")
        for _field in ("messaging_service_sid", "whatsapp_from", "sms_per_second"):
            page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(page.locator("#save-messaging")).to_be_focused()
        page.keyboard.press("Enter")

        flashes = page.get_by_role("status")
        expect(flashes.first).to_contain_text("The senders are saved.")
        expect(flashes.last).to_contain_text("SMS is switched on")  # its first sender
        expect(page.locator("#sms_from")).to_have_value("+49305550777")

    with live_app.app_context():
        business = _db.session.get(Business, salon)
        assert business.sms_from == "+49305550777" and business.sms_enabled
        _db.session.remove()


@pytest.mark.browser
def test_the_settings_fit_a_phone(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base)
        for path in ("/settings", "/settings/messaging", "/settings/api-keys"):
            page.goto(base + path)
            assert_fits_the_screen(page)
        page.goto(base + "/settings")
        page.get_by_label("Time zone").select_option("Europe/Vienna")
        page.get_by_label("Privacy policy link").fill("https://salon.example/privacy")
        save = page.get_by_role("button", name="Save settings")
        save.scroll_into_view_if_needed()
        expect(save).to_be_in_viewport()
        save.click()
        expect(page.get_by_role("status")).to_contain_text("The settings are saved.")
        expect(page.get_by_label("Time zone")).to_have_value("Europe/Vienna")

    with live_app.app_context():
        business = _db.session.get(Business, salon)
        assert business.timezone == "Europe/Vienna"
        assert business.privacy_url == "https://salon.example/privacy"
        _db.session.remove()
