"""Status callbacks on the delivery ladder, carrier opt-outs, and monthly usage (R0.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.errors import DomainError
from bot.models import AddressKind, Author, Customer, Direction, Message, Notification
from outbound.delivery import apply_status_callback, monthly_usage, usage_history
from outbound.jobs import dispatch_tick
from outbound.policy.vocabulary import Channel, MessageStatus, Notice, NotificationStatus
from tests.support.databases import BOTH_DATABASES


@pytest.fixture
def sent_sms(db, customer_factory, record_factory, now, fake_twilio, work):
    """A confirmation SMS that reached the fake Twilio, with its notification."""
    record = record_factory(customer_factory(), starts_at=now + timedelta(days=3))
    dispatch_tick()
    work()
    notification = db.session.scalars(
        select(Notification).where(
            Notification.record_id == record.id, Notification.notice == Notice.CONFIRMATION
        )
    ).one()
    return db.session.get(Message, notification.message_id), notification


def test_delivered_makes_the_sms_billable_and_the_notice_delivered(db, sent_sms, now):
    message, notification = sent_sms

    applied = apply_status_callback(
        db.session, message_sid=message.provider_sid, status="delivered", now=now
    )
    db.session.commit()

    assert applied is message
    assert message.status == MessageStatus.DELIVERED
    assert (message.billable, message.delivered_at) == (True, now)
    assert notification.status == NotificationStatus.DELIVERED


def test_a_late_sent_after_delivered_changes_nothing(db, sent_sms, now):
    message, _ = sent_sms

    apply_status_callback(db.session, message_sid=message.provider_sid, status="delivered", now=now)
    apply_status_callback(
        db.session, message_sid=message.provider_sid, status="sent", now=now + timedelta(seconds=5)
    )

    assert message.status == MessageStatus.DELIVERED
    assert message.billable is True and message.delivered_at == now


def test_sent_alone_is_not_billable(db, sent_sms, now):
    message, notification = sent_sms

    apply_status_callback(db.session, message_sid=message.provider_sid, status="sent", now=now)

    assert (message.status, message.billable) == (MessageStatus.SENT, False)
    assert notification.status == NotificationStatus.SENT


def test_undelivered_fails_the_notice_with_the_carriers_reason(db, sent_sms, now):
    message, notification = sent_sms

    apply_status_callback(
        db.session,
        message_sid=message.provider_sid,
        status="undelivered",
        error_code="30003",
        now=now,
    )

    assert (message.status, message.error_code, message.billable) == (
        MessageStatus.UNDELIVERED,
        "30003",
        False,
    )
    assert notification.status == NotificationStatus.FAILED
    assert "unreachable" in notification.reason and "30003" in notification.reason


def test_an_opt_out_reported_by_a_callback_is_recorded(db, sent_sms, now):
    message, _ = sent_sms

    apply_status_callback(
        db.session, message_sid=message.provider_sid, status="failed", error_code=21610, now=now
    )
    db.session.commit()

    tel = db.session.get(Customer, message.customer_id).address(AddressKind.TEL)
    assert tel.opted_out_at == now
    assert message.status == MessageStatus.FAILED


def test_an_unknown_sid_or_status_is_ignored(db, sent_sms, now):
    message, _ = sent_sms

    assert (
        apply_status_callback(db.session, message_sid="SMnot-ours", status="delivered", now=now)
        is None
    )
    assert (
        apply_status_callback(
            db.session, message_sid=message.provider_sid, status="partially_delivered", now=now
        )
        is message
    )
    assert message.status == MessageStatus.ACCEPTED


def test_a_delivered_email_is_never_billable(db, business, now):
    message = _message(db, business, Channel.EMAIL, MessageStatus.SENT, sent_at=now, sid="<x@y>")

    apply_status_callback(db.session, message_sid="<x@y>", status="delivered", now=now)

    assert (message.status, message.billable) == (MessageStatus.DELIVERED, False)


def test_usage_counts_only_delivered_sms_as_billable(db, business):
    november = datetime(2026, 11, 10, 9, 0, tzinfo=UTC)
    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=november, segments=2)
    _message(db, business, Channel.SMS, MessageStatus.SENT, sent_at=november, segments=3)
    _message(db, business, Channel.SMS, MessageStatus.UNDELIVERED, sent_at=november, segments=1)
    _message(db, business, Channel.SMS, MessageStatus.ACCEPTED, sent_at=november, segments=1)
    _message(db, business, Channel.SMS, MessageStatus.FAILED, sent_at=november, segments=1)
    _message(db, business, Channel.SMS, MessageStatus.QUEUED, sent_at=None, segments=1)
    _message(db, business, Channel.EMAIL, MessageStatus.DELIVERED, sent_at=november)
    _message(
        db,
        business,
        Channel.SMS,
        MessageStatus.RECEIVED,
        sent_at=None,
        direction=Direction.INBOUND,
    )

    assert monthly_usage(db.session, business, "2026-11") == {
        "sms_sent": 4,
        "sms_delivered": 1,
        "sms_billable_segments": 2,
        "emails_sent": 1,
    }


def test_usage_months_follow_the_business_time_zone(db, business, business_factory):
    # 23:30 UTC on 31 October is already 00:30 on 1 November in Berlin.
    late_october_utc = datetime(2026, 10, 31, 23, 30, tzinfo=UTC)
    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=late_october_utc)
    other, _ = business_factory(name="Elsewhere", sms_from="+4930555011")
    _message(db, other, Channel.SMS, MessageStatus.DELIVERED, sent_at=late_october_utc)

    assert monthly_usage(db.session, business, "2026-11")["sms_delivered"] == 1
    assert monthly_usage(db.session, business, "2026-10")["sms_delivered"] == 0
    assert monthly_usage(db.session, business, "2026-12") == {
        "sms_sent": 0,
        "sms_delivered": 0,
        "sms_billable_segments": 0,
        "emails_sent": 0,
    }


@BOTH_DATABASES
def test_a_year_of_usage_is_one_query_with_each_month_s_own_figures(db, business):
    def at(*moment):
        return datetime(*moment, tzinfo=UTC)

    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=at(2026, 1, 31, 12))
    _message(
        db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=at(2026, 2, 1, 9), segments=3
    )
    _message(db, business, Channel.SMS, MessageStatus.SENT, sent_at=at(2026, 6, 15, 9))
    _message(db, business, Channel.EMAIL, MessageStatus.SENT, sent_at=at(2026, 6, 15, 10))
    # 23:30 UTC on 31 October is November's in Berlin
    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=at(2026, 10, 31, 23, 30))
    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=at(2027, 1, 31, 22, 59))
    _message(db, business, Channel.SMS, MessageStatus.DELIVERED, sent_at=at(2027, 1, 31, 23, 0))
    db.session.refresh(business)  # its time zone read before counting
    statements = []

    def listener(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        history = usage_history(db.session, business, "2027-01")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)

    assert len(statements) == 1
    assert [month for month, _usage in history][::11] == ["2026-02", "2027-01"]
    for month, usage in history:
        assert usage == monthly_usage(db.session, business, month), month
    by_month = dict(history)
    assert by_month["2026-02"]["sms_billable_segments"] == 3
    assert by_month["2026-06"] == {
        "sms_sent": 1,
        "sms_delivered": 0,
        "sms_billable_segments": 0,
        "emails_sent": 1,
    }
    assert (by_month["2026-10"]["sms_delivered"], by_month["2026-11"]["sms_delivered"]) == (0, 1)
    assert by_month["2027-01"]["sms_delivered"] == 1
    # January 2026 and 1 February 2027 (Berlin) lie outside the year shown
    assert sum(usage["sms_sent"] for usage in by_month.values()) == 4


def test_usage_history_leaves_out_the_months_before_the_first_year(db, business):
    history = usage_history(db.session, business, "1970-03")

    assert [month for month, _usage in history] == ["1970-01", "1970-02", "1970-03"]
    assert all(usage["sms_sent"] == 0 for _month, usage in history)


@pytest.mark.parametrize("month", ["2026-13", "11-2026", "2026-1", "", "November"])
def test_a_bad_month_is_refused_naming_the_field(db, business, month):
    with pytest.raises(DomainError) as raised:
        monthly_usage(db.session, business, month)

    assert raised.value.field == "month"


def _message(
    db,
    business,
    channel,
    status,
    *,
    sent_at,
    segments=1,
    sid=None,
    direction=Direction.OUTBOUND,
):
    delivered = status == MessageStatus.DELIVERED
    message = Message(
        business_id=business.id,
        direction=direction,
        channel=channel,
        from_address="+4930555010",
        to_address="+4915112345678",
        body="Hallo",
        segments=segments if channel == Channel.SMS else 0,
        status=status,
        provider_sid=sid,
        billable=delivered and channel == Channel.SMS,
        author=Author.SYSTEM if direction == Direction.OUTBOUND else Author.CUSTOMER,
        sent_at=sent_at,
        created_at=sent_at or datetime.now(UTC),
    )
    db.session.add(message)
    db.session.commit()
    return message
