"""A customer's privacy rights (GDPR Art. 15 and 17): `export_customer` gathers everything
stored about one customer as JSON-ready data, and `erase_customer` withdraws their planned
notices, erases what their messages said and where they went, detaches their conversations,
and deletes the customer with their addresses and records, while every message row stays
with its channel, status, segments, billable flag and times, so the usage figures billing
reads do not change."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, func, or_, select, update
from sqlalchemy.orm import Session

from bot.models import (
    Business,
    Conversation,
    Customer,
    Direction,
    Message,
    Notification,
    Record,
    WebhookDelivery,
    WebhookEndpoint,
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
_ADDRESS_PREFIXES = ("", "whatsapp:", "messenger:")


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


# --- Art. 15: the export ------------------------------------------------------------


def export_customer(session: Session, business: Business, customer: Customer) -> dict[str, Any]:
    """Everything stored about `customer` of `business`, as a dict of JSON values.

    Holds the customer's own fields (contact data, consent, locale, privacy
    acceptance), their contact addresses with opt-outs, their records with
    statuses and staff notes, the notices planned for or about them (notice,
    channel, status, reason, times), and their conversations with every message
    in both directions, private staff notes included (personal data about the
    customer, so Art. 15 covers them). Messages that name the customer but sit
    in no conversation of theirs come under `other_messages`.
    """
    conversations = _conversations(session, business, customer)
    in_conversations = {each.id for each in conversations}
    messages = session.scalars(
        select(Message)
        .where(Message.business_id == business.id, _messages_of(customer, conversations))
        .order_by(Message.created_at, Message.id)
    ).all()
    records = session.scalars(
        select(Record)
        .filter_by(business_id=business.id, customer_id=customer.id)
        .order_by(Record.id)
    ).all()
    notifications = session.scalars(
        select(Notification)
        .filter_by(business_id=business.id, customer_id=customer.id)
        .order_by(Notification.id)
    ).all()
    return {
        "customer": {
            "id": customer.id,
            "name": customer.name,
            "phone": customer.phone,
            "phone_is_mobile": customer.phone_is_mobile,
            "email": customer.email,
            "whatsapp": customer.whatsapp,
            "sms_consent": customer.sms_consent,
            "email_consent": customer.email_consent,
            "locale": customer.locale,
            "locale_set_by_staff": customer.locale_set_by_staff,
            "privacy_accepted_at": _moment(customer.privacy_accepted_at),
            "external_id": customer.external_id,
            "created_at": _moment(customer.created_at),
        },
        "addresses": [
            {
                "kind": str(address.kind),
                "value": address.value,
                "opted_out_at": _moment(address.opted_out_at),
                "created_at": _moment(address.created_at),
            }
            for address in sorted(customer.addresses, key=lambda each: each.id)
        ],
        "records": [_record(record) for record in records],
        "notifications": [_notification(notice) for notice in notifications],
        "conversations": [
            {
                "id": conversation.id,
                "channel": str(conversation.channel),
                "address": conversation.address,
                "inbox_status": str(conversation.inbox_status),
                "last_activity_at": _moment(conversation.last_activity_at),
                "messages": [
                    _message(each) for each in messages if each.conversation_id == conversation.id
                ],
            }
            for conversation in conversations
        ],
        "other_messages": [
            _message(each) for each in messages if each.conversation_id not in in_conversations
        ],
    }


def _record(record: Record) -> dict[str, Any]:
    return {
        "id": record.id,
        "kind": str(record.kind),
        "status": record.status,
        "starts_at": _moment(record.starts_at),
        "ends_at": _moment(record.ends_at),
        "title": record.title,
        "service": record.service.name if record.service else None,
        "staff": record.staff.name if record.staff else None,
        "location": record.location.name if record.location else None,
        "notes": record.notes,
        "source": str(record.source),
        "cancelled_by": str(record.cancelled_by) if record.cancelled_by else None,
        "customer_confirmed_at": _moment(record.customer_confirmed_at),
        "created_at": _moment(record.created_at),
        "updated_at": _moment(record.updated_at),
    }


def _notification(notice: Notification) -> dict[str, Any]:
    return {
        "id": notice.id,
        "record_id": notice.record_id,
        "notice": str(notice.notice),
        "audience": str(notice.audience),
        "channel": str(notice.channel),
        "status": str(notice.status),
        "reason": notice.reason,
        "due_at": _moment(notice.due_at),
        "created_at": _moment(notice.created_at),
        "updated_at": _moment(notice.updated_at),
        "message_id": notice.message_id,
    }


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": str(message.direction),
        "author": str(message.author),
        "note": message.note,
        "channel": str(message.channel),
        "from": message.from_address,
        "to": message.to_address,
        "subject": message.subject,
        "body": message.body,
        "status": str(message.status),
        "segments": message.segments,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "created_at": _moment(message.created_at),
        "sent_at": _moment(message.sent_at),
        "delivered_at": _moment(message.delivered_at),
    }


# --- Art. 17: the erasure -----------------------------------------------------------


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

    Their notices still planned (scheduled or queued) are cancelled with the
    reason "customer erased", and messages to them still queued fail unsent, so
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
    record or customer. Outgoing webhook events about them keep only ids, and
    the API answers kept for retries (Idempotency-Key) that hold their data are
    replaced by a 410 saying so. Last, the customer and their contact addresses
    are deleted.
    """
    conversations = _conversations(session, business, customer)
    mine = Notification.customer_id == customer.id
    withdrawn = withdraw_notifications(session, mine, ERASED_REASON)
    messages = Message.business_id == business.id, _messages_of(customer, conversations)
    erased = _erase_messages(session, messages)
    for conversation in conversations:
        _detach(conversation)
    theirs = (Record.business_id == business.id, Record.customer_id == customer.id)
    ahead = session.scalar(select(func.count(Record.id)).where(*theirs, Record.starts_at >= now))
    record_ids = select(Record.id).where(*theirs)
    noticed = or_(mine, Notification.record_id.in_(record_ids))
    # A failure's reason may quote Twilio, who names the number it refused.
    for value in _addresses_of(customer):
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
    events = _erase_webhook_events(session, business, customer_id)
    answers = erase_answers(session, business, _answer_holds(customer_id, _addresses_of(customer)))
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


