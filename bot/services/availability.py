"""When an appointment could move to: the opening hours, busy times, duration and earliest
start `conversations.slots` needs, read from the diary."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.models import Business, Location, Record, RecordKind
from conversations.slots import Availability
from outbound.opening import location_for_record, opening_hours
from outbound.policy.vocabulary import BOOKED_APPOINTMENT_STATUSES

MINIMUM_NOTICE = timedelta(hours=1)  # a move starts at least this long from now
HORIZON = timedelta(days=90)
DEFAULT_DURATION = timedelta(minutes=30)


def availability_for(
    session: Session, business: Business, record: Record, *, now: datetime
) -> Availability | None:
    """Where `record` could move to, or None when it has no location to go by."""
    location = location_for_record(session, business, record)
    if location is None:
        return None
    earliest = now + MINIMUM_NOTICE
    return Availability(
        zone=business.timezone,
        opening=opening_hours(location),
        busy=_busy(session, business, record, location, earliest),
        duration=(record.ends_at - record.starts_at) if record.ends_at else DEFAULT_DURATION,
        earliest=earliest,
        horizon=HORIZON,
    )


def _busy(
    session: Session, business: Business, record: Record, location: Location, earliest: datetime
) -> tuple[tuple[datetime, datetime], ...]:
    query = select(Record.starts_at, Record.ends_at).where(
        Record.business_id == business.id,
        Record.kind == RecordKind.APPOINTMENT,
        Record.id != record.id,
        Record.status.in_(BOOKED_APPOINTMENT_STATUSES),
        Record.ends_at > earliest,
        Record.starts_at < earliest + HORIZON,
    )
    if record.staff_id is not None:
        query = query.where(Record.staff_id == record.staff_id)
    else:  # the location's appointments: a one-chair shop has one diary
        query = query.where(or_(Record.location_id == location.id, Record.location_id.is_(None)))
    return tuple((start, end) for start, end in session.execute(query))
