"""Inbound messages, the domain side of `POST /webhooks/twilio/messages`: from a verified
Twilio webhook to a message stored in its conversation, which `bot.services.dialogue` then
reads, acts on and answers. Flushes, never commits."""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    Author,
    Business,
    Conversation,
    Direction,
    Message,
    ProcessedWebhook,
)
from bot.services.addressing import (
    channel_address,
    channel_of,
    find_business,
    find_sender,
)
from bot.services.dialogue import Turn, respond
from outbound.policy.segments import count_segments
from outbound.policy.vocabulary import ADDRESS_KINDS, Channel, MessageStatus, WebhookEvent
from outbound.threads import conversation_for
from outbound.webhook_events import message_data, record_event

PROVIDER = "twilio"

log = logging.getLogger(__name__)


class Outcome(enum.StrEnum):
    HANDLED = "handled"  # stored, read, acted on
    DUPLICATE = "duplicate"  # this MessageSid was handled before; nothing changed
    UNKNOWN_BUSINESS = "unknown_business"  # sent to a number no business uses; nothing stored


@dataclass(frozen=True)
class InboundResult:
    outcome: Outcome
    message: Message | None = None
    conversation: Conversation | None = None
    turn: Turn | None = None  # what the bot read and did


def handle_inbound(session: Session, form: Mapping[str, Any], *, now: datetime) -> InboundResult:
    """Handle one inbound message whose webhook signature has been verified.

    `form` holds Twilio's parameters, already checked and typed by the webhook:
    MessageSid, From, To, Body, and optionally NumSegments (an int),
    MessagingServiceSid and OptOutType. `now` is the aware instant of receipt. Raises IntegrityError
    when a concurrent request stored the same MessageSid (or conversation) first.
    """
    sid = form["MessageSid"]
    if _already_processed(session, sid):
        return InboundResult(Outcome.DUPLICATE)
    sender, recipient = form["From"].strip(), form["To"].strip()
    channel = channel_of(sender)
    business = find_business(session, recipient, form.get("MessagingServiceSid"), channel)
    if business is None:
        log.warning("inbound message %s to %s matches no business; ignored", sid, recipient)
        return InboundResult(Outcome.UNKNOWN_BUSINESS)
    session.add(ProcessedWebhook(provider=PROVIDER, external_id=sid, received_at=now))
    session.flush()  # the unique constraint decides a race before anything else is written

    address = find_sender(session, business, channel, sender)
    if address is not None and address.kind != ADDRESS_KINDS[channel]:
        # A customer found through their phone wrote on WhatsApp: remember that
        # address, so an opt-out sent from it stays on WhatsApp.
        address = channel_address(session, business, channel, sender, address.customer_id)
    customer = address.customer if address is not None else None
    conversation = conversation_for(session, business, channel, sender, customer=customer, now=now)
    message = _store(session, business, conversation, channel, form, form["Body"], now)
    record_event(session, business, WebhookEvent.MESSAGE_RECEIVED, message_data(message), now)
    turn = respond(
        session,
        business,
        conversation,
        text=form["Body"],
        channel=channel,
        sender=sender,
        recipient=recipient,
        address=address,
        opt_out_type=form.get("OptOutType"),
        now=now,
    )
    session.flush()
    return InboundResult(Outcome.HANDLED, message, conversation, turn)


def _already_processed(session: Session, sid: str) -> bool:
    return (
        session.scalar(
            select(ProcessedWebhook.id).where(
                ProcessedWebhook.provider == PROVIDER, ProcessedWebhook.external_id == sid
            )
        )
        is not None
    )


def _store(
    session: Session,
    business: Business,
    conversation: Conversation,
    channel: Channel,
    form: Mapping[str, Any],
    body: str,
    now: datetime,
) -> Message:
    counted = count_segments(body)
    reported = form.get("NumSegments")
    message = Message(
        business_id=business.id,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        direction=Direction.INBOUND,
        channel=channel,
        from_address=form["From"].strip(),
        to_address=form["To"].strip(),
        body=body,
        segments=reported or counted.segments,
        encoding=counted.encoding,
        status=MessageStatus.RECEIVED,
        provider_sid=form["MessageSid"],
        author=Author.CUSTOMER,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message