# What an outgoing webhook event about an erased customer keeps: the ids, which say nothing
# about the person without the rows they pointed to.
WEBHOOK_IDS_KEPT = frozenset(
    {"business_id", "customer_id", "record_id", "conversation_id", "message_id", "notification_id"}
)


def _erase_webhook_events(session: Session, business: Business, customer_id: int) -> int:
    """Reduce the business's outgoing webhook deliveries about the customer (their texts,
    numbers and appointment times in `data`) to the ids and `"erased": true`; returns how
    many. A delivery still waiting goes out so reduced."""
    deliveries = session.scalars(
        select(WebhookDelivery)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .where(
            WebhookEndpoint.business_id == business.id, WebhookDelivery.customer_id == customer_id
        )
    ).all()
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
    keeping what usage counts, and fail those still queued; returns how many. The
    condition names the customer, so their link goes last."""
    erased = session.scalar(select(func.count(Message.id)).where(*condition)) or 0
    words = {"body": ERASED, "subject": None, "content_variables": None, "error_message": None}
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
        .values(
            status=MessageStatus.FAILED,
            next_attempt_at=None,
            error_message=f"not sent: {ERASED_REASON}",
        )
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


# --- what belongs to the customer ---------------------------------------------------


def _addresses_of(customer: Customer) -> list[str]:
    """The customer's numbers, email and other addresses, as stored."""
    values = {address.value for address in customer.addresses}
    values |= {each for each in (customer.phone, customer.whatsapp, customer.email) if each}
    return sorted(values)


def _addresses_written(customer: Customer) -> set[str]:
    """Each way a message may write one of the customer's addresses."""
    return {prefix + value for value in _addresses_of(customer) for prefix in _ADDRESS_PREFIXES}


def _conversations(session: Session, business: Business, customer: Customer) -> list[Conversation]:
    """The customer's conversations: linked to them, or held with one of their addresses
    (a text from their number before staff added them)."""
    return list(
        session.scalars(
            select(Conversation)
            .where(
                Conversation.business_id == business.id,
                or_(
                    Conversation.customer_id == customer.id,
                    Conversation.address.in_(_addresses_written(customer)),
                ),
            )
            .order_by(Conversation.id)
        )
    )


def _messages_of(customer: Customer, conversations: list[Conversation]) -> ColumnElement[bool]:
    """Messages in the customer's conversations, linked to them, or of a notice for or
    about them."""
    noticed = select(Notification.message_id).where(
        Notification.customer_id == customer.id, Notification.message_id.is_not(None)
    )
    return or_(
        Message.customer_id == customer.id,
        Message.conversation_id.in_([each.id for each in conversations]),
        Message.id.in_(noticed),
    )
