"""`/messages`: what was sent to and received from customers, with delivery state.

Outbound notices are created by the dispatcher's jobs, bot replies by the
conversation engine, inbound messages by the Twilio webhook; `POST` sends a
staff message to a customer, by email or, for a customer without one, by SMS
(R0.2; `outbound.messages.message_customer`). A list reads like a
conversation, oldest first.
"""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length, OneOf
from sqlalchemy import select

from bot.api.auth import current_business
from bot.api.base import list_response, resource_blueprint, where_equal
from bot.api.fields import Id, InputSchema, ListQuery, ShortText, Text, items_schema
from bot.extensions import db
from bot.models import Author, Direction, Message, utcnow
from bot.services.customers import get_customer
from outbound.messages import message_customer
from outbound.policy.vocabulary import Channel, MessageStatus

bp = resource_blueprint(
    "messages", __name__, "/messages", "Messages to and from customers, with delivery state."
)

_DIRECTIONS = [direction.value for direction in Direction]


class MessageSchema(ma.Schema):
    id = fields.Integer()
    direction = fields.String(metadata={"enum": _DIRECTIONS})
    channel = fields.String(metadata={"enum": [channel.value for channel in Channel]})
    from_address = fields.String(data_key="from")
    to_address = fields.String(data_key="to")
    body = fields.String()
    subject = fields.String(allow_none=True)
    segments = fields.Integer(metadata={"description": "SMS parts (R0.8); 0 for email."})
    encoding = fields.String(allow_none=True, metadata={"description": "GSM-7 or UCS-2."})
    content_sid = fields.String(
        allow_none=True,
        metadata={
            "description": "WhatsApp outside the 24-hour window: the approved template sent "
            "(its Content SID); the body is then the template's wording."
        },
    )
    status = fields.String(metadata={"enum": [status.value for status in MessageStatus]})
    error_code = fields.String(allow_none=True)
    billable = fields.Boolean(metadata={"description": "Delivered SMS only (R0.5)."})
    author = fields.String(metadata={"enum": [author.value for author in Author]})
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    customer_id = fields.Integer(allow_none=True)
    conversation_id = fields.Integer(allow_none=True)


class MessageQuerySchema(ListQuery):
    customer_id = Id(strict=False)
    conversation_id = Id(strict=False)
    direction = fields.String(validate=OneOf(_DIRECTIONS))


class MessageCreateSchema(InputSchema):
    customer_id = Id(required=True)
    body = Text(
        required=True,
        validate=Length(1, 1600),
        metadata={"description": "The text; an SMS may take several segments (R0.8)."},
    )
    subject = ShortText(
        allow_none=True, metadata={"description": "Email only; default: the business's name."}
    )


@bp.route("", tags=["messages"])
class Messages(MethodView):
    @bp.arguments(MessageQuerySchema, location="query")
    @bp.response(200, items_schema(MessageSchema, "MessageListSchema"))
    def get(self, query):
        """List messages, oldest first; filter by customer, conversation and direction."""
        statement = select(Message).where(
            Message.business_id == current_business().id,
            Message.note.is_(False),  # staff's private notes: /conversations/{id}/messages
        )
        statement = where_equal(
            statement, Message, query, ("customer_id", "conversation_id", "direction")
        )
        return list_response(statement.order_by(Message.created_at, Message.id), query)

    @bp.arguments(MessageCreateSchema)
    @bp.response(201, MessageSchema)
    def post(self, data):
        """Message a customer: by email when they have one and consented, else by SMS."""
        business = current_business()
        customer = get_customer(db.session, business, data["customer_id"])
        message = message_customer(
            db.session,
            business,
            customer,
            body=data["body"],
            subject=data.get("subject"),
            now=utcnow(),
        )
        db.session.commit()
        return message
