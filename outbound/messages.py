"""Outbound messages that are not planned notices (bot replies and staff messages): stored as
`queued` in the caller's transaction with their segments counted, and sent by a job enqueued
after the commit, on the queue that says whether someone in the conversation is waiting."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.models import Author, Business, Conversation, Customer, Direction, Message
from outbound.planning import contact_facts
from outbound.policy.channels import email_blocker, sms_blocker
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import Channel, MessageStatus
from outbound.queueing import REPLY_QUEUE, SEND_QUEUE, enqueue_after_commit, message_job_id
from outbound.threads import conversation_for


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
    counted = count_segments(body) if channel == Channel.SMS else None  # only SMS have parts
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
        send_queue_for(author, author_user_id),
        "outbound.jobs.send_message",
        message.id,
        job_id=message_job_id(message.id),
        retry=True,
    )
    return message


def send_queue_for(author: Author, author_user_id: int | None) -> str:
    """The queue of a message's send job: `reply` when someone in the conversation waits for
    it (the bot's answer, a staff member's from the inbox), which workers take before the
    notices; `send` for what an integration sends through the API, which takes its turn with
    the notices, so a bulk of API messages cannot hold the morning's reminders back."""
    return REPLY_QUEUE if author == Author.BOT or author_user_id is not None else SEND_QUEUE


def send_queues_of(session: Session, message_ids: list[int]) -> dict[int, str]:
    """`send_queue_for` of each of the messages, read in one query."""
    rows = session.execute(
        select(Message.id, Message.author, Message.author_user_id).where(
            Message.id.in_(message_ids)
        )
    )
    return {message_id: send_queue_for(author, user_id) for message_id, author, user_id in rows}


def message_customer(
    session: Session,
    business: Business,
    customer: Customer,
    *,
    body: str,
    now: datetime,
    subject: str | None = None,
    author_user_id: int | None = None,
) -> Message:
    """Queue a staff message to `customer`: by email when the customer has an email
    address and email consent, else by SMS when SMS reaches them (R0.2). SMS go into
    the customer's conversation, so a reply is read next to them. Raises DomainError
    (field customer_id) saying why neither channel can be used."""
    facts = contact_facts(business, customer)
    no_email, no_sms = email_blocker(facts), sms_blocker(facts)
    if no_email is None:
        return queue_message(
            session,
            business,
            channel=Channel.EMAIL,
            to_address=customer.email,
            body=body,
            author=Author.STAFF,
            customer_id=customer.id,
            subject=subject or business.name,
            author_user_id=author_user_id,
        )
    if no_sms is not None:
        raise DomainError(
            f"no channel: {no_email}; {no_sms}", code="unreachable", field="customer_id"
        )
    conversation = conversation_for(
        session, business, Channel.SMS, customer.phone, customer=customer, now=now
    )
    return queue_message(
        session,
        business,
        channel=Channel.SMS,
        to_address=customer.phone,
        body=body,
        author=Author.STAFF,
        conversation=conversation,
        author_user_id=author_user_id,
    )


def _customer_of(conversation: Conversation | None) -> int | None:
    return conversation.customer_id if conversation else None
