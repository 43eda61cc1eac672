"""The dispatcher: claims due outbox rows so exactly one worker sends each.

A tick claims `Notification`s that are due (`scheduled`, `due_at` passed) and
those a dead worker left behind (`queued`/`sending` with an expired lease),
marks them `queued` with a fresh lease, and the caller enqueues one send job
per claimed id after committing. Two ticks never take the same row: the
claim is one conditional `UPDATE … RETURNING` that repeats the whole
claimability test, so a row another tick took in between no longer matches
(on SQLite, which ignores FOR UPDATE, writers are serialised and the second
UPDATE sees the first's result); on PostgreSQL the candidate rows are also
locked with `FOR UPDATE SKIP LOCKED`, so concurrent ticks pass over each
other's rows instead of waiting. The database is the truth: if Redis loses a
job, the lease runs out and a later tick claims the row again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.models import Direction, Message, Notification
from outbound.vocabulary import MessageStatus, NotificationStatus

DEFAULT_LEASE = timedelta(minutes=10)
DEFAULT_CLAIM_LIMIT = 200
STALE_MESSAGE_AGE = timedelta(minutes=2)


def _claimable(now: datetime):
    """Rows a tick may take at `now`: due ones, and leased ones whose lease ran out."""
    return or_(
        and_(
            Notification.status == NotificationStatus.SCHEDULED,
            Notification.due_at <= now,
        ),
        and_(
            Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.SENDING]),
            or_(Notification.lease_until.is_(None), Notification.lease_until < now),
        ),
    )


def claim_due(
    session: Session,
    *,
    now: datetime,
    lease: timedelta = DEFAULT_LEASE,
    limit: int = DEFAULT_CLAIM_LIMIT,
) -> list[int]:
    """Claim up to `limit` notifications that are due at `now` (timezone-aware).

    Claimed rows become `queued` with `lease_until = now + lease`. Returns the
    claimed ids, oldest due first; the caller commits and then enqueues their
    send jobs. Ids another concurrent claim took are never returned.
    """
    candidates = session.scalars(
        select(Notification.id)
        .where(_claimable(now))
        .order_by(Notification.due_at, Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if not candidates:
        return []
    claimed = session.scalars(
        update(Notification)
        .where(Notification.id.in_(candidates), _claimable(now))
        .values(status=NotificationStatus.QUEUED, lease_until=now + lease)
        .returning(Notification.id)
        .execution_options(synchronize_session="fetch")
    ).all()
    order = {notification_id: index for index, notification_id in enumerate(candidates)}
    return sorted(claimed, key=order.__getitem__)


def stale_queued_messages(
    session: Session, *, now: datetime, older_than: timedelta = STALE_MESSAGE_AGE
) -> list[int]:
    """Outbound messages still `queued` `older_than` after they were stored.

    These are bot replies and staff messages whose send job may have been lost
    (Redis flushed or down at enqueue time); the tick enqueues them again under
    the same job id. Messages that carry a notification are left out: the
    notification's lease brings those back.
    """
    carried_by_notification = exists().where(Notification.message_id == Message.id)
    return list(
        session.scalars(
            select(Message.id)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status == MessageStatus.QUEUED,
                Message.created_at < now - older_than,
                ~carried_by_notification,
            )
            .order_by(Message.id)
            .limit(DEFAULT_CLAIM_LIMIT)
        )
    )
