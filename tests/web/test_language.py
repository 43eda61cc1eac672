"""The web app's language: the browser's before login, then the user's choice, else
the business's; the existing pages, the login messages and the limits translated."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po
from werkzeug.security import generate_password_hash

from bot import create_app
from bot.models import User, UserRole
from bot.web.language import TRANSLATIONS
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, fresh_clients, log_in


@pytest.fixture
def app_config(app_config, request):
    """The web app's settings, with a test's own (`indirect` parametrization) on top."""
    return {**app_config, **getattr(request, "param", {})}


@pytest.fixture
def app(app):
    return fresh_clients(app)


def add_user(db, business, email, locale=None) -> User:
    user = User(
        business_id=business.id,
        email=email,
        role=UserRole.OWNER,
        locale=locale,
        password_hash=generate_password_hash(STAFF_PASSWORD),
    )
    db.session.add(user)
    db.session.commit()
    return user


# --- before login: the browser's language ----------------------------------------


@pytest.mark.parametrize(
    ("accept_language", "lang", "title", "remember"),
    [
        (None, "en", "Log in", "Keep me logged in"),
        ("fr-FR,fr;q=0.9", "en", "Log in", "Keep me logged in"),
        ("de-DE,de;q=0.9,en;q=0.5", "de", "Anmelden", "Angemeldet bleiben"),
        ("nl-BE,nl;q=0.9", "nl", "Inloggen", "Ingelogd blijven"),
    ],
)
def test_the_login_page_speaks_the_browser_language(client, accept_language, lang, title, remember):
    headers = {"Accept-Language": accept_language} if accept_language else {}
    page = client.get("/login", headers=headers).text
    assert f'<html lang="{lang}">' in page
    assert f"<h1>{title}</h1>" in page and remember in page


def test_the_login_page_links_to_its_other_languages(client, staff):
    german_browser = {"Accept-Language": "de"}
    page = client.get("/login", headers=german_browser).text
    assert '<strong lang="de">Deutsch</strong>' in page
    assert 'href="/login?lang=nl" lang="nl" hreflang="nl">Nederlands</a>' in page

    dutch = client.get("/login?lang=nl", headers=german_browser).text
    assert '<html lang="nl">' in dutch and "<h1>Inloggen</h1>" in dutch
    assert 'action="/login?lang=nl"' in dutch  # a wrong password is told in Dutch too
    response = client.post(
        "/login?lang=nl", data={"email": STAFF_EMAIL, "password": "wrong"}, headers=german_browser
    )
    assert "E-mailadres of wachtwoord klopt niet." in response.text

    assert "<h1>Anmelden</h1>" in client.get("/login?lang=fr", headers=german_browser).text


def test_a_lang_in_the_address_does_not_change_a_logged_in_users_language(app, staff):
    page = log_in(app).get("/account?lang=en").text
    assert '<html lang="de">' in page and "Ihr Konto" in page


def test_a_wrong_password_is_told_in_german_to_a_german_browser(client, staff):
    response = client.post(
        "/login",
        data={"email": STAFF_EMAIL, "password": "wrong"},
        headers={"Accept-Language": "de"},
    )
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch." in response.text


def test_the_login_reminder_speaks_dutch_to_a_dutch_browser(client):
    response = client.get("/account", headers={"Accept-Language": "nl"}, follow_redirects=True)
    assert "Log in om verder te gaan." in response.text


@pytest.mark.parametrize(
    "app_config",
    [{"RATELIMIT_LOGIN_PER_ACCOUNT_AND_ADDRESS": "1 per 10 minutes"}],
    indirect=True,
)
def test_the_login_limit_speaks_dutch_with_its_plural(client, staff):
    dutch = {"Accept-Language": "nl"}
    data = {"email": STAFF_EMAIL, "password": "wrong"}
    assert client.post("/login", data=data, headers=dutch).status_code == 401
    refused = client.post("/login", data=data, headers=dutch)
    assert refused.status_code == 429
    assert (
        "Te veel mislukte inlogpogingen voor dit account vanaf dit adres. "
        "Probeer het over 10 minuten opnieuw."
    ) in refused.text


# --- after login: the user's choice, else the business's --------------------------


def test_a_german_business_gets_german_pages_whatever_the_browser(app, staff):
    client = log_in(app, **{"Accept-Language": "en"})
    page = client.get("/simulator", headers={"Accept-Language": "en"}).text
    assert '<html lang="de">' in page
    for text in ("Telefonsimulator", "Kunden", "Konto", "Einstellungen", "Abmelden"):
        assert text in page


def test_a_user_who_chose_dutch_gets_dutch_pages_in_a_german_business(app, db, business):
    add_user(db, business, "noor@salon.test", locale="nl")
    page = log_in(app, "noor@salon.test").get("/simulator").text
    assert '<html lang="nl">' in page
    for text in ("Telefoonsimulator", "Klanten", "Account", "Uitloggen"):
        assert text in page


def test_an_english_business_stays_english_for_a_german_browser(app, db, business_factory):
    english, _ = business_factory(name="Hair by Jo", locale="en", sms_from="+4930555011")
    add_user(db, english, "jo@hair.test")
    client = log_in(app, "jo@hair.test", **{"Accept-Language": "de"})
    page = client.get("/simulator", headers={"Accept-Language": "de"}).text
    assert '<html lang="en">' in page and "Phone simulator" in page and "Log out" in page


def test_logging_out_is_told_in_the_browser_language(app, staff):
    client = log_in(app)
    response = client.post("/logout", headers={"Accept-Language": "nl"}, follow_redirects=True)
    assert "Je bent uitgelogd." in response.text


def test_the_set_up_page_of_a_real_deployment_speaks_german(app_config, db, staff):
    app = fresh_clients(create_app({**app_config, "SMS_TRANSPORT": "twilio"}))
    page = log_in(app).get("/setup").text
    assert "Twilio verbinden" in page and "Ihr Buchungssystem verbinden" in page
    assert "Telefonsimulator" not in page  # no simulator next to real Twilio


# --- the catalogues ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["de", "nl"])
def test_every_translation_keeps_the_placeholders_of_its_text(language):
    path = TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as source:
        catalogue = read_po(source, locale=language)
    problems = [(message.id, errors) for message, errors in catalogue.check()]
    assert problems == []
    assert not [message.id for message in catalogue if message.fuzzy and message.id]
