"""The customer and usage pages in Debian's Chromium against the app served over HTTP:
finding a customer by their number, opening them and giving their SMS consent with the
keyboard alone, and the month's usage readable on a phone-sized screen without scrolling
sideways; an owner erasing a customer with the keyboard, the usage unchanged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from bot.extensions import db as _db
from bot.models import Author, Direction, Message, utcnow
from bot.services.businesses import create_business
from bot.services.commands import CustomerChanges
from bot.services.customers import create_customer
from outbound.policy.vocabulary import Channel, MessageStatus
from tests.support.settings import SMS_FROM
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in


@pytest.fixture
def salon(live_app):
    """A salon with two customers, an owner reading English, and this month's messages."""
    with live_app.app_context():
        session = _db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SMS_FROM, locale="de"
        ).business
        ursula = create_customer(
            session, business, CustomerChanges(name="Ursula Hoffmann", phone="+4915112345678")
        )
        create_customer(
            session, business, CustomerChanges(name="Jana Keller", phone="+4917698765432")
        )
        session.commit()
        add_user(session, business).locale = "en"
        now = utcnow() - timedelta(minutes=5)
        for segments in (1, 2):
            session.add(
                Message(
                    business_id=business.id,
                    customer_id=ursula.id,
                    direction=Direction.OUTBOUND,
                    channel=Channel.SMS,
                    from_address=SMS_FROM,
                    to_address=ursula.phone,
                    body="Ihr Termin",
                    segments=segments,
                    status=MessageStatus.DELIVERED,
                    billable=True,
                    author=Author.BOT,
                    created_at=now,
                    sent_at=now,
                )
            )
        session.commit()
        ids = {"ursula": ursula.id}
        session.remove()
    return ids


@pytest.mark.browser
def test_customers_and_usage_in_a_browser(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Customers").click()
        expect(page).to_have_url(re.compile(r"/customers$"))

        # The search has the focus; a number as people write it, Enter, Tab to the
        # first hit, Enter opens the customer.
        search = page.get_by_label("Search by name, number or email")
        expect(search).to_be_focused()
        page.keyboard.type("0151 1234 5678")
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/customers\?q=0151"))
        rows = page.locator("#customers-table tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text("Ursula Hoffmann")
        page.keyboard.press("Tab")
        expect(page.locator("#customers-search")).to_be_focused()
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Ursula Hoffmann")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(rf"/customers/{salon['ursula']}$"))
        expect(page.get_by_label("Name", exact=True)).to_have_value("Ursula Hoffmann")
        expect(page.locator("#prediction-day")).to_have_text("No visit yet.")

        # Consent given with the keyboard; Enter in a field saves (through the CSRF check).
        consent = page.get_by_label("Agrees to notices by SMS")
        consent.focus()
        page.keyboard.press("Space")
        expect(consent).to_be_checked()
        page.get_by_label("Name", exact=True).focus()
        page.keyboard.press("Enter")
        expect(page.locator(".flash")).to_have_text("The changes to Ursula Hoffmann are saved.")
        expect(page.get_by_label("Agrees to notices by SMS")).to_be_checked()

        # The month's usage on a phone: the figures readable, nothing wider than the screen.
        phone = browser.new_page(viewport=PHONE)
        log_in(phone, base)
        phone.goto(base + "/usage")
        expect(phone.locator("#usage-sms-sent")).to_have_text("2")
        expect(phone.locator("#usage-segments")).to_have_text("3")
        expect(phone.locator("#usage-segments")).to_be_in_viewport()
        expect(phone.locator("#usage-chart")).to_be_visible()
        assert_fits_the_screen(phone)
        phone.goto(f"{base}/customers/{salon['ursula']}")
        expect(phone.locator("#customer-save")).to_be_visible()
        assert_fits_the_screen(phone)


@pytest.mark.browser
def test_an_owner_erases_a_customer_with_the_keyboard_and_the_usage_stays(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.goto(f"{base}/customers/{salon['ursula']}")

        page.get_by_role("link", name="Erase customer").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("heading", name="Erase Ursula Hoffmann?")).to_be_visible()
        page.get_by_role("button", name="Erase customer").focus()
        page.keyboard.press("Enter")

        expect(page).to_have_url(re.compile(r"/customers$"))
        expect(page.locator(".flash")).to_contain_text("Ursula Hoffmann is erased")
        expect(page.locator("#customers-table")).not_to_contain_text("Ursula Hoffmann")
        page.goto(base + "/usage")
        expect(page.locator("#usage-sms-sent")).to_have_text("2")
        expect(page.locator("#usage-segments")).to_have_text("3")
