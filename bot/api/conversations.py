"""`/conversations`: the shared inbox through the API (list, read, answer, note, assign,
snooze), working through `bot.services.inbox` as the web inbox does; another business's
conversation is a 404."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields
from marshmallow.validate import Length, OneOf
from sqlalchemy.orm import selectinload

from bot.api.auth import current_business
from bot.api.base import resource_blueprint
from bot.api.fields import (
    MAX_ID,
    AwareDateTime,
    Id,
    InputSchema,
    ListQuery,
    Text,
    items_schema,
)
from bot.api.pages import read_page
from bot.extensions import db
from bot.models import Author, Conversation, Direction, InboxStatus, Message, utcnow
from bot.services import inbox
from outbound.policy.vocabulary import Channel, MessageStatus

bp = resource_blueprint(
    "conversations",
    __name__,
    "/conversations",
    "The shared inbox: conversations with customers, their messages and private notes, "
    "who works them and in which state.",
)

_STATUSES = [status.value for status in InboxStatus]
_CHANNELS = [channel.value for channel in Channel]
_DIRECTIONS = [direction.value for direction in Direction]
# A failed message's readable error is kept only for these states.
_FAILED = (MessageStatus.FAILED, MessageStatus.UNDELIVERED)
_STATUS_WORDS = (
    "`bot`: the bot handles it; `open`: needs a person; `pending`: staff answered and "
    "wait for the customer; `snoozed`: put aside until `snoozed_until` or the customer's "
    "next text; `resolved`: done."
)


# --- what the API answers ------------------------------------------------------------


class LastMessageSchema(ma.Schema):
    body = fields.String(metadata={"description": "The text."})
    direction = fields.String(
        metadata={"enum": _DIRECTIONS, "description": "inbound: from the customer."}
    )
    created_at = fields.DateTime(metadata={"description": "When it was received or written."})


class ConversationSchema(ma.Schema):
    id = fields.Integer(metadata={"description": "The conversation's id."})
    customer_id = fields.Integer(
        allow_none=True, metadata={"description": "null: the address belongs to no customer."}
    )
    customer_name = fields.String(
        allow_none=True, metadata={"description": "The customer's name, if known."}
    )
    channel = fields.String(
        metadata={"enum": _CHANNELS, "description": "Where the conversation takes place."}
    )
    address = fields.String(
        metadata={
            "description": "The customer's side: E.164 for SMS, whatsapp:+49… for WhatsApp, "
            "messenger:<id> for Messenger."
        }
    )
    status = fields.String(metadata={"enum": _STATUSES, "description": _STATUS_WORDS})
    assignee_id = fields.Integer(
        allow_none=True, metadata={"description": "The user working it; null: nobody yet."}
    )
    unread_count = fields.Integer(
        metadata={"description": "Customer texts since staff last read or answered it."}
    )
    last_activity_at = fields.DateTime(
        metadata={"description": "The latest message or change; the list's order."}
    )
    snoozed_until = fields.DateTime(
        allow_none=True,
        metadata={
            "description": "Snoozed: when it opens again by itself; null: at the customer's "
            "next text (or not snoozed)."
        },
    )
    handover_reason = fields.String(
        allow_none=True,
        metadata={
            "description": "Why the bot handed it to staff, in words (in the language of "
            "Accept-Language: de, en or nl); null when the bot did not."
        },
    )
    last_message = fields.Nested(
        LastMessageSchema,
        allow_none=True,
        metadata={"description": "The newest message or note; null when there is none."},
    )


class ThreadMessageSchema(ma.Schema):
    id = fields.Integer(metadata={"description": "The message's id (as in /messages)."})
    direction = fields.String(
        metadata={"enum": _DIRECTIONS, "description": "inbound: from the customer."}
    )
    author = fields.String(
        metadata={
            "enum": [author.value for author in Author],
            "description": "customer, bot (a reply of the bot), staff (a staff message or "
            "note), system (a notice planned by a rule).",
        }
    )
    body = fields.String(metadata={"description": "The text."})
    status = fields.String(
        metadata={
            "enum": [status.value for status in MessageStatus],
            "description": "Delivery state; `note` for a private note.",
        }
    )
    error = fields.String(
        allow_none=True,
        metadata={
            "description": "Why a failed or undelivered message did not arrive, in words; "
            "null otherwise."
        },
    )
    created_at = fields.DateTime(metadata={"description": "When it was received or written."})
    note = fields.Boolean(
        metadata={"description": "true: a private note for staff, never sent to anyone."}
    )


# --- what the API reads ----------------------------------------------------------------


class AssigneeFilter(fields.Field):
    """A user id, or the word `none` for conversations nobody is assigned to."""

    default_error_messages = {"invalid": "must be a user id or the word none"}

    def _deserialize(self, value, attr, data, **kwargs) -> int | str:
        text = value.strip() if isinstance(value, str) else ""
        if text.lower() == "none":
            return "none"
        if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_ID:
            return int(text)
        raise self.make_error("invalid")


class ConversationQuerySchema(ListQuery):
    status = fields.String(validate=OneOf(_STATUSES), metadata={"description": "Only this status."})
    assignee_id = AssigneeFilter(
        metadata={
            "type": "string",
            "pattern": "^(none|[1-9][0-9]{0,9})$",
            "description": "Only those assigned to this user; `none`: only unassigned ones.",
            "example": "none",
        }
    )
    channel = fields.String(
        validate=OneOf(_CHANNELS), metadata={"description": "Only this channel."}
    )
    customer_id = Id(strict=False, metadata={"description": "Only this customer's."})
    q = fields.String(
        validate=Length(max=200),
        metadata={
            "description": "Search: part of the customer's name, their number (any notation, "
            "e.g. 0151 1234) or the text of any message or note. % and _ match themselves.",
            "example": "Hoffmann",
        },
    )


class ThreadQuerySchema(ListQuery):
    after_id = Id(
        strict=False,
        metadata={"description": "Only messages with a larger id (those new since that one)."},
    )


class BodySchema(InputSchema):
    body = Text(
        required=True,
        validate=Length(1, max(inbox.BODY_LIMITS.values())),
        metadata={
            "description": "The text. At most 1 600 characters on SMS, 4 096 on WhatsApp, "
            "2 000 on Messenger, 20 000 by email.",
            "example": "Samstag um 10 Uhr ist noch frei. Soll ich Sie eintragen?",
        },
    )


class NoteSchema(InputSchema):
    body = Text(
        required=True,
        validate=Length(1, inbox.NOTE_LIMIT),
        metadata={
            "description": "The note, for staff only.",
            "example": "Rief an, meldet sich morgen.",
        },
    )


class ConversationUpdateSchema(InputSchema):
    status = fields.String(
        validate=OneOf(_STATUSES),
        metadata={
            "description": _STATUS_WORDS + " `bot` or `resolved` let the bot read the next "
            "text afresh."
        },
    )
    snoozed_until = AwareDateTime(
        allow_none=True,
        metadata={
            "description": "With status `snoozed` (or alone): when the snooze ends; must lie "
            "in the future. Without it a snooze ends at the customer's next text."
        },
    )
    assignee_id = Id(
        allow_none=True,
        metadata={"description": "The business's user to work it; null: nobody."},
    )


ConversationListSchema = items_schema(ConversationSchema, "ConversationListSchema")
ThreadSchema = items_schema(ThreadMessageSchema, "ConversationMessageListSchema")


# --- the views --------------------------------------------------------------------------


# Views answer plain dicts built before their commit: the commit expires every row
# it loaded, and serialising an expired row afterwards would read it again, one
# query per row.


def _message(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "author": message.author,
        "body": message.body,
        "status": message.status,
        "error": message.error_message if message.status in _FAILED else None,
        "created_at": message.created_at,
        "note": message.note,
    }


def _items(conversations: list[Conversation]) -> list[dict[str, Any]]:
    """The API's view of `conversations`; their last messages are read in one query
    (their customers were loaded with them)."""
    last = inbox.last_messages(db.session, (conversation.id for conversation in conversations))
    return [
        {
            "id": conversation.id,
            "customer_id": conversation.customer_id,
            "customer_name": conversation.customer.name if conversation.customer else None,
            "channel": conversation.channel,
            "address": conversation.address,
            "status": conversation.inbox_status,
            "assignee_id": conversation.assignee_id,
            "unread_count": conversation.unread_count,
            "last_activity_at": conversation.last_activity_at,
            "snoozed_until": conversation.snoozed_until,
            "handover_reason": inbox.handover_words(conversation.handover_reason),
            "last_message": _last(last.get(conversation.id)),
        }
        for conversation in conversations
    ]


def _last(message: Message | None) -> dict[str, Any] | None:
    if message is None:
        return None
    return {"body": message.body, "direction": message.direction, "created_at": message.created_at}


def _one(conversation: Conversation) -> dict[str, Any]:
    return _items([conversation])[0]


@bp.route("", tags=["conversations"])
class Conversations(MethodView):
    @bp.arguments(ConversationQuerySchema, location="query")
    @bp.response(200, ConversationListSchema)
    def get(self, query):
        """List conversations, newest activity first.

        Filter by status, assignee, channel and customer, or search names, numbers and
        message texts with `q`.
        """
        assignee = query.get("assignee_id")
        filters = inbox.Filters(
            status=InboxStatus(query["status"]) if "status" in query else None,
            assignee_id=assignee if isinstance(assignee, int) else None,
            unassigned=assignee == "none",
            channel=Channel(query["channel"]) if "channel" in query else None,
            customer_id=query.get("customer_id"),
            q=query.get("q"),
        )
        statement = inbox.conversations_query(current_business(), filters).options(
            selectinload(Conversation.customer)
        )
        page = read_page(db.session, statement, query)
        items = _items(page.rows)
        db.session.commit()
        return {"items": items, "next_cursor": page.next_cursor}


@bp.route(f"/<int(max={MAX_ID}):conversation_id>", tags=["conversations"])
class ConversationById(MethodView):
    @bp.response(200, ConversationSchema)
    def get(self, conversation_id):
        """Read one conversation."""
        conversation = inbox.get_conversation(db.session, current_business(), conversation_id)
        item = _one(conversation)
        db.session.commit()
        return item

    @bp.arguments(ConversationUpdateSchema)
    @bp.response(200, ConversationSchema)
    def patch(self, changes, conversation_id):
        """Change a conversation's status, snooze or assignee.

        `bot` hands it back to the bot; fields left out stay as they are.
        """
        business = current_business()
        conversation = inbox.get_conversation(db.session, business, conversation_id)
        inbox.update_conversation(db.session, business, conversation, changes, now=utcnow())
        item = _one(conversation)
        db.session.commit()
        return item


@bp.route(f"/<int(max={MAX_ID}):conversation_id>/messages", tags=["conversations"])
class ConversationMessages(MethodView):
    @bp.arguments(ThreadQuerySchema, location="query")
    @bp.response(200, ThreadSchema)
    def get(self, query, conversation_id):
        """List a conversation's messages, oldest first.

        Customer texts, bot replies, notices, staff messages and private notes.
        """
        conversation = inbox.get_conversation(db.session, current_business(), conversation_id)
        statement = inbox.thread_query(conversation, after_id=query.get("after_id", 0))
        page = read_page(db.session, statement, query)
        items = [_message(message) for message in page.rows]
        db.session.commit()
        return {"items": items, "next_cursor": page.next_cursor}

    @bp.arguments(BodySchema)
    @bp.response(201, ThreadMessageSchema)
    @bp.alt_response(409, response="CONFLICT")
    def post(self, data, conversation_id):
        """Answer the customer; the conversation becomes pending.

        The message goes on the conversation's channel, from the address the customer
        wrote to, through the outbox (retries, pacing, status callbacks). 409 when the
        channel cannot carry it: SMS switched off, the customer opted out on it, or
        WhatsApp's 24 hours have passed.
        """
        business = current_business()
        conversation = inbox.get_conversation(db.session, business, conversation_id)
        message = inbox.reply(db.session, business, conversation, data["body"], now=utcnow())
        item = _message(message)
        db.session.commit()
        return item


@bp.route(f"/<int(max={MAX_ID}):conversation_id>/notes", tags=["conversations"])
class ConversationNotes(MethodView):
    @bp.arguments(NoteSchema)
    @bp.response(201, ThreadMessageSchema)
    def post(self, data, conversation_id):
        """Keep a private note in the conversation: shown to staff, never sent."""
        business = current_business()
        conversation = inbox.get_conversation(db.session, business, conversation_id)
        note = inbox.add_note(db.session, business, conversation, data["body"], now=utcnow())
        item = _message(note)
        db.session.commit()
        return item


@bp.route(f"/<int(max={MAX_ID}):conversation_id>/read", tags=["conversations"])
class ConversationRead(MethodView):
    @bp.response(200, ConversationSchema)
    def post(self, conversation_id):
        """Mark a conversation read: its unread count becomes 0.

        Answers the conversation as it now stands.
        """
        conversation = inbox.get_conversation(db.session, current_business(), conversation_id)
        inbox.mark_read(conversation)
        item = _one(conversation)
        db.session.commit()
        return item
