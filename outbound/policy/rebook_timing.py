"""When a customer gets their rebook nudge, or why not (R2.1, R2.4–R2.6): the visits that count,
the moment each rebook mode names, and whether the nudge still holds; bookings and rule settings
in, an aware instant and a reason out."""

from __future__ import annotations

import enum
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from outbound.policy.vocabulary import BOOKED_APPOINTMENT_STATUSES, AppointmentStatus, RebookMode

DEFAULT_SEND_TIME = time(10, 0)  # a rule that names no time of day sends at 10:00 local
MISSED_GRACE = timedelta(days=2)
PATTERN_MIN_VISITS = 3  # R2.6: from 3 visits on, the customer's own pattern
PATTERN_RECENT_GAPS = 5  # "current" pattern: the gaps between the last six visits
PATTERN_MAX_DAYS = 365  # away a year: at risk, however rarely the customer comes
# Between a visit's start and a moment named by its local day and a time of day:
# up to a day, plus an hour for a clock change; rounded up.
_LOCAL_DAY_SLACK = timedelta(days=2)
KEY_PREFIX = "rebook:"

# A past appointment counts as a visit unless it was called off or missed.
VISIT_STATUSES = frozenset({AppointmentStatus.COMPLETED, AppointmentStatus.CONFIRMED})


@dataclass(frozen=True, slots=True)
class Booking:
    """One appointment of the customer, as rebook timing needs it."""

    record_id: int
    starts_at: datetime  # aware
    status: str
    service_name: str | None = None
    interval_days: int | None = None  # the service's own typical rebook interval
    category_interval_days: int | None = None  # the typical interval of its category


@dataclass(frozen=True)
class RebookSettings:
    """What a rebook rule says about timing (R2.4)."""

    mode: RebookMode
    days: int
    send_time: time | None = None


class Basis(enum.StrEnum):
    """What a predicted next visit rests on (R2.6)."""

    PATTERN = "pattern"  # 3 visits or more: the median of the customer's recent gaps
    SERVICE = "service"  # the last visit's service's own rebook interval
    CATEGORY = "category"  # the typical interval of that service's category


@dataclass(frozen=True)
class Prediction:
    """When a customer is expected back (and at risk from then on), and why (R2.6).

    `last_visit` None: no visit yet. `day` None with a visit: no interval is
    known for the last visit's service or its category. `interval_days` is
    what was added to the last visit's day; for the pattern `usual_days` is
    the customer's median gap before the PATTERN_MAX_DAYS cap."""

    last_visit: date | None
    visits: int  # days with a visit
    day: date | None
    basis: Basis | None
    interval_days: int | None
    usual_days: int | None
    service_name: str | None
    booked: date | None = None  # the next booked appointment's day, if one is ahead


@dataclass(frozen=True)
class RebookTiming:
    """The moment a nudge is due for `visit`, or None with the reason in `reason`."""

    visit: Booking | None
    due_at: datetime | None
    reason: str


def is_visit(booking: Booking, now: datetime) -> bool:
    """Whether the appointment took place as of `now`."""
    if booking.status == AppointmentStatus.COMPLETED:
        return True
    return booking.status == AppointmentStatus.CONFIRMED and booking.starts_at <= now


def is_future_booking(booking: Booking, now: datetime) -> bool:
    """Whether the appointment is still ahead as of `now` and on (or requested)."""
    return (
        booking.status in BOOKED_APPOINTMENT_STATUSES
        and booking.starts_at > now
        and not is_visit(booking, now)
    )


def last_visit(bookings: Iterable[Booking], now: datetime) -> Booking | None:
    """The latest visit as of `now` (by start, then record id), or None."""
    visits = [b for b in bookings if is_visit(b, now)]
    return max(visits, key=lambda b: (b.starts_at, b.record_id)) if visits else None


