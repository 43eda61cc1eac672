"""What the appointments pages read: the records of a day or a week in the business's
time zone, the orders and inquiries without a time, the online requests waiting for a
decision, a record's notices with when each was sent, the words for statuses, and a
time typed in the business's zone read as UTC (`local_to_utc`).

Only queries and date arithmetic live here; creating and changing records (and the
notices that planning causes) stays in `bot.services.records`. Days are calendar days
where the business is: a window starts at local midnight and ends at the next local
midnight, so a day across a daylight-saving change has 23 or 25 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.errors import DomainError
from bot.models import (
    AppointmentStatus,
    Business,
    Customer,
    Message,
    Notification,
    Record,
    RecordKind,
)
from bot.services.statuses import list_statuses

VIEWS = ("day", "week")
UNTIMED_SHOWN = 100  # the newest orders and inquiries without a time
CUSTOMERS_OFFERED = 2000  # the customer picker's length; a business with more searches
NOTICES_SHOWN = 200


@dataclass(frozen=True)
class Window:
    """The days shown: `days` local dates from `first`, between `starts` and `ends` (UTC)."""

    view: str
    first: date
    days: tuple[date, ...]
    starts: datetime
    ends: datetime
    previous: date
    following: date


def window(business: Business, view: str, day: date) -> Window:
    """The day of `day`, or its week (Monday to Sunday), in the business's time zone."""
    zone = ZoneInfo(business.timezone)
    if view == "week":
        first = day - timedelta(days=day.weekday())
        count, step = 7, timedelta(days=7)
    else:
        first, count, step = day, 1, timedelta(days=1)
    days = tuple(first + timedelta(days=n) for n in range(count))
    return Window(
        view="week" if view == "week" else "day",
        first=first,
        days=days,
        starts=local_midnight(first, zone),
        ends=local_midnight(first + timedelta(days=count), zone),
        previous=first - step,
        following=first + step,
    )


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def today(business: Business, now: datetime) -> date:
    return now.astimezone(ZoneInfo(business.timezone)).date()


def records_between(
    session: Session,
    business: Business,
    starts: datetime,
    ends: datetime,
    *,
    location_id: int | None = None,
    staff_id: int | None = None,
    kind: str | None = None,
) -> list[Record]:
    """The business's records with a time in [starts, ends), earliest first."""
    query = _filtered(
        select(Record).where(
            Record.business_id == business.id,
            Record.starts_at >= starts,
            Record.starts_at < ends,
        ),
        location_id=location_id,
        staff_id=staff_id,
        kind=kind,
    )
    return list(session.scalars(query.order_by(Record.starts_at, Record.id)))


def by_local_day(records: list[Record], business: Business) -> dict[date, list[Record]]:
    """`records` grouped by their local start date."""
    zone = ZoneInfo(business.timezone)
    grouped: dict[date, list[Record]] = {}
    for record in records:
        grouped.setdefault(record.starts_at.astimezone(zone).date(), []).append(record)
    return grouped


def untimed_records(
    session: Session,
    business: Business,
    *,
    location_id: int | None = None,
    staff_id: int | None = None,
    kind: str | None = None,
) -> list[Record]:
    """Orders and inquiries with no time (they never show in a day), newest first."""
    query = _filtered(
        select(Record).where(
            Record.business_id == business.id,
            Record.starts_at.is_(None),
            Record.kind != RecordKind.APPOINTMENT,
        ),
        location_id=location_id,
        staff_id=staff_id,
        kind=kind,
    )
    return list(
        session.scalars(
            query.order_by(Record.created_at.desc(), Record.id.desc()).limit(UNTIMED_SHOWN)
        )
    )


def waiting_requests(session: Session, business: Business, *, now: datetime) -> list[Record]:
    """Online requests (pending appointments) not yet decided and not yet past, soonest first."""
    return list(
        session.scalars(
            select(Record)
            .where(
                Record.business_id == business.id,
                Record.kind == RecordKind.APPOINTMENT,
                Record.status == AppointmentStatus.PENDING,
                Record.starts_at >= now,
            )
            .options(selectinload(Record.customer))
            .order_by(Record.starts_at, Record.id)
        )
    )


@dataclass(frozen=True)
class NoticeRow:
    """One notice of a record, with when its message left (None while not sent)."""

    notification: Notification
    sent_at: datetime | None


def record_notices(session: Session, business: Business, record: Record) -> list[NoticeRow]:
    """The notices planned, sent, skipped or failed for `record`, by due time."""
    rows = session.execute(
        select(Notification, Message.sent_at)
        .outerjoin(Message, Message.id == Notification.message_id)
        .where(Notification.business_id == business.id, Notification.record_id == record.id)
        .order_by(Notification.due_at, Notification.id)
        .limit(NOTICES_SHOWN)
    ).all()
    return [NoticeRow(notification, sent_at) for notification, sent_at in rows]


def customers_to_choose(session: Session, business: Business) -> list[Customer]:
    """The business's customers for a picker: named ones by name, then the rest by number."""
    return list(
        session.scalars(
            select(Customer)
            .where(Customer.business_id == business.id)
            .order_by(Customer.name.is_(None), Customer.name, Customer.phone, Customer.id)
            .limit(CUSTOMERS_OFFERED)
        )
    )


def defined_statuses(session: Session, business: Business) -> dict[str, list[tuple[str, str]]]:
    """The business's own statuses per kind (order, inquiry) as (code, label), in order;
    one query (`statuses.list_statuses`), so a page calls it once per request."""
    found: dict[str, list[tuple[str, str]]] = {RecordKind.ORDER: [], RecordKind.INQUIRY: []}
    for definition in list_statuses(session, business):
        found.setdefault(definition.kind, []).append((definition.code, definition.label))
    return found


def local_to_utc(day_and_time: datetime, zone: ZoneInfo | str) -> datetime:
    """A wall-clock time typed in the business's `zone` as an aware UTC datetime.

    A time the clocks skip (the night they go forward) raises DomainError (code
    skipped_time, field starts_at); one they pass twice (the night they go back) is its
    first occurrence (fold=0), summer time. An aware `day_and_time` is only converted.
    """
    if day_and_time.tzinfo is not None:
        return day_and_time.astimezone(UTC)
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = day_and_time.replace(tzinfo=zone, fold=0)
    if local.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != day_and_time:
        raise DomainError(
            f"{day_and_time.isoformat(timespec='minutes')} does not exist in {zone.key}: "
            "the clocks go forward",
            code="skipped_time",
            field="starts_at",
        )
    return local.astimezone(UTC)


def _filtered(query, *, location_id: int | None, staff_id: int | None, kind: str | None):
    if location_id is not None:
        query = query.where(Record.location_id == location_id)
    if staff_id is not None:
        query = query.where(Record.staff_id == staff_id)
    if kind in tuple(RecordKind):
        query = query.where(Record.kind == kind)
    return query.options(
        selectinload(Record.customer),
        selectinload(Record.staff),
        selectinload(Record.location),
        selectinload(Record.service),
    )
