"""No notice of any kind reaches a customer whose appointment was cancelled
before the notice's send time, whatever planned it (issue 4)."""

from datetime import timedelta

from sqlalchemy import select

from bot.models import Notification, NotificationRule
from bot.services.records import update_record
from outbound.jobs import run_dispatch_pass
from outbound.policy.vocabulary import Audience, ChannelChoice, Notice, NotificationStatus, Trigger


def test_every_notice_planned_before_a_cancellation_is_withheld(
    db, business, customer_factory, record_factory, fake_twilio, now
):
    # A delayed follow-up on creation (R4.5) next to the default rules.
    db.session.add(
        NotificationRule(
            business_id=business.id,
            name="Prepare for your visit",
            kind="appointment",
            trigger=Trigger.CREATED,
            trigger_status="confirmed",
            audience=Audience.CUSTOMER,
            channel=ChannelChoice.SMS,
            notice=Notice.CONFIRMATION,
            template_name="confirmation",
            delay_minutes=120,
        )
    )
    db.session.commit()
    record = record_factory(customer_factory(), starts_at=now + timedelta(days=3))
    # a move plans a change notice and a reminder for the new time (R1.6)
    update_record(
        db.session, business, record, {"starts_at": record.starts_at + timedelta(hours=2)}, now=now
    )
    update_record(db.session, business, record, {"status": "cancelled"}, now=now)
    db.session.commit()
    planned = {
        n.notice
        for n in db.session.scalars(select(Notification).where(Notification.record_id == record.id))
    }
    assert planned == {Notice.CONFIRMATION, Notice.CHANGE, Notice.REMINDER, Notice.CANCELLATION}

    # every send time has come: confirmation, the delayed follow-up, the change, both reminders
    run_dispatch_pass(record.starts_at + timedelta(days=1), send_inline=True)

    [only] = fake_twilio.messages  # the cancellation itself, nothing else
    assert "abgesagt" in only.body
    rows = db.session.scalars(select(Notification).where(Notification.record_id == record.id))
    for row in rows:
        if row.notice == Notice.CANCELLATION:
            assert row.status == NotificationStatus.SENT
        else:
            assert row.status in (NotificationStatus.SKIPPED, NotificationStatus.CANCELLED)
            assert "cancelled" in row.reason or "moved" in row.reason, row.reason
