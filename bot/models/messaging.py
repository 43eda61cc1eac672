"""Messages in both directions, the conversations they belong to, and the
webhook ids already processed (so a replayed webhook changes nothing).

A conversation's `inbox_status` follows `conversations.inbox`."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime, str_enum, utcnow
from bot.models.customers import Customer
from conversations.inbox import InboxStatus
from outbound.policy.vocabulary import Channel, MessageStatus


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class Author(enum.StrEnum):
    CUSTOMER = "customer"  # an inbound message
    BOT = "bot"  # the conversation engine's reply
    STAFF = "staff"  # typed by a staff user in the inbox or sent through the API
    SYSTEM = "system"  # a notice planned by a rule


class ConversationState(enum.StrEnum):
    IDLE = "idle"  # nothing asked, nothing pending
    AWAITING_REPLY = "awaiting_reply"  # a notice asked the customer something
    RESCHEDULE_COLLECTING = "reschedule_collecting"  # asked "when would suit you?"
    RESCHEDULE_OFFERED = "reschedule_offered"  # offered numbered slots
    CANCEL_ASKED = "cancel_asked"  # asked "shall I cancel …?" before cancelling
    HANDED_TO_STAFF = "handed_to_staff"  # the bot stays quiet until staff resolve it


class Conversation(Base):
    __tablename__ = "conversation"
    __table_args__ = (UniqueConstraint("business_id", "channel", "address"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    # The customer's side: E.164 for SMS, "whatsapp:+49…", "messenger:<id>".
    address: Mapped[str] = mapped_column(String(120))
    state: Mapped[ConversationState] = mapped_column(
        str_enum(ConversationState, length=32), default=ConversationState.IDLE
    )
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    inbox_status: Mapped[InboxStatus] = mapped_column(
        str_enum(InboxStatus), default=InboxStatus.BOT, index=True
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    unread_count: Mapped[int] = mapped_column(Integer, default=0)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # Snoozed: when the snooze ends by itself; None while snoozed: at the next message.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # Why the bot last handed the conversation to staff (a `conversations.Handover`).
    handover_reason: Mapped[str | None] = mapped_column(String(32))

    customer: Mapped[Customer | None] = relationship()


class Message(Base):
    __tablename__ = "message"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversation.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction))
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    from_address: Mapped[str] = mapped_column(String(200))
    to_address: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    segments: Mapped[int] = mapped_column(Integer, default=0)  # SMS parts; 0 for email
    encoding: Mapped[str | None] = mapped_column(String(8))  # GSM-7 or UCS-2
    # WhatsApp outside the 24-hour window: the approved template sent, and its
    # placeholder values; `body` is then the template's wording for the record.
    content_sid: Mapped[str | None] = mapped_column(String(34))
    content_variables: Mapped[dict[str, str] | None] = mapped_column(JSON)
    status: Mapped[MessageStatus] = mapped_column(str_enum(MessageStatus))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    error_code: Mapped[str | None] = mapped_column(String(16))
    error_message: Mapped[str | None] = mapped_column(Text)
    # Only delivered SMS are billed (R0.5); set by the status callback.
    billable: Mapped[bool] = mapped_column(Boolean, default=False)
    author: Mapped[Author] = mapped_column(str_enum(Author))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # A private note staff keep in the conversation: never sent, never billed.
    note: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ProcessedWebhook(Base):
    """A provider event id (Twilio MessageSid) that has been handled once."""

    __tablename__ = "processed_webhook"
    __table_args__ = (UniqueConstraint("provider", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(24))
    external_id: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
