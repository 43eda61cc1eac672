"""Claiming due outbox rows, and finding outbound messages whose job was lost or
whose next try is due, on SQLite and on PostgreSQL."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from bot.models import Author, Message, Notification, utcnow
from outbound.dispatcher import (
    DEFAULT_CLAIM_LIMIT,
    DEFAULT_LEASE,
    claim_due,
    send_lease,
    stale_queued_messages,
)
from outbound.jobs import dispatch_tick
from outbound.planning import withdraw_notifications
from outbound.policy.vocabulary import (
    Audience,
    Channel,
    MessageStatus,
    Notice,
    NotificationStatus,
)
from outbound.queueing import DISPATCH_QUEUE, get_queue
from tests.support.databases import BOTH_DATABASES, ONLY_POSTGRESQL, ONLY_SQLITE
from tests.support.outbox import queue_sms


def add_notifications(db, business, customer, count, *, due_at, **fields):
    rows = [
        Notification(
            business_id=business.id,
            customer_id=customer.id,
            audience=Audience.CUSTOMER,
            notice=Notice.CONFIRMATION,
            channel=Channel.SMS,
            due_at=due_at,
            idempotency_key=f"test:{uuid.uuid4().hex}",
            **fields,
        )
        for _ in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


@BOTH_DATABASES
def test_due_rows_are_claimed_once_and_future_ones_wait(db, business, customer_factory, now):
    customer = customer_factory()
    due = add_notifications(db, business, customer, 3, due_at=now - timedelta(minutes=1))
    later = add_notifications(db, business, customer, 1, due_at=now + timedelta(hours=1))

    claimed = claim_due(db.session, now=now, lease=timedelta(minutes=10))
    db.session.commit()

    assert claimed == due
    rows = {row.id: row for row in db.session.scalars(select(Notification))}
    assert {rows[i].status for i in due} == {NotificationStatus.QUEUED}
    assert {rows[i].lease_until for i in due} == {now + timedelta(minutes=10)}
    assert rows[later[0]].status == NotificationStatus.SCHEDULED
    assert claim_due(db.session, now=now) == []


@BOTH_DATABASES
def test_due_rows_and_lapsed_leases_share_the_limit_oldest_first(
    db, business, customer_factory, now
):
    customer = customer_factory()
    oldest = add_notifications(db, business, customer, 1, due_at=now - timedelta(hours=3))
    lapsed = add_notifications(
        db,
        business,
        customer,
        1,
        due_at=now - timedelta(hours=2),
        status=NotificationStatus.SENDING,
        lease_until=now - timedelta(minutes=1),
    )
    add_notifications(db, business, customer, 2, due_at=now - timedelta(hours=1))

    assert claim_due(db.session, now=now, limit=2) == oldest + lapsed


@BOTH_DATABASES
def test_the_limit_takes_the_oldest_due_first(db, business, customer_factory, now):
    customer = customer_factory()
    older = add_notifications(db, business, customer, 2, due_at=now - timedelta(hours=2))
    add_notifications(db, business, customer, 2, due_at=now - timedelta(hours=1))

    assert claim_due(db.session, now=now, limit=2) == older


@BOTH_DATABASES
def test_rows_of_a_dead_worker_are_claimed_again_after_their_lease(
    db, business, customer_factory, now
):
    customer = customer_factory()
    past = now - timedelta(minutes=30)
    expired = add_notifications(
        db,
        business,
        customer,
        2,
        due_at=past,
        status=NotificationStatus.SENDING,
        lease_until=now - timedelta(seconds=1),
    )
    running = add_notifications(
        db,
        business,
        customer,
        1,
        due_at=past,
        status=NotificationStatus.QUEUED,
        lease_until=now + timedelta(minutes=5),
    )
    finished = add_notifications(
        db, business, customer, 1, due_at=past, status=NotificationStatus.SENT
    )

    claimed = claim_due(db.session, now=now)

    assert claimed == expired
    assert running[0] not in claimed and finished[0] not in claimed


@BOTH_DATABASES
def test_a_second_claim_with_the_same_clock_gets_nothing(db, business, customer_factory, now):
    customer = customer_factory()
    ids = add_notifications(db, business, customer, 5, due_at=now)

    with Session(db.engine) as first, Session(db.engine) as second:
        assert claim_due(first, now=now) == ids
        first.commit()
        assert claim_due(second, now=now) == []


@BOTH_DATABASES
def test_concurrent_claims_never_share_a_row(db, business, customer_factory, now):
    customer = customer_factory()
    ids = add_notifications(db, business, customer, 120, due_at=now - timedelta(seconds=1))
    engine = db.engine  # threads have no app context of their own
    start = threading.Barrier(4)
    results: list[list[int]] = []
    errors: list[BaseException] = []

    def claimer() -> None:
        try:
            start.wait()
            while True:
                with Session(engine) as session:
                    claimed = claim_due(session, now=now, limit=7)
                    session.commit()
                if not claimed:
                    return
                results.append(claimed)
        except BaseException as error:  # handed to the test thread below
            errors.append(error)

    threads = [threading.Thread(target=claimer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    every_claim = [notification_id for batch in results for notification_id in batch]
    assert sorted(every_claim) == ids  # each row exactly once


@BOTH_DATABASES
def test_queued_messages_whose_job_may_be_lost_are_found(db, business, customer_factory, now):
    customer = customer_factory()
    lost = queue_sms(db.session, business, customer, "Danke!", Author.BOT)
    sent = queue_sms(db.session, business, customer, "Schon raus", Author.STAFF)
    sent.status = MessageStatus.SENT
    carried = queue_sms(
        db.session, business, customer, "Teil einer Benachrichtigung", Author.SYSTEM
    )
    add_notifications(db, business, customer, 1, due_at=now, status=NotificationStatus.QUEUED)
    notification = db.session.scalars(select(Notification)).one()
    notification.message_id = carried.id
    db.session.commit()
    created = db.session.get(Message, lost.id).created_at

    assert stale_queued_messages(db.session, now=created + timedelta(minutes=3)) == [lost.id]
    assert stale_queued_messages(db.session, now=created + timedelta(minutes=1)) == []


@BOTH_DATABASES
def test_the_lease_is_a_setting(app):
    assert send_lease({}) == DEFAULT_LEASE == timedelta(minutes=10)
    assert send_lease({"SEND_LEASE_SECONDS": "2.5"}) == timedelta(seconds=2.5)


@ONLY_POSTGRESQL
def test_on_postgresql_a_second_claim_passes_over_the_rows_a_first_one_holds(
    db, business, customer_factory, now
):
    customer = customer_factory()
    ids = add_notifications(db, business, customer, 6, due_at=now - timedelta(seconds=1))
    statements: list[str] = []
    event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))

    with Session(db.engine) as first, Session(db.engine) as second, Session(db.engine) as third:
        held = claim_due(first, now=now, limit=3)  # not committed: its rows stay locked
        second.execute(text("SET LOCAL lock_timeout = '5s'"))
        started = time.monotonic()
        passed_over = claim_due(second, now=now, limit=3)
        waited = time.monotonic() - started
        # What SKIP LOCKED passed over: the first claim's rows are locked.
        with pytest.raises(OperationalError, match="could not obtain lock"):
            third.execute(
                select(Notification.id)
                .where(Notification.id.in_(held))
                .with_for_update(nowait=True)
            )
        second.commit()
        first.commit()

    assert held == ids[:3]
    assert passed_over == ids[3:]  # at once, not after the first committed
    assert waited < 1
    assert any("FOR UPDATE SKIP LOCKED" in statement for statement in statements)


@ONLY_SQLITE
def test_on_sqlite_a_second_claim_waits_for_the_first_and_takes_none_of_its_rows(
    db, business, customer_factory, now
):
    customer = customer_factory()
    ids = add_notifications(db, business, customer, 6, due_at=now - timedelta(seconds=1))
    engine = db.engine
    second_claim: list[int] = []
    finished_at: list[float] = []

    def claim_in_a_second_connection() -> None:
        with Session(engine) as second:
            second_claim.extend(claim_due(second, now=now, limit=3))
            second.commit()
        finished_at.append(time.monotonic())

    with Session(engine) as first:
        held = claim_due(first, now=now, limit=3)  # SQLite's one write lock is held
        thread = threading.Thread(target=claim_in_a_second_connection)
        thread.start()
        time.sleep(0.3)
        committed_at = time.monotonic()
        first.commit()
    thread.join(timeout=30)

    assert held == ids[:3]
    assert finished_at and finished_at[0] >= committed_at  # it waited for the first
    assert not set(second_claim) & set(held)
    assert claim_due(db.session, now=now) == [i for i in ids[3:] if i not in second_claim]


@BOTH_DATABASES
def test_a_held_message_is_found_once_its_hold_has_passed(db, business, customer_factory, now):
    customer = customer_factory()
    held = queue_sms(db.session, business, customer, "Gleich", Author.BOT)
    fresh = queue_sms(db.session, business, customer, "Neu", Author.BOT)
    held.next_attempt_at = now + timedelta(seconds=30)  # waits for its next try
    db.session.commit()

    assert stale_queued_messages(db.session, now=now) == []
    assert stale_queued_messages(db.session, now=now + timedelta(seconds=30)) == [held.id]
    assert fresh.id not in stale_queued_messages(db.session, now=now + timedelta(seconds=30))


@BOTH_DATABASES
def test_the_message_of_a_withdrawn_notice_is_failed_with_its_reason(
    db, business, customer_factory, now
):
    customer = customer_factory()
    waiting = queue_sms(db.session, business, customer, "Erinnerung", Author.SYSTEM)
    still_due = queue_sms(db.session, business, customer, "Bestätigung", Author.SYSTEM)
    withdrawn, scheduled = add_notifications(
        db, business, customer, 2, due_at=now, status=NotificationStatus.SCHEDULED
    )
    rows = {row.id: row for row in db.session.scalars(select(Notification))}
    rows[withdrawn].message_id = waiting.id  # stored by a try that failed
    rows[scheduled].message_id = still_due.id
    db.session.commit()

    assert withdraw_notifications(db.session, Notification.id == withdrawn, "rule deleted") == 1
    db.session.commit()

    db.session.expire_all()
    assert (rows[withdrawn].status, rows[withdrawn].reason) == (
        NotificationStatus.CANCELLED,
        "rule deleted",
    )
    assert (waiting.status, waiting.error_message) == (
        MessageStatus.FAILED,
        "not sent: rule deleted",
    )
    assert still_due.status == MessageStatus.QUEUED
    assert withdraw_notifications(db.session, Notification.id == withdrawn, "again") == 0


@BOTH_DATABASES
def test_withdrawing_leaves_notices_that_are_no_longer_planned_as_they_are(
    db, business, customer_factory, now
):
    customer = customer_factory()
    statuses = [
        NotificationStatus.SCHEDULED,
        NotificationStatus.QUEUED,
        NotificationStatus.SENT,
        NotificationStatus.DELIVERED,
        NotificationStatus.FAILED,
        NotificationStatus.SKIPPED,
    ]
    ids = [
        add_notifications(db, business, customer, 1, due_at=now, status=status)[0]
        for status in statuses
    ]

    assert withdraw_notifications(db.session, Notification.id.in_(ids), "rule deleted") == 2
    db.session.commit()

    rows = db.session.scalars(
        select(Notification).where(Notification.id.in_(ids)).order_by(Notification.id)
    )
    assert [row.status for row in rows] == [NotificationStatus.CANCELLED] * 2 + statuses[2:]


@BOTH_DATABASES
def test_a_notice_sent_while_it_is_being_withdrawn_stays_sent(db, business, customer_factory, now):
    customer = customer_factory()
    retried = queue_sms(db.session, business, customer, "Zeit für einen Termin?", Author.SYSTEM)
    planned, sending = add_notifications(
        db, business, customer, 2, due_at=now, status=NotificationStatus.QUEUED
    )
    db.session.get(Notification, sending).message_id = retried.id  # stored by a failed try
    db.session.commit()

    # The send job, on its own connection, sends the second notice just after the
    # withdrawal has read which notices are still planned.
    def send_job_commits_first(conn, cursor, statement, *args):
        if not statement.lstrip().upper().startswith("UPDATE") or sent_by_job:
            return
        sent_by_job.append(sending)
        with db.engine.begin() as other:
            other.execute(
                update(Notification)
                .where(Notification.id == sending)
                .values(status=NotificationStatus.SENT)
            )
            other.execute(
                update(Message).where(Message.id == retried.id).values(status=MessageStatus.SENT)
            )

    sent_by_job: list[int] = []
    event.listen(db.engine, "before_cursor_execute", send_job_commits_first)
    try:
        withdrawn = withdraw_notifications(
            db.session, Notification.id.in_([planned, sending]), "customer booked"
        )
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", send_job_commits_first)

    assert sent_by_job == [sending]
    assert withdrawn == 1
    db.session.expire_all()
    assert db.session.get(Notification, planned).status == NotificationStatus.CANCELLED
    assert db.session.get(Notification, sending).status == NotificationStatus.SENT
    assert db.session.get(Notification, sending).reason is None
    assert db.session.get(Message, retried.id).status == MessageStatus.SENT


def test_a_tick_that_hits_its_limit_wakes_the_next_at_once(app, db, business, customer_factory):
    customer = customer_factory()
    add_notifications(db, business, customer, DEFAULT_CLAIM_LIMIT + 5, due_at=utcnow())
    wake_ups = get_queue(DISPATCH_QUEUE, app.config["REDIS_URL"]).scheduled_job_registry

    assert dispatch_tick() == DEFAULT_CLAIM_LIMIT
    woken = [job_id for job_id in wake_ups.get_job_ids() if job_id.startswith("dispatch-at-")]
    assert len(woken) == 1  # the rest is claimed within a second, not at the clock's next tick

    assert dispatch_tick() == 5
    assert [job_id for job_id in wake_ups.get_job_ids() if job_id.startswith("dispatch-at-")] == (
        woken
    )  # a tick under its limit wakes no other
