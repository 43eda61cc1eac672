"""Helpers for the web page tests: the staff user and its login, the compiled
catalogues, and a test client whose every request runs in an app context of its own.

The compiled German and Dutch catalogues are built from the .po files as `make
compiled-translations` builds them, when missing or older than their catalogue (a
plain `pytest` run after an edit). The client: the `app` fixture keeps an app
context open for the whole test and a request reuses it, so Flask-Login's user of
one client's request (kept in `g`) would still be there for the next client's;
tests with several browsers (an owner, a staff user, an invitee) need each request
to start clean, as in a real server.
"""

from __future__ import annotations

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask.testing import FlaskClient
from werkzeug.security import generate_password_hash

from bot.models import User, UserRole
from bot.web.language import TRANSLATIONS

STAFF_EMAIL = "anna@salon.test"
STAFF_PASSWORD = "correct horse battery staple"


def add_user(session, business, *, email: str = STAFF_EMAIL, active: bool = True) -> User:
    user = User(
        business_id=business.id,
        email=email,
        password_hash=generate_password_hash(STAFF_PASSWORD),
        name="Anna",
        role=UserRole.OWNER,
        active=active,
    )
    session.add(user)
    session.commit()
    return user


def log_in(app, email: str = STAFF_EMAIL, password: str = STAFF_PASSWORD, **headers):
    """A new test client of `app`, logged in as `email` (extra request headers, such as
    Accept-Language, go with the login)."""
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password}, headers=headers)
    assert response.status_code == 302, response.text
    return client


class FreshContextClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def compile_catalogues() -> None:
    for po in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        with mo.open("wb") as target:
            write_mo(target, catalogue)


def fresh_clients(app):
    """`app` with the compiled catalogues, its clients' every request in a fresh app
    context (a test module's `app` fixture returns `fresh_clients(app)`)."""
    compile_catalogues()
    app.test_client_class = FreshContextClient
    return app


def session_user(client) -> str | None:
    """The id of the user the client's session is logged in as (without the password
    fingerprint `User.get_id` binds it to), or None."""
    with client.session_transaction() as session:
        stored = session.get("_user_id")
    return stored.partition(".")[0] if stored else None
