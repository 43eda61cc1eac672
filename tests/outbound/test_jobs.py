"""The send jobs' wiring end to end: the dispatcher tick and the CLI's inline pass
enqueue or run them, a job run twice sends once, a reply's job is enqueued on commit
and, lost from Redis, found again by a later tick. Real rows, a real RQ worker and
the fake Twilio, on SQLite and on PostgreSQL; what a send does with a notice or a
message is in test_sending.py."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.models import Author, Record
from outbound.jobs import dispatch_tick, run_dispatch_pass, send_message, send_notification
from outbound.messages import message_customer
from outbound.policy.vocabulary import MessageStatus, Notice, NotificationStatus
from outbound.queueing import (
    REPLY_QUEUE,
    SEND_QUEUE,
    SEND_RETRY,
    enqueue_after_commit,
    get_queue,
    message_job_id,
    notification_job_id,
    redis_connection,
)
from tests.support.databases import BOTH_DATABASES
from tests.support.outbox import notification, queue_sms
from tests.support.settings import SMS_FROM
from tests.support.web import add_user

pytestmark = BOTH_DATABASES


def test_running_a_send_job_twice_sends_once(
    db, customer_factory, record_factory, starts_at, fake_twilio, work
):
    record = record_factory(customer_factory(), starts_at=starts_at)
    dispatch_tick()
    work()
    sent = notification(db, record)

    assert send_notification(sent.id) == "sent"
    assert dispatch_tick() == 0
    assert len(fake_twilio.messages) == 1


def test_the_inline_pass_sends_what_is_due_at_the_given_instant(
    db, customer_factory, record_factory, starts_at, now, fake_twilio
):
    record = record_factory(customer_factory(), starts_at=starts_at)

    assert run_dispatch_pass(now, send_inline=True) == {
        "claimed": 1,
        "sent": 1,
        "skipped": 0,
        "failed": 0,
        "retrying": 0,
    }
    reminder_time = starts_at - timedelta(hours=24)
    assert run_dispatch_pass(reminder_time - timedelta(minutes=1), send_inline=True)["claimed"] == 0
    assert run_dispatch_pass(reminder_time, send_inline=True)["sent"] == 1

    reminder = fake_twilio.messages[-1]
    assert reminder.body.startswith("Erinnerung: Ihr Termin bei Salon Sonnenschein")
    assert notification(db, record, Notice.REMINDER).status == NotificationStatus.SENT


def test_a_queued_reply_is_sent_once(db, business, customer_factory, fake_twilio, work):
    customer = customer_factory()
    reply = queue_sms(db.session, business, customer, "Danke, bis dann!", Author.BOT)
    db.session.commit()

    work()

    [sms] = fake_twilio.messages
    assert (sms.to, sms.body, sms.params["From"]) == (customer.phone, "Danke, bis dann!", SMS_FROM)
    db.session.refresh(reply)
    assert (reply.status, reply.provider_sid) == (MessageStatus.ACCEPTED, sms.sid)
    assert reply.sent_at is not None
    assert reply.next_attempt_at is None  # nothing left to try
    assert send_message(reply.id) == "accepted"
    assert len(fake_twilio.messages) == 1


def test_a_reply_whose_job_was_lost_is_sent_by_a_later_tick(
    db, business, customer_factory, fake_twilio, redis_server, work
):
    customer = customer_factory()
    reply = queue_sms(db.session, business, customer, "Danke!", Author.BOT)
    db.session.commit()
    redis_connection(redis_server.url).flushdb()  # Redis lost the job
    reply.created_at = datetime.now(UTC) - timedelta(minutes=5)
    db.session.commit()

    assert dispatch_tick() == 1
    work()

    [sms] = fake_twilio.messages
    assert sms.body == "Danke!"


def redis_transactions(redis_server) -> int:
    """How many MULTI/EXEC transactions the test's Redis has run so far."""
    stats = redis_connection(redis_server.url).info("commandstats")
    return stats.get("cmdstat_exec", {}).get("calls", 0)


def test_a_ticks_send_jobs_reach_redis_together_with_their_ids_and_retries(
    db, business, customer_factory, record_factory, starts_at, redis_server
):
    for number in range(3):
        record_factory(customer_factory(phone=f"+491511234567{number}"), starts_at=starts_at)
    ids = sorted(notification(db, record).id for record in db.session.scalars(select(Record)))
    before = redis_transactions(redis_server)

    assert dispatch_tick() == 3

    assert redis_transactions(redis_server) - before == 1  # one round trip for the three

    queue = get_queue(SEND_QUEUE, redis_server.url)
    assert sorted(queue.job_ids) == sorted(notification_job_id(each) for each in ids)
    for job in queue.jobs:
        assert job.func_name == "outbound.jobs.send_notification"
        assert job.retries_left == SEND_RETRY.max
        assert job.failure_ttl == 7 * 24 * 3600


def test_two_pending_jobs_with_one_id_enqueue_once_with_the_later_arguments(db, app, redis_server):
    for message_id in (41, 42):
        enqueue_after_commit(
            db.session,
            app.config["REDIS_URL"],
            REPLY_QUEUE,
            "outbound.jobs.send_message",
            message_id,
            job_id="message-shared",
        )
    db.session.commit()

    [job] = get_queue(REPLY_QUEUE, redis_server.url).jobs
    assert (job.id, job.args) == ("message-shared", (42,))


def test_a_bot_reply_goes_before_the_reminders_queued_ahead_of_it(
    db, business, customer_factory, record_factory, starts_at, fake_twilio, work
):
    for number in range(3):
        record_factory(customer_factory(phone=f"+491511234567{number}"), starts_at=starts_at)
    assert dispatch_tick() == 3  # three notices wait on the send queue
    waiting = customer_factory(phone="+4915199999999")
    queue_sms(db.session, business, waiting, "Gern, bis Freitag!", Author.BOT)
    db.session.commit()

    work()

    assert [sms.to for sms in fake_twilio.messages][0] == "+4915199999999"
    assert len(fake_twilio.messages) == 4


def test_messages_someone_waits_for_go_on_the_reply_queue_the_apis_on_send(
    db, business, customer_factory, redis_server, now
):
    customer = customer_factory(email=None)
    staff_user = add_user(db.session, business)
    from_the_bot = queue_sms(db.session, business, customer, "Gern!", Author.BOT)
    from_the_inbox = message_customer(
        db.session, business, customer, body="Bis Freitag", now=now, author_user_id=staff_user.id
    )
    from_the_api = message_customer(db.session, business, customer, body="Fertig", now=now)
    db.session.commit()

    replies = get_queue(REPLY_QUEUE, redis_server.url).job_ids
    assert replies == [message_job_id(from_the_bot.id), message_job_id(from_the_inbox.id)]
    assert get_queue(SEND_QUEUE, redis_server.url).job_ids == [message_job_id(from_the_api.id)]


def test_a_job_run_outside_the_app_says_how_workers_must_run(app):
    # A worker started without `--worker-class bot.worker.AppWorker` has no app: the job
    # refuses with the way to run it instead of failing somewhere inside.
    raised: list[BaseException] = []

    def run() -> None:  # a new thread starts without the test's app context
        try:
            dispatch_tick()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()

    assert len(raised) == 1 and isinstance(raised[0], RuntimeError)
    assert "bot.worker.AppWorker" in str(raised[0])
