"""What the browser tests share: Debian's Chromium launched through Playwright
(`chromium()`, with `CHROMIUM_ARGS`), a user logged in through the login page
(`log_in`), and the phone-sized screen (`PHONE`) a page must fit without scrolling
sideways (`assert_fits_the_screen`). The app under test is served by the `live_app`
and `twilio_app` fixtures of tests/web/conftest.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, closed with Playwright at the end, also when the test fails."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def log_in(page: Page, base: str, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD):
    """Log in through the login page and wait for the first page after it, the inbox."""
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/inbox$"))


def assert_fits_the_screen(page: Page) -> None:
    """No sideways scroll of the page: it is no wider than the viewport; a wide table
    scrolls in its own box. The viewport's width is window.innerWidth on a desktop
    page, but a mobile page (`is_mobile=True`) widens its window to fit what overflows,
    and its innerWidth follows the zoom, so the viewport is the measure."""
    width = page.evaluate("document.documentElement.scrollWidth")
    screen = page.viewport_size["width"]
    assert width <= screen, (page.url, f"{width}px wide on {screen}px", wider_than(page, screen))


def wider_than(page: Page, screen: int) -> list[str]:
    """The first elements reaching past `screen` pixels, to name in a failure."""
    return page.evaluate(
        "screen => [...document.querySelectorAll('body *')]"
        ".filter(e => e.getBoundingClientRect().right > screen)"
        ".map(e => e.tagName + '.' + e.className + '#' + e.id).slice(0, 8)",
        screen,
    )
