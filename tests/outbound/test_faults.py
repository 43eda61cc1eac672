"""Delivery under faults (issue 4, point 7): Redis losing its queue, a worker killed
in the middle of a send, Twilio failing and recovering, a customer who sent STOP.

Real rows on SQLite and PostgreSQL, real RQ workers (in this process, or an RQ
worker process that the test kills), the fake Twilio API over HTTP.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import current_app
from sqlalchemy import func, select

from bot.models import AddressKind, Author, Message, Notification
from bot.services.commands import RecordChanges
from bot.services.records import update_record
from outbound.jobs import dispatch_tick, run_dispatch_pass
from outbound.policy.vocabulary import MessageStatus, Notice, NotificationStatus
from outbound.queueing import redis_connection
from tests.support.databases import BOTH_DATABASES
from tests.support.outbox import queue_sms
from tests.support.servers import wait_for

pytestmark = BOTH_DATABASES

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
# Long enough that "the lease still holds" is true on a loaded machine (killing the
# worker and letting Twilio answer take a moment), short enough to wait out.
LEASE_SECONDS = 4

# An RQ worker in a process of its own, on the test's database, Redis and fake
# Twilio. It is a SimpleWorker, so the job runs in the process the test kills.
WORKER = """
import json, sys
from redis import Redis
from rq import Queue, SimpleWorker
from bot import create_app
from outbound.queueing import QUEUES

config = json.loads(sys.argv[1])
app = create_app(config)
with app.app_context():
    connection = Redis.from_url(config["REDIS_URL"])
    queues = [Queue(name, connection=connection) for name in QUEUES]
    SimpleWorker(queues, connection=connection).work()
