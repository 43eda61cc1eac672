"""The `Message` row one send works on, whether it carries a planned notice or a queued reply:
the notice's row stored for this attempt, the transport's `Outgoing` built from a row (with the
status-callback URL that names it), the provider's answer or a failure written on it, and the
opt-out a queued message is checked against. Writing a bot reply or a staff message into the
queue is `outbound.messages`; what a failed or paced send does to its rows is
`outbound.send_outcomes`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Author,
    Business,
    ContactAddress,
    ConversationState,
    Customer,
    Direction,
    Message,
    Notification,
)
from conversations.context import ConversationContext
from outbound.delivery import record_provider_status
from outbound.messages import sender_address
from outbound.policy.rendering import RenderedText
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import ADDRESS_KINDS, Audience, Channel, MessageStatus
from outbound.routing import Way
from outbound.threads import conversation_for
from outbound.transports import Attachment, Outgoing, SendResult

STATUS_CALLBACK_PATH = "/webhooks/twilio/status"


def status_callback_url(config: Mapping[str, Any], message_id: int) -> str:
    """Where Twilio should report delivery: the public status webhook, naming our
    message, so a report that arrives before the send call returns finds it."""
    return f"{config['PUBLIC_BASE_URL'].rstrip('/')}{STATUS_CALLBACK_PATH}?message={message_id}"


def store_message(
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
    message = queued_message_of(session, notification)
    if message is not None and message.channel != channel:
        fail_message(message, None, f"not sent: the notice went by {channel} instead")
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
                conversation.context = ConversationContext(record_id=notification.record_id)
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


def queued_message_of(session: Session, notification: Notification) -> Message | None:
    """The message an earlier attempt of the notification stored, while still queued."""
    if notification.message_id is None:
        return None
    message = session.get(Message, notification.message_id)
    return message if message is not None and message.status == MessageStatus.QUEUED else None


def outgoing_for(
    message: Message,
    config: Mapping[str, Any],
    *,
    attachments: tuple[Attachment, ...] = (),
    reply_to: str | None = None,
) -> Outgoing:
    """What the transport gets for the message."""
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


def record_send_result(
    session: Session, message: Message, result: SendResult, now: datetime
) -> None:
    """Write the provider's answer to a send on the message."""
    # A status callback may have come before Twilio's answer did: read it first, and hold the
    # row so one cannot land between this read and the write below. PostgreSQL locks it;
    # SQLite takes no lock for a read, so there a callback committed in that instant is lost.
    session.refresh(message, with_for_update=True)
    message.provider_sid = result.provider_sid
    message.sent_at = now
    message.next_attempt_at = None
    if message.status == MessageStatus.QUEUED:
        message.error_code = message.error_message = None  # a note of an earlier failed try
    if result.segments and message.channel == Channel.SMS:
        message.segments = result.segments  # the provider's count is what it bills
    record_provider_status(session, message, result.status, now=now)


def fail_message(message: Message, code: str | None, reason: str) -> None:
    """Mark the message failed with the provider's `code` (if any) and `reason`."""
    message.status = MessageStatus.FAILED
    message.next_attempt_at = None
    message.error_code = code
    message.error_message = reason


def opted_out_since(session: Session, message: Message) -> datetime | None:
    """When the message's recipient opted out on its channel, if they did."""
    if message.channel not in ADDRESS_KINDS:
        return None
    bare = message.to_address.split(":", 1)[-1]
    return session.scalar(
        select(ContactAddress.opted_out_at).where(
            ContactAddress.business_id == message.business_id,
            ContactAddress.kind == ADDRESS_KINDS[message.channel],
            ContactAddress.value.in_({message.to_address, bare}),
            ContactAddress.opted_out_at.is_not(None),
        )
    )
