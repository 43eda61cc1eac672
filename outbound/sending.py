"""Carry one claimed notification, or one queued message, through its transport: check that it
still holds, render it, store its `Message`, wait for the sender's pacing turn, send it and
record the outcome or the next try on the row. The body of the send jobs, kept apart from RQ so
the CLI's inline pass runs the same code; the `Message` row is `outbound.outgoing_messages`,
retries, holds and failures `outbound.send_outcomes`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, scoped_session

from bot.models import Business, Customer, Direction, Message, Notification, Record
from outbound.calendar_cards import attachments_for
from outbound.delivery import follow_delivery, record_opt_out
from outbound.dispatcher import send_lease
from outbound.notice_texts import notice_locale, render_notice
from outbound.outgoing_messages import (
    fail_message,
    opted_out_since,
    outgoing_for,
    record_send_result,
    store_message,
)
from outbound.pacing import sender_turn
from outbound.policy.rendering import RenderError
from outbound.policy.vocabulary import MessageStatus, NotificationStatus
from outbound.queueing import redis_connection
from outbound.recipients import recipient_blocker, reply_address
from outbound.routing import way_out
from outbound.send_outcomes import (
    MAX_ATTEMPTS,
    fail_notification,
    hold_message,
    put_back_notification,
    retry_message,
    retry_notification,
    skip_notification,
)
from outbound.stale_notices import stale_reason
from outbound.transports import PermanentSendError, TransientSendError, transport_for
from outbound.transports.twilio import OPTED_OUT


def send_notification_now(
    session: Session, notification_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """Send one notification as of `now` and return its resulting status.

    Returns the row's status unchanged when it is not this caller's to send
    (already sent or skipped, waiting for its next try, or being sent by a live
    worker). After a transient failure or while its sender is paced, returns
    "scheduled": the row is back in the outbox with a later `due_at`. Raises
    nothing for the provider's answers; those are recorded on the row.
    """
    if not _claim_notification(session, notification_id, now, send_lease(config)):
        status = session.scalar(
            select(Notification.status).where(Notification.id == notification_id)
        )
        return str(status) if status else "missing"
    session.commit()
    with _loaded_across_commits(session):
        return _send_claimed_notification(session, notification_id, now=now, config=config)


def _send_claimed_notification(
    session: Session, notification_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """The rest of `send_notification_now`, for a notification this call has claimed."""
    notification = session.get(Notification, notification_id)
    if notification.attempts > MAX_ATTEMPTS:
        return fail_notification(
            session, notification, None, f"gave up after {MAX_ATTEMPTS} attempts"
        )

    business = session.get(Business, notification.business_id)
    record = session.get(Record, notification.record_id) if notification.record_id else None
    customer = session.get(Customer, notification.customer_id) if notification.customer_id else None
    reason = stale_reason(session, notification, record) or recipient_blocker(
        notification, business, customer
    )
    if reason:
        return skip_notification(session, notification, reason)

    locale = notice_locale(notification, business, customer)
    way = way_out(session, notification, business, customer, locale, now)
    if way.skip_reason:
        return skip_notification(session, notification, way.skip_reason)
    try:
        text = render_notice(
            session,
            notification,
            business,
            customer,
            record,
            locale,
            now=now,
            config=config,
            content_template=way.content_template,
            channel=way.channel,
        )
    except RenderError as error:
        return fail_notification(session, notification, None, str(error))
    message = store_message(session, notification, business, customer, text, way, now)
    session.commit()

    turn = _paced_turn(message, business, config)
    if turn:
        notification.attempts -= 1  # waiting for the sender's turn is no attempt
        put_back_notification(session, notification, now + turn, config)
        session.commit()
        return NotificationStatus.SCHEDULED.value
    outgoing = outgoing_for(
        message,
        config,
        attachments=attachments_for(
            notification, business, customer, record, now=now, config=config
        ),
        reply_to=reply_address(notification, business, customer),
    )
    try:
        result = transport_for(message.channel, config).send(outgoing)
    except PermanentSendError as error:
        return fail_notification(
            session, notification, message, error.reason, code=error.code, now=now
        )
    except TransientSendError as error:
        return retry_notification(
            session, notification, message, business, error, now, config, note=way.note
        )
    # The message first, then its notification: the order a status callback locks them in.
    record_send_result(session, message, result, now)
    notification.status = NotificationStatus.SENT
    notification.reason = way.note  # why it went by SMS instead of WhatsApp, if it did
    notification.lease_until = None
    follow_delivery(session, message, now=now)  # a status that came before the answer
    session.commit()
    return str(notification.status)


def send_message_now(
    session: Session, message_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """Send one queued outbound message (a bot reply or a staff message).

    Returns the message's resulting status, or its current one when it is not
    queued, waits for a later try, or another worker is sending it. After a
    transient failure or while its sender is paced it stays `queued`, held
    (`next_attempt_at`) until its next try; after MESSAGE_RETRY_WINDOW a
    transient failure fails it. Raises nothing for the provider's answers.
    """
    claimed = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.QUEUED,
            or_(Message.next_attempt_at.is_(None), Message.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + send_lease(config))
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    message = session.get(Message, message_id)
    if message is None:
        return "missing"
    if not claimed:
        return str(message.status)
    with _loaded_across_commits(session):
        return _send_claimed_message(session, message, now=now, config=config)


def _send_claimed_message(
    session: Session, message: Message, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """The rest of `send_message_now`, for a message this call has claimed."""
    opted_out = opted_out_since(session, message)
    if opted_out is not None:
        fail_message(message, None, f"recipient opted out on {opted_out:%Y-%m-%d}")
        session.commit()
        return str(message.status)
    business = session.get(Business, message.business_id)
    turn = _paced_turn(message, business, config)
    if turn:
        hold_message(session, message, now + turn, config)
        session.commit()
        return str(message.status)
    try:
        result = transport_for(message.channel, config).send(outgoing_for(message, config))
    except PermanentSendError as error:
        fail_message(message, error.code, error.reason)
        if error.code == OPTED_OUT:
            record_opt_out(session, message, now=now)
        session.commit()
        return str(message.status)
    except TransientSendError as error:
        retry_message(session, message, business, error, now, config)
        return str(message.status)
    record_send_result(session, message, result, now)
    session.commit()
    return str(message.status)


def _claim_notification(
    session: Session, notification_id: int, now: datetime, lease: timedelta
) -> bool:
    # Queued rows are this job's to send (a tick claimed them for it); a row
    # "sending" past its lease was left by a worker that died. A row waiting
    # for its next try is `scheduled`, which no job can take.
    result = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            or_(
                Notification.status == NotificationStatus.QUEUED,
                (Notification.status == NotificationStatus.SENDING)
                & or_(Notification.lease_until.is_(None), Notification.lease_until < now),
            ),
        )
        .values(
            status=NotificationStatus.SENDING,
            attempts=Notification.attempts + 1,
            lease_until=now + lease,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


@contextmanager
def _loaded_across_commits(session: Session) -> Iterator[None]:
    """Rows a send has loaded stay loaded across its commits instead of being read again
    after each: its lease makes the notification and the message this send's alone, and
    the one value another process may change meanwhile, the message's status (a status
    callback), `record_send_result` reads afresh on purpose. Everything is expired on the
    way out, so whatever the session does next reads the database again."""
    own = session() if isinstance(session, scoped_session) else session
    expiring = own.expire_on_commit
    own.expire_on_commit = False
    try:
        yield
    finally:
        own.expire_on_commit = expiring
        own.expire_all()


def _paced_turn(message: Message, business: Business, config: Mapping[str, Any]) -> timedelta:
    return sender_turn(
        message.channel,
        message.from_address,
        message.segments,
        business.sms_per_second,
        config,
        redis_connection(config["REDIS_URL"]),
    )
