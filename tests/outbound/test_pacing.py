"""Per-sender pacing (issue 4, point 7): the Redis bucket itself, and a burst of
notices that queues at the sender's rate instead of meeting Twilio's 429s."""

from __future__ import annotations

import logging
import time
import uuid
from datetime import timedelta

import pytest
from flask import current_app
from rq import SimpleWorker
from sqlalchemy import select

from bot.models import Author, Message, Notification, utcnow
from outbound.jobs import dispatch_tick, run_dispatch_pass, send_message
from outbound.pacing import (
    ARRIVAL_JITTER_SECONDS,
    DEFAULT_SMS_PER_SECOND,
    KEY_PREFIX,
    WHATSAPP_PER_SECOND,
    Rate,
    message_retry_delay,
    retry_delay,
    sender_rate,
    sender_turn,
    take,
)
from outbound.policy.vocabulary import Channel, MessageStatus, Notice, NotificationStatus
from outbound.queueing import QUEUES, get_queue, redis_connection
from tests.support.outbox import queue_sms


@pytest.fixture
def redis(redis_server):
    connection = redis_connection(redis_server.url)
    yield connection
    connection.flushdb()


@pytest.fixture
def sender():
    return f"+49301{uuid.uuid4().int % 10**6:06d}"


def sent_within(times: list[float], seconds: float) -> int:
    """The most messages received within any window of `seconds`."""
    times = sorted(times)
    return max(
        (sum(1 for later in times[i:] if later - start < seconds) for i, start in enumerate(times)),
        default=0,
    )


# --- the bucket ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("per_second", "capacity", "window"),
    [(1.0, 1, 1.0), (2.0, 2, 1.0), (20.0, 20, 1.0), (2.5, 2, 0.8), (0.5, 1, 2.0)],
)
def test_a_rate_is_a_bucket_and_the_window_its_tokens_take_to_come_back(
    per_second, capacity, window
):
    rate = Rate(per_second)
    assert (rate.capacity, rate.window) == (capacity, pytest.approx(window))


@pytest.mark.parametrize("per_second", [0, -1.0])
def test_a_rate_must_be_above_zero(per_second):
    with pytest.raises(ValueError, match="above zero"):
        Rate(per_second)


def test_the_business_rate_comes_first_then_the_setting_then_the_default():
    assert sender_rate(5.0, {"SMS_PER_SECOND": 3.0}) == Rate(5.0)
    assert sender_rate(None, {"SMS_PER_SECOND": "3"}) == Rate(3.0)
    assert sender_rate(None, {}) == Rate(DEFAULT_SMS_PER_SECOND) == Rate(1.0)


def test_a_full_bucket_lets_its_capacity_through_then_books_turns(redis, sender):
    rate = Rate(2.0)

    assert [take(redis, sender, rate) for _ in range(2)] == [0.0, 0.0]
    third = take(redis, sender, rate)
    fourth = take(redis, sender, rate)

    assert 1.0 < third <= 1.0 + ARRIVAL_JITTER_SECONDS  # when the first token is back
    assert fourth == pytest.approx(third + 0.5, abs=0.03)  # booked behind the third
    assert take(redis, "+4930999999", rate) == 0.0  # another sender has its own bucket


def test_coming_back_at_the_booked_turn_finds_a_token(redis, sender):
    rate = Rate(1.5)  # one token, back after two thirds of a second
    assert take(redis, sender, rate) == 0.0

    wait = take(redis, sender, rate)
    assert 0.6 < wait <= 2 / 3 + ARRIVAL_JITTER_SECONDS
    time.sleep(wait)

    assert take(redis, sender, rate) == 0.0


def test_segments_are_tokens_and_a_long_message_takes_the_whole_bucket(redis, sender):
    rate = Rate(3.0)

    assert take(redis, sender, rate, cost=2) == 0.0
    assert take(redis, sender, rate, cost=2) > 0  # only one left
    assert take(redis, sender, rate, cost=1) == 0.0
    other = sender + "1"
    assert take(redis, other, rate, cost=7) == 0.0  # more than the bucket holds
    assert take(redis, other, rate, cost=1) > 0


