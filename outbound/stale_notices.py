"""Whether a claimed notice still holds for its record as the record is now, and why not."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.models import Notification, NotificationRule, Record
from outbound.policy.planner import reminder_key_prefix, reminder_marker
from outbound.policy.vocabulary import (
    AppointmentStatus,
    Notice,
    NotificationStatus,
    RecordKind,
    Trigger,
)
from outbound.rebook_scan import is_rebook_nudge, nudge_stale_reason

_CLOSED = {
    AppointmentStatus.CANCELLED: "appointment was cancelled",
    AppointmentStatus.REJECTED: "appointment request was declined",
    AppointmentStatus.COMPLETED: "appointment has already taken place",
    AppointmentStatus.NO_SHOW: "appointment is over (no-show)",
}
# Notices that announce a closed status are only valid while the record has it.
_ANNOUNCES = {
    Notice.CANCELLATION: AppointmentStatus.CANCELLED,
    Notice.REJECTED: AppointmentStatus.REJECTED,
}


def stale_reason(session: Session, notification: Notification, record: Record | None) -> str | None:
    """Why the notice no longer holds for its record as it is now, or None when it does.

    A cancellation or rejection notice holds only while the record has that
    status; other notices not once the appointment is closed, unless their
    rule fired on the record reaching that status. A reminder holds
    only for the start it was planned for (its key names it); another notice
    whose record changed since is dropped when a newer notice replaces it.
    """
    if record is None:
        return "the record no longer exists" if notification.record_id else None
    if is_rebook_nudge(notification):  # about the visit, which is over by design (R2.5)
        return nudge_stale_reason(session, notification, record)
    if record.kind == RecordKind.APPOINTMENT:
        announced = _ANNOUNCES.get(notification.notice)
        if announced is not None:
            if record.status != announced:
                return f"appointment is no longer {announced} (now {record.status})"
        elif record.status in _CLOSED and not _planned_for_status(session, notification, record):
            return _CLOSED[record.status]
    if notification.idempotency_key.startswith(reminder_key_prefix(record.id)):
        if record.starts_at is None:
            return f"{record.kind} no longer has a time"
        if reminder_marker(record.starts_at) not in notification.idempotency_key:
            return f"{record.kind} was moved to another time"
    elif (
        notification.record_version is not None
        and notification.record_version < record.version
        and _superseded(session, notification)
    ):
        return f"{record.kind} changed again; a newer notice replaces this one"
    return None


def _planned_for_status(session: Session, notification: Notification, record: Record) -> bool:
    """Whether the notice was planned for the record reaching the status it has now:
    a rule on "status changed to completed" (a feedback request an hour after the
    visit, R4.5) or on any status change, for this very change."""
    rule = session.get(NotificationRule, notification.rule_id) if notification.rule_id else None
    if rule is None:
        return False
    if rule.trigger == Trigger.STATUS_CHANGED_TO:
        return rule.trigger_status == record.status
    return rule.trigger == Trigger.STATUS_CHANGED and notification.record_version == record.version


def _superseded(session: Session, notification: Notification) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    Notification.record_id == notification.record_id,
                    Notification.audience == notification.audience,
                    Notification.channel == notification.channel,
                    Notification.record_version > notification.record_version,
                    Notification.status != NotificationStatus.CANCELLED,
                    # A reminder tells the time but does not replace the news.
                    Notification.notice != Notice.REMINDER,
                )
            )
        )
    )
