"""Web app fixtures: a staff login for the test client, and the app served for
real over HTTP (werkzeug's threaded server on loopback) for the browser tests, with
the simulator transports (`live_app`) or with the fake Twilio as the SMS provider
(`twilio_app`)."""

from __future__ import annotations

import pytest

from bot import create_app
from bot.models import User
from outbound.queueing import redis_connection
from tests.support.servers import live_database_app
from tests.support.settings import TWILIO_SID, TWILIO_TOKEN
from tests.support.web import STAFF_EMAIL, STAFF_PASSWORD, add_user


@pytest.fixture
def app_config(app_config):
    """The web app as the demo runs it: the phone simulator exists only with the
    simulator transport."""
    return {**app_config, "SMS_TRANSPORT": "simulator"}


@pytest.fixture
def staff(db, business) -> User:
    return add_user(db.session, business)


@pytest.fixture
def owner(db, business) -> User:
    """The business's owner (`STAFF_EMAIL`), reading the pages in English (the
    business's language is German)."""
    user = add_user(db.session, business)
    user.locale = "en"
    db.session.commit()
    return user


@pytest.fixture
def logged_in(client, staff):
    """The test client with the staff user's session."""
    response = client.post("/login", data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def live_app(tmp_path, redis_server):
    """The app on a fresh database, served over HTTP in a background thread, with
    the simulator transports and no Twilio account: what `make run` gives a demo."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'live.sqlite3'}",
            "REDIS_URL": redis_server.url,
            "SECRET_KEY": "live-test-secret",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "TWILIO_ACCOUNT_SID": None,
            "TWILIO_AUTH_TOKEN": None,
            "SMS_TRANSPORT": "simulator",
            "EMAIL_TRANSPORT": "simulator",
            "SMTP_URL": None,
        }
    )
    with live_database_app(app):
        yield app
    redis_connection(redis_server.url).flushdb()


@pytest.fixture
def twilio_app(tmp_path, redis_server, fake_twilio):
    """The app on a fresh database over HTTP, sending SMS through the fake Twilio."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'twilio.sqlite3'}",
            "REDIS_URL": redis_server.url,
            "SECRET_KEY": "twilio-browser-secret",
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "TWILIO_ACCOUNT_SID": TWILIO_SID,
            "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
            "TWILIO_API_BASE_URL": fake_twilio.base_url,
            "SMS_TRANSPORT": "twilio",
            "EMAIL_TRANSPORT": "simulator",
            "SMTP_URL": None,
            "SMS_PER_SECOND": 1000.0,
        }
    )
    with live_database_app(app):
        yield app
    redis_connection(redis_server.url).flushdb()
