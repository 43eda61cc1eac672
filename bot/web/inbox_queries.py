"""The reads only the web inbox needs, beside `bot.services.inbox`: the change fingerprints
its short polling compares, the names of the staff who wrote messages, and the notices sent
and skipped for a customer."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Business, Conversation, Message, Notification, User

NOTIFICATIONS_SHOWN = 20


# A fingerprint is one small aggregate query turned into a short digest: the page sends
# back the last one it saw and re-fetches a server-rendered fragment only when it differs.
def _digest(rows: Iterable[tuple]) -> str:
    text = "|".join(",".join("" if value is None else str(value) for value in row) for row in rows)
    return hashlib.blake2s(text.encode(), digest_size=8).hexdigest()


def list_fingerprint(session: Session, business: Business) -> str:
    """Changes when a conversation of the business is added, has new activity, changes
    status, assignee or unread count (one grouped query over the business's rows)."""
    rows = session.execute(
        select(
            Conversation.inbox_status,
            func.count(),
            func.max(Conversation.last_activity_at),
            func.sum(Conversation.unread_count),
            func.sum(Conversation.assignee_id),
            func.count(Conversation.assignee_id),
            func.sum(Conversation.id),
        )
        .where(Conversation.business_id == business.id)
        .group_by(Conversation.inbox_status)
        .order_by(Conversation.inbox_status)
    ).all()
    return _digest(rows)


def thread_fingerprint(session: Session, conversation: Conversation) -> str:
    """Changes when a message is added to the conversation or one changes delivery
    status (one grouped query on the conversation's index), or the conversation's
    status or assignee changes."""
    rows = session.execute(
        select(Message.status, func.count(), func.max(Message.id))
        .where(Message.conversation_id == conversation.id)
        .group_by(Message.status)
        .order_by(Message.status)
    ).all()
    head = (conversation.inbox_status, conversation.assignee_id, conversation.snoozed_until)
    return _digest([head, *rows])


def author_names(session: Session, messages: Iterable[Message]) -> dict[int, str]:
    """The name (else email) of each staff user who wrote one of `messages`."""
    ids = {m.author_user_id for m in messages if m.author_user_id is not None}
    if not ids:
        return {}
    users = session.scalars(select(User).where(User.id.in_(ids)))
    return {user.id: user.name or user.email for user in users}


def customer_notifications(
    session: Session, business: Business, customer_id: int
) -> list[Notification]:
    """The customer's latest notices, planned, sent or skipped, newest first."""
    return list(
        session.scalars(
            select(Notification)
            .where(
                Notification.business_id == business.id,
                Notification.customer_id == customer_id,
            )
            .order_by(Notification.due_at.desc(), Notification.id.desc())
            .limit(NOTIFICATIONS_SHOWN)
        )
    )
