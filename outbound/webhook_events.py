"""Outgoing webhook events into the outbox: `record_event` writes one `WebhookDelivery` per
enabled endpoint of the business that takes the event, in the caller's transaction, and hands
each delivery's job to RQ once that transaction commits; an event nobody listens to writes
nothing."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from bot.models import (
    Business,
    ContactAddress,
    Conversation,
    Message,
    Notification,
    Record,
    WebhookDelivery,
    WebhookEndpoint,
)
from outbound.policy.vocabulary import WebhookEvent
from outbound.queueing import SEND_QUEUE, enqueue_after_commit, webhook_delivery_job_id

EVENT_ID_PREFIX = "msg_"
DELIVER_JOB = "outbound.jobs.deliver_webhook"
# The business's enabled endpoints, read once per transaction: a customer's "ja" records two
# events (the text and the confirmation) for the price of one query.
_ENDPOINTS_KEY = "replydesk_webhook_endpoints"


def record_event(
    session: Session,
    business: Business | int,
    event_type: WebhookEvent,
    data: Mapping[str, Any],
    now: datetime,
) -> list[WebhookDelivery]:
    """Write the deliveries of one event; returns them (none when no endpoint takes it).

    The body each endpoint gets is `{"type", "timestamp", "data"}`: `timestamp` is
    `now` (timezone-aware) in ISO 8601, `data` the plain JSON values given, which
    name the business (added here as `business_id`), and the customer, record and
    conversation where there are ones; each delivery notes the customer and the
    conversation it is about, for an erasure to find. Flushes; the caller commits."""
    business_id = business if isinstance(business, int) else business.id
    endpoints = [
        endpoint
        for endpoint in _enabled_endpoints(session, business_id)
        if endpoint.takes(event_type)
    ]
    if not endpoints:
        return []
    payload = {
        "type": str(event_type),
        "timestamp": now.isoformat(),
        "data": {"business_id": business_id, **data},
    }
    deliveries = [
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_type=str(event_type),
            event_id=EVENT_ID_PREFIX + secrets.token_hex(12),
            payload=payload,
            customer_id=data.get("customer_id"),
            conversation_id=data.get("conversation_id"),
            created_at=now,
        )
        for endpoint in endpoints
    ]
    session.add_all(deliveries)
    session.flush()
    for delivery in deliveries:
        enqueue_delivery(session, delivery.id)
    return deliveries


def enqueue_delivery(session: Session, delivery_id: int) -> None:
    """Hand the delivery's job to RQ once `session` commits."""
    enqueue_after_commit(
        session,
        current_app.config["REDIS_URL"],
        SEND_QUEUE,
        DELIVER_JOB,
        delivery_id,
        job_id=webhook_delivery_job_id(delivery_id),
        retry=True,
    )


def _enabled_endpoints(session: Session, business_id: int) -> list[WebhookEndpoint]:
    cached = session.info.setdefault(_ENDPOINTS_KEY, {})
    if business_id not in cached:
        cached[business_id] = list(
            session.scalars(
                select(WebhookEndpoint)
                .where(WebhookEndpoint.business_id == business_id, WebhookEndpoint.enabled)
                .order_by(WebhookEndpoint.id)
            )
        )
    return cached[business_id]


def message_data(message: Message) -> dict[str, Any]:
    """What `message.received` says about a customer's text."""
    return {
        "customer_id": message.customer_id,
        "conversation_id": message.conversation_id,
        "message_id": message.id,
        "channel": str(message.channel),
        "from": message.from_address,
        "to": message.to_address,
        "body": message.body,
    }


def record_data(record: Record, **extra: Any) -> dict[str, Any]:
    """What the `record.*` events say about the record, with `extra` fields."""
    return {
        "customer_id": record.customer_id,
        "record_id": record.id,
        "kind": str(record.kind),
        "status": record.status,
        "starts_at": _iso(record.starts_at),
        "ends_at": _iso(record.ends_at),
        **extra,
    }


def address_data(address: ContactAddress) -> dict[str, Any]:
    """What `customer.opted_out` and `customer.opted_in` say: whose address, on which kind."""
    return {
        "customer_id": address.customer_id,
        "address_kind": str(address.kind),
        "address": address.value,
    }


def conversation_data(conversation: Conversation) -> dict[str, Any]:
    """What `conversation.handed_over` says: the conversation and why the bot passed it on."""
    return {
        "customer_id": conversation.customer_id,
        "conversation_id": conversation.id,
        "channel": str(conversation.channel),
        "reason": conversation.handover_reason,
    }


def notification_data(notification: Notification) -> dict[str, Any]:
    """What `notification.failed` says: the notice, its record and customer, and why."""
    return {
        "customer_id": notification.customer_id,
        "record_id": notification.record_id,
        "notification_id": notification.id,
        "notice": str(notification.notice),
        "channel": str(notification.channel),
        "reason": notification.reason,
    }


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def forget_endpoints(session: Session) -> None:
    """Read the endpoints afresh at the next event: call it when one is added or changed."""
    session.info.pop(_ENDPOINTS_KEY, None)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_endpoints_after_transaction(session: Session, *args: Any) -> None:
    forget_endpoints(session)
