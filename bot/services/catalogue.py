"""The business's catalogue, which records point at: locations with their working hours,
staff members and services. Functions validate, change rows and flush; the caller commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from bot.errors import DomainError, refuse_problem
from bot.models import Business, Location, Service, StaffMember, WorkingHours
from bot.safe_values import line_problem
from bot.services.commands import UNSET, LocationChanges, ServiceChanges, StaffChanges
from bot.services.lookup import owned_row

MAX_NAME_LENGTH = 200
MAX_DURATION_MINUTES = 24 * 60
MAX_REBOOK_INTERVAL_DAYS = 3650
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --- locations ---------------------------------------------------------------


def create_location(session: Session, business: Business, data: LocationChanges) -> Location:
    """Create a location. `working_hours` is a list of {weekday 0-6, opens, closes} (times).

    Raises DomainError naming the field.
    """
    _require_name(data)
    location = Location(business_id=business.id)
    session.add(location)
    return update_location(session, business, location, data)


def update_location(
    session: Session, business: Business, location: Location, changes: LocationChanges
) -> Location:
    """Change a location; a new `working_hours` list replaces the old one entirely."""
    for field, value in changes.given().items():
        if field == "working_hours":
            location.working_hours = [
                WorkingHours(weekday=weekday, opens_at=opens, closes_at=closes)
                for weekday, opens, closes in checked_working_hours(value or [])
            ]
        elif field == "name":
            location.name = _name(value)
        else:
            location.address = value  # unlike a name, an address may span lines
    session.flush()
    return location


def get_location(session: Session, business: Business, location_id: int) -> Location:
    """The business's location `location_id`; NotFound (field location_id) otherwise."""
    return owned_row(
        session, business, Location, location_id, label="location", field="location_id"
    )


def list_locations(session: Session, business: Business) -> list[Location]:
    """The business's locations, oldest first, with their working hours loaded in one
    more query (the locations page shows every location's hours)."""
    return list(session.scalars(locations_query(business)))


def locations_query(business: Business) -> Select:
    """`list_locations` as a statement, for a list that pages."""
    return (
        select(Location)
        .where(Location.business_id == business.id)
        .options(selectinload(Location.working_hours))
        .order_by(Location.id)
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


def create_staff_member(session: Session, business: Business, data: StaffChanges) -> StaffMember:
    """Create a staff member (the person an appointment is with)."""
    _require_name(data)
    member = StaffMember(business_id=business.id, active=True)
    session.add(member)
    return update_staff_member(session, business, member, data)


def update_staff_member(
    session: Session, business: Business, member: StaffMember, changes: StaffChanges
) -> StaffMember:
    """Rename a staff member or (de)activate them. Raises DomainError naming the field."""
    if changes.name is not UNSET:
        member.name = _name(changes.name)
    if changes.active is not UNSET:
        member.active = bool(changes.active)
    session.flush()
    return member


def get_staff_member(session: Session, business: Business, staff_id: int) -> StaffMember:
    """The business's staff member `staff_id`; NotFound (field staff_id) otherwise."""
    return owned_row(
        session, business, StaffMember, staff_id, label="staff member", field="staff_id"
    )


def list_staff(session: Session, business: Business) -> list[StaffMember]:
    """The business's staff members, active or not, oldest first."""
    return list(session.scalars(staff_query(business)))


def staff_query(business: Business) -> Select:
    """`list_staff` as a statement, for a list that pages."""
    return (
        select(StaffMember).where(StaffMember.business_id == business.id).order_by(StaffMember.id)
    )


# --- services ----------------------------------------------------------------


def create_service(session: Session, business: Business, data: ServiceChanges) -> Service:
    """Create a service; its duration defaults to 30 minutes."""
    _require_name(data)
    service = Service(business_id=business.id, duration_minutes=30)
    session.add(service)
    return update_service(session, business, service, data)


def update_service(
    session: Session, business: Business, service: Service, changes: ServiceChanges
) -> Service:
    """Change a service's name, category, duration or rebook interval (R2.6)."""
    for field, value in changes.given().items():
        if field == "name":
            service.name = _name(value)
        elif field == "duration_minutes":
            if value is None or not 1 <= value <= MAX_DURATION_MINUTES:
                raise DomainError(
                    f"duration_minutes must be between 1 and {MAX_DURATION_MINUTES}", field=field
                )
            service.duration_minutes = value
        elif field == "rebook_interval_days":
            if value is not None and not 1 <= value <= MAX_REBOOK_INTERVAL_DAYS:
                raise DomainError(
                    f"rebook_interval_days must be between 1 and {MAX_REBOOK_INTERVAL_DAYS}",
                    field=field,
                )
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
    return list(session.scalars(services_query(business)))


def services_query(business: Business) -> Select:
    """`list_services` as a statement, for a list that pages."""
    return select(Service).where(Service.business_id == business.id).order_by(Service.id)


# --- shared ------------------------------------------------------------------


def _require_name(data: LocationChanges | StaffChanges | ServiceChanges) -> None:
    if data.name is UNSET or not data.name:
        raise DomainError("a name is required", code="required", field="name")


def _line(field: str, value: str) -> str:
    """`value` if it is one line; refused, not cleaned, when it is not."""
    refuse_problem(field, line_problem(value))
    return value


def _name(value: str | None) -> str:
    name = _line("name", value or "").strip()
    if not name:
        raise DomainError("the name cannot be empty", field="name")
    if len(name) > MAX_NAME_LENGTH:
        raise DomainError(
            f"the name may have at most {MAX_NAME_LENGTH} characters",
            field="name",
            params={"limit": MAX_NAME_LENGTH},
        )
    return name
