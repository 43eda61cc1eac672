"""Inbound messages: from a verified Twilio webhook to a stored message, an action and a reply.

`handle_inbound` is the domain side of `POST /webhooks/twilio/messages`
(DESIGN.md §2 "Data flow, inbound"): it ignores a MessageSid it has seen,
finds the business by the number (or Messaging Service) the message was sent
to and the customer by the address it came from, stores the message in its
conversation, reads it with `conversations.interpret`, lets
`conversations.decide` choose the action, applies it through the domain
services, and queues the bot's reply on the channel the customer used. Like
every service it flushes but never commits; a replay races to the unique
constraint on `ProcessedWebhook` and surfaces as IntegrityError, which the
caller answers by rolling back and trying once more (then it is a duplicate).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import (
    AppointmentStatus,
    Author,
    Business,
    ContactAddress,
    Conversation,
    ConversationState,
    Customer,
    Direction,
    InboxStatus,
    Message,
    ProcessedWebhook,
    Record,
    Template,
)
from bot.phones import normalise_sender
from bot.services.addressing import ADDRESS_KINDS, channel_of, find_business, find_sender
from bot.services.conversations import conversation_for
from bot.services.messages import queue_message
from bot.services.records import confirm_by_customer, upcoming_appointments
from conversations import (
    Action,
    Decision,
    Interpretation,
    carrier_interpretation,
    decide,
    interpret,
)
from outbound.notices import notice_context
from outbound.rendering import RenderError, TextTemplate, default_template, render, resolve_locale
from outbound.segments import count_segments
from outbound.vocabulary import Channel, MessageStatus

PROVIDER = "twilio"

# A person is working these conversations; the bot keeps quiet in them.
_STAFF_HOLDS = (InboxStatus.OPEN, InboxStatus.PENDING)

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
    interpretation: Interpretation | None = None
    decision: Decision | None = None
    reply: Message | None = None


def handle_inbound(session: Session, form: Mapping[str, str], *, now: datetime) -> InboundResult:
    """Handle one inbound message whose webhook signature has been verified.

    `form` holds Twilio's parameters, already checked for presence: MessageSid,
    From, To, Body, and optionally NumSegments, MessagingServiceSid and
    OptOutType. `now` is the aware instant of receipt. Raises IntegrityError
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
    customer = address.customer if address is not None else None
    conversation = conversation_for(session, business, channel, sender, customer=customer, now=now)
    conversation.unread_count += 1
    staff_holds = conversation.inbox_status in _STAFF_HOLDS
    body = form["Body"]
    message = _store(session, business, conversation, channel, form, body, now)

    record = _appointment_in_question(session, business, customer, conversation, now)
    locale = resolve_locale(customer.locale if customer else None, business.locale)
    interpretation = carrier_interpretation(form.get("OptOutType"), body) or interpret(
        body,
        now=now.astimezone(ZoneInfo(business.timezone)),
        locale=locale,
        appointment_start=record.starts_at if record else None,
    )
    decision = decide(
        interpretation,
        # A request the business has not accepted cannot be confirmed by the customer.
        has_upcoming_appointment=record is not None
        and record.status == AppointmentStatus.CONFIRMED,
        known_sender=customer is not None,
        staff_holds_conversation=staff_holds,
        staff_awaits_answer=conversation.inbox_status == InboxStatus.PENDING,
    )
    address = _apply(session, decision, business, channel, sender, address, record, now)
    if decision.needs_staff:
        conversation.inbox_status = InboxStatus.OPEN
        conversation.state = ConversationState.HANDED_TO_STAFF
    elif decision.action == Action.CONFIRM:
        conversation.state = ConversationState.IDLE

    reply = None
    # An opted-out address gets nothing, whatever it writes, until it opts in again.
    if decision.reply_key and not _opted_out(address, channel):
        text = reply_text(session, decision.reply_key, business, customer, record, locale)
        reply = queue_message(
            session,
            business,
            channel=channel,
            to_address=sender,
            body=text,
            author=Author.BOT,
            conversation=conversation,
        )
    session.flush()
    return InboundResult(Outcome.HANDLED, message, conversation, interpretation, decision, reply)


def reply_text(
    session: Session,
    key: str,
    business: Business,
    customer: Customer | None,
    record: Record | None,
    locale: str,
) -> str:
    """The bot's reply `key` in `locale`: the business's own text if it has one, else the
    default. A business text that no longer renders falls back to the default, because
    the customer must get an answer; the error is logged for staff."""
    context = notice_context(business, customer, record, locale)
    row = session.scalar(
        select(Template).where(
            Template.business_id == business.id,
            Template.name == key,
            Template.channel == Channel.SMS,
            Template.locale == locale,
        )
    )
    if row is not None:
        try:
            return render(TextTemplate(body=row.body), context).body
        except RenderError as error:
            log.error("business %s reply text %r does not render: %s", business.id, key, error)
    return render(default_template(key, Channel.SMS, locale), context).body


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
    form: Mapping[str, str],
    body: str,
    now: datetime,
) -> Message:
    counted = count_segments(body)
    reported = str(form.get("NumSegments") or "")
    message = Message(
        business_id=business.id,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        direction=Direction.INBOUND,
        channel=channel,
        from_address=form["From"].strip(),
        to_address=form["To"].strip(),
        body=body,
        segments=int(reported) if reported.isdigit() else counted.segments,
        encoding=counted.encoding,
        status=MessageStatus.RECEIVED,
        provider_sid=form["MessageSid"],
        author=Author.CUSTOMER,
        created_at=now,
    )
    session.add(message)
    session.flush()
    return message


def _appointment_in_question(
    session: Session,
    business: Business,
    customer: Customer | None,
    conversation: Conversation,
    now: datetime,
) -> Record | None:
    """The appointment the last notice was about if it is still to come, else the soonest."""
    if customer is None:
        return None
    upcoming = upcoming_appointments(session, business, customer.id, now=now)
    about = (conversation.context or {}).get("record_id")
    return next((r for r in upcoming if r.id == about), upcoming[0] if upcoming else None)


def _apply(
    session: Session,
    decision: Decision,
    business: Business,
    channel: Channel,
    sender: str,
    address: ContactAddress | None,
    record: Record | None,
    now: datetime,
) -> ContactAddress | None:
    """Carry out the decision's action; returns the sender's address as it now stands."""
    if decision.action == Action.CONFIRM and record is not None:
        confirm_by_customer(record, now=now)
    if decision.action == Action.RECORD_OPT_OUT:
        if address is not None and address.kind != ADDRESS_KINDS[channel]:
            # Found through the customer's phone: the opt-out belongs to this channel only.
            address = _address_for(session, business, channel, sender, address.customer_id)
        if address is not None and address.opted_out_at is None:
            address.opted_out_at = now
    if (decision.action == Action.CLEAR_OPT_OUT or decision.carrier_opt_in) and address is not None:
        if address.kind == ADDRESS_KINDS[channel]:
            address.opted_out_at = None
    return address


def _opted_out(address: ContactAddress | None, channel: Channel) -> bool:
    return (
        address is not None
        and address.kind == ADDRESS_KINDS[channel]
        and address.opted_out_at is not None
    )


def _address_for(
    session: Session,
    business: Business,
    channel: Channel,
    sender: str,
    customer_id: int,
) -> ContactAddress:
    address = ContactAddress(
        business_id=business.id,
        customer_id=customer_id,
        kind=ADDRESS_KINDS[channel],
        value=normalise_sender(sender),
    )
    session.add(address)
    session.flush()
    return address
