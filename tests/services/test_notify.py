"""Planning through the domain: rules that send only during working hours (R4.6), and
reminders for customers who booked online (R1.12)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.models import Location, Notification, NotificationRule, WorkingHours
from outbound.jobs import run_dispatch_pass
from outbound.policy.vocabulary import Audience, ChannelChoice, Notice, NotificationStatus, Trigger

BERLIN = ZoneInfo("Europe/Berlin")
SATURDAY_EVENING = datetime(2026, 11, 28, 20, 0, tzinfo=BERLIN)


def test_a_working_hours_rule_holds_the_notice_until_the_location_opens(
    db, business, customer_factory, record_factory
):  # R4.6
    location = Location(business_id=business.id, name="Werkstatt")
    for weekday in range(5):
        location.working_hours.append(
            WorkingHours(weekday=weekday, opens_at=time(9), closes_at=time(17))
        )
    db.session.add(location)
    confirmation = db.session.scalar(
        select(NotificationRule).where(NotificationRule.notice == Notice.CONFIRMATION).limit(1)
    )
    confirmation.working_hours_only = True
    db.session.commit()

    record = record_factory(
        customer_factory(),
        now=SATURDAY_EVENING,
        starts_at=SATURDAY_EVENING + timedelta(days=5),
        location_id=location.id,
    )
    planned = db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id, Notification.notice == Notice.CONFIRMATION
        )
    )
    assert planned.status == NotificationStatus.SCHEDULED
    assert planned.due_at == datetime(2026, 11, 30, 9, 0, tzinfo=BERLIN)  # Monday's opening


def test_without_working_hours_such_a_notice_is_skipped_with_the_reason(
    db, business, customer_factory, record_factory
):
    for rule in db.session.scalars(select(NotificationRule)):
        rule.working_hours_only = True
    db.session.commit()
    record = record_factory(customer_factory())
    reasons = {
        n.reason
        for n in db.session.scalars(select(Notification).where(Notification.record_id == record.id))
    }
    assert reasons == {"the location has no working hours to send in"}


def _reminder(db, record) -> Notification:
    return db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id, Notification.notice == Notice.REMINDER
        )
    )


def test_an_online_booking_by_a_new_customer_holds_back_its_reminder(
    db, customer_factory, record_factory, now
):  # R1.12
    online = record_factory(customer_factory(), source="online", starts_at=now + timedelta(days=3))

    reminder = _reminder(db, online)
    assert reminder.status == NotificationStatus.SKIPPED
    assert reminder.reason == "customer booked online and has not accepted the privacy policy yet"


def test_an_existing_customer_with_sms_consent_is_reminded_of_an_online_booking(
    db, customer_factory, record_factory, now
):  # R1.12: "existing customers with SMS consent do"
    regular = customer_factory()
    record_factory(regular, source="calendar", starts_at=now - timedelta(days=30))
    online = record_factory(regular, source="online", starts_at=now + timedelta(days=3))

    assert _reminder(db, online).status == NotificationStatus.SCHEDULED


def test_an_existing_customer_without_sms_consent_still_needs_the_privacy_policy(
    db, customer_factory, record_factory, now
):  # R1.12
    regular = customer_factory(sms_consent=False, email="u@example.org", email_consent=True)
    record_factory(regular, source="calendar", starts_at=now - timedelta(days=30))
    online = record_factory(regular, source="online", starts_at=now + timedelta(days=3))

    assert _reminder(db, online).status == NotificationStatus.SKIPPED


def test_a_rule_sending_the_reminder_text_on_booking_is_not_taken_for_a_reminder(
    db, business, customer_factory, record_factory, fake_twilio, now
):
    # Reminders are known by their rule's trigger (their key), not by the text they send.
    db.session.add(
        NotificationRule(
            business_id=business.id,
            name="Remind at once",
            kind="appointment",
            trigger=Trigger.CREATED,
            trigger_status="confirmed",
            audience=Audience.CUSTOMER,
            channel=ChannelChoice.SMS,
            notice=Notice.REMINDER,
        )
    )
    db.session.commit()
    record = record_factory(customer_factory(), starts_at=now + timedelta(days=3))

    run_dispatch_pass(now + timedelta(minutes=1), send_inline=True)

    at_once = db.session.scalar(
        select(Notification).where(
            Notification.record_id == record.id,
            Notification.notice == Notice.REMINDER,
            Notification.idempotency_key.not_like("%:reminder:%"),
        )
    )
    assert (at_once.status, at_once.reason) == (NotificationStatus.SENT, None)
    assert any(message.body.startswith("Erinnerung") for message in fake_twilio.messages)
