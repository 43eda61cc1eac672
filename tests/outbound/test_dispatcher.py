"""Claiming due outbox rows, and finding outbound messages whose job was lost."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Author, Message, Notification
from outbound.dispatcher import claim_due, stale_queued_messages
from outbound.vocabulary import (
    Audience,
    Channel,
    MessageStatus,
    Notice,
    NotificationStatus,
)
from tests.support import queue_sms


def add_notifications(db, business, customer, count, *, due_at, **fields):
    rows = [
        Notification(
            business_id=business.id,
            customer_id=customer.id,
            audience=Audience.CUSTOMER,
            notice=Notice.CONFIRMATION,
            channel=Channel.SMS,
            due_at=due_at,
            idempotency_key=f"test:{due_at.isoformat()}:{index}:{fields}",
            **fields,
        )
        for index in range(count)
    ]
    db.session.add_all(rows)
    db.session.commit()
    return [row.id for row in rows]


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


def test_the_limit_takes_the_oldest_due_first(db, business, customer_factory, now):
    customer = customer_factory()
    older = add_notifications(db, business, customer, 2, due_at=now - timedelta(hours=2))
    add_notifications(db, business, customer, 2, due_at=now - timedelta(hours=1))

    assert claim_due(db.session, now=now, limit=2) == older


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


def test_a_second_claim_with_the_same_clock_gets_nothing(db, business, customer_factory, now):
    customer = customer_factory()
    ids = add_notifications(db, business, customer, 5, due_at=now)

    with Session(db.engine) as first, Session(db.engine) as second:
        assert claim_due(first, now=now) == ids
        first.commit()
        assert claim_due(second, now=now) == []


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
