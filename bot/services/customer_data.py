"""Which rows hold one customer's data beyond those that point at them alone, in one place
for the export (Art. 15) and the erasure (Art. 17): their addresses as stored and as a
message writes them, their conversations (linked to them, or held with one of their
addresses and linked to nobody: a text from their number before staff added them) and
their messages; a conversation or message linked to another customer is never theirs,
even at an address that is now theirs (a number that moved from one customer to another)."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from bot.models import (
    Business,
    Conversation,
    Customer,
    Message,
    Notification,
    WebhookDelivery,
    WebhookEndpoint,
)
from bot.services.addressing import CHANNEL_PREFIXES

# How a message writes an address: as it is (SMS, email), or behind a channel's prefix.
_WRITTEN_PREFIXES = ("", *CHANNEL_PREFIXES)


def addresses_of(customer: Customer) -> list[str]:
    """The customer's numbers, email and other addresses, as stored."""
    values = {address.value for address in customer.addresses}
    values |= {each for each in (customer.phone, customer.whatsapp, customer.email) if each}
    return sorted(values)


def addresses_written(customer: Customer) -> set[str]:
    """Each way a message or conversation may write one of the customer's addresses."""
    return {prefix + value for value in addresses_of(customer) for prefix in _WRITTEN_PREFIXES}


def conversations_of(
    session: Session, business: Business, customer: Customer
) -> list[Conversation]:
    """The customer's conversations: linked to them, or linked to nobody and held with one
    of their addresses; one linked to another customer at such an address stays theirs."""
    return list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.business_id == business.id,
                or_(
                    Conversation.customer_id == customer.id,
                    and_(
                        Conversation.customer_id.is_(None),
                        Conversation.address.in_(addresses_written(customer)),
                    ),
                ),
            )
            .order_by(Conversation.id)
        )
    )


def messages_of(customer: Customer, conversations: list[Conversation]) -> ColumnElement[bool]:
    """Messages linked to the customer, or linked to nobody and in one of their
    `conversations` or of a notice for or about them."""
    noticed = select(Notification.message_id).where(
        Notification.customer_id == customer.id, Notification.message_id.is_not(None)
    )
    return or_(
        Message.customer_id == customer.id,
        and_(
            Message.customer_id.is_(None),
            or_(
                Message.conversation_id.in_([each.id for each in conversations]),
                Message.id.in_(noticed),
            ),
        ),
    )


def webhook_deliveries_of(
    session: Session, business: Business, customer_id: int, conversations: list[Conversation]
) -> list[WebhookDelivery]:
    """The business's outgoing webhook deliveries about the customer, oldest first: those
    noting them, and those noting nobody and one of their `conversations` (a text from
    their number before staff added them); one query on each index (whether a delivery of
    a conversation notes somebody else is checked here, so that query keeps to its own)."""
    business_endpoints = select(WebhookEndpoint.id).where(
        WebhookEndpoint.business_id == business.id
    )
    conditions = [WebhookDelivery.customer_id == customer_id]
    if conversations:
        conditions.append(WebhookDelivery.conversation_id.in_([each.id for each in conversations]))
    found: dict[int, WebhookDelivery] = {}
    for condition in conditions:
        query = select(WebhookDelivery).where(
            condition, WebhookDelivery.endpoint_id.in_(business_endpoints)
        )
        found |= {
            each.id: each
            for each in session.scalars(query)
            if each.customer_id in (None, customer_id)
        }
    return [found[key] for key in sorted(found)]
