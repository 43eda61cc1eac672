"""The conversation a message belongs to: one per business, channel and customer address, where
inbound messages and outbound notices both file themselves so the inbox shows a notice next to
the customer's answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Business, Conversation, ConversationState, Customer, InboxStatus
from conversations.context import ConversationContext
from outbound.policy.vocabulary import Channel


def conversation_for(
    session: Session,
    business: Business,
    channel: Channel,
    address: str,
    *,
    customer: Customer | None,
    now: datetime,
) -> Conversation:
    """The conversation at (business, channel, address), created when new.

    Links `customer` when one is known and moves `last_activity_at` forward.
    """
    conversation = session.scalar(
        select(Conversation).where(
            Conversation.business_id == business.id,
            Conversation.channel == channel,
            Conversation.address == address,
        )
    )
    if conversation is None:
        conversation = Conversation(
            business_id=business.id,
            channel=channel,
            address=address,
            state=ConversationState.IDLE,
            context=ConversationContext(),
            inbox_status=InboxStatus.BOT,
            unread_count=0,
            last_activity_at=now,
        )
        # A concurrent creator loses on the unique constraint; the caller lets that
        # IntegrityError roll back and tries again (the webhook once, a send job via RQ).
        session.add(conversation)
    if customer is not None and conversation.customer_id != customer.id:
        conversation.customer_id = customer.id
    conversation.last_activity_at = max(conversation.last_activity_at, now)
    if conversation.id is None:
        session.flush()  # the new row's id; changes to a known row go with the next flush
    return conversation
