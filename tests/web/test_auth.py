"""Staff login: the form, wrong credentials, the session, logout and `next`."""

from __future__ import annotations

import pytest
from werkzeug.security import generate_password_hash

from bot import create_app
from bot.web.auth import load_user
from tests.support.databases import BOTH_DATABASES
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, add_user, session_user


def test_the_login_page_has_a_form(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b'name="email"' in response.data and b'name="password"' in response.data
    assert b'name="csrf_token"' in response.data


@pytest.mark.parametrize(
    ("email", "password"),
    [(STAFF_EMAIL, "wrong password"), ("nobody@salon.test", STAFF_PASSWORD), ("", "")],
)
def test_wrong_credentials_show_an_error_and_start_no_session(client, staff, email, password):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 401
    assert b"Wrong email or password." in response.data
    assert session_user(client) is None
    assert client.get("/simulator").status_code == 302


@BOTH_DATABASES
@pytest.mark.parametrize(
    ("email", "status"), [("a\x00@salon.test", 400), (f"{STAFF_EMAIL}\r\n", 401)]
)
def test_an_email_with_a_nul_or_a_line_break_is_refused_not_an_error(client, staff, email, status):
    # A NUL is refused by name before any view (bot.web.refuse_nul); a line break is
    # just a wrong email.
    response = client.post("/login", data={"email": email, "password": STAFF_PASSWORD})

    assert response.status_code == status
    assert session_user(client) is None


def test_the_right_password_logs_in(client, staff):
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert session_user(client) == str(staff.id)
    assert client.get("/").headers["Location"] == "/inbox"
    page = client.get("/simulator")
    assert page.status_code == 200
    assert STAFF_EMAIL.encode() in page.data


def test_the_email_is_not_case_sensitive(client, staff):
    response = client.post(
        "/login", data={"email": "  Anna@Salon.TEST ", "password": STAFF_PASSWORD}
    )
    assert response.status_code == 302


def test_a_deactivated_user_cannot_log_in(db, client, business):
    add_user(db.session, business, email="gone@salon.test", active=False)
    response = client.post("/login", data={"email": "gone@salon.test", "password": STAFF_PASSWORD})
    assert response.status_code == 401
    assert session_user(client) is None


def test_a_deactivated_user_loses_the_session(db, staff):
    # What Flask-Login calls on every request to turn the session into a user.
    assert load_user(staff.get_id()) == staff
    staff.active = False
    db.session.commit()
    assert load_user(staff.get_id()) is None
    assert load_user("not-a-number") is None


def test_a_session_from_before_a_password_change_is_stale(db, staff):
    before = staff.get_id()
    assert load_user(before) == staff
    assert load_user(str(staff.id)) is None  # no fingerprint: not a session we issued
    staff.password_hash = generate_password_hash("another long password")
    db.session.commit()
    assert load_user(before) is None
    assert load_user(staff.get_id()) == staff


def test_pages_need_a_login_and_come_back_after_it(client, staff):
    response = client.get("/simulator?customer=3")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login = client.post(
        "/login?next=/simulator?customer%3D3",
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD},
    )
    assert login.headers["Location"] == "/simulator?customer=3"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example/", "javascript:x"]
)
def test_next_never_leads_off_the_site(client, staff, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD},
    )
    assert response.headers["Location"] == "/"


# (A NUL in `next` never gets this far: bot.web.refuse_nul answers 400 first.)
@pytest.mark.parametrize("target", ["/records\r\nX: 1", "/records\nX: 1", "/\t/x"])
def test_a_next_with_a_control_character_goes_to_the_start_page(client, staff, target):
    login = client.post(
        "/login",
        query_string={"next": target},
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD},
    )
    assert login.status_code == 302 and login.headers["Location"] == "/"
    assert "X" not in login.headers
    # Logged in already, the login page sends one on, just as safely.
    again = client.get("/login", query_string={"next": target})
    assert again.status_code == 302 and again.headers["Location"] == "/"


def test_logout_ends_the_session(logged_in):
    response = logged_in.post("/logout")
    assert response.status_code == 302
    assert session_user(logged_in) is None
    assert logged_in.get("/simulator").status_code == 302


def test_logout_is_not_a_get(logged_in):
    assert logged_in.get("/logout").status_code == 405
    assert logged_in.get("/simulator").status_code == 200


def test_forms_need_the_csrf_token(app_config, db, business):
    app = create_app({**app_config, "WTF_CSRF_ENABLED": True})
    with app.app_context():
        client = app.test_client()
        response = client.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 400


def test_the_login_page_warns_about_the_development_secret_key(app_config):
    app = create_app({**app_config, "SECRET_KEY": None})
    response = app.test_client().get("/login")
    assert b"SECRET_KEY is not set" in response.data


def test_no_warning_with_a_secret_key(client):
    assert b"SECRET_KEY is not set" not in client.get("/login").data
