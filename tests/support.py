"""Small helpers several test packages share (fixtures live in conftest.py)."""

from __future__ import annotations

from bot.models import Author, Business, Customer, Message
from bot.services.messages import queue_message
from outbound.vocabulary import Channel


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
