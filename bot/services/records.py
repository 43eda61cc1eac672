"""Appointments, work orders and inquiries: create, change, cancel and confirm them,
planning the notices each change causes (`outbound.planning`) in the same transaction, and
the staff's rule of which status an appointment may move to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.models import (
    AppointmentStatus,
    Business,
    CancelledBy,
    Location,
    Notification,
    Record,
    RecordKind,
    RecordSource,
    RecordStatusDefinition,
    Service,
    StaffMember,
)
from bot.services.commands import UNSET, RecordChanges, value_or
from bot.services.customers import get_customer
from bot.services.lookup import owned_row
from outbound.planning import plan_for_event
from outbound.policy.planner import EventKind
from outbound.policy.vocabulary import (
    BOOKED_APPOINTMENT_STATUSES,
    Audience,
    NotificationStatus,
    WebhookEvent,
)
from outbound.webhook_events import record_data, record_event

DEFAULT_DURATION_MINUTES = 30
# The statuses staff may move an appointment to from each status (a page offers these,
# and refuses others). The REST API is not bound by it and accepts any status of the
# record's kind: a connected booking system is the source of truth for its own records and
# may set what it knows happened.
APPOINTMENT_NEXT: dict[str, tuple[AppointmentStatus, ...]] = {
    AppointmentStatus.PENDING: (
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.REJECTED,
        AppointmentStatus.CANCELLED,
    ),
    AppointmentStatus.CONFIRMED: (
        AppointmentStatus.CANCELLED,
        AppointmentStatus.COMPLETED,
        AppointmentStatus.NO_SHOW,
    ),
    AppointmentStatus.REJECTED: (),
    AppointmentStatus.CANCELLED: (AppointmentStatus.CONFIRMED,),
    AppointmentStatus.COMPLETED: (AppointmentStatus.NO_SHOW,),
    AppointmentStatus.NO_SHOW: (AppointmentStatus.COMPLETED,),
}


def allowed_statuses(record: Record) -> tuple[str, ...] | None:
    """The statuses staff may move `record` to (its own not among them): for an
    appointment those `APPOINTMENT_NEXT` gives for its status (none for a status it does
    not know); None for an order or inquiry, which may take any status of its kind."""
    if record.kind != RecordKind.APPOINTMENT:
        return None
    return tuple(status.value for status in APPOINTMENT_NEXT.get(record.status, ()))


def may_become(record: Record, status: str) -> bool:
    """Whether staff may move `record` to `status` (whether the code is one of the
    kind's is `update_record`'s check)."""
    allowed = allowed_statuses(record)
    return allowed is None or status in allowed


def planned_customer_notices(record: Record) -> list[tuple[str, str]]:
    """The notices the last `create_record`/`update_record` call on `record` planned for
    its customer that will go out (not skipped), as (notice, channel), once each."""
    return list(
        dict.fromkeys(
            (str(row.notice), str(row.channel))
            for row in getattr(record, "planned_notices", ())
            if row.audience == Audience.CUSTOMER and row.status != NotificationStatus.SKIPPED
        )
    )


def create_record(
    session: Session,
    business: Business,
    data: RecordChanges,
    *,
    now: datetime,
    notify: bool = True,
) -> Record:
    """Create a record from validated input and plan its notices.

    `data` holds kind, customer_id, starts_at (aware), duration_minutes,
    status, source, location_id, staff_id, service_id, title, notes, external_id.
    Raises DomainError (422) or NotFound naming the field.
    """
    kind = RecordKind(value_or(data.kind, None) or RecordKind.APPOINTMENT)
    customer = get_customer(session, business, value_or(data.customer_id, None))
    record = Record(
        business_id=business.id,
        kind=kind,
        customer=customer,
        source=RecordSource(value_or(data.source, None) or RecordSource.API),
        title=value_or(data.title, None),
        notes=value_or(data.notes, None),
        external_id=value_or(data.external_id, None),
        version=1,
    )
    _set_links(session, business, record, data)
    default_status = AppointmentStatus.CONFIRMED if kind == RecordKind.APPOINTMENT else None
    status = value_or(data.status, None) or default_status
    record.status = _checked_status(session, business, kind, status)
    _set_time(record, value_or(data.starts_at, None), value_or(data.duration_minutes, None))
    if kind == RecordKind.APPOINTMENT and record.starts_at is None:
        raise DomainError("an appointment needs starts_at", field="starts_at")
    session.add(record)
    record.planned_notices = plan_for_event(
        session, business, record, EventKind.CREATED, now=now, notify_customer=notify
    )
    return record


def update_record(
    session: Session,
    business: Business,
    record: Record,
    changes: RecordChanges,
    *,
    now: datetime,
    notify: bool = True,
    cancelled_by: CancelledBy = CancelledBy.BUSINESS,
) -> Record:
    """Apply `changes` and plan the notices for a time change and a status change.

    `notify=False` is staff's "don't tell the customer" (R1.7, R1.8); reminders
    for a new time are still planned (R1.6). A cancellation by the customer (by text
    or by their link) is also told to the business's webhooks.
    """
    previous_status, previous_starts = record.status, record.starts_at
    _set_links(session, business, record, changes)
    if changes.title is not UNSET:
        record.title = changes.title
    if changes.notes is not UNSET:
        record.notes = changes.notes
    if changes.external_id is not UNSET:
        record.external_id = changes.external_id
    if changes.starts_at is not UNSET or changes.duration_minutes is not UNSET:
        starts_at = value_or(changes.starts_at, record.starts_at)
        if starts_at is None and record.kind == "appointment":
            raise DomainError("an appointment needs starts_at", field="starts_at")
        _set_time(record, starts_at, value_or(changes.duration_minutes, _duration(record)))
    if value_or(changes.status, None) is not None:
        record.status = _checked_status(session, business, record.kind, changes.status)
        if record.status == AppointmentStatus.CANCELLED and previous_status != record.status:
            record.cancelled_by = cancelled_by

    time_changed = record.starts_at != previous_starts
    status_changed = record.status != previous_status
    if time_changed or status_changed:
        record.version += 1
    planned: list[Notification] = []
    if status_changed:
        planned += plan_for_event(
            session,
            business,
            record,
            EventKind.STATUS_CHANGED,
            now=now,
            previous_status=previous_status,
            notify_customer=notify,
        )
    if time_changed:
        planned += plan_for_event(
            session,
            business,
            record,
            EventKind.TIME_CHANGED,
            now=now,
            previous_starts_at=previous_starts,
            notify_customer=notify and record.status != AppointmentStatus.CANCELLED,
        )
    if status_changed and record.cancelled_by == CancelledBy.CUSTOMER:
        if record.status == AppointmentStatus.CANCELLED:
            record_event(
                session,
                business,
                WebhookEvent.RECORD_CANCELLED_BY_CUSTOMER,
                record_data(record),
                now,
            )
    # Not a column: what this call planned, for the caller's words (a page's flash).
    record.planned_notices = planned
    session.flush()
    return record


def confirm_by_customer(record: Record, *, now: datetime) -> bool:
    """Record that the customer confirmed they will come. False if it was already confirmed."""
    if record.customer_confirmed_at is not None:
        return False
    record.customer_confirmed_at = now
    return True


def get_record(session: Session, business: Business, record_id: int) -> Record:
    return owned_row(session, business, Record, record_id, label="record", field="record_id")


def upcoming_appointments(
    session: Session, business: Business, customer_id: int, *, now: datetime
) -> list[Record]:
    """The customer's appointments that have not started and are still on, soonest first."""
    return list(
        session.scalars(
            select(Record)
            .where(
                Record.business_id == business.id,
                Record.customer_id == customer_id,
                Record.kind == RecordKind.APPOINTMENT,
                Record.starts_at > now,
                Record.status.in_(BOOKED_APPOINTMENT_STATUSES),
            )
            .order_by(Record.starts_at)
        )
    )


