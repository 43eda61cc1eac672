"""The business's catalogue: locations with their working hours, staff members and services.

Records point at these (where, with whom, what), the planner reads a
location's working hours (R4.6) and the rebook logic a service's typical
interval (R2.6). Names and categories are one line: they reach texts and
calendar cards (`bot.safe_values`); a location's address may span lines. Like
every service, these functions validate, change rows and flush; the caller
commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.errors import DomainError, refuse_problem
from bot.models import Business, Location, Service, StaffMember, WorkingHours
from bot.safe_values import line_problem
from bot.services.lookup import owned_row

LOCATION_FIELDS = ("name", "address", "working_hours")
STAFF_FIELDS = ("name", "active")
SERVICE_FIELDS = ("name", "category", "duration_minutes", "rebook_interval_days")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- locations ---------------------------------------------------------------


def create_location(session: Session, business: Business, data: Mapping[str, Any]) -> Location:
    """Create a location. `working_hours` is a list of {weekday 0-6, opens, closes} (times).

    Raises DomainError naming the field.
    """
    _require_name(data)
    location = Location(business_id=business.id)
    session.add(location)
    return update_location(session, business, location, data)


def update_location(
    session: Session, business: Business, location: Location, changes: Mapping[str, Any]
) -> Location:
    """Change a location; a new `working_hours` list replaces the old one entirely."""
    _check_fields(changes, LOCATION_FIELDS)
    for field, value in changes.items():
        if field == "working_hours":
            location.working_hours = [
                WorkingHours(weekday=weekday, opens_at=opens, closes_at=closes)
                for weekday, opens, closes in checked_working_hours(value or [])
            ]
        elif field == "name":
            location.name = _name(value)
        else:
            location.address = value
    session.flush()
    return location


def location_for_record(session: Session, business: Business, record) -> Location | None:
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


def get_location(session: Session, business: Business, location_id: int) -> Location:
    """The business's location `location_id`; NotFound (field location_id) otherwise."""
    return owned_row(
        session, business, Location, location_id, label="location", field="location_id"
    )


def list_locations(session: Session, business: Business) -> list[Location]:
    """The business's locations, oldest first, with their working hours loaded in one
    more query (the locations page shows every location's hours)."""
    return list(
        session.scalars(
            select(Location)
            .where(Location.business_id == business.id)
            .options(selectinload(Location.working_hours))
            .order_by(Location.id)
        )
    )


def checked_working_hours(ranges: Iterable[Mapping[str, Any]]) -> list[tuple[int, time, time]]:
    """Validate opening ranges and return them sorted as (weekday, opens, closes).

    A day may have several ranges (a lunch break); each must open before it
    closes and none may overlap another on the same day.
    """
    by_day: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for item in ranges:
        weekday, opens, closes = item["weekday"], item["opens"], item["closes"]
        if not 0 <= weekday <= 6:
            raise DomainError("weekday must be 0 (Monday) to 6 (Sunday)", field="working_hours")
        if opens >= closes:
            raise DomainError(
                f"on {WEEKDAYS[weekday]} a range opens at {opens:%H:%M} but closes at "
                f"{closes:%H:%M}; it must open before it closes",
                code="closes_before_opens",
                field="working_hours",
                params={"weekday": weekday},
            )
        by_day[weekday].append((opens, closes))
    result = []
    for weekday in sorted(by_day):
        day = sorted(by_day[weekday])
        for (_, earlier_closes), (later_opens, _) in zip(day, day[1:], strict=False):
            if later_opens < earlier_closes:
                raise DomainError(
                    f"on {WEEKDAYS[weekday]} the range from {later_opens:%H:%M} overlaps the "
                    f"one ending at {earlier_closes:%H:%M}",
                    code="overlap",
                    field="working_hours",
                    params={"weekday": weekday},
                )
        result.extend((weekday, opens, closes) for opens, closes in day)
    return result


# --- staff -------------------------------------------------------------------


def create_staff_member(
    session: Session, business: Business, data: Mapping[str, Any]
) -> StaffMember:
    """Create a staff member (the person an appointment is with)."""
    _require_name(data)
    member = StaffMember(business_id=business.id, active=True)
    session.add(member)
    return update_staff_member(session, business, member, data)


def update_staff_member(
    session: Session, business: Business, member: StaffMember, changes: Mapping[str, Any]
) -> StaffMember:
    """Rename a staff member or (de)activate them. Raises DomainError naming the field."""
    _check_fields(changes, STAFF_FIELDS)
    if "name" in changes:
        member.name = _name(changes["name"])
    if "active" in changes:
        member.active = bool(changes["active"])
    session.flush()
    return member


def get_staff_member(session: Session, business: Business, staff_id: int) -> StaffMember:
    """The business's staff member `staff_id`; NotFound (field staff_id) otherwise."""
    return owned_row(
        session, business, StaffMember, staff_id, label="staff member", field="staff_id"
    )


def list_staff(session: Session, business: Business) -> list[StaffMember]:
    """The business's staff members, active or not, oldest first."""
    return list(
        session.scalars(
            select(StaffMember)
            .where(StaffMember.business_id == business.id)
            .order_by(StaffMember.id)
        )
    )


# --- services ----------------------------------------------------------------


def create_service(session: Session, business: Business, data: Mapping[str, Any]) -> Service:
    """Create a service; its duration defaults to 30 minutes."""
    _require_name(data)
    service = Service(business_id=business.id, duration_minutes=30)
    session.add(service)
    return update_service(session, business, service, data)


def update_service(
    session: Session, business: Business, service: Service, changes: Mapping[str, Any]
) -> Service:
    """Change a service's name, category, duration or rebook interval (R2.6)."""
    _check_fields(changes, SERVICE_FIELDS)
    for field, value in changes.items():
        if field == "name":
            service.name = _name(value)
        elif field == "duration_minutes":
            if value is None or not 1 <= value <= 24 * 60:
                raise DomainError("duration_minutes must be between 1 and 1440", field=field)
            service.duration_minutes = value
        elif field == "rebook_interval_days":
            if value is not None and not 1 <= value <= 3650:
                raise DomainError("rebook_interval_days must be between 1 and 3650", field=field)
            service.rebook_interval_days = value
        else:
            service.category = _line("category", value) if value is not None else None
    session.flush()
    return service


def get_service(session: Session, business: Business, service_id: int) -> Service:
    """The business's service `service_id`; NotFound (field service_id) otherwise."""
    return owned_row(session, business, Service, service_id, label="service", field="service_id")


def list_services(session: Session, business: Business) -> list[Service]:
    """The business's services, oldest first."""
    return list(
        session.scalars(
            select(Service).where(Service.business_id == business.id).order_by(Service.id)
        )
    )


# --- shared ------------------------------------------------------------------


def _check_fields(changes: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for field in changes:
        if field not in allowed:
            raise DomainError(f"unknown field {field!r}", field=field)


def _require_name(data: Mapping[str, Any]) -> None:
    if not data.get("name"):
        raise DomainError("a name is required", code="required", field="name")


def _line(field: str, value: str) -> str:
    """`value` if it is one line; refused, not cleaned, when it is not."""
    refuse_problem(field, line_problem(value))
    return value


def _name(value: str | None) -> str:
    name = _line("name", value or "").strip()
    if not name:
        raise DomainError("the name cannot be empty", field="name")
    return name
