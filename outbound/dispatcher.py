"""The dispatcher tick: claims the due outbox rows, and those a dead worker left behind, under a
lease so exactly one worker sends each, and finds the queued messages whose send job was lost or
whose next try is due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select, update
from sqlalchemy.orm import Session

from bot.models import Direction, Message, Notification
from outbound.policy.vocabulary import MessageStatus, NotificationStatus

DEFAULT_LEASE_SECONDS = 600
DEFAULT_LEASE = timedelta(seconds=DEFAULT_LEASE_SECONDS)
DEFAULT_CLAIM_LIMIT = 200
STALE_MESSAGE_AGE = timedelta(minutes=2)
# A notice that ended in one of these will never send the message it stored.


def send_lease(config: Mapping[str, Any]) -> timedelta:
    """How long a claim or a send attempt holds its row before another worker may
    take it: the `SEND_LEASE_SECONDS` setting, else ten minutes. It must outlast
    the slowest send (the Twilio client gives up after 10 s)."""
    return timedelta(seconds=float(config.get("SEND_LEASE_SECONDS") or DEFAULT_LEASE_SECONDS))


def _claimable(now: datetime):
    """Rows a tick may take at `now`: due ones, and leased ones whose lease ran out."""
    return or_(_due(now), _lease_ran_out(now))


def _due(now: datetime):
    return and_(Notification.status == NotificationStatus.SCHEDULED, Notification.due_at <= now)


def _lease_ran_out(now: datetime):
    return and_(
        Notification.status.in_([NotificationStatus.QUEUED, NotificationStatus.SENDING]),
        or_(Notification.lease_until.is_(None), Notification.lease_until < now),
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
    # Two narrow reads instead of one OR: the due rows come from the (status, due_at,
    # id) index in order, the few leased rows from the status index, so the cost does
    # not grow with the rows scheduled further ahead. The oldest `limit` of both win.
    candidates = [
        notification_id
        for _due_at, notification_id in sorted(
            (*_oldest(session, _due(now), limit), *_oldest(session, _lease_ran_out(now), limit))
        )[:limit]
    ]
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


def _oldest(session: Session, condition, limit: int) -> list[tuple[datetime, int]]:
    """(due_at, id) of at most `limit` rows meeting `condition`, oldest due first,
    locked for this claim (rows another claim holds are skipped)."""
    return [
        (due_at, notification_id)
        for due_at, notification_id in session.execute(
            select(Notification.due_at, Notification.id)
            .where(condition)
            .order_by(Notification.due_at, Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    ]


def stale_queued_messages(
    session: Session, *, now: datetime, older_than: timedelta = STALE_MESSAGE_AGE
) -> list[int]:
    """Outbound messages still `queued` that need their send job (again) at `now`.

    These are bot replies and staff messages (not notices: the notification's
    row brings those back) that were never tried `older_than` after they were
    stored, so their job may have been lost (Redis flushed or down at enqueue
    time), or whose hold (`next_attempt_at`, see `outbound.send_outcomes`) has
    passed: a next try or a paced turn is due, or the worker that held it died.
    The caller enqueues their job unless RQ still has it waiting.
    """
    carried_by_notification = exists().where(Notification.message_id == Message.id)
    return list(
        session.scalars(
            select(Message.id)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status == MessageStatus.QUEUED,
                or_(
                    and_(Message.next_attempt_at.is_(None), Message.created_at < now - older_than),
                    Message.next_attempt_at <= now,
                ),
                ~carried_by_notification,
            )
            .order_by(Message.id)
            .limit(DEFAULT_CLAIM_LIMIT)
        )
    )