def nudge_blocker(
    bookings: Sequence[Booking], visit_id: int, *, now: datetime, zone: str
) -> str | None:
    """Why a nudge for the visit `visit_id` no longer holds as of `now`, or None.

    `bookings` are all the customer's appointments. Reasons: the visit is no
    longer one (cancelled, moved ahead, deleted), the customer has a future
    appointment (R2.5, the soonest is named), or visited again since.
    """
    tz = ZoneInfo(zone)
    visit = next((b for b in bookings if b.record_id == visit_id), None)
    if visit is None:
        return "the visit no longer exists"
    if not is_visit(visit, now):
        if visit.status in VISIT_STATUSES:
            return f"the visit was moved to {_day(visit.starts_at, tz)}"
        return f"the visit on {_day(visit.starts_at, tz)} is now {visit.status}"
    ahead = sorted(b.starts_at for b in bookings if is_future_booking(b, now))
    if ahead:
        return f"customer already has an appointment on {_day(ahead[0], tz)}"
    newest = last_visit(bookings, now)
    if newest is not None and newest.record_id != visit.record_id:
        return f"customer visited again on {_day(newest.starts_at, tz)}"
    return None


def rebook_due(
    bookings: Sequence[Booking], settings: RebookSettings, *, now: datetime, zone: str
) -> RebookTiming:
    """When the customer's nudge for their last visit is due, as of `now`.

    `bookings` are all the customer's appointments (any status). Returns the
    timing with `due_at` None when there is no nudge to plan: no visit yet, a
    booking ahead or a newer visit (`nudge_blocker`), no interval to predict
    from, or a moment more than MISSED_GRACE ago. A moment missed by less
    moves to the next time of day the rule names, at or after `now`.
    """
    tz = ZoneInfo(zone)
    visit = last_visit(bookings, now)
    if visit is None:
        return RebookTiming(None, None, "customer has no visit yet")
    blocker = nudge_blocker(bookings, visit.record_id, now=now, zone=zone)
    if blocker:
        return RebookTiming(visit, None, blocker)
    visit_day = visit.starts_at.astimezone(tz).date()
    if settings.mode == RebookMode.AFTER_VISIT:
        day = visit_day + timedelta(days=settings.days)
        why = f"{settings.days} days after the visit on {visit_day}"
    else:
        at_risk, basis = _at_risk_day(bookings, visit, now, tz)
        if at_risk is None:
            return RebookTiming(visit, None, basis)
        day = max(at_risk - timedelta(days=settings.days), visit_day + timedelta(days=1))
        why = f"{settings.days} days before {at_risk}, when the customer is at risk ({basis})"
    send_time = settings.send_time or DEFAULT_SEND_TIME
    due_at = datetime.combine(day, send_time, tzinfo=tz)
    if due_at >= now:
        return RebookTiming(visit, due_at, why)
    if now - due_at > MISSED_GRACE:
        return RebookTiming(visit, None, f"the moment ({due_at:%Y-%m-%d %H:%M}) passed long ago")
    return RebookTiming(visit, _next_time_of_day(now, send_time, tz), f"{why}; sent late")


def scan_horizon(
    rules: Iterable[RebookSettings], *, longest_interval_days: int | None, now: datetime
) -> datetime:
    """The earliest visit start a scan as of `now` has to read: under none of `rules`
    is a nudge for an older last visit due any more, even MISSED_GRACE late.

    `longest_interval_days` is the longest typical interval of the business's
    services (a category's is the median of its services', so never longer);
    a prediction uses that, or the customer's own pattern of at most
    PATTERN_MAX_DAYS (R2.6).
    """
    reach = 0
    for settings in rules:
        if settings.mode == RebookMode.AFTER_VISIT:
            reach = max(reach, settings.days)
        else:
            reach = max(reach, longest_interval_days or 0, PATTERN_MAX_DAYS)
    return now - MISSED_GRACE - timedelta(days=reach) - _LOCAL_DAY_SLACK


def typical_intervals(services: Iterable[tuple[str | None, int | None]]) -> dict[str, int]:
    """Each category's typical rebook interval: the median of its services' own
    intervals (the lower one of two middles), from (category, interval) pairs."""
    found: dict[str, list[int]] = {}
    for category, interval in services:
        if category and interval:
            found.setdefault(category, []).append(interval)
    return {category: statistics.median_low(days) for category, days in found.items()}


