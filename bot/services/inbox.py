"""The shared inbox, staff's side: find conversations, answer, note, assign, snooze and
resolve them, for the API and the web inbox alike. Flushes, never commits."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError
from bot.models import (
    Author,
    Business,
    Conversation,
    ConversationState,
    Customer,
    Direction,
    InboxStatus,
    Message,
    User,
)
from bot.phones import normalise_sender
from bot.services.customers import find_address
from bot.services.lookup import contains_pattern, number_pattern, owned_row
from conversations import ConversationContext, Handover, inbox
from outbound.messages import queue_message, sender_address
from outbound.policy.vocabulary import ADDRESS_KINDS, Channel, MessageStatus
from outbound.policy.whatsapp_window import window_open

# The longest text a staff message may be, per channel: what the provider takes
# in one message (an SMS is split into segments up to Twilio's 1 600 characters).
BODY_LIMITS = {
    Channel.SMS: 1600,
    Channel.WHATSAPP: 4096,
    Channel.MESSENGER: 2000,
    Channel.EMAIL: 20000,
}
NOTE_LIMIT = 4000

# Why the bot handed a conversation over, in words (translated in the web app).
HANDOVER_WORDS = {
    Handover.UNKNOWN_SENDER: _l("Unknown number: no customer has this address."),
    Handover.NOT_UNDERSTOOD: _l("A question or request the bot does not handle."),
    Handover.NO_APPOINTMENT: _l("Asked about an appointment, but none is coming up."),
    Handover.REQUEST_PENDING: _l("Confirmed a booking request nobody has accepted yet."),
    Handover.CANCEL_NOT_BY_TEXT: _l(
        "Wants to cancel; this business takes no cancellations by text."
    ),
    Handover.CANCEL_TOO_LATE: _l("Wants to cancel inside the cancellation window."),
    Handover.NO_OPENING_HOURS: _l("Wants another time; no opening hours to offer times from."),
    Handover.NO_SLOTS: _l("Wants another time; nothing is free near the wish."),
    Handover.REPEATED_FAILURE: _l("Two unclear answers in a row."),
    Handover.APPOINTMENT_GONE: _l("The appointment talked about was changed meanwhile."),
    Handover.CANCEL_KEYWORD: _l(
        "Sent CANCEL: opted out of texts, but may have meant the appointment."
    ),
    Handover.ANSWER_TO_STAFF: _l("Answered a staff message."),
}


def handover_words(reason: str | None) -> str | None:
    """A stored hand-over reason in the request's language, or None."""
    if not reason:
        return None
    try:
        return str(HANDOVER_WORDS[Handover(reason)])
    except (ValueError, KeyError):
        return reason


# --- finding ---------------------------------------------------------------


def get_conversation(session: Session, business: Business, conversation_id: int) -> Conversation:
    """The business's conversation; NotFound for another business's or a missing one."""
    return owned_row(
        session, business, Conversation, conversation_id, label="conversation", field="id"
    )


@dataclass(frozen=True)
class Filters:
    """What a list of conversations is narrowed to; None: not narrowed."""

    status: InboxStatus | None = None
    assignee_id: int | None = None
    unassigned: bool = False
    channel: Channel | None = None
    customer_id: int | None = None
    q: str | None = None


def conversations_query(business: Business, filters: Filters) -> Select:
    """The business's conversations matching `filters`, newest activity first."""
    statement = select(Conversation).where(Conversation.business_id == business.id)
    if filters.status is not None:
        statement = statement.where(Conversation.inbox_status == filters.status)
    if filters.unassigned:
        statement = statement.where(Conversation.assignee_id.is_(None))
    elif filters.assignee_id is not None:
        statement = statement.where(Conversation.assignee_id == filters.assignee_id)
    if filters.channel is not None:
        statement = statement.where(Conversation.channel == filters.channel)
    if filters.customer_id is not None:
        statement = statement.where(Conversation.customer_id == filters.customer_id)
    if filters.q and filters.q.strip():
        statement = statement.where(_matches(filters.q.strip()))
    return statement.order_by(Conversation.last_activity_at.desc(), Conversation.id.desc())


def _matches(q: str):
    """A conversation whose customer's name, address or any message text holds `q`;
    a number written with spaces or a leading 0 finds its E.164 address too."""
    pattern = contains_pattern(q)
    conditions = [
        Conversation.address.ilike(pattern, escape="\\"),
        exists().where(
            Customer.id == Conversation.customer_id, Customer.name.ilike(pattern, escape="\\")
        ),
        exists().where(
            Message.conversation_id == Conversation.id, Message.body.ilike(pattern, escape="\\")
        ),
    ]
    number = number_pattern(q)
    if number is not None:
        conditions.append(Conversation.address.like(number, escape="\\"))
    return or_(*conditions)


