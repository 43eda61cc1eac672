"""Carry one claimed notification, or one queued message, through its transport.

This is the body of the send jobs, kept apart from RQ so the CLI's inline
pass runs the same code. For a notification it re-checks at send time that
the notice still holds (record not cancelled or moved since, consent, opt-out,
SMS switched on), renders the business's text or the default one, stores the
`Message` in the customer's conversation, and only then calls the transport,
outside any open transaction; every later attempt reuses that message. An
email notice carries its appointment card and Reply-To (`outbound.notices`).

The row, not RQ, remembers what is left to do. A transient failure (429 or
20429, 5xx, network) puts a notification back to `scheduled` with `due_at` =
now + the longer of its backoff and the provider's Retry-After, and the reason
"attempt N failed (…); next try at …"; the job logs a warning and ends, and
the dispatcher claims the row again once it is due. So no retry comes before
Twilio asked, and a retry survives losing Redis. The job itself ends without
an error, but nothing is swallowed: the row's reason, which `/notifications`
shows, says what failed and when the next try is. A queued message
(a bot reply, a staff message) is held the same way: while it is `queued`, its
`sent_at` is the moment before which no attempt may start (the running
attempt's lease, the next try, or its paced turn), and the dispatcher's sweep
sends it again from then on. A notification gets MAX_ATTEMPTS attempts, a
message MESSAGE_RETRY_WINDOW from when it was written (a reply is only worth
sending while the conversation is fresh); then, or at once for a permanent
failure (21211, 21614, 21610, 30007, any other 4xx), the row fails with the
reason, and 21610 also records the opt-out, so nothing is tried at that
address again. Before each SMS or WhatsApp send the message takes its
segments from its sender's pacing bucket (`outbound.pacing`); when there are
none left the row is put back until its turn in the same way, and that wait
is not counted as an attempt.

Claims are conditional updates, so a job that runs twice, or twice at once,
sends once. Twilio's Messages API has no idempotency key, though, so a
customer can still get a text twice in two narrow windows: when a worker dies
(SIGKILL, a lost machine) after Twilio accepted the message but before its SID
was stored, the row's lease runs out and another worker sends it again; and
when Twilio answers a 5xx or the connection times out after it had accepted
the message. We prefer the rare duplicate to a lost notice.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

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
from outbound.delivery import follow_delivery, record_opt_out, record_provider_status
from outbound.dispatcher import send_lease
from outbound.messages import sender_address
from outbound.notices import (
    attachments_for,
    notice_locale,
    recipient_blocker,
    render_notice,
    reply_address,
    stale_reason,
)
from outbound.pacing import message_retry_delay, retry_delay, sender_turn
from outbound.policy.rendering import RenderedText, RenderError
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import Audience, Channel, MessageStatus, NotificationStatus
from outbound.queueing import redis_connection, wake_dispatcher
from outbound.threads import conversation_for
from outbound.transports import (
    Attachment,
    Outgoing,
    PermanentSendError,
    SendResult,
    TransientSendError,
    transport_for,
)
from outbound.transports.twilio import OPTED_OUT
from outbound.whatsapp import Way, way_out

MAX_ATTEMPTS = 6  # a notification's tries before it fails (the backoff: outbound.pacing)
MESSAGE_RETRY_WINDOW = timedelta(minutes=30)  # a message's retries stop this long after writing
STATUS_CALLBACK_PATH = "/webhooks/twilio/status"

log = logging.getLogger(__name__)


def status_callback_url(config: Mapping[str, Any], message_id: int) -> str:
    """Where Twilio should report delivery: the public status webhook, naming our
    message, so a report that arrives before the send call returns finds it."""
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}{STATUS_CALLBACK_PATH}?message={message_id}"


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
        return _skip(session, notification, reason)

    locale = notice_locale(notification, business, customer)
    way = way_out(session, notification, business, customer, locale, now)
    if way.skip_reason:
        return _skip(session, notification, way.skip_reason)
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
        return _fail(session, notification, None, str(error))
    message = _store_message(session, notification, business, customer, text, way, now)
    session.commit()

    turn = _paced_turn(message, business, config)
    if turn:
        notification.attempts -= 1  # waiting for the sender's turn is no attempt
        _put_back(session, notification, now + turn, config)
        session.commit()
        return NotificationStatus.SCHEDULED.value
    outgoing = _outgoing(
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
        return _fail(session, notification, message, error.reason, code=error.code, now=now)
    except TransientSendError as error:
        return _retry_notification(
            session, notification, message, business, error, now, config, note=way.note
        )
    notification.status = NotificationStatus.SENT
    notification.reason = way.note  # why it went by SMS instead of WhatsApp, if it did
    notification.lease_until = None
    _record_result(session, message, result, now)
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
    (`sent_at`) until its next try; after MESSAGE_RETRY_WINDOW a transient
    failure fails it. Raises nothing for the provider's answers.
    """
    claimed = session.execute(
        update(Message)
        .where(
            Message.id == message_id,
            Message.direction == Direction.OUTBOUND,
            Message.status == MessageStatus.QUEUED,
            or_(Message.sent_at.is_(None), Message.sent_at <= now),
        )
        .values(sent_at=now + send_lease(config))
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
        _fail_message(message, None, f"recipient opted out on {opted_out:%Y-%m-%d}")
        session.commit()
        return str(message.status)
    business = session.get(Business, message.business_id)
    turn = _paced_turn(message, business, config)
    if turn:
        _hold(session, message, now + turn, config)
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
        _retry_message(session, message, business, error, now, config)
        return str(message.status)
    _record_result(session, message, result, now)
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


def _paced_turn(message: Message, business: Business, config: Mapping[str, Any]) -> timedelta:
    return sender_turn(
        message.channel,
        message.from_address,
        message.segments,
        business.sms_per_second,
        config,
        redis_connection(config["REDIS_URL"]),
    )


def _put_back(
    session: Session, notification: Notification, due: datetime, config: Mapping[str, Any]
) -> None:
    notification.status = NotificationStatus.SCHEDULED
    notification.due_at = due
    notification.lease_until = None
    wake_dispatcher(session, config["REDIS_URL"], due)


def _hold(session: Session, message: Message, until: datetime, config: Mapping[str, Any]) -> None:
    message.sent_at = until
    wake_dispatcher(session, config["REDIS_URL"], until)


def _retry_notification(
    session: Session,
    notification: Notification,
    message: Message,
    business: Business,
    error: TransientSendError,
    now: datetime,
    config: Mapping[str, Any],
    *,
    note: str | None = None,
) -> str:
    attempt = notification.attempts
    if attempt >= MAX_ATTEMPTS:
        return _fail(
            session, notification, message, f"gave up after {attempt} attempts: {error.reason}"
        )
    due = now + retry_delay(attempt, error.retry_after)
    notification.reason = (
        f"attempt {attempt} failed ({error.reason}); next try at {_local(due, business)}"
    )
    if note:  # keep saying why it goes by SMS
        notification.reason = f"{note}; {notification.reason}"
    _put_back(session, notification, due, config)
    session.commit()
    log.warning("notification %s: %s", notification.id, notification.reason)
    return NotificationStatus.SCHEDULED.value


def _retry_message(
    session: Session,
    message: Message,
    business: Business,
    error: TransientSendError,
    now: datetime,
    config: Mapping[str, Any],
) -> None:
    age = now - message.created_at
    if age >= MESSAGE_RETRY_WINDOW:
        minutes = int(MESSAGE_RETRY_WINDOW.total_seconds() // 60)
        _fail_message(message, None, f"gave up after {minutes} minutes: {error.reason}")
        log.warning("message %s: %s", message.id, message.error_message)
    else:
        due = now + message_retry_delay(age, error.retry_after)
        message.error_message = (
            f"sending failed ({error.reason}); next try at {_local(due, business)}"
        )
        _hold(session, message, due, config)
        log.warning("message %s: %s", message.id, message.error_message)
    session.commit()


def _local(moment: datetime, business: Business) -> str:
    return f"{moment.astimezone(ZoneInfo(business.timezone)):%Y-%m-%d %H:%M:%S %Z}"


def _skip(session: Session, notification: Notification, reason: str) -> str:
    notification.status = NotificationStatus.SKIPPED
    notification.reason = reason
    notification.lease_until = None
    earlier = _linked_message(session, notification)
    if earlier is not None:  # an earlier attempt stored it, then failed for a while
        _fail_message(earlier, None, f"not sent: {reason}")
    session.commit()
    return NotificationStatus.SKIPPED.value


def _store_message(
    session: Session,
    notification: Notification,
    business: Business,
    customer: Customer | None,
    text: RenderedText,
    way: Way,
    now: datetime,
) -> Message:
    """The notice's Message, queued, the way this attempt goes; a retry reuses the
    row of the earlier attempt, unless that one was for another channel."""
    channel, to = way.channel, way.to
    message = _linked_message(session, notification)
    if message is not None and message.channel != channel:
        _fail_message(message, None, f"not sent: the notice went by {channel} instead")
        message = None
    if message is None:
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
    if message.channel != Channel.SMS:
        message.segments, message.encoding = 0, None  # only SMS are counted in parts
    else:
        counted = count_segments(text.body)
        message.segments, message.encoding = counted.segments, counted.encoding
    message.content_sid = way.content_template.content_sid if way.content_template else None
    message.content_variables = text.variables if way.content_template else None
    session.flush()
    notification.message_id = message.id
    return message


def _outgoing(
    message: Message,
    config: Mapping[str, Any],
    *,
    attachments: tuple[Attachment, ...] = (),
    reply_to: str | None = None,
) -> Outgoing:
    return Outgoing(
        channel=message.channel,
        to=message.to_address,
        from_=message.from_address,
        body=message.body,
        subject=message.subject,
        status_callback_url=(
            status_callback_url(config, message.id) if message.channel != Channel.EMAIL else None
        ),
        attachments=attachments,
        reply_to=reply_to,
        content_sid=message.content_sid,
        content_variables=message.content_variables,
    )


def _record_result(session: Session, message: Message, result: SendResult, now: datetime) -> None:
    # A status callback may have come before Twilio's answer did: read it first.
    session.refresh(message)
    message.provider_sid = result.provider_sid
    message.sent_at = now
    if message.status == MessageStatus.QUEUED:
        message.error_code = message.error_message = None  # a note of an earlier failed try
    if result.segments and message.channel == Channel.SMS:
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
