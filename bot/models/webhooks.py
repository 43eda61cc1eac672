"""Outgoing webhooks: the endpoints a business registers to hear about events (`url`, the
events it takes, its Standard Webhooks secret), and one delivery row per event and endpoint,
the outbox the delivery job works from (status, attempts, last answer, next try)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, UTCDateTime, str_enum, utcnow
from outbound.policy.vocabulary import WebhookDeliveryStatus


class WebhookEndpoint(Base):
    """A URL of the business's own system that gets signed event deliveries."""

    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    # Event types (`WebhookEvent` values) it takes; an empty list takes every event.
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # "whsec_" + base64 of the HMAC key, as Standard Webhooks libraries read it.
    secret: Mapped[str] = mapped_column(String(100))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def takes(self, event_type: str) -> bool:
        """Whether this endpoint is subscribed to `event_type`."""
        return not self.events or event_type in self.events


class WebhookDelivery(Base):
    """One event for one endpoint: its body, and how delivering it went so far."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index(None, "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    # The `webhook-id` header: the same on every try, so a receiver can drop repeats.
    event_id: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The customer the event is about (no foreign key: an erased customer's row is gone),
    # so an erasure finds their events without reading every payload.
    customer_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The conversation it is about, if any: a text from a number not yet a customer's names
    # no customer, and an erasure finds it through the conversation instead.
    conversation_id: Mapped[int | None] = mapped_column(Integer, index=True)
    status: Mapped[WebhookDeliveryStatus] = mapped_column(
        str_enum(WebhookDeliveryStatus), default=WebhookDeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    # While pending: when the next try is due; while a try runs, the end of its lease.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship()
