"""The template editor in Debian's Chromium against the app served over HTTP: the owner
edits the confirmation SMS and sees the preview follow; an emoji switches the encoding
to UCS-2, changes the segment count and is marked; variables go in with the keyboard; a
sandbox escape is refused beside the field as it is typed; and on a phone-sized screen
the page fits. With REPLYDESK_SCREENSHOTS=1 the run also saves
docs/images/template-editor.png."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from bot.extensions import db as _db
from bot.models import Template
from bot.services.businesses import create_business
from tests.support.settings import SMS_FROM
from tests.support.web import add_user
from tests.web.browser import PHONE, assert_fits_the_screen, chromium, log_in

IMAGES = Path(__file__).resolve().parents[2] / "docs" / "images"
SCREENSHOTS = os.environ.get("REPLYDESK_SCREENSHOTS") == "1"
BOOKING = "https://salon.example/book"
# About 90 GSM-7 characters once rendered: one SMS part, two as soon as it is UCS-2.
GREETING = (
    "Hallo {{ customer.first_name }}, Ihr Termin ist am {{ weekday }} um {{ time }} Uhr. "
    "Wir freuen uns auf Sie. Bis bald!"
)


@pytest.fixture
def salon(live_app):
    with live_app.app_context():
        session = _db.session
        business = create_business(
            session, name="Salon Sonnenschein", sms_from=SMS_FROM, locale="de"
        ).business
        business.booking_url = BOOKING
        owner = add_user(session, business)
        owner.locale = "en"
        session.commit()
        found = session.scalar(
            select(Template.id).where(
                Template.business_id == business.id,
                Template.name == "confirmation",
                Template.channel == "sms",
                Template.locale == "de",
            )
        )
        session.remove()
        return found


def stored_body(app, template_id: int) -> str:
    with app.app_context():
        body = _db.session.get(Template, template_id).body
        _db.session.remove()
        return body


def editor_ready(page) -> None:
    expect(page.locator("body[data-template-editor-ready]")).to_have_count(1)


@pytest.mark.browser
def test_the_owner_edits_the_confirmation_sms_with_a_live_preview(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 860})
        log_in(page, base)
        page.get_by_role("link", name="Texts").click()
        expect(page).to_have_url(re.compile(r"/templates$"))
        page.locator("#edit-confirmation-sms-de").press("Enter")
        expect(page).to_have_url(re.compile(rf"/templates/{salon}$"))
        editor_ready(page)

        body = page.locator("#template-body")
        preview = page.locator("#preview-text")
        segments, encoding = (
            page.locator("#preview-segments"),
            page.locator("#preview-encoding"),
        )
        body.fill(GREETING)
        expect(preview).to_contain_text("Hallo Ursula, Ihr Termin ist am")
        expect(encoding).to_have_text("GSM-7")
        expect(segments).to_have_text("1")
        expect(preview.locator("mark")).to_have_count(0)

        # An emoji: UCS-2, two parts, the emoji marked, no GSM-7 stand-in for it.
        body.press("End")
        page.keyboard.type(" 😊")
        expect(encoding).to_have_text("UCS-2")
        expect(segments).to_have_text("2")
        expect(preview.locator("mark.ucs2")).to_have_text("😊")
        expect(page.locator("#preview-forcing")).to_contain_text("UCS-2 because of: 😊")
        if SCREENSHOTS:
            IMAGES.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(IMAGES / "template-editor.png"), full_page=True)

        # Typographic quotes have a stand-in the owner can take with one button.
        body.fill("Bis bald – Ihr Team’s Salon")
        expect(page.locator("#preview-suggestion")).to_have_text("Bis bald - Ihr Team's Salon")
        page.locator("#use-suggestion").press("Enter")
        expect(body).to_have_value("Bis bald - Ihr Team's Salon")
        expect(encoding).to_have_text("GSM-7")

        # Variables with the keyboard: Tab from the text reaches the booking link, then
        # the picker; Enter inserts at the cursor and gives the focus back.
        body.fill(GREETING + " ")
        body.press("End")
        page.keyboard.press("Tab")
        expect(page.locator("#insert-booking-link")).to_be_focused()
        page.keyboard.press("Enter")
        expect(body).to_be_focused()
        expect(body).to_have_value(GREETING + " {{ booking_url }}")
        expect(preview).to_contain_text(f"Bis bald! {BOOKING}")
        page.keyboard.press("Control+Home")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        expect(page.locator('[data-insert="customer.first_name"]')).to_be_focused()
        page.keyboard.press("Enter")
        expect(body).to_have_value("{{ customer.first_name }}" + GREETING + " {{ booking_url }}")

        # A sandbox escape is refused beside the field while typing, and on saving.
        saved_before = stored_body(live_app, salon)
        body.fill("Hallo {{ ''.__class__ }}")
        expect(page.locator("#body-live-error")).to_contain_text("cannot be rendered")
        expect(body).to_have_attribute("aria-invalid", "true")
        page.locator("#template-save").press("Enter")
        expect(page.locator("#body-errors")).to_contain_text("cannot be rendered")
        expect(body).to_have_value("Hallo {{ ''.__class__ }}")
        assert stored_body(live_app, salon) == saved_before

        # A good text saves.
        editor_ready(page)
        body.fill(GREETING + " 😊")
        page.locator("#template-save").press("Enter")
        expect(page.locator(".flash")).to_contain_text("Text saved.")
        assert stored_body(live_app, salon) == GREETING + " 😊"
        expect(encoding).to_have_text("UCS-2")


@pytest.mark.browser
def test_the_editor_fits_a_phone(live_app, salon):
    base = live_app.config["PUBLIC_BASE_URL"]
    with chromium() as browser:
        page = browser.new_page(viewport=PHONE)
        log_in(page, base)
        for path in ("/templates", f"/templates/{salon}"):
            page.goto(base + path)
            assert_fits_the_screen(page)
        editor_ready(page)
        page.locator("#template-body").fill("Bis morgen 😊")
        expect(page.locator("#preview-encoding")).to_have_text("UCS-2")
        expect(page.locator("#preview-text mark.ucs2")).to_have_text("😊")
        assert_fits_the_screen(page)
        expect(page.locator("#template-save")).to_be_visible()