def test_whatsapp_is_paced_per_message_at_its_own_rate(redis, sender, app):
    whatsapp, sms = f"whatsapp:{sender}", sender
    config = {**app.config, "SMS_TRANSPORT": "twilio"}

    def turn(channel, address, segments):
        return sender_turn(channel, address, segments, 1.0, config, redis)

    # three long WhatsApp messages leave at once, where SMS at 1/s would wait
    assert [turn(Channel.WHATSAPP, whatsapp, 3) for _ in range(3)] == [timedelta(0)] * 3
    assert turn(Channel.SMS, sms, 1) == timedelta(0)
    assert turn(Channel.SMS, sms, 1) > timedelta(0)
    assert WHATSAPP_PER_SECOND > DEFAULT_SMS_PER_SECOND


def test_an_idle_sender_leaves_nothing_behind_in_redis(redis, sender):
    rate = Rate(2.0)
    for _ in range(3):
        take(redis, sender, rate)

    bucket_ms = redis.pttl(f"{KEY_PREFIX}{sender}")
    line_ms = redis.pttl(f"{KEY_PREFIX}{sender}:line")
    assert 0 < bucket_ms <= 3000  # seconds, not for ever
    assert 0 < line_ms <= 5000


@pytest.mark.parametrize(
    ("attempts", "retry_after", "seconds"),
    [(1, None, 10), (2, None, 30), (3, 5.0, 60), (1, 120.0, 120), (5, None, 900), (9, None, 900)],
)
def test_a_notification_waits_its_backoff_or_longer_if_twilio_asks(attempts, retry_after, seconds):
    assert retry_delay(attempts, retry_after) == timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("age", "retry_after", "seconds"),
    [(0, None, 10), (25, None, 25), (25, 60.0, 60), (7200, None, 900)],
)
def test_a_message_waits_as_long_again_as_it_has_existed(age, retry_after, seconds):
    assert message_retry_delay(timedelta(seconds=age), retry_after) == timedelta(seconds=seconds)


# --- sending -------------------------------------------------------------------


def test_a_burst_of_ten_notices_leaves_at_two_a_second_and_meets_no_429(
    db, business, customer_factory, record_factory, now, fake_twilio, work
):
    business.sms_per_second = 2.0
    business.cancellation_window_hours = None  # no cancel link: one-segment confirmations
    db.session.commit()
    fake_twilio.limit_rate(2)  # Twilio's answer to a faster sender: 429
    for index in range(10):
        record_factory(customer_factory(phone=f"+49151123456{index:02d}"))

    deadline = time.monotonic() + 30
    while len(fake_twilio.messages) < 10 and time.monotonic() < deadline:
        dispatch_tick()
        work()
        time.sleep(0.02)

    assert len(fake_twilio.messages) == 10
    assert fake_twilio.rate_limited == 0 and fake_twilio.requests_seen == 10
    assert sent_within([sms.received_at for sms in fake_twilio.messages], 1.0) == 2
    rows = db.session.scalars(
        select(Notification).where(Notification.notice == Notice.CONFIRMATION)
    ).all()
    assert len(rows) == 10
    assert {row.status for row in rows} == {NotificationStatus.SENT}
    assert {row.attempts for row in rows} == {1}  # waiting for a turn is no attempt


