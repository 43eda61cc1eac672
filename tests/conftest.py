"""Shared fixtures: a real Redis, a fake Twilio API over HTTP, an SMTP sink,
the app on a fresh SQLite database, and factories for the common rows.

The outbox and dispatcher tests also run on PostgreSQL: a module marked with
`BOTH_DATABASES` (tests/support/databases.py) runs each test once per database,
the PostgreSQL run against a fresh database on a throwaway cluster this test run
starts on first use. Plain helpers and constants live in tests/support/.

Only the outside world is faked (Twilio, mail servers); our own code always
runs for real. An autouse guard fails any test that tries to reach an address
outside the loopback range.
"""

from __future__ import annotations

import ipaddress
import socket
from datetime import UTC, datetime, timedelta

import pytest
from rq import SimpleWorker

from bot import create_app
from bot.extensions import db as _db
from bot.models import Business
from bot.services.businesses import create_api_key, create_business
from bot.services.commands import CustomerChanges, RecordChanges
from bot.services.customers import create_customer
from bot.services.records import create_record
from outbound.queueing import QUEUES, get_queue, redis_connection
from tests.fakes.postgres_server import PostgresServer
from tests.fakes.redis_server import RedisServer
from tests.fakes.smtp_sink import SmtpSink
from tests.fakes.twilio_api import FakeTwilio
from tests.support.api import ApiClient
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM, TWILIO_SID, TWILIO_TOKEN

# --- the network guard -------------------------------------------------------

_real_connect = socket.socket.connect


def _loopback_only(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        host = address[0]
        try:
            loopback = ipaddress.ip_address(host).is_loopback
        except ValueError:
            loopback = host == "localhost"
        if not loopback:
            pytest.fail(f"test tried to reach {host}: only loopback addresses are allowed")
    return _real_connect(sock, address)


@pytest.fixture(autouse=True)
def _network_guard(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


# --- the outside world -------------------------------------------------------


@pytest.fixture(scope="session")
def redis_server():
    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _twilio_server():
    fake = FakeTwilio(TWILIO_SID, TWILIO_TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake_twilio(_twilio_server):
    _twilio_server.reset()
    return _twilio_server


@pytest.fixture(scope="session")
def _smtp_server():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_sink(_smtp_server):
    _smtp_server.messages.clear()
    return _smtp_server


@pytest.fixture(scope="session")
def postgres_server():
    server = PostgresServer()
    yield server
    server.stop()


# --- the app -----------------------------------------------------------------


@pytest.fixture
def database(request) -> str:
    """Which database the test runs on: "sqlite" unless parametrized (BOTH_DATABASES)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def database_url(database, request, tmp_path):
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    if database != "postgresql":
        raise ValueError(f"unknown test database {database!r}")
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture
def app_config(database_url, redis_server, _twilio_server, _smtp_server):
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "SECRET_KEY": "test-secret",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": _twilio_server.base_url,
        "SMS_TRANSPORT": "twilio",
        "EMAIL_TRANSPORT": "smtp",
        "SMTP_URL": _smtp_server.url,
        "MAIL_FROM": "ReplyDesk <notices@replydesk.test>",
        "WTF_CSRF_ENABLED": False,
        # Tests send several texts from one sender at once; the pacing tests give
        # their business its own rate.
        "SMS_PER_SECOND": 1000.0,
    }


@pytest.fixture
def app(app_config, redis_server):
    app = create_app(app_config)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.engine.dispose()
    redis_connection(redis_server.url).flushdb()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def now():
    return datetime.now(UTC).replace(microsecond=0)


# --- factories ---------------------------------------------------------------


@pytest.fixture
def business_factory(db):
    def make(**settings) -> tuple[Business, str]:
        created = create_business(
            db.session,
            name=settings.pop("name", "Salon Sonnenschein"),
            timezone=settings.pop("timezone", "Europe/Berlin"),
            locale=settings.pop("locale", "de"),
            region=settings.pop("region", "DE"),
            sms_from=settings.pop("sms_from", SMS_FROM),
        )
        for name, value in settings.items():
            setattr(created.business, name, value)
        db.session.commit()
        return created.business, created.api_key

    return make


@pytest.fixture
def business(business_factory):
    return business_factory()[0]


@pytest.fixture
def api(client, db, business):
    """An API client for the `business` fixture (the German salon, SMS on), so
    `customer_factory` and `record_factory` rows belong to it."""
    key = create_api_key(db.session, business)
    db.session.commit()
    return ApiClient(client, key, business)


@pytest.fixture
def customer_factory(db, business):
    def make(**data):
        data.setdefault("name", "Ursula Hoffmann")
        data.setdefault("phone", "+4915112345678")
        data.setdefault("sms_consent", True)
        owner = data.pop("business", business)
        customer = create_customer(db.session, owner, CustomerChanges.from_fields(data))
        db.session.commit()
        return customer

    return make


@pytest.fixture
def record_factory(db, business, now):
    def make(customer, **data):
        data.setdefault("kind", "appointment")
        data.setdefault("starts_at", now + timedelta(days=2))
        data.setdefault("duration_minutes", 45)
        data.setdefault("source", "calendar")
        owner = data.pop("business", business)
        when = data.pop("now", now)
        record = create_record(
            db.session, owner, RecordChanges(customer_id=customer.id, **data), now=when
        )
        db.session.commit()
        return record

    return make


# --- running work ------------------------------------------------------------


class _BurstWorker(SimpleWorker):
    """RQ's SimpleWorker without its command channel: a burst in a test takes no
    commands, and stopping the channel's thread costs up to a second per burst."""

    def subscribe(self) -> None:
        self.pubsub_thread = None


@pytest.fixture
def work(app, redis_server):
    """Run every queued RQ job in this process with a real (burst) RQ worker."""

    def run() -> None:
        connection = redis_connection(redis_server.url)
        queues = [get_queue(name, redis_server.url) for name in QUEUES]
        _BurstWorker(queues, connection=connection).work(burst=True)

    return run
