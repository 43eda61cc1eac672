"""Failed-login limits: per address, per account from one address, per account from
everywhere; a 429 with a clear message past them, and the owner never locked out."""

from __future__ import annotations

import re

import pytest
from itsdangerous import URLSafeTimedSerializer

from bot.web.auth import DEVICE_COOKIE, account_digest
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, add_user, session_user

ATTACKER = "203.0.113.66"
OWNER_HOME = "198.51.100.7"
OFFICE = "192.0.2.10"
ACCOUNT_LIMIT_MESSAGE = (
    "Too many failed login attempts for this account from this address. Try again in 10 minutes."
)


@pytest.fixture
def app_config(app_config, request):
    """The web app's settings, with a test's own (`indirect` parametrization) on top."""
    return {**app_config, **getattr(request, "param", {})}


def browser(app, address: str):
    """A test client of its own (own cookies) whose requests come from `address`."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attempt(client, password: str, email: str = STAFF_EMAIL):
    return client.post("/login", data={"email": email, "password": password})


def flash_text(response) -> str:
    found = re.search(r'<p class="flash flash-error" role="alert">([^<]*)</p>', response.text)
    return found.group(1) if found else ""


def test_25_then_40_wrong_passwords_for_one_account_are_refused_after_the_limit(app, staff):
    attacker = browser(app, ATTACKER)
    statuses = [attempt(attacker, f"guess {n}").status_code for n in range(25)]
    # The default RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS: 10 failures in 10 minutes.
    assert statuses == [401] * 10 + [429] * 15

    refused = attempt(attacker, "guess 26")
    assert refused.status_code == 429
    assert flash_text(refused) == ACCOUNT_LIMIT_MESSAGE
    assert 590 <= int(refused.headers["Retry-After"]) <= 600
    assert refused.headers["X-RateLimit-Limit"] == "10"
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert 'name="password"' in refused.text  # still the login page, the email kept
    assert f'value="{STAFF_EMAIL}"' in refused.text

    # The right password is refused the same way: the limit tells nothing about it.
    right = attempt(attacker, STAFF_PASSWORD)
    assert right.status_code == 429
    assert flash_text(right) == ACCOUNT_LIMIT_MESSAGE
    assert session_user(attacker) is None

    assert {attempt(attacker, f"again {n}").status_code for n in range(40)} == {429}
    assert session_user(attacker) is None


def test_the_owner_still_logs_in_from_her_own_address_while_the_attacker_is_refused(app, staff):
    attacker = browser(app, ATTACKER)
    for n in range(25):
        attempt(attacker, f"guess {n}")
    assert attempt(attacker, STAFF_PASSWORD).status_code == 429

    owner = browser(app, OWNER_HOME)
    response = attempt(owner, STAFF_PASSWORD)
    assert response.status_code == 302
    assert session_user(owner) == str(staff.id)
    # A typo of hers is an ordinary wrong password, not a locked account.
    owner.post("/logout")
    assert attempt(owner, "typo").status_code == 401


def test_a_known_browser_logs_in_even_from_the_attackers_address(app, staff):
    # Alice logged in at the office once; the attacker sits behind the same address.
    owner = browser(app, OFFICE)
    assert attempt(owner, STAFF_PASSWORD).status_code == 302
    cookie = owner.get_cookie(DEVICE_COOKIE)
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"
    assert STAFF_EMAIL not in cookie.value  # the cookie names the account by a digest only
    owner.post("/logout")

    attacker = browser(app, OFFICE)
    statuses = [attempt(attacker, f"guess {n}").status_code for n in range(25)]
    assert statuses.count(401) == 10 and statuses[-1] == 429
    # ... and sprays other accounts until the address is refused as a whole.
    statuses = [attempt(attacker, "guess", f"user{n}@salon.test").status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    assert attempt(browser(app, OFFICE), STAFF_PASSWORD).status_code == 429

    assert attempt(owner, STAFF_PASSWORD).status_code == 302
    assert session_user(owner) == str(staff.id)


def test_a_known_browser_has_a_failure_limit_of_its_own(app, staff):
    owner = browser(app, OWNER_HOME)
    assert attempt(owner, STAFF_PASSWORD).status_code == 302
    owner.post("/logout")
    statuses = [attempt(owner, f"typo {n}").status_code for n in range(11)]
    assert statuses == [401] * 10 + [429]
    refused = attempt(owner, STAFF_PASSWORD)
    assert refused.status_code == 429
    assert flash_text(refused).startswith(
        "Too many failed login attempts for this account from this browser."
    )
    # Another browser at her address is not held up by hers.
    assert attempt(browser(app, OWNER_HOME), STAFF_PASSWORD).status_code == 302


@pytest.fixture
def small_limits(app):
    """Small limits, so a test needs a handful of requests instead of hundreds (the
    limits read the settings on every request)."""
    app.config["RATELIMIT_LOGIN_PER_ADDRESS"] = "6 per 10 minutes"
    app.config["RATELIMIT_LOGIN_PER_ACCOUNT"] = "5 per hour"
    app.config["RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS"] = "3 per 10 minutes"
    return app


def test_the_account_limit_across_addresses_spares_browsers_that_know_the_account(
    small_limits, app, db, staff
):
    owner = browser(app, OWNER_HOME)
    assert attempt(owner, STAFF_PASSWORD).status_code == 302
    owner.post("/logout")

    # A botnet: one guess from each of many addresses.
    for n in range(5):
        assert attempt(browser(app, f"203.0.113.{n + 1}"), f"guess {n}").status_code == 401
    stranger = attempt(browser(app, "203.0.113.99"), STAFF_PASSWORD)
    assert stranger.status_code == 429
    assert flash_text(stranger) == (
        "Too many failed login attempts for this account. You can still log in from a browser "
        "you have logged in with before. Try again in 60 minutes."
    )
    assert 3590 <= int(stranger.headers["Retry-After"]) <= 3600

    assert attempt(owner, STAFF_PASSWORD).status_code == 302
    # Other accounts are not affected.
    add_user(db.session, staff.business, email="ben@salon.test")
    other_account = attempt(browser(app, "203.0.113.99"), STAFF_PASSWORD, "ben@salon.test")
    assert other_account.status_code == 302


def test_one_address_trying_many_accounts_is_refused_and_others_are_not(small_limits, app, staff):
    sprayer = browser(app, ATTACKER)
    for n in range(6):
        assert attempt(sprayer, "Winter2025!", f"user{n}@salon.test").status_code == 401
    refused = attempt(sprayer, STAFF_PASSWORD)
    assert refused.status_code == 429
    assert flash_text(refused) == (
        "Too many failed login attempts from this address. Try again in 10 minutes."
    )
    assert attempt(browser(app, OWNER_HOME), STAFF_PASSWORD).status_code == 302


def test_a_forged_or_foreign_device_cookie_spares_nothing(small_limits, app, db, staff):
    attacker = browser(app, ATTACKER)
    for n in range(5):
        attempt(browser(app, f"203.0.113.{n + 1}"), f"guess {n}")
    # The attacker logs in to an account of their own, then edits the cookie.
    add_user(db.session, staff.business, email="mallory@salon.test")
    assert attempt(attacker, STAFF_PASSWORD, "mallory@salon.test").status_code == 302
    attacker.post("/logout")
    assert attempt(attacker, STAFF_PASSWORD).status_code == 429  # known to mallory, not anna

    # Naming anna's account needs our key: an edited or foreign-signed cookie counts for nothing.
    value = attacker.get_cookie(DEVICE_COOKIE).value
    payload, _, signature = value.rpartition(".")
    attacker.set_cookie(DEVICE_COOKIE, payload + "." + signature[::-1])
    assert attempt(attacker, STAFF_PASSWORD).status_code == 429
    anna = account_digest(STAFF_EMAIL)
    signed_elsewhere = URLSafeTimedSerializer("not our key", salt="replydesk.known-device")
    attacker.set_cookie(DEVICE_COOKIE, signed_elsewhere.dumps({"d": "x", "a": [anna]}))
    assert attempt(attacker, STAFF_PASSWORD).status_code == 429
    signed_here = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="replydesk.known-device")
    attacker.set_cookie(DEVICE_COOKIE, signed_here.dumps({"d": "x", "a": [anna]}))
    assert attempt(attacker, STAFF_PASSWORD).status_code == 302  # the check itself works


def test_successful_logins_and_the_login_page_do_not_count(small_limits, app, staff):
    owner = browser(app, OWNER_HOME)
    for _ in range(8):  # more than any of the (small) limits
        assert owner.get("/login").status_code == 200
        assert attempt(owner, STAFF_PASSWORD).status_code == 302
        owner.post("/logout")
    # Failures from her address still count from zero: three, then the limit.
    stranger = browser(app, OWNER_HOME)
    assert [attempt(stranger, "typo").status_code for _ in range(4)] == [401, 401, 401, 429]


@pytest.mark.parametrize("app_config", [{"RATELIMIT_ENABLED": False}], indirect=True)
def test_the_limits_can_be_switched_off(app, staff):
    client = browser(app, ATTACKER)
    assert {attempt(client, f"guess {n}").status_code for n in range(12)} == {401}
    assert "X-RateLimit-Limit" not in attempt(client, "guess").headers
