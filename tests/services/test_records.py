"""Record services plan their notices in the same transaction as the change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.errors import DomainError, NotFound
from bot.models import Notification
from bot.services.records import (
    allowed_statuses,
    create_record,
    may_become,
    planned_customer_notices,
    update_record,
)
from outbound.policy.vocabulary import Channel, Notice, NotificationStatus


def notices(db, record):
    rows = db.session.scalars(
        select(Notification).where(Notification.record_id == record.id).order_by(Notification.id)
    )
    return [(n.notice, n.channel, n.status, n.reason) for n in rows]


def test_phone_only_customer_gets_an_sms_confirmation_and_reminder(
    db, customer_factory, record_factory
):
    record = record_factory(customer_factory())  # R0.1, R0.2
    assert notices(db, record) == [
        (Notice.CONFIRMATION, Channel.SMS, NotificationStatus.SCHEDULED, None),
        (Notice.REMINDER, Channel.SMS, NotificationStatus.SCHEDULED, None),
    ]


def test_customer_with_email_and_consent_gets_email(db, customer_factory, record_factory):
    customer = customer_factory(email="ursula@example.com", email_consent=True)
    assert [(n[0], n[1]) for n in notices(db, record_factory(customer))] == [
        (Notice.CONFIRMATION, Channel.EMAIL),
        (Notice.REMINDER, Channel.EMAIL),
    ]


def test_sms_switched_off_skips_with_reason(db, business, customer_factory, record_factory):
    business.sms_enabled = False  # R1.2
    record = record_factory(customer_factory())
    confirmation = notices(db, record)[0]
    assert confirmation[2] == NotificationStatus.SKIPPED
    assert confirmation[3] == (
        "no channel: customer has no email address; SMS is switched off for this business"
    )


def test_a_move_withdraws_the_old_reminder_and_plans_a_new_one(
    db, business, customer_factory, record_factory, now
):  # R1.6
    record = record_factory(customer_factory())
    update_record(
        db.session, business, record, {"starts_at": record.starts_at + timedelta(days=1)}, now=now
    )
    db.session.commit()
    rows = notices(db, record)
    assert rows[1] == (
        Notice.REMINDER,
        Channel.SMS,
        NotificationStatus.CANCELLED,
        "appointment was moved to another time",
    )
    assert rows[2:] == [
        (Notice.CHANGE, Channel.SMS, NotificationStatus.SCHEDULED, None),
        (Notice.REMINDER, Channel.SMS, NotificationStatus.SCHEDULED, None),
    ]
    assert record.version == 2


def test_cancel_without_notifying_the_customer(db, business, customer_factory, record_factory, now):
    record = record_factory(customer_factory())  # R1.8: staff choose per cancellation
    update_record(db.session, business, record, {"status": "cancelled"}, now=now, notify=False)
    db.session.commit()
    assert [n[0] for n in notices(db, record)] == [Notice.CONFIRMATION, Notice.REMINDER]
    assert notices(db, record)[1][2:] == (NotificationStatus.CANCELLED, "appointment is cancelled")
    assert record.cancelled_by == "business"


def test_unchanged_patch_plans_nothing(db, business, customer_factory, record_factory, now):
    record = record_factory(customer_factory())
    before = notices(db, record)
    update_record(db.session, business, record, {"starts_at": record.starts_at}, now=now)
    assert notices(db, record) == before and record.version == 1


def test_refusals_name_the_field(db, business, business_factory, customer_factory, now):
    customer = customer_factory()
    with pytest.raises(DomainError) as caught:
        create_record(
            db.session, business, {"customer_id": customer.id, "kind": "appointment"}, now=now
        )
    assert caught.value.field == "starts_at"
    with pytest.raises(DomainError) as caught:
        create_record(
            db.session,
            business,
            {"customer_id": customer.id, "starts_at": now, "status": "maybe"},
            now=now,
        )
    assert caught.value.field == "status"
    other, _ = business_factory(name="Other Salon", sms_from="+4930555099")
    with pytest.raises(NotFound):
        create_record(db.session, other, {"customer_id": customer.id, "starts_at": now}, now=now)


def test_moving_away_and_back_plans_the_reminder_again(
    db, business, customer_factory, record_factory, now
):  # R1.5, R1.6
    record = record_factory(customer_factory())
    original = record.starts_at
    update_record(
        db.session, business, record, {"starts_at": original + timedelta(hours=1)}, now=now
    )
    update_record(db.session, business, record, {"starts_at": original}, now=now)
    db.session.commit()
    reminders = [n for n in notices(db, record) if n[0] == Notice.REMINDER]
    assert [n[2] for n in reminders] == [NotificationStatus.SCHEDULED, NotificationStatus.CANCELLED]


def test_a_reinstated_appointment_gets_its_reminder_back(
    db, business, customer_factory, record_factory, now
):
    record = record_factory(customer_factory())
    update_record(db.session, business, record, {"status": "cancelled"}, now=now)
    update_record(db.session, business, record, {"status": "confirmed"}, now=now)
    db.session.commit()
    reminders = [n for n in notices(db, record) if n[0] == Notice.REMINDER]
    assert [n[2] for n in reminders] == [NotificationStatus.SCHEDULED]


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 3, 29, 2, 30),  # the clocks go forward: this time does not exist
        datetime(2026, 10, 25, 2, 30),  # the clocks go back: this time comes twice
    ],
)
def test_the_end_is_the_duration_after_the_start_on_a_clock_change_day(
    db, business, customer_factory, now, local
):
    starts = local.replace(tzinfo=ZoneInfo("Europe/Berlin"))
    record = create_record(
        db.session,
        business,
        {"customer_id": customer_factory().id, "starts_at": starts, "duration_minutes": 30},
        now=now,
    )
    db.session.commit()
    db.session.refresh(record)
    assert record.starts_at == starts.astimezone(UTC)
    assert record.ends_at - record.starts_at == timedelta(minutes=30)

    update_record(db.session, business, record, {"duration_minutes": 60}, now=now)
    db.session.commit()
    db.session.refresh(record)
    assert record.ends_at - record.starts_at == timedelta(minutes=60)


def test_what_a_change_planned_for_the_customer(
    db, business, customer_factory, record_factory, now
):
    record = record_factory(customer_factory())
    assert planned_customer_notices(record) == [
        (Notice.CONFIRMATION, Channel.SMS),
        (Notice.REMINDER, Channel.SMS),
    ]
    update_record(db.session, business, record, {"notes": "Pony"}, now=now)
    assert planned_customer_notices(record) == []  # this call planned nothing
    update_record(db.session, business, record, {"status": "cancelled"}, now=now, notify=False)
    assert planned_customer_notices(record) == []

    business.sms_enabled = False  # planned, but skipped: nothing goes to the customer
    skipped = record_factory(customer_factory(phone="+4915122223333"))
    assert planned_customer_notices(skipped) == []
    assert any(n[2] == NotificationStatus.SKIPPED for n in notices(db, skipped))


# Each status staff may move an appointment to, and what stays refused.
MOVES = {
    "pending": {"confirmed", "rejected", "cancelled"},
    "confirmed": {"cancelled", "completed", "no_show"},
    "rejected": set(),
    "cancelled": {"confirmed"},
    "completed": {"no_show"},
    "no_show": {"completed"},
}


@pytest.mark.parametrize("status", sorted(MOVES))
def test_which_status_an_appointment_may_move_to(db, customer_factory, record_factory, status):
    record = record_factory(customer_factory(), status=status)
    assert set(allowed_statuses(record)) == MOVES[status]
    for target in ("pending", "confirmed", "rejected", "cancelled", "completed", "no_show"):
        assert may_become(record, target) is (target in MOVES[status])


def test_an_order_may_take_any_status_of_its_kind(db, customer_factory, record_factory):
    order = record_factory(customer_factory(), kind="order", starts_at=None, status="open")
    assert allowed_statuses(order) is None
    assert may_become(order, "done") and may_become(order, "cancelled")