def rebook_key(rule_id: int, customer_id: int, visit_id: int, position: int = 1) -> str:
    """The idempotency key of a nudge: one per rule, customer and last visit, and per
    position among the channels the rule sends on (`sms_and_email` sends two).

    The channel is not part of it: which channel `auto` picks can change until
    the nudge is sent (the customer leaves an email address), and that changes
    the nudge, it does not add a second one."""
    return f"{KEY_PREFIX}rule:{rule_id}:customer:{customer_id}:visit:{visit_id}:{position}"


def is_rebook_key(key: str) -> bool:
    return key.startswith(KEY_PREFIX)


def predict_next_visit(bookings: Sequence[Booking], *, now: datetime, zone: str) -> Prediction:
    """When the customer is expected back as of `now`, and on what basis (R2.6).

    `bookings` are all the customer's appointments (any status). The day is
    the one from which the customer counts as at risk: the last visit plus
    their own usual gap (3 visits or more) or the typical interval of the last
    visit's service or of its category. No visit yet: everything None. `booked` is
    the day of the next appointment still ahead, if any: no nudge goes out while
    there is one (R2.5), whatever the prediction."""
    tz = ZoneInfo(zone)
    ahead = [b.starts_at for b in bookings if is_future_booking(b, now)]
    booked = min(ahead).astimezone(tz).date() if ahead else None
    visit = last_visit(bookings, now)
    if visit is None:
        return Prediction(None, 0, None, None, None, None, None, booked)
    return replace(_prediction(bookings, visit, now, tz), booked=booked)


def _prediction(
    bookings: Sequence[Booking], visit: Booking, now: datetime, tz: ZoneInfo
) -> Prediction:
    days = sorted({b.starts_at.astimezone(tz).date() for b in bookings if is_visit(b, now)})
    last_day = visit.starts_at.astimezone(tz).date()
    if len(days) >= PATTERN_MIN_VISITS:
        gaps = [(later - earlier).days for earlier, later in pairwise(days)]
        recent = gaps[-PATTERN_RECENT_GAPS:]
        usual = max(1, round(statistics.median(recent)))
        interval = min(usual, PATTERN_MAX_DAYS)
        return Prediction(
            last_day,
            len(days),
            last_day + timedelta(days=interval),
            Basis.PATTERN,
            interval,
            usual,
            visit.service_name,
        )
    interval = visit.interval_days or visit.category_interval_days
    if interval is None:
        return Prediction(last_day, len(days), None, None, None, None, visit.service_name)
    basis = Basis.SERVICE if visit.interval_days else Basis.CATEGORY
    return Prediction(
        last_day,
        len(days),
        last_day + timedelta(days=interval),
        basis,
        interval,
        None,
        visit.service_name,
    )


def _at_risk_day(
    bookings: Sequence[Booking], visit: Booking, now: datetime, tz: ZoneInfo
) -> tuple[date | None, str]:
    """The day the customer falls out of their pattern, and how it was found (R2.6)."""
    found = _prediction(bookings, visit, now, tz)
    if found.basis == Basis.PATTERN:
        capped = (
            f", at risk after {found.interval_days} at the latest"
            if found.usual_days > found.interval_days
            else ""
        )
        return found.day, f"{found.visits} visits, usually every {found.usual_days} days{capped}"
    service = f"service {visit.service_name!r}" if visit.service_name else "the visit's service"
    if found.day is None:
        return None, f"no rebook interval is known for {service} or its category"
    source = "its" if found.basis == Basis.SERVICE else "its category's"
    return found.day, (
        f"{found.visits} visit{'s' if found.visits != 1 else ''}, {service} ({source} "
        f"interval: {found.interval_days} days)"
    )


def _next_time_of_day(now: datetime, send_time: time, tz: ZoneInfo) -> datetime:
    local = now.astimezone(tz)
    moment = datetime.combine(local.date(), send_time, tzinfo=tz)
    return (
        moment
        if moment >= now
        else datetime.combine(local.date() + timedelta(days=1), send_time, tzinfo=tz)
    )


def _day(moment: datetime, tz: ZoneInfo) -> str:
    return f"{moment.astimezone(tz):%Y-%m-%d}"