def inbox_counts(session: Session, business: Business, user_id: int | None) -> dict[str, int]:
    """How many conversations each inbox view holds: open, mine (open and assigned to
    `user_id`), unassigned (open, nobody's), pending, snoozed, resolved; and how many
    open ones have unread messages."""
    by_status = dict(
        session.execute(
            select(Conversation.inbox_status, func.count())
            .where(Conversation.business_id == business.id)
            .group_by(Conversation.inbox_status)
        ).all()
    )
    open_ = and_(
        Conversation.business_id == business.id, Conversation.inbox_status == InboxStatus.OPEN
    )
    mine = (
        session.scalar(select(func.count()).where(open_, Conversation.assignee_id == user_id))
        if user_id is not None
        else 0
    )
    unassigned = session.scalar(
        select(func.count()).where(open_, Conversation.assignee_id.is_(None))
    )
    unread = session.scalar(select(func.count()).where(open_, Conversation.unread_count > 0))
    return {
        "open": by_status.get(InboxStatus.OPEN, 0),
        "mine": mine or 0,
        "unassigned": unassigned or 0,
        "pending": by_status.get(InboxStatus.PENDING, 0),
        "snoozed": by_status.get(InboxStatus.SNOOZED, 0),
        "resolved": by_status.get(InboxStatus.RESOLVED, 0),
        "unread": unread or 0,
    }


def last_messages(session: Session, conversation_ids: Iterable[int]) -> dict[int, Message]:
    """Each conversation's newest message (notes included), in one query."""
    ids = list(conversation_ids)
    if not ids:
        return {}
    newest = (
        select(func.max(Message.id).label("id"))
        .where(Message.conversation_id.in_(ids))
        .group_by(Message.conversation_id)
        .subquery()
    )
    rows = session.scalars(select(Message).join(newest, Message.id == newest.c.id))
    return {message.conversation_id: message for message in rows}


def thread(session: Session, conversation: Conversation) -> list[Message]:
    """The conversation's messages and notes, oldest first."""
    return list(session.scalars(thread_query(conversation)))


def thread_query(conversation: Conversation, *, after_id: int = 0) -> Select:
    """The conversation's messages and notes after `after_id`, oldest first."""
    return (
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.id > after_id)
        .order_by(Message.created_at, Message.id)
    )


# --- acting ----------------------------------------------------------------


def reply(
    session: Session,
    business: Business,
    conversation: Conversation,
    body: str,
    *,
    now: datetime,
    user: User | None = None,
) -> Message:
    """Queue a staff message to the customer on the conversation's channel, from the
    address the customer last wrote to. The conversation becomes pending; a staff
    user who answers an unassigned conversation takes it. Raises DomainError (422)
    for an empty or over-long body and Conflict (409) when the channel cannot carry
    it: SMS switched off, the address opted out, WhatsApp's 24 hours passed."""
    channel = conversation.channel
    body = _checked_body(body, BODY_LIMITS[channel])
    _refuse_unreachable(session, business, conversation, now)
    from_address = _our_address(session, business, conversation)
    if not from_address:
        raise Conflict(
            f"the business has no {channel.value} sender to answer from", code="no_sender"
        )
    message = queue_message(
        session,
        business,
        channel=channel,
        to_address=conversation.address,
        from_address=from_address,
        body=body,
        subject=business.name if channel == Channel.EMAIL else None,
        author=Author.STAFF,
        conversation=conversation,
        author_user_id=user.id if user else None,
    )
    message.created_at = now
    conversation.inbox_status = inbox.after_staff_message(conversation.inbox_status)
    conversation.snoozed_until = None
    conversation.unread_count = 0
    conversation.last_activity_at = max(conversation.last_activity_at, now)
    if user is not None and conversation.assignee_id is None:
        conversation.assignee_id = user.id
    session.flush()
    return message


def add_note(
    session: Session,
    business: Business,
    conversation: Conversation,
    body: str,
    *,
    now: datetime,
    user: User | None = None,
) -> Message:
    """Keep a private note in the conversation: stored, shown to staff, never sent."""
    note = Message(
        business_id=business.id,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        direction=Direction.OUTBOUND,
        channel=conversation.channel,
        from_address="",
        to_address="",
        body=_checked_body(body, NOTE_LIMIT),
        segments=0,
        status=MessageStatus.NOTE,
        author=Author.STAFF,
        author_user_id=user.id if user else None,
        note=True,
        created_at=now,
    )
    session.add(note)
    session.flush()
    return note


