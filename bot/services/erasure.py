"""A customer's right to erasure (GDPR Art. 17): `erase_customer` withdraws their planned
notices, erases what their messages said and where they went, detaches their conversations,
reduces the webhook events and retry answers kept about them, and deletes the customer with
their addresses and records, while every message row stays with its channel, status,
segments, billable flag and times, so the usage figures billing reads do not change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    Business,
    ContactAddress,
    Conversation,
    Customer,
    Direction,
    Message,
    Notification,
    Record,
    WebhookDelivery,
)
from bot.services.customer_data import (
    addresses_of,
    conversations_of,
    messages_of,
    webhook_deliveries_of,
)
from bot.services.idempotency import erase_answers
from conversations.context import ConversationContext
from conversations.inbox import InboxStatus
from outbound.planning import withdraw_notifications
from outbound.policy.vocabulary import ConversationState, MessageStatus

log = logging.getLogger(__name__)

# What an erased text, subject or address reads as: the row stays, its words do not.
ERASED = "[erased]"
# The reason a withdrawn notice and an unsent message give.
ERASED_REASON = "customer erased (GDPR Art. 17)"
# Why a message the erasure stopped was not sent: the erasure's own words, kept.
NOT_SENT_ERASED = f"not sent: {ERASED_REASON}"
# What an outgoing webhook event about an erased customer keeps: the ids, which say nothing
# about the person without the rows they pointed to.
WEBHOOK_IDS_KEPT = frozenset(
    {"business_id", "customer_id", "record_id", "conversation_id", "message_id", "notification_id"}
)


@dataclass(frozen=True)
class Erasure:
    """What erasing one customer did, in counts."""

    notices_withdrawn: int
    messages_erased: int
    conversations_detached: int
    records_deleted: int
    # Of them, those starting at or after the erasure: freed in the diary, no notice sent.
    appointments_ahead_freed: int
    webhook_events_erased: int = 0  # outgoing webhook deliveries about them, down to ids
    # API answers kept for Idempotency-Key retries that held their data, now a 410.
    api_answers_erased: int = 0


def erase_customer(
    session: Session, business: Business, customer: Customer, now: datetime
) -> Erasure:
    """Erase `customer` of `business`, as of `now`; flushes, never commits.

    First the customer's row and their address rows are locked (a no-op on
    SQLite), so a text stored for them meanwhile waits for the erasure instead of
    turning its last DELETE into a foreign-key failure. Their notices still
    planned (scheduled or queued) are cancelled with the reason "customer
    erased", and messages to them still queued fail unsent with that reason, so
    nothing more reaches them, and no cancellation notice is planned either.
    Every message of theirs (both directions, staff notes, notices about them to
    the business) keeps its row, channel, status, segments, billable flag,
    provider SID and times, so usage and late status callbacks still count,
    while its body, subject, template values, error text and the customer's side
    of its addresses are erased. Their conversations are resolved, detached and
    their address erased, so a later text from the number starts a new
    conversation with an unknown sender. Their records are deleted (ReplyDesk's
    copies of appointments, orders and inquiries; a future appointment is freed
    without a notice); the notices keep their status and reason without the
    record or customer. Outgoing webhook events about them (noting them, or
    written before they were known and noting one of their conversations) keep
    only ids, and the API answers kept for retries (Idempotency-Key) that hold
    their data are replaced by a 410 saying so. Last, the customer and their
    contact addresses are deleted.
    """
    _lock(session, customer)
    conversations = conversations_of(session, business, customer)
    mine = Notification.customer_id == customer.id
    withdrawn = withdraw_notifications(session, mine, ERASED_REASON)
    messages = Message.business_id == business.id, messages_of(customer, conversations)
    erased = _erase_messages(session, messages)
    for conversation in conversations:
        _detach(conversation)
    theirs = (Record.business_id == business.id, Record.customer_id == customer.id)
    ahead = session.scalar(select(func.count(Record.id)).where(*theirs, Record.starts_at >= now))
    record_ids = select(Record.id).where(*theirs)
    noticed = or_(mine, Notification.record_id.in_(record_ids))
    # A failure's reason may quote Twilio, who names the number it refused.
    for value in addresses_of(customer):
        session.execute(
            update(Notification)
            .where(noticed, Notification.reason.contains(value, autoescape=True))
            .values(reason=func.replace(Notification.reason, value, ERASED))
            .execution_options(synchronize_session=False)
        )
    session.execute(
        update(Notification)
        .where(noticed)
        .values(customer_id=None, record_id=None)
        .execution_options(synchronize_session=False)
    )
    deleted = session.execute(
        delete(Record).where(*theirs).execution_options(synchronize_session=False)
    ).rowcount
    customer_id = customer.id
    events = _erase_webhook_events(
        webhook_deliveries_of(session, business, customer_id, conversations)
    )
    answers = erase_answers(session, business, _answer_holds(customer_id, addresses_of(customer)))
    session.delete(customer)
    session.flush()
    session.expire_all()
    erasure = Erasure(
        notices_withdrawn=withdrawn,
        messages_erased=erased,
        conversations_detached=len(conversations),
        records_deleted=deleted,
        appointments_ahead_freed=ahead or 0,
        webhook_events_erased=events,
        api_answers_erased=answers,
    )
    # Who was erased when, by id only: the business's account of having done it.
    log.info("customer %s of business %s erased: %s", customer_id, business.id, erasure)
    return erasure


def _lock(session: Session, customer: Customer) -> None:
    """Lock the customer's row and their address rows until the erasure commits: a text
    or booking for them that comes meanwhile waits, then finds them gone."""
    session.execute(select(Customer.id).where(Customer.id == customer.id).with_for_update())
    session.execute(
        select(ContactAddress.id).where(ContactAddress.customer_id == customer.id).with_for_update()
    )


def _erase_webhook_events(deliveries: list[WebhookDelivery]) -> int:
    """Reduce outgoing webhook deliveries about the customer (their texts, numbers and
    appointment times in `data`) to the ids and `"erased": true`; returns how many. A
    delivery still waiting goes out so reduced."""
    for delivery in deliveries:
        data = delivery.payload.get("data") or {}
        kept = {key: value for key, value in data.items() if key in WEBHOOK_IDS_KEPT}
        delivery.payload = {**delivery.payload, "data": {**kept, "erased": True}}
    return len(deliveries)


def _answer_holds(customer_id: int, addresses: list[str]) -> Callable[[str, object], bool]:
    """Whether an API answer kept for retries holds the customer's data: the customer
    itself (an answer under /customers with their id, or under /customers/{their id}/), or
    anything naming them by `customer_id` or writing one of their addresses."""

    def holds(path: str, answer: object) -> bool:
        segments = path.rstrip("/").split("/")
        if "customers" in segments:
            after = segments[segments.index("customers") + 1 :]
            if after[:1] == [str(customer_id)]:
                return True
            if not after and isinstance(answer, dict) and answer.get("id") == customer_id:
                return True
        return _names(answer, customer_id, addresses)

    return holds


def _names(value: object, customer_id: int, addresses: list[str]) -> bool:
    if isinstance(value, dict):
        if value.get("customer_id") == customer_id:
            return True
        return any(_names(each, customer_id, addresses) for each in value.values())
    if isinstance(value, list):
        return any(_names(each, customer_id, addresses) for each in value)
    if isinstance(value, str):
        return any(address in value for address in addresses)
    return False


def _erase_messages(session: Session, condition: tuple[ColumnElement[bool], ...]) -> int:
    """Erase the words and the customer's addresses of the messages matching `condition`,
    keeping what usage counts and the erasure's own reason on those it stopped, and fail
    those still queued; returns how many. The condition names the customer, so their
    link goes last."""
    erased = session.scalar(select(func.count(Message.id)).where(*condition)) or 0
    own_reason_only = case(
        (Message.error_message == NOT_SENT_ERASED, Message.error_message), else_=None
    )
    words = {
        "body": ERASED,
        "subject": None,
        "content_variables": None,
        "error_message": own_reason_only,
    }
    # The customer's side of each message: where an outbound one went, where an inbound
    # one came from. The business's own sender stays.
    for direction, side in (
        (Direction.OUTBOUND, Message.to_address),
        (Direction.INBOUND, Message.from_address),
    ):
        session.execute(
            update(Message)
            .where(*condition, Message.direction == direction)
            .values({**words, side.key: ERASED})
            .execution_options(synchronize_session=False)
        )
    # A bot reply or staff message still waiting for its send job: its job finds it failed.
    session.execute(
        update(Message)
        .where(*condition, Message.status == MessageStatus.QUEUED)
        .values(status=MessageStatus.FAILED, next_attempt_at=None, error_message=NOT_SENT_ERASED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Message)
        .where(*condition)
        .values(customer_id=None)
        .execution_options(synchronize_session=False)
    )
    return erased


def _detach(conversation: Conversation) -> None:
    """Cut the conversation loose from the customer and their address; it stays as the
    anonymous thread its (erased) messages are filed in."""
    conversation.customer = None
    # The address is unique per business and channel, so each erased one names its row.
    conversation.address = f"{ERASED}:{conversation.id}"
    conversation.state = ConversationState.IDLE
    conversation.context = ConversationContext()
    conversation.inbox_status = InboxStatus.RESOLVED
    conversation.unread_count = 0
    conversation.snoozed_until = None
    conversation.handover_reason = None