def test_a_notice_without_a_token_goes_back_to_the_outbox_until_its_turn(
    db, business, customer_factory, record_factory, fake_twilio, work
):
    # One SMS every 5 s: the second must wait however slow this machine runs the burst.
    business.sms_per_second = 0.2
    db.session.commit()
    record_factory(customer_factory(phone="+4915112345601"))
    record_factory(customer_factory(phone="+4915112345602"))
    before = utcnow()

    dispatch_tick()
    work()

    assert len(fake_twilio.messages) == 1
    waiting = db.session.scalars(
        select(Notification).where(
            Notification.notice == Notice.CONFIRMATION,
            Notification.status == NotificationStatus.SCHEDULED,
        )
    ).one()
    assert waiting.attempts == 0
    assert waiting.reason is None
    assert before < waiting.due_at <= utcnow() + timedelta(seconds=5 + ARRIVAL_JITTER_SECONDS)
    assert db.session.get(Message, waiting.message_id).status == MessageStatus.QUEUED


def test_a_paced_notice_is_sent_by_the_wake_up_tick_at_its_turn(
    db, business, customer_factory, record_factory, fake_twilio, redis_server, work
):
    business.sms_per_second = 1.0
    db.session.commit()
    record_factory(customer_factory(phone="+4915112345601"))
    record_factory(customer_factory(phone="+4915112345602"))
    dispatch_tick()
    work()
    assert len(fake_twilio.messages) == 1
    turn = db.session.scalars(
        select(Notification.due_at).where(
            Notification.notice == Notice.CONFIRMATION,
            Notification.status == NotificationStatus.SCHEDULED,
        )
    ).one()
    assert turn - utcnow() < timedelta(seconds=2)
    time.sleep(max(0.0, (turn - utcnow()).total_seconds()) + 1.0)  # past the wake-up second

    # Only RQ's scheduler, as `rq worker --with-scheduler` runs it: no tick from the test.
    connection = redis_connection(redis_server.url)
    queues = [get_queue(name, redis_server.url) for name in QUEUES]
    SimpleWorker(queues, connection=connection).work(burst=True, with_scheduler=True)

    assert len(fake_twilio.messages) == 2


def test_a_staff_message_without_a_token_is_held_then_sent(
    db, business, customer_factory, fake_twilio, work
):
    business.sms_per_second = 1.0
    db.session.commit()
    customer = customer_factory()
    first = queue_sms(db.session, business, customer, "Erste", Author.STAFF)
    second = queue_sms(db.session, business, customer, "Zweite", Author.STAFF)
    db.session.commit()

    work()

    db.session.refresh(first)
    db.session.refresh(second)
    assert first.status == MessageStatus.ACCEPTED
    assert second.status == MessageStatus.QUEUED
    assert second.next_attempt_at > utcnow()  # held until its turn
    assert send_message(second.id) == "queued"  # not before

    deadline = time.monotonic() + 10
    while len(fake_twilio.messages) < 2 and time.monotonic() < deadline:
        dispatch_tick()
        work()
        time.sleep(0.05)

    assert [sms.body for sms in fake_twilio.messages] == ["Erste", "Zweite"]
    assert fake_twilio.messages[1].received_at - fake_twilio.messages[0].received_at >= 0.9


def test_email_is_not_paced(db, business, customer_factory, record_factory, smtp_sink, work):
    business.sms_per_second = 1.0
    db.session.commit()
    for index in range(3):
        record_factory(
            customer_factory(
                phone=f"+49151123456{index:02d}",
                email=f"kunde{index}@example.org",
                email_consent=True,
            )
        )

    dispatch_tick()
    work()

    assert len(smtp_sink.messages) == 3


def test_without_redis_the_inline_pass_sends_unpaced_and_says_so(
    db, business, customer_factory, record_factory, now, fake_twilio, caplog
):
    business.sms_per_second = 1.0
    db.session.commit()
    record_factory(customer_factory(phone="+4915112345601"))
    record_factory(customer_factory(phone="+4915112345602"))
    current_app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens there

    with caplog.at_level(logging.WARNING, logger="outbound.pacing"):
        counts = run_dispatch_pass(now, send_inline=True)

    assert counts["sent"] == 2
    assert len(fake_twilio.messages) == 2
    assert any("pacing unavailable" in entry.getMessage() for entry in caplog.records)
