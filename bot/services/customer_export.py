"""A customer's right of access (GDPR Art. 15): `export_customer` gathers everything stored
about one customer as JSON-ready data, their own fields and addresses, records, notices,
conversations with every message (staff notes included) and the outgoing webhook events
kept about them, finding their conversations and messages as the erasure does."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Business, Customer, Message, Notification, Record, WebhookDelivery
from bot.services.customer_data import conversations_of, messages_of, webhook_deliveries_of


def export_customer(session: Session, business: Business, customer: Customer) -> dict[str, Any]:
    """Everything stored about `customer` of `business`, as a dict of JSON values.

    Holds the customer's own fields (contact data, consent, locale, privacy
    acceptance), their contact addresses with opt-outs, their records with
    statuses, staff notes and the booking system's ids, the notices planned for
    or about them (notice, channel, status, reason, times), their conversations
    with every message in both directions, private staff notes and template
    values included (personal data about the customer, so Art. 15 covers them),
    and the outgoing webhook events kept about them with what each said. Messages
    that name the customer but sit in no conversation of theirs come under
    `other_messages`.
    """
    conversations = conversations_of(session, business, customer)
    in_conversations = {each.id for each in conversations}
    messages = session.scalars(
        select(Message)
        .where(Message.business_id == business.id, messages_of(customer, conversations))
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
    deliveries = webhook_deliveries_of(session, business, customer.id, conversations)
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
        "webhook_events": [_webhook_event(each) for each in deliveries],
    }


def _moment(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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
        "external_id": record.external_id,
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
        "content_variables": message.content_variables,
        "status": str(message.status),
        "segments": message.segments,
        "error_code": message.error_code,
        "error_message": message.error_message,
        "created_at": _moment(message.created_at),
        "sent_at": _moment(message.sent_at),
        "delivered_at": _moment(message.delivered_at),
    }


def _webhook_event(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "type": delivery.event_type,
        "webhook_id": delivery.event_id,
        "endpoint_id": delivery.endpoint_id,
        "created_at": _moment(delivery.created_at),
        "status": str(delivery.status),
        "payload": delivery.payload,
    }
