"""One's own account: name, language (or the business's) and password."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from bot import create_app
from bot.models import User, UserRole
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, fresh_clients

NEW_PASSWORD = "a new and long password"


@pytest.fixture
def app(app):
    return fresh_clients(app)


def me(db) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == STAFF_EMAIL))


def login_status(app, password) -> int:
    client = app.test_client()
    return client.post("/login", data={"email": STAFF_EMAIL, "password": password}).status_code


def change_password(client, current=STAFF_PASSWORD, new=NEW_PASSWORD, again=None):
    data = {"current_password": current, "password": new, "confirmation": again or new}
    return client.post("/account/password", data=data)


def test_the_page_shows_the_name_and_the_business_language_chosen(logged_in):
    page = logged_in.get("/account")
    assert page.status_code == 200
    assert 'value="Anna"' in page.text
    # No own choice yet: the business's language (German) is selected, in German.
    assert '<option selected value="">Die Sprache des Betriebs (Deutsch)</option>' in page.text


def test_choosing_dutch_turns_the_pages_dutch(db, logged_in):
    response = logged_in.post("/account", data={"name": "Anna Adler", "locale": "nl"})
    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert me(db).locale == "nl" and me(db).name == "Anna Adler"
    page = logged_in.get("/account").text
    assert '<html lang="nl">' in page
    assert "Je account is opgeslagen." in page and "Je wachtwoord wijzigen" in page
    assert '<option selected value="nl">Nederlands</option>' in page


def test_back_to_the_business_language(db, logged_in):
    logged_in.post("/account", data={"name": "Anna", "locale": "en"})
    assert "Your account" in logged_in.get("/account").text
    assert logged_in.post("/account", data={"name": "", "locale": ""}).status_code == 302
    assert me(db).locale is None and me(db).name is None
    assert "Ihr Konto" in logged_in.get("/account").text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"name": "Anna", "locale": "fr"}, "Keine gültige Auswahl"),
        ({"name": "Anna\r\nBcc: x", "locale": "nl"}, "Ein Name muss eine einzige Zeile sein."),
        ({"name": "A" * 121, "locale": "nl"}, "höchstens 120 Zeichen"),
    ],
)
def test_a_bad_name_or_language_is_refused(db, logged_in, data, message):
    response = logged_in.post("/account", data=data)
    assert response.status_code == 422
    assert message in response.text
    assert me(db).locale is None and me(db).name == "Anna"


def test_changing_the_password(app, logged_in):
    response = change_password(logged_in)
    assert response.status_code == 302
    assert "Ihr Passwort ist geändert." in logged_in.get("/account").text
    assert login_status(app, NEW_PASSWORD) == 302
    assert login_status(app, STAFF_PASSWORD) == 401


def test_a_new_password_ends_the_other_sessions_but_not_this_one(app, logged_in):
    elsewhere = app.test_client()
    elsewhere.post(
        "/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "remember": "y"}
    )
    assert elsewhere.get("/account").status_code == 200
    assert change_password(logged_in).status_code == 302
    assert logged_in.get("/account").status_code == 200  # the browser that changed it
    gone = elsewhere.get("/account")  # the other browser, its remember-me cookie too
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("wrong password", NEW_PASSWORD, None, "Das aktuelle Passwort ist falsch."),
        (STAFF_PASSWORD, "short", None, "Verwenden Sie mindestens 10 Zeichen."),
        (STAFF_PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", "stimmen nicht überein"),
        ("", NEW_PASSWORD, None, "Geben Sie Ihr Passwort ein."),
    ],
)
def test_a_password_change_needs_the_current_password_and_a_good_new_one(
    app, logged_in, current, new, again, message
):
    response = change_password(logged_in, current, new, again)
    assert response.status_code == 422
    assert message in response.text
    assert login_status(app, STAFF_PASSWORD) == 302
    assert login_status(app, new) == 401


def test_staff_have_an_account_page_too(app, db, business):
    db.session.add(
        User(
            business_id=business.id,
            email="ben@salon.test",
            role=UserRole.STAFF,
            password_hash=generate_password_hash(STAFF_PASSWORD),
        )
    )
    db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "ben@salon.test", "password": STAFF_PASSWORD})
    response = client.post("/account", data={"name": "Ben", "locale": "en"})
    assert response.status_code == 302
    assert "Your account is saved." in client.get("/account").text


def test_the_account_forms_need_the_csrf_token(app_config, db, staff):
    app = fresh_clients(create_app({**app_config, "WTF_CSRF_ENABLED": True}))
    client = app.test_client()
    login_page = client.get("/login").text
    token = login_page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post(
        "/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert client.post("/account", data={"name": "Eve", "locale": "nl"}).status_code == 400
    assert change_password(client).status_code == 400
    assert me(db).name == "Anna" and me(db).locale is None
    assert check_password_hash(me(db).password_hash, STAFF_PASSWORD)
