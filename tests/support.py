"""Small helpers several test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug.serving import make_server

from bot.extensions import db
from bot.models import Author, Business, Customer, Message
from outbound.messages import queue_message
from outbound.policy.channels import ContactFacts
from outbound.policy.vocabulary import Channel


def contact_facts(**overrides) -> ContactFacts:
    """A customer with a mobile number and SMS consent only, at a business with SMS on;
    `overrides` change any fact."""
    values = dict(
        has_email=False,
        email_consent=False,
        has_phone=True,
        phone_is_mobile=True,
        sms_consent=True,
        sms_opted_out_at=None,
        sms_enabled=True,
        sms_confirmation_always=False,
    )
    values.update(overrides)
    return ContactFacts(**values)


def queue_sms(
    session, business: Business, customer: Customer, body: str = "Danke!", author=Author.BOT
) -> Message:
    """An outbound SMS to `customer`, stored as queued; its job is enqueued on commit."""
    return queue_message(
        session,
        business,
        channel=Channel.SMS,
        to_address=customer.phone,
        body=body,
        author=author,
        customer_id=customer.id,
    )


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """End a server the tests started in its own session (start_new_session=True):
    SIGTERM to the whole group, SIGKILL when it has not stopped after `timeout`."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def serving(app) -> Iterator:
    """`app` served over HTTP on loopback by a background thread; PUBLIC_BASE_URL names
    it, since the simulator and the links post to it as Twilio and customers would."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def live_database_app(app) -> Iterator:
    """`app` on a freshly created database, served over HTTP (`serving`), its database
    connections closed afterwards."""
    with app.app_context():
        db.create_all()
    try:
        with serving(app):
            yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
