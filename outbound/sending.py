"""Carry one claimed notification, or one queued message, through its transport.

This is the body of the send jobs, kept apart from RQ so the CLI's inline
pass runs the same code. For a notification it re-checks at send time that
the notice still holds (record not cancelled or moved since, consent, opt-out,
SMS switched on), renders the business's text or the default one, stores the
`Message` in the customer's conversation, and only then calls the transport,
outside any open transaction. A permanent failure is recorded on the rows on
purpose; a transient one puts the row back in the queue and is re-raised so
RQ's Retry applies. Claims are conditional updates, so a job that runs twice,
or twice at once, sends once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    AddressKind,
    Author,
    Business,
    ContactAddress,
    ConversationState,
    Customer,
    Direction,
    Message,
    Notification,
    Record,
)
from bot.services.conversations import conversation_for
from bot.services.delivery import record_opt_out, record_provider_status
from bot.services.messages import sender_address
from outbound.notices import (
    notice_locale,
    recipient_address,
    recipient_blocker,
    render_notice,
    stale_reason,
)
from outbound.rendering import RenderedText, RenderError
from outbound.segments import count_segments
from outbound.transports import (
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
    transport_for,
)
from outbound.transports.twilio import OPTED_OUT
from outbound.vocabulary import Audience, Channel, MessageStatus, NotificationStatus

SEND_LEASE = timedelta(minutes=10)  # how long one attempt may take before another may start
MAX_ATTEMPTS = 6  # the first try and RQ's five retries
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"


def status_callback_url(config: Mapping[str, Any], message_id: int) -> str:
    """Where Twilio should report delivery: the public status webhook, naming our
    message, so a report that arrives before the send call returns finds it."""
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}{STATUS_CALLBACK_PATH}?message={message_id}"


def send_notification_now(
    session: Session, notification_id: int, *, now: datetime, config: Mapping[str, Any]
) -> str:
    """Send one notification as of `now` and return its resulting status.

    Returns the row's status unchanged when it is not this caller's to send
    (already sent, skipped, or being sent by a live worker). Raises
    TransientSendError after putting the row back in the queue.
    """
    if not _claim_notification(session, notification_id, now):
        status = session.scalar(
            select(Notification.status).where(Notification.id == notification_id)
        )
        return str(status) if status else "missing"
    session.commit()
    notification = session.get(Notification, notification_id)
    if notification.attempts > MAX_ATTEMPTS:
        return _fail(session, notification, None, f"gave up after {MAX_ATTEMPTS} attempts")

    business = session.get(Business, notification.business_id)
    record = session.get(Record, notification.record_id) if notification.record_id else None
    customer = session.get(Customer, notification.customer_id) if notification.customer_id else None
    reason = stale_reason(session, notification, record) or recipient_blocker(
        notification, business, customer
    )
    if reason:
        notification.status = NotificationStatus.SKIPPED
        notification.reason = reason
        notification.lease_until = None
        earlier = _linked_message(session, notification)
        if earlier is not None:  # an earlier attempt stored it, then failed for a while
            _fail_message(earlier, None, f"not sent: {reason}")
        session.commit()
        return NotificationStatus.SKIPPED.value

    locale = notice_locale(notification, business, customer)
    try:
        text = render_notice(session, notification, business, customer, record, locale)
    except RenderError as error:
        return _fail(session, notification, None, str(error))
    message = _store_message(session, notification, business, customer, text, now)
    session.commit()

    outgoing = _outgoing(message, config)
    try:
        result = transport_for(message.channel, config).send(outgoing)
    except PermanentSendError as error:
        return _fail(session, notification, message, error.reason, code=error.code, now=now)
    except TransientSendError as error:
        _requeue(session, notification, message, error, now)
        raise
    notification.status = NotificationStatus.SENT
    notification.reason = None
    notification.lease_until = None
    _record_result(session, message, result, now)
    session.commit()
    return str(notification.status)


def send_message_now(
    session: Session,
    message_id: int,
    *,
    now: datetime,
    config: Mapping[str, Any],
    last_attempt: bool = False,
) -> str:
    """Send one queued outbound message (a bot reply or a staff message).

    Returns the message's resulting status, or its current one when it is not
    queued or another worker is sending it. On a transient error the message
    stays queued and the error is re-raised, unless `last_attempt` says no
    retry will follow, in which case the message is marked failed first.
    """
    # While a message is still queued, `sent_at` marks an attempt in flight.
    claimed = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.QUEUED,
            or_(Message.sent_at.is_(None), Message.sent_at < now - SEND_LEASE),
        )
        .values(sent_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.commit()
    message = session.get(Message, message_id)
    if message is None:
        return "missing"
    if not claimed:
        return str(message.status)

    opted_out = _opted_out_address(session, message)
    if opted_out is not None:
        reason = f"recipient opted out on {opted_out:%Y-%m-%d}"
        _fail_message(message, None, reason)
        session.commit()
        return str(message.status)
    try:
        result = transport_for(message.channel, config).send(_outgoing(message, config))
    except PermanentSendError as error:
        _fail_message(message, error.code, error.reason)
        if error.code == OPTED_OUT:
            record_opt_out(session, message, now=now)
        session.commit()
        return str(message.status)
    except TransientSendError as error:
        message.sent_at = None
        if last_attempt:
            _fail_message(message, None, f"gave up: {error.reason}")
        session.commit()
        raise
    _record_result(session, message, result, now)
    session.commit()
    return str(message.status)


def _claim_notification(session: Session, notification_id: int, now: datetime) -> bool:
    # Queued rows are this job's to send; a row "sending" past its lease was
    # left by a worker that died.
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
            lease_until=now + SEND_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _store_message(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer | None,
    text: RenderedText,
    now: datetime,
) -> Message:
    """The notice's Message, queued; a retry reuses the row of the earlier attempt."""
    message = _linked_message(session, notification)
    if message is None:
        to = recipient_address(notification, business, customer)
        channel = notification.channel
        message = Message(
            business_id=business.id,
            customer_id=customer.id if customer else None,
            direction=Direction.OUTBOUND,
            channel=channel,
            from_address=sender_address(business, channel) or "",
            to_address=to,
            status=MessageStatus.QUEUED,
            author=Author.SYSTEM,
        )
        if notification.audience == Audience.CUSTOMER and channel != Channel.EMAIL:
            conversation = conversation_for(
                session, business, channel, to, customer=customer, now=now
            )
            if notification.record_id is not None:
                # A new notice starts a new exchange: the reply handler reads the answer
                # as being about this record, and an old offer can no longer be
                # accepted by a "ja" meant for this notice.
                conversation.context = {"record_id": notification.record_id}
                conversation.state = ConversationState.AWAITING_REPLY
            message.conversation_id = conversation.id
        session.add(message)
    message.subject = (text.subject or business.name) if message.channel == Channel.EMAIL else None
    message.body = text.body
    if message.channel == Channel.EMAIL:
        message.segments, message.encoding = 0, None
    else:
        counted = count_segments(text.body)
        message.segments, message.encoding = counted.segments, counted.encoding
    session.flush()
    notification.message_id = message.id
    return message