def _set_time(record: Record, starts_at: datetime | None, duration: int | None) -> None:
    if starts_at is not None and starts_at.tzinfo is None:
        raise DomainError("starts_at needs a UTC offset, e.g. +01:00", field="starts_at")
    if duration is not None and not 1 <= duration <= 24 * 60:
        raise DomainError("duration_minutes must be between 1 and 1440", field="duration_minutes")
    if starts_at is None:
        record.starts_at = record.ends_at = None
        return
    # In UTC: wall-clock arithmetic in a local zone gets a day with a clock change wrong
    # (an appointment ending before it starts, or 90 minutes for 30).
    starts_at = starts_at.astimezone(UTC)
    record.starts_at = starts_at
    if duration is None:
        duration = record.service.duration_minutes if record.service else DEFAULT_DURATION_MINUTES
    record.ends_at = starts_at + timedelta(minutes=duration)


def _duration(record: Record) -> int | None:
    if record.starts_at is None or record.ends_at is None:
        return None
    return int((record.ends_at - record.starts_at).total_seconds() // 60)


def _checked_status(session: Session, business: Business, kind: str, status: str | None) -> str:
    if kind == RecordKind.APPOINTMENT:
        try:
            return AppointmentStatus(status).value
        except ValueError as error:
            allowed = ", ".join(s.value for s in AppointmentStatus)
            raise DomainError(f"status must be one of {allowed}", field="status") from error
    if not status:
        raise DomainError(f"a {kind} needs a status", field="status")
    defined = session.scalars(
        select(RecordStatusDefinition.code).where(
            RecordStatusDefinition.business_id == business.id,
            RecordStatusDefinition.kind == kind,
        )
    ).all()
    if defined and status not in defined:
        raise DomainError(f"status must be one of {', '.join(defined)}", field="status")
    return status


def _set_links(session: Session, business: Business, record: Record, data: RecordChanges) -> None:
    for field, model, attribute in (
        ("location_id", Location, "location"),
        ("staff_id", StaffMember, "staff"),
        ("service_id", Service, "service"),
    ):
        row_id = getattr(data, field)
        if row_id is UNSET:
            continue
        if row_id is None:
            setattr(record, attribute, None)
            continue
        setattr(
            record,
            attribute,
            owned_row(session, business, model, row_id, label=attribute, field=field),
        )