"""


@pytest.fixture
def starts_at(now):
    """14:00 in Berlin three days ahead: the 24-hour reminder is not due yet."""
    day = (now.astimezone(BERLIN) + timedelta(days=3)).date()
    return datetime(day.year, day.month, day.day, 14, 0, tzinfo=BERLIN)


def confirmation(db, record) -> Notification:
    row = db.session.scalars(
        select(Notification).where(
            Notification.record_id == record.id, Notification.notice == Notice.CONFIRMATION
        )
    ).one()
    db.session.refresh(row)
    return row


def message_count(db) -> int:
    return db.session.scalar(select(func.count(Message.id)))


def test_redis_flushed_between_planning_and_dispatch_still_sends_the_notice_once(
    db, customer_factory, record_factory, starts_at, fake_twilio, redis_server, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    redis_connection(redis_server.url).flushdb()  # Redis lost everything

    assert dispatch_tick() == 1
    work()
    assert dispatch_tick() == 0
    work()

    [sms] = fake_twilio.messages
    assert "ist gebucht" in sms.body
    assert confirmation(db, record).status == NotificationStatus.SENT


def test_redis_flushed_after_the_tick_sends_the_notice_once_after_the_lease(
    db, customer_factory, record_factory, starts_at, fake_twilio, redis_server, work
):
    current_app.config["SEND_LEASE_SECONDS"] = LEASE_SECONDS
    record = record_factory(customer_factory(), starts_at=starts_at)
    assert dispatch_tick() == 1  # claimed, its send job enqueued …
    redis_connection(redis_server.url).flushdb()  # … and lost

    work()
    assert fake_twilio.requests_seen == 0
    assert confirmation(db, record).status == NotificationStatus.QUEUED
    assert dispatch_tick() == 0  # the claim's lease still holds

    wait_for(lambda: dispatch_tick() == 1, timeout=LEASE_SECONDS + 10, what="the lease to run out")
    work()
    assert dispatch_tick() == 0
    work()

    assert len(fake_twilio.messages) == 1
    sent = confirmation(db, record)
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 1)


@pytest.mark.parametrize(
    "twilio_accepted", [False, True], ids=["before-twilio-accepted", "after-twilio-accepted"]
)
def test_a_worker_killed_in_the_middle_of_a_send_is_taken_over_after_the_lease(
    app_config, db, customer_factory, record_factory, starts_at, fake_twilio, work, twilio_accepted
):
    current_app.config["SEND_LEASE_SECONDS"] = LEASE_SECONDS
    record = record_factory(customer_factory(), starts_at=starts_at)
    fake_twilio.hold_next()  # the send reaches "Twilio" and waits there
    worker_config = {**app_config, "SEND_LEASE_SECONDS": LEASE_SECONDS}
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, json.dumps(worker_config)],
        cwd=ROOT,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        dispatch_tick()
        assert fake_twilio.wait_until_held(timeout=30), "the worker never reached Twilio"
        assert confirmation(db, record).status == NotificationStatus.SENDING
        os.killpg(worker.pid, signal.SIGKILL)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
    # Twilio finishes the request of the dead worker, or never got all of it.
    fake_twilio.release(accept=twilio_accepted)
    if twilio_accepted:
        wait_for(lambda: fake_twilio.messages, timeout=10, what="Twilio to accept")

    assert dispatch_tick() == 0  # the dead worker's lease still holds
    wait_for(lambda: dispatch_tick() == 1, timeout=LEASE_SECONDS + 10, what="the lease to end")
    work()

    sent = confirmation(db, record)
    assert (sent.status, sent.attempts) == (NotificationStatus.SENT, 2)
    assert message_count(db) == 1  # the second attempt reused the stored message
    message = db.session.get(Message, sent.message_id)
    assert message.provider_sid == fake_twilio.messages[-1].sid
    # The duplicate window (outbound/sending.py): Twilio has no idempotency key, so a
    # worker that dies after Twilio accepted leaves the customer with the text twice.
    assert len(fake_twilio.messages) == (2 if twilio_accepted else 1)


def test_twilio_answering_429_then_500_then_201_sends_once(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    fake_twilio.fail_next(429, 20429, headers={"Retry-After": "120"})
    fake_twilio.fail_next(500)

    dispatch_tick()
    work()
    after_429 = confirmation(db, record)
    assert after_429.status == NotificationStatus.SCHEDULED
    assert after_429.reason.startswith("attempt 1 failed (Twilio is busy or failing (HTTP 429)")
    first_retry = after_429.due_at
    assert run_dispatch_pass(first_retry - timedelta(seconds=1), send_inline=False)["claimed"] == 0

    run_dispatch_pass(first_retry, send_inline=False)
    work()
    after_500 = confirmation(db, record)
    assert after_500.status == NotificationStatus.SCHEDULED
    assert after_500.reason.startswith("attempt 2 failed (Twilio is busy or failing (HTTP 500)")

    run_dispatch_pass(after_500.due_at, send_inline=False)
    work()
    run_dispatch_pass(after_500.due_at + timedelta(hours=1), send_inline=False)
    work()

    assert fake_twilio.requests_seen == 3
    [sms] = fake_twilio.messages
    sent = confirmation(db, record)
    assert (sent.status, sent.attempts, sent.reason) == (NotificationStatus.SENT, 3, None)
    assert message_count(db) == 1
    assert db.session.get(Message, sent.message_id).provider_sid == sms.sid


def test_an_opt_out_at_twilio_is_recorded_and_the_number_never_tried_again(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    customer = customer_factory()
    first = record_factory(customer, starts_at=starts_at)
    fake_twilio.fail_next(400, 21610)

    dispatch_tick()
    work()

    failed = confirmation(db, first)
    assert failed.status == NotificationStatus.FAILED
    assert failed.reason == (
        "the recipient opted out (sent STOP) and cannot be messaged (Twilio error 21610)"
    )
    tel = customer.address(AddressKind.TEL)
    db.session.refresh(tel)
    assert tel.opted_out_at is not None

    later = record_factory(customer, starts_at=starts_at + timedelta(days=7))
    update_record(db.session, business, first, RecordChanges(status="cancelled"), now=now)
    staff_message = queue_sms(db.session, business, customer, "Bis bald!", Author.STAFF)
    db.session.commit()
    dispatch_tick()
    work()

    skipped = confirmation(db, later)
    assert skipped.status == NotificationStatus.SKIPPED
    assert skipped.reason.endswith(f"customer opted out on {tel.opted_out_at:%Y-%m-%d}")
    later_notices = db.session.scalars(
        select(Notification).where(
            Notification.customer_id == customer.id, Notification.id != failed.id
        )
    ).all()
    assert {row.status for row in later_notices} <= {
        NotificationStatus.SKIPPED,  # planned after the opt-out, e.g. the cancellation
        NotificationStatus.CANCELLED,  # the first appointment's reminder, withdrawn
    }
    assert any(row.notice == Notice.CANCELLATION for row in later_notices)
    db.session.refresh(staff_message)
    assert staff_message.status == MessageStatus.FAILED
    assert staff_message.error_message.startswith("recipient opted out on ")
    assert fake_twilio.requests_seen == 1  # only the first try ever reached Twilio