def _outgoing(message: Message, config: Mapping[str, Any]) -> Outgoing:
    return Outgoing(
        channel=message.channel,
        to=message.to_address,
        from_=message.from_address,
        body=message.body,
        subject=message.subject,
        status_callback_url=(
            status_callback_url(config, message.id) if message.channel != Channel.EMAIL else None
        ),
    )


def _record_result(session: Session, message: Message, result: SendResult, now: datetime) -> None:
    message.provider_sid = result.provider_sid
    message.sent_at = now
    if result.segments:
        message.segments = result.segments  # the provider's count is what it bills
    session.flush()
    record_provider_status(session, message, result.status, now=now)


def _fail(
    session: Session,
    notification: Notification,
    message: Message | None,
    reason: str,
    *,
    code: str | None = None,
    now: datetime | None = None,
) -> str:
    notification.status = NotificationStatus.FAILED
    notification.reason = reason
    notification.lease_until = None
    message = message or _linked_message(session, notification)
    if message is not None:
        _fail_message(message, code, reason)
        if code == OPTED_OUT and now is not None:
            record_opt_out(session, message, now=now)
    session.commit()
    return NotificationStatus.FAILED.value


def _linked_message(session: Session, notification: Notification) -> Message | None:
    if notification.message_id is None:
        return None
    message = session.get(Message, notification.message_id)
    return message if message is not None and message.status == MessageStatus.QUEUED else None


def _fail_message(message: Message, code: str | None, reason: str) -> None:
    message.status = MessageStatus.FAILED
    message.error_code = code
    message.error_message = reason


def _requeue(
    session: Session,
    notification: Notification,
    message: Message,
    error: TransientSendError,
    now: datetime,
) -> None:
    """Put the row back for a retry, or give up after MAX_ATTEMPTS."""
    if notification.attempts >= MAX_ATTEMPTS:
        _fail(
            session, notification, message, f"gave up after {MAX_ATTEMPTS} attempts: {error.reason}"
        )
        return
    # RQ's Retry brings the job back; if that is lost too, the lease lets a
    # later tick claim the row again, not before the provider's Retry-After.
    wait = max(SEND_LEASE, timedelta(seconds=error.retry_after or 0))
    notification.status = NotificationStatus.QUEUED
    notification.lease_until = now + wait
    notification.reason = f"attempt {notification.attempts} failed, will retry: {error.reason}"
    session.commit()


def _opted_out_address(session: Session, message: Message) -> datetime | None:
    kinds = {
        Channel.SMS: AddressKind.TEL,
        Channel.WHATSAPP: AddressKind.WHATSAPP,
        Channel.MESSENGER: AddressKind.MESSENGER,
    }
    if message.channel not in kinds:
        return None
    bare = message.to_address.split(":", 1)[-1]
    return session.scalar(
        select(ContactAddress.opted_out_at).where(
            ContactAddress.business_id == message.business_id,
            ContactAddress.kind == kinds[message.channel],
            ContactAddress.value.in_({message.to_address, bare}),
            ContactAddress.opted_out_at.is_not(None),
        )
    )
