"""The appointment form's customer search box in Debian's Chromium: the form starts in
the box, a national-format number finds the customer saved in E.164, and Enter picks the
first match and moves on to the list without sending the form or losing the focus."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from bot.extensions import db as _db
from bot.services.businesses import create_business
from bot.services.commands import CustomerChanges
from bot.services.customers import create_customer
from tests.support.settings import SMS_FROM
from tests.support.web import add_user
from tests.web.browser import chromium, log_in

NAMES = ["Anna Berg", "Bernd Kowalski", "Clara Diaz", "Dora Esser", "Emil Fuchs"]
NAMES += ["Frieda Gans", "Gustav Hahn", "Hanna Igel", "Ida Jung"]


@pytest.fixture
def customers(twilio_app) -> dict[str, int]:
    """A salon with a user reading English and enough customers for the search box."""
    with twilio_app.app_context():
        session = _db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SMS_FROM, locale="de"
        ).business
        user = add_user(session, business)
        user.locale = "en"
        made = {
            name: create_customer(
                session, business, CustomerChanges(name=name, phone=f"+4915100000{n:03d}")
            )
            for n, name in enumerate(NAMES)
        }
        session.commit()
        ids = {name: customer.id for name, customer in made.items()}
        session.remove()
    return ids


@pytest.mark.browser
def test_the_customer_search_box_with_the_keyboard(twilio_app, customers):
    base = twilio_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.goto(base + "/records/new")
        expect(page.locator("body[data-records-ready]")).to_have_count(1)
        search = page.get_by_label("Find a customer by name or number")
        customer = page.locator("#customer_id")
        expect(search).to_be_focused()  # the box, not the list after it

        # The number as people say it at home finds the customer saved with +49.
        page.keyboard.type("0151 00000 003")
        expect(customer).to_have_value(str(customers["Dora Esser"]))
        expect(customer.locator("option:not([hidden])")).to_have_count(2)  # and "Choose"
        page.keyboard.press("Enter")
        expect(page).to_have_url(re.compile(r"/records/new$"))  # not sent
        expect(customer).to_be_focused()
        expect(customer).to_have_value(str(customers["Dora Esser"]))

        # By name: Enter takes the first match even when another one was chosen.
        search.focus()
        search.fill("")
        page.keyboard.type("ann")
        page.keyboard.press("Enter")
        expect(customer).to_be_focused()
        expect(customer).to_have_value(str(customers["Anna Berg"]))
        expect(page.locator(".flash-error")).to_have_count(0)
