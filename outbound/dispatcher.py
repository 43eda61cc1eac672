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
job, the lease runs out and a later tick claims the row again, and a row put
back after a failed try or to wait for its sender's turn is simply
`scheduled` again with a later `due_at`. Outbound messages that are not
notices (bot replies, staff messages) have no outbox row; the tick finds
those whose send job was lost or whose next try is due (`stale_queued_messages`)
and enqueues their job again. (A notice withdrawn while it waited for its next
try fails its queued message at the moment it is withdrawn:
`outbound.planning.withdraw_notifications`.)
The lease is the `SEND_LEASE_SECONDS` setting, ten minutes by default.
"""

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
    """Outbound messages still `queued` that need their send job (again) at `now`.

    These are bot replies and staff messages (not notices: the notification's
    row brings those back) that were never tried `older_than` after they were
    stored, so their job may have been lost (Redis flushed or down at enqueue
    time), or whose hold (`sent_at`, see `outbound.sending`) has passed: a next
    try or a paced turn is due, or the worker that held it died. The caller
    enqueues their job unless RQ still has it waiting.
    """
    carried_by_notification = exists().where(Notification.message_id == Message.id)
    return list(
        session.scalars(
            select(Message.id)
            .where(
                Message.direction == Direction.OUTBOUND,
                Message.status == MessageStatus.QUEUED,
                or_(
                    and_(Message.sent_at.is_(None), Message.created_at < now - older_than),
                    Message.sent_at <= now,
                ),
                ~carried_by_notification,
            )
            .order_by(Message.id)
            .limit(DEFAULT_CLAIM_LIMIT)
        )
    )