def update_conversation(
    session: Session,
    business: Business,
    conversation: Conversation,
    changes: dict[str, Any],
    *,
    now: datetime,
) -> Conversation:
    """Apply `status`, `snoozed_until` and `assignee_id` from `changes`.

    A `snoozed_until` alone snoozes; `snoozed` without one snoozes until the
    customer's next text. `bot` and `resolved` hand the next text to the bot,
    which starts afresh. DomainError (422) names the field it refuses.
    """
    if "assignee_id" in changes:
        conversation.assignee_id = _assignee(session, business, changes["assignee_id"])
    status = changes.get("status")
    until = changes.get("snoozed_until")
    if status is None and until is not None:
        status = InboxStatus.SNOOZED
    if status is None:
        if "snoozed_until" in changes and conversation.inbox_status == InboxStatus.SNOOZED:
            conversation.snoozed_until = None  # snoozed on, until the customer's next text
        session.flush()
        return conversation
    status = InboxStatus(status)
    if until is not None:
        if status != InboxStatus.SNOOZED:
            raise DomainError(
                "snoozed_until goes only with the status snoozed", field="snoozed_until"
            )
        if until.tzinfo is None:
            raise DomainError("snoozed_until needs a UTC offset", field="snoozed_until")
        if until <= now:
            raise DomainError("snoozed_until must be in the future", field="snoozed_until")
        until = until.astimezone(UTC)  # answered as it will be read back
    conversation.inbox_status = status
    conversation.snoozed_until = until if status == InboxStatus.SNOOZED else None
    if status in (InboxStatus.BOT, InboxStatus.RESOLVED):
        # Whatever the bot was in the middle of is over: it reads the next text afresh.
        conversation.state = ConversationState.IDLE
        conversation.context = ConversationContext()
        conversation.unread_count = 0
    if status == InboxStatus.BOT:
        conversation.handover_reason = None
    session.flush()
    return conversation


def mark_read(conversation: Conversation) -> None:
    conversation.unread_count = 0


def wake_snoozed(session: Session, *, now: datetime) -> int:
    """Open every snoozed conversation whose snooze time has come; returns how many."""
    due = session.scalars(
        select(Conversation).where(
            Conversation.inbox_status == InboxStatus.SNOOZED,
            Conversation.snoozed_until.is_not(None),
            Conversation.snoozed_until <= now,
        )
    ).all()
    for conversation in due:
        conversation.inbox_status = InboxStatus.OPEN
        conversation.snoozed_until = None
        conversation.last_activity_at = max(conversation.last_activity_at, now)
    session.flush()
    return len(due)


def colleagues(session: Session, business: Business) -> list[User]:
    """The business's active users, who conversations can be assigned to."""
    return list(
        session.scalars(
            select(User)
            .where(User.business_id == business.id, User.active.is_(True))
            .order_by(func.lower(func.coalesce(User.name, User.email)))
        )
    )


# --- helpers ---------------------------------------------------------------


def _checked_body(body: str, limit: int) -> str:
    if not isinstance(body, str) or not body.strip():
        raise DomainError("body must not be empty", field="body")
    if len(body) > limit:
        raise DomainError(f"body is {len(body)} characters; at most {limit} fit", field="body")
    if "\x00" in body:
        raise DomainError("body must not contain a NUL character", field="body")
    return body


def _assignee(session: Session, business: Business, assignee_id: int | None) -> int | None:
    if assignee_id is None:
        return None
    user = session.get(User, assignee_id) if isinstance(assignee_id, int) else None
    if user is None or user.business_id != business.id or not user.active:
        raise DomainError(f"user {assignee_id} does not exist", field="assignee_id")
    return user.id


def _our_address(session: Session, business: Business, conversation: Conversation) -> str:
    """The address the customer last wrote to, else the business's sender on the channel."""
    last_to = session.scalar(
        select(Message.to_address)
        .where(
            Message.conversation_id == conversation.id,
            Message.direction == Direction.INBOUND,
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    )
    return last_to or sender_address(business, conversation.channel)


def _refuse_unreachable(
    session: Session, business: Business, conversation: Conversation, now: datetime
) -> None:
    channel = conversation.channel
    if channel == Channel.SMS and not business.sms_enabled:
        raise Conflict("SMS is switched off for this business", code="sms_disabled")
    if channel in ADDRESS_KINDS:
        address = find_address(
            session, business, ADDRESS_KINDS[channel], normalise_sender(conversation.address)
        )
        if address is not None and address.opted_out_at is not None:
            raise Conflict(
                f"the customer opted out of {channel.value} on {address.opted_out_at:%Y-%m-%d}",
                code="opted_out",
            )
    if channel == Channel.WHATSAPP:
        last_inbound = session.scalar(
            select(func.max(Message.created_at)).where(
                Message.conversation_id == conversation.id,
                Message.direction == Direction.INBOUND,
            )
        )
        if not window_open(last_inbound, now):
            raise Conflict(
                "WhatsApp takes free text only within 24 hours of the customer's last "
                "message; send an approved template instead",
                code="whatsapp_window_closed",
            )
