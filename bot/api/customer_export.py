"""The shape of `GET /customers/{id}/export` (GDPR Art. 15) in the OpenAPI document: the
customer's fields, addresses, records, notices, conversations with their messages and the
outgoing webhook events kept about them, as
`bot.services.customer_export.export_customer` gathers them. It documents the answer and
does not filter it (a test holds the two alike)."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields


def _moment(**metadata):
    return fields.String(allow_none=True, metadata={"format": "date-time", **metadata})


class ExportedCustomerSchema(ma.Schema):
    id = fields.Integer()
    name = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    phone_is_mobile = fields.Boolean(allow_none=True)
    email = fields.String(allow_none=True)
    whatsapp = fields.String(allow_none=True)
    sms_consent = fields.Boolean()
    email_consent = fields.Boolean()
    locale = fields.String(allow_none=True)
    locale_set_by_staff = fields.Boolean()
    privacy_accepted_at = _moment()
    external_id = fields.String(allow_none=True)
    created_at = _moment()


class ExportedAddressSchema(ma.Schema):
    kind = fields.String(metadata={"description": "tel, whatsapp or messenger."})
    value = fields.String()
    opted_out_at = _moment(description="When the customer opted out on this address.")
    created_at = _moment()


class ExportedRecordSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String()
    status = fields.String()
    starts_at = _moment()
    ends_at = _moment()
    title = fields.String(allow_none=True)
    service = fields.String(allow_none=True)
    staff = fields.String(allow_none=True)
    location = fields.String(allow_none=True)
    notes = fields.String(allow_none=True, metadata={"description": "Staff's notes."})
    source = fields.String()
    external_id = fields.String(
        allow_none=True, metadata={"description": "The record's id in the booking system."}
    )
    cancelled_by = fields.String(allow_none=True)
    customer_confirmed_at = _moment()
    created_at = _moment()
    updated_at = _moment()


class ExportedNotificationSchema(ma.Schema):
    id = fields.Integer()
    record_id = fields.Integer(allow_none=True)
    notice = fields.String()
    audience = fields.String()
    channel = fields.String()
    status = fields.String()
    reason = fields.String(allow_none=True)
    due_at = _moment()
    created_at = _moment()
    updated_at = _moment()
    message_id = fields.Integer(allow_none=True)


class ExportedMessageSchema(ma.Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"description": "inbound (from the customer) or outbound."})
    author = fields.String()
    note = fields.Boolean(metadata={"description": "A private staff note, never sent."})
    channel = fields.String()
    sender = fields.String(data_key="from", attribute="from")
    to = fields.String()
    subject = fields.String(allow_none=True)
    body = fields.String()
    content_variables = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        allow_none=True,
        metadata={"description": "A WhatsApp template's values, by placeholder number."},
    )
    status = fields.String()
    segments = fields.Integer()
    error_code = fields.String(allow_none=True)
    error_message = fields.String(allow_none=True)
    created_at = _moment()
    sent_at = _moment()
    delivered_at = _moment()


class ExportedConversationSchema(ma.Schema):
    id = fields.Integer()
    channel = fields.String()
    address = fields.String()
    inbox_status = fields.String()
    last_activity_at = _moment()
    messages = fields.List(fields.Nested(ExportedMessageSchema))


class ExportedWebhookEventSchema(ma.Schema):
    type = fields.String(metadata={"description": "The event type, e.g. message.received."})
    webhook_id = fields.String(metadata={"description": "The delivery's `webhook-id` header."})
    endpoint_id = fields.Integer(metadata={"description": "The endpoint it went to."})
    created_at = _moment()
    status = fields.String(metadata={"description": "pending, succeeded or failed."})
    payload = fields.Dict(metadata={"description": "The body sent: type, timestamp and data."})


class CustomerExportSchema(ma.Schema):
    """Everything stored about one customer (GDPR Art. 15)."""

    customer = fields.Nested(ExportedCustomerSchema)
    addresses = fields.List(fields.Nested(ExportedAddressSchema))
    records = fields.List(fields.Nested(ExportedRecordSchema))
    notifications = fields.List(fields.Nested(ExportedNotificationSchema))
    conversations = fields.List(fields.Nested(ExportedConversationSchema))
    other_messages = fields.List(
        fields.Nested(ExportedMessageSchema),
        metadata={"description": "Messages about the customer outside their conversations."},
    )
    webhook_events = fields.List(
        fields.Nested(ExportedWebhookEventSchema),
        metadata={"description": "Outgoing webhook events kept about the customer."},
    )
