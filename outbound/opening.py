"""Where a record takes place and when that place is open, read from the database as the plain
weekly ranges the planner and the reply reader take (`outbound.policy.hours` does the
arithmetic)."""

from __future__ import annotations

from collections import defaultdict
from datetime import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.models import Business, Location, Record


def location_for_record(session: Session, business: Business, record: Record) -> Location | None:
    """Where a record takes place: its location, else the business's only location."""
    if record.location is not None:
        return record.location
    locations = session.scalars(
        select(Location).where(Location.business_id == business.id).limit(2)
    ).all()
    return locations[0] if len(locations) == 1 else None


def opening_hours(location: Location | None) -> dict[int, tuple[tuple[time, time], ...]]:
    """A location's opening ranges per weekday (0 = Monday), sorted; empty without one."""
    opening: defaultdict[int, list[tuple[time, time]]] = defaultdict(list)
    for hours in location.working_hours if location else ():
        opening[hours.weekday].append((hours.opens_at, hours.closes_at))
    return {weekday: tuple(sorted(ranges)) for weekday, ranges in opening.items()}
