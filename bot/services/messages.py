"""Outbound messages that are not planned notices: bot replies and staff messages.

A message is stored as `queued` in the caller's transaction and its send job
is enqueued after the commit; the job (`outbound.jobs.send_message`) hands it
to the transport. Segments and encoding are counted when it is stored, so
the inbox and `/usage` can show them before delivery.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from bot.models import Author, Business, Conversation, Direction, Message
from outbound.queueing import SEND_QUEUE, enqueue_after_commit, message_job_id
from outbound.segments import count_segments
from outbound.vocabulary import Channel, MessageStatus


def sender_address(business: Business, channel: Channel) -> str:
    """Our side of a conversation on `channel`, as Twilio writes it."""
    if channel == Channel.WHATSAPP:
        return f"whatsapp:{business.whatsapp_from}" if business.whatsapp_from else ""
    if channel == Channel.EMAIL:
        return business.email_from or current_app.config["MAIL_FROM"]
    return business.sms_from or business.messaging_service_sid or ""


def queue_message(
    session: Session,
    business: Business,
    *,
    channel: Channel,
    to_address: str,
    body: str,
    author: Author,
    conversation: Conversation | None = None,
    customer_id: int | None = None,
    from_address: str | None = None,
    subject: str | None = None,
    author_user_id: int | None = None,
) -> Message:
    """Store an outbound message as queued and send it once the transaction commits."""
    counted = count_segments(body) if channel != Channel.EMAIL else None
    message = Message(
        business_id=business.id,
        conversation_id=conversation.id if conversation else None,
        customer_id=customer_id if customer_id is not None else _customer_of(conversation),
        direction=Direction.OUTBOUND,
        channel=channel,
        from_address=from_address or sender_address(business, channel),
        to_address=to_address,
        subject=subject,
        body=body,
        segments=counted.segments if counted else 0,
        encoding=counted.encoding if counted else None,
        status=MessageStatus.QUEUED,
        author=author,
        author_user_id=author_user_id,
    )
    session.add(message)
    session.flush()
    enqueue_after_commit(
        session,
        current_app.config["REDIS_URL"],
        SEND_QUEUE,
        "outbound.jobs.send_message",
        message.id,
        job_id=message_job_id(message.id),
        retry=True,
    )
    return message


def _customer_of(conversation: Conversation | None) -> int | None:
    return conversation.customer_id if conversation else None
