"""What a send does with a notice or a message (outbound/sending.py), driven through
the real jobs: the transport and address it goes to, the checks at send time
(cancelled, moved, consent, opt-out, SMS switched off), the business's own text, and
the failures: permanent ones recorded at once, transient ones retried after a backoff
or Twilio's Retry-After. Real rows, a real RQ worker, the fake Twilio and SMTP sink,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

import pytest
from flask import current_app
from rq.job import Job
from sqlalchemy import func, select

from bot.models import AddressKind, Author, Conversation, Message, Template, utcnow
from bot.services.commands import RecordChanges
from bot.services.records import update_record
from outbound.jobs import dispatch_tick, run_dispatch_pass, send_message, send_notification
from outbound.policy.vocabulary import Channel, MessageStatus, Notice, NotificationStatus
from outbound.queueing import (
    DISPATCH_QUEUE,
    get_queue,
    message_job_id,
    notification_job_id,
    redis_connection,
)
from outbound.send_outcomes import MAX_ATTEMPTS, MESSAGE_RETRY_WINDOW
from outbound.sending import send_message_now
from tests.support.databases import BOTH_DATABASES
from tests.support.outbox import notification, queue_sms
from tests.support.settings import PUBLIC_BASE_URL, SMS_FROM

pytestmark = BOTH_DATABASES


def test_a_confirmation_goes_out_as_a_german_sms_with_a_status_callback(
    db, business, customer_factory, record_factory, starts_at, fake_twilio, smtp_sink, work
):
    customer = customer_factory(phone="0151 12345678")
    record = record_factory(customer, starts_at=starts_at)

    assert dispatch_tick() == 1
    work()

    [sms] = fake_twilio.messages
    assert sms.to == "+4915112345678"
    assert sms.params["From"] == SMS_FROM
    message_id = notification(db, record).message_id
    assert sms.params["StatusCallback"] == (
        f"{PUBLIC_BASE_URL}/webhooks/twilio/status?message={message_id}"
    )
    assert sms.body.startswith("Salon Sonnenschein: Ihr Termin am ")
    assert f"{starts_at:%d.%m.%Y} um 14:00 Uhr ist gebucht" in sms.body
    assert smtp_sink.messages == []

    sent = notification(db, record)
    assert sent.status == NotificationStatus.SENT and sent.attempts == 1
    message = db.session.get(Message, sent.message_id)
    assert message.provider_sid == sms.sid
    assert message.status == MessageStatus.ACCEPTED
    assert (message.author, message.body) == (Author.SYSTEM, sms.body)
    assert "Absagen: http" in sms.body  # the cancel link (R1.11) makes it two segments
    assert message.segments == int(sms.num_segments) == 2
    conversation = db.session.get(Conversation, message.conversation_id)
    assert (conversation.channel, conversation.address) == (Channel.SMS, "+4915112345678")
    assert conversation.customer_id == customer.id
    assert conversation.context.record_id == record.id  # what a reply will be about


def test_a_customer_with_email_and_consent_gets_email_not_sms(
    db, customer_factory, record_factory, starts_at, fake_twilio, smtp_sink, work
):
    customer = customer_factory(email="ursula@example.org", email_consent=True)
    record = record_factory(customer, starts_at=starts_at)

    dispatch_tick()
    work()

    assert fake_twilio.messages == []
    [email] = smtp_sink.messages
    assert email["To"] == "ursula@example.org"
    assert email["Subject"] == f"Ihr Termin bei Salon Sonnenschein am {starts_at:%d.%m.%Y}"
    assert "Hallo Ursula Hoffmann," in email.get_body(("plain",)).get_content()
    sent = notification(db, record)
    assert sent.status == NotificationStatus.DELIVERED  # the server accepted it
    message = db.session.get(Message, sent.message_id)
    assert (message.channel, message.conversation_id, message.billable) == (
        Channel.EMAIL,
        None,
        False,
    )


def test_a_confirmation_email_carries_the_appointment_card_and_a_reply_address(
    db, business, customer_factory, record_factory, starts_at, smtp_sink, work
):
    business.notification_email = "team@salon.example"
    db.session.commit()
    customer = customer_factory(email="ursula@example.org", email_consent=True)
    record_factory(customer, starts_at=starts_at)

    dispatch_tick()
    work()

    [email] = smtp_sink.messages
    assert email["Reply-To"] == "team@salon.example"  # not the shared MAIL_FROM
    [card] = list(email.iter_attachments())
    assert card.get_filename() == "termin.ics"
    assert card.get_content_type() == "text/calendar"
    assert "BEGIN:VEVENT" in card.get_content()


def test_a_notice_to_the_business_goes_to_its_notification_address(
    db, business, customer_factory, record_factory, starts_at, smtp_sink, fake_twilio, work
):
    business.notification_email = "team@salon.example"
    db.session.commit()
    customer = customer_factory()
    record_factory(customer, starts_at=starts_at, status="pending", source="online")

    dispatch_tick()
    work()

    [email] = smtp_sink.messages
    assert email["To"] == "team@salon.example"
    assert email["Subject"].startswith("Neue Terminanfrage: Ursula Hoffmann")
    [sms] = fake_twilio.messages  # the customer's "request received"
    assert "Anfrage" in sms.body and "erhalten" in sms.body


def test_a_cancelled_appointment_skips_its_confirmation_and_sends_the_cancellation(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    customer = customer_factory()
    record = record_factory(customer, starts_at=starts_at)
    run_dispatch_pass(now, send_inline=False)  # the confirmation is queued …
    update_record(db.session, business, record, RecordChanges(status="cancelled"), now=now)
    db.session.commit()  # … and the appointment is cancelled before the worker runs

    dispatch_tick()
    work()

    skipped = notification(db, record)
    assert skipped.status == NotificationStatus.SKIPPED
    assert skipped.reason == "appointment was cancelled"
    assert skipped.message_id is None
    [sms] = fake_twilio.messages
    assert "wurde abgesagt" in sms.body
    assert notification(db, record, Notice.CANCELLATION).status == NotificationStatus.SENT


def test_a_confirmation_overtaken_by_a_move_gives_way_to_the_change_notice(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    run_dispatch_pass(now, send_inline=False)
    moved = starts_at + timedelta(days=1, hours=2)
    update_record(db.session, business, record, RecordChanges(starts_at=moved), now=now)
    db.session.commit()

    dispatch_tick()
    work()

    confirmation = notification(db, record)
    assert confirmation.status == NotificationStatus.SKIPPED
    assert confirmation.reason == "appointment changed again; a newer notice replaces this one"
    [sms] = fake_twilio.messages
    assert sms.body.startswith("Ihr Termin mit Salon Sonnenschein wurde angepasst.")
    assert f"am {moved:%d.%m.%Y} um 16:00 Uhr" in sms.body


def test_a_move_without_notice_still_lets_the_confirmation_out_with_the_new_time(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    run_dispatch_pass(now, send_inline=False)
    moved = starts_at + timedelta(hours=1)
    update_record(
        db.session, business, record, RecordChanges(starts_at=moved), now=now, notify=False
    )
    db.session.commit()

    dispatch_tick()
    work()

    assert notification(db, record).status == NotificationStatus.SENT
    [sms] = fake_twilio.messages
    assert "um 15:00 Uhr ist gebucht" in sms.body


def test_consent_withdrawn_after_planning_skips_with_the_reason(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    customer = customer_factory()
    record = record_factory(customer, starts_at=starts_at)
    customer.sms_consent = False
    db.session.commit()

    dispatch_tick()
    work()

    assert fake_twilio.messages == []
    skipped = notification(db, record)
    assert (skipped.status, skipped.reason) == (
        NotificationStatus.SKIPPED,
        "customer has no SMS consent",
    )


def test_sms_switched_off_after_planning_skips_with_the_reason(
    db, business, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    business.sms_enabled = False
    db.session.commit()

    dispatch_tick()
    work()

    assert fake_twilio.messages == []
    assert notification(db, record).reason == "SMS is switched off for this business"


def test_a_reminder_for_a_time_that_no_longer_holds_is_skipped(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    reminder_time = starts_at - timedelta(hours=24)
    run_dispatch_pass(reminder_time, send_inline=False)  # the reminder is claimed and queued
    reminder = notification(db, record, Notice.REMINDER)
    assert reminder.status == NotificationStatus.QUEUED
    # A move the withdrawal could not reach (a concurrent writer, or a job already
    # holding the row): the job itself must see the time no longer holds.
    record.starts_at = starts_at + timedelta(days=1)
    record.version += 1
    db.session.commit()

    outcome = send_notification(reminder.id, reminder_time.isoformat())

    assert outcome == "skipped"
    db.session.refresh(reminder)
    assert reminder.reason == "appointment was moved to another time"
    assert all("Erinnerung" not in sms.body for sms in fake_twilio.messages)


def test_moving_the_appointment_withdraws_its_queued_reminder_at_once(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    reminder_time = starts_at - timedelta(hours=24)
    run_dispatch_pass(reminder_time, send_inline=False)
    reminder = notification(db, record, Notice.REMINDER)
    update_record(
        db.session,
        business,
        record,
        RecordChanges(starts_at=starts_at + timedelta(days=1)),
        now=now,
    )
    db.session.commit()

    assert send_notification(reminder.id, reminder_time.isoformat()) == "cancelled"
    db.session.refresh(reminder)
    assert reminder.reason == "appointment was moved to another time"
    assert all("Erinnerung" not in sms.body for sms in fake_twilio.messages)


def test_an_invalid_number_fails_the_notice_with_the_reason(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    fake_twilio.fail_next(400, 21211)

    dispatch_tick()
    work()

    failed = notification(db, record)
    assert failed.status == NotificationStatus.FAILED
    assert "not a valid phone number" in failed.reason and "21211" in failed.reason
    message = db.session.get(Message, failed.message_id)
    assert (message.status, message.error_code) == (MessageStatus.FAILED, "21211")
    job = Job.fetch(notification_job_id(failed.id), connection=redis_connection_of())
    assert job.get_status() == "finished"  # recorded on purpose, nothing for RQ to retry


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (21211, "the number is not a valid phone number"),
        (21614, "the number is not a mobile number"),
        (21610, "the recipient opted out (sent STOP) and cannot be messaged"),
        (30007, "the carrier filtered the message as spam"),
    ],
)
def test_a_permanent_twilio_error_fails_the_notice_at_once(
    db, customer_factory, record_factory, starts_at, fake_twilio, work, code, reason
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    fake_twilio.fail_next(400, code)

    dispatch_tick()
    work()
    dispatch_tick()
    work()

    failed = notification(db, record)
    assert (failed.status, failed.attempts) == (NotificationStatus.FAILED, 1)
    assert failed.reason == f"{reason} (Twilio error {code})"
    assert fake_twilio.requests_seen == 1  # no retry


def test_twilio_opt_out_is_recorded_and_never_tried_again(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    customer = customer_factory()
    record = record_factory(customer, starts_at=starts_at)
    fake_twilio.fail_next(400, 21610)

    dispatch_tick()
    work()

    assert notification(db, record).status == NotificationStatus.FAILED
    tel = customer.address(AddressKind.TEL)
    db.session.refresh(tel)
    assert tel.opted_out_at is not None

    update_record(
        db.session,
        business,
        record,
        RecordChanges(starts_at=starts_at + timedelta(hours=2)),
        now=now,
    )
    db.session.commit()
    dispatch_tick()
    work()

    change = notification(db, record, Notice.CHANGE)
    assert change.status == NotificationStatus.SKIPPED
    assert "customer opted out on " in change.reason
    assert fake_twilio.requests_seen == 1


def test_a_rate_limit_puts_the_row_back_until_twilios_retry_after(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    dispatch_tick()
    queued = notification(db, record)
    fake_twilio.fail_next(429, 20429, headers={"Retry-After": "120"})
    before = utcnow()

    assert send_notification(queued.id) == "scheduled"

    db.session.refresh(queued)
    assert (queued.status, queued.attempts) == (NotificationStatus.SCHEDULED, 1)
    assert queued.due_at >= before + timedelta(seconds=120)  # longer than the 10 s backoff
    assert queued.reason.startswith("attempt 1 failed (Twilio is busy or failing (HTTP 429)")
    assert "; next try at " in queued.reason
    assert db.session.get(Message, queued.message_id).status == MessageStatus.QUEUED
    wake_ups = get_queue(DISPATCH_QUEUE, redis_url()).scheduled_job_registry.get_job_ids()
    assert f"dispatch-at-{math.ceil(queued.due_at.timestamp())}" in wake_ups

    # Nothing takes the row before Twilio's time: not a stray job, not a tick.
    assert send_notification(queued.id) == "scheduled"
    assert dispatch_tick() == 0
    assert run_dispatch_pass(queued.due_at - timedelta(seconds=1), send_inline=False) == {
        "claimed": 0,
        "enqueued": 0,
    }
    assert fake_twilio.requests_seen == 1

    run_dispatch_pass(queued.due_at, send_inline=False)
    work()

    db.session.refresh(queued)
    assert (queued.status, queued.attempts, queued.reason) == (NotificationStatus.SENT, 2, None)
    assert db.session.scalar(select(func.count(Message.id))) == 1  # the retry reused the row
    assert len(fake_twilio.messages) == 1


def test_a_server_error_is_recorded_on_the_row_and_the_job_ends(
    db, customer_factory, record_factory, starts_at, fake_twilio, work, caplog
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    fake_twilio.fail_next(503)
    before = utcnow()

    dispatch_tick()
    with caplog.at_level(logging.WARNING, logger="outbound.send_outcomes"):
        work()

    waiting = notification(db, record)
    assert waiting.status == NotificationStatus.SCHEDULED
    assert waiting.reason.startswith("attempt 1 failed (Twilio is busy or failing (HTTP 503)")
    assert before + timedelta(seconds=10) <= waiting.due_at <= utcnow() + timedelta(seconds=10)
    job = Job.fetch(notification_job_id(waiting.id), connection=redis_connection_of())
    assert job.get_status() == "finished"  # recorded on the row on purpose …
    assert any(waiting.reason in entry.getMessage() for entry in caplog.records)  # … and said


def test_the_backoff_grows_with_each_failed_attempt(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    waits = []
    for _ in range(3):
        fake_twilio.fail_next(500)
        row = notification(db, record)
        run_dispatch_pass(max(row.due_at, utcnow()), send_inline=False)
        before = utcnow()
        work()
        db.session.refresh(row)
        waits.append(round((row.due_at - before).total_seconds()))

    assert waits == [10, 30, 60]
    assert row.reason.startswith("attempt 3 failed")
    assert fake_twilio.requests_seen == 3


def test_after_the_last_attempt_the_notice_fails(
    db, customer_factory, record_factory, starts_at, fake_twilio
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    dispatch_tick()
    queued = notification(db, record)
    queued.attempts = MAX_ATTEMPTS - 1
    db.session.commit()
    fake_twilio.fail_next(500)

    assert send_notification(queued.id) == "failed"

    db.session.refresh(queued)
    assert queued.status == NotificationStatus.FAILED
    assert queued.reason.startswith(f"gave up after {MAX_ATTEMPTS} attempts: Twilio is busy")
    assert db.session.get(Message, queued.message_id).status == MessageStatus.FAILED


def test_a_reminder_withdrawn_while_waiting_for_its_retry_fails_its_message(
    db, business, customer_factory, record_factory, starts_at, now, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    reminder_time = starts_at - timedelta(hours=24)
    run_dispatch_pass(now, send_inline=True)  # the confirmation
    fake_twilio.fail_next(500)
    run_dispatch_pass(reminder_time, send_inline=False)
    work()
    reminder = notification(db, record, Notice.REMINDER)
    assert reminder.status == NotificationStatus.SCHEDULED
    waiting = db.session.get(Message, reminder.message_id)
    assert waiting.status == MessageStatus.QUEUED

    update_record(
        db.session,
        business,
        record,
        RecordChanges(starts_at=starts_at + timedelta(days=1)),
        now=now,
    )
    db.session.commit()
    dispatch_tick()

    db.session.refresh(reminder)
    db.session.refresh(waiting)
    assert reminder.status == NotificationStatus.CANCELLED
    assert waiting.status == MessageStatus.FAILED
    assert waiting.error_message == "not sent: appointment was moved to another time"


def test_the_business_own_text_is_used(
    db, business, customer_factory, record_factory, starts_at, fake_twilio, work
):
    template = db.session.scalars(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == "confirmation",
            Template.channel == Channel.SMS,
            Template.locale == "de",
        )
    ).one()
    template.body = "Bis {{ weekday }} um {{ time }}, {{ customer.first_name }}!"
    db.session.commit()
    record_factory(customer_factory(), starts_at=starts_at)

    dispatch_tick()
    work()

    [sms] = fake_twilio.messages
    weekday = {0: "Montag", 1: "Dienstag", 2: "Mittwoch", 3: "Donnerstag", 4: "Freitag"}.get(
        starts_at.weekday(), "Samstag" if starts_at.weekday() == 5 else "Sonntag"
    )
    assert sms.body == f"Bis {weekday} um 14:00, Ursula!"


def test_a_broken_business_text_fails_with_the_template_error(
    db, business, customer_factory, record_factory, starts_at, fake_twilio, work
):
    for template in db.session.scalars(select(Template).where(Template.name == "confirmation")):
        template.body = "Hallo {{ kunde.name }}"
    db.session.commit()
    record = record_factory(customer_factory(), starts_at=starts_at)

    dispatch_tick()
    work()

    failed = notification(db, record)
    assert failed.status == NotificationStatus.FAILED
    assert "template error" in failed.reason and "kunde" in failed.reason
    assert fake_twilio.messages == []


def test_with_the_simulator_the_sms_is_delivered_and_billable(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    current_app.config["SMS_TRANSPORT"] = "simulator"
    record = record_factory(customer_factory(), starts_at=starts_at)

    dispatch_tick()
    work()

    assert fake_twilio.messages == []
    delivered = notification(db, record)
    assert delivered.status == NotificationStatus.DELIVERED
    message = db.session.get(Message, delivered.message_id)
    assert message.provider_sid.startswith("SIM")
    assert (message.status, message.billable) == (MessageStatus.DELIVERED, True)
    assert message.delivered_at is not None


def test_a_reply_to_an_opted_out_number_is_failed_without_calling_twilio(
    db, business, customer_factory, now, fake_twilio, work
):
    customer = customer_factory()
    customer.address(AddressKind.TEL).opted_out_at = now - timedelta(days=1)
    reply = queue_sms(db.session, business, customer, "Danke!", Author.STAFF)
    db.session.commit()

    work()

    db.session.refresh(reply)
    assert reply.status == MessageStatus.FAILED
    assert reply.error_message == f"recipient opted out on {now - timedelta(days=1):%Y-%m-%d}"
    assert fake_twilio.requests_seen == 0


def test_a_reply_that_fails_transiently_is_held_and_sent_by_a_later_tick(
    db, business, customer_factory, fake_twilio, work
):
    customer = customer_factory()
    reply = queue_sms(db.session, business, customer, "Danke!", Author.BOT)
    db.session.commit()
    fake_twilio.fail_next(429, 20429, headers={"Retry-After": "45"})
    before = utcnow()

    work()

    db.session.refresh(reply)
    assert reply.status == MessageStatus.QUEUED
    assert reply.next_attempt_at >= before + timedelta(seconds=45)  # held until Twilio's time
    assert reply.sent_at is None  # Twilio has not taken it
    assert reply.error_message.startswith("sending failed (Twilio is busy or failing (HTTP 429)")
    assert send_message(reply.id) == "queued"  # a stray job cannot take it early
    assert dispatch_tick() == 0
    assert fake_twilio.requests_seen == 1

    reply.next_attempt_at = utcnow() - timedelta(seconds=1)  # its time has come
    db.session.commit()
    assert dispatch_tick() == 1
    work()

    db.session.refresh(reply)
    [sms] = fake_twilio.messages
    assert (reply.status, reply.provider_sid, reply.error_message) == (
        MessageStatus.ACCEPTED,
        sms.sid,
        None,
    )
    assert Job.fetch(message_job_id(reply.id), connection=redis_connection_of()).get_status() == (
        "finished"
    )


def test_a_reply_still_failing_after_the_retry_window_is_failed(
    db, business, customer_factory, fake_twilio
):
    customer = customer_factory()
    reply = queue_sms(db.session, business, customer, "Danke!", Author.BOT)
    db.session.commit()
    fake_twilio.fail_next(500)

    outcome = send_message_now(
        db.session,
        reply.id,
        now=reply.created_at + MESSAGE_RETRY_WINDOW,
        config=current_app.config,
    )

    assert outcome == "failed"
    db.session.refresh(reply)
    assert reply.error_message.startswith("gave up after 30 minutes: Twilio is busy")
    assert (reply.sent_at, reply.next_attempt_at) == (None, None)  # never sent, never tried again


def test_a_message_waits_longer_the_older_it_is(db, business, customer_factory, fake_twilio):
    customer = customer_factory()
    reply = queue_sms(db.session, business, customer, "Danke!", Author.STAFF)
    db.session.commit()
    waits = []
    for age in (timedelta(0), timedelta(seconds=40), timedelta(minutes=25)):
        fake_twilio.fail_next(503)
        moment = reply.created_at + age
        send_message_now(db.session, reply.id, now=moment, config=current_app.config)
        db.session.refresh(reply)
        waits.append((reply.next_attempt_at - moment).total_seconds())

    assert waits == [10, 40, 900]


def redis_url():
    return current_app.config["REDIS_URL"]


def redis_connection_of():
    return redis_connection(current_app.config["REDIS_URL"])
