"""Outbox rows for the tests: an outbound SMS queued as a reply would be, and the
notification the planner made for a record."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Author, Business, Customer, Message, Notification
from outbound.messages import queue_message
from outbound.policy.vocabulary import Channel, Notice


def queue_sms(
    session, business: Business, customer: Customer, body: str = "Danke!", author=Author.BOT
) -> Message:
    """An outbound SMS to `customer`, stored as queued; its job is enqueued on commit."""
    return queue_message(
        session,
        business,
        channel=Channel.SMS,
        to_address=customer.phone,
        body=body,
        author=author,
        customer_id=customer.id,
    )


def notification(db, record, notice=Notice.CONFIRMATION, channel=None) -> Notification:
    """The record's one notification of `notice` (on `channel`, when given)."""
    query = select(Notification).where(
        Notification.record_id == record.id, Notification.notice == notice
    )
    if channel is not None:
        query = query.where(Notification.channel == channel)
    return db.session.scalars(query).one()
