"""Records: the appointments, work orders and inquiries notices are about (R4.1)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, ShortText, UTCDateTime, str_enum, utcnow
from bot.models.business import Location, Service, StaffMember
from bot.models.customers import Customer
from outbound.policy.vocabulary import RecordKind


class RecordSource(enum.StrEnum):
    CALENDAR = "calendar"  # staff entered it in the web app
    ONLINE = "online"  # the customer booked online (R0.3)
    ONSITE = "onsite"  # made at the counter or by phone
    API = "api"  # a connected booking system created it


class CancelledBy(enum.StrEnum):
    BUSINESS = "business"
    CUSTOMER = "customer"


class Record(Base):
    __tablename__ = "record"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind))
    customer_id: Mapped[int] = mapped_column(ForeignKey("customer.id"), index=True)
    location_id: Mapped[int | None] = mapped_column(ForeignKey("location.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_member.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Appointments use AppointmentStatus values; orders and inquiries use the
    # business's own (RecordStatusDefinition), so this is plain text.
    status: Mapped[str] = mapped_column(String(40))
    source: Mapped[RecordSource] = mapped_column(str_enum(RecordSource))
    cancelled_by: Mapped[CancelledBy | None] = mapped_column(str_enum(CancelledBy))
    customer_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    title: Mapped[str | None] = mapped_column(ShortText)
    notes: Mapped[str | None] = mapped_column(Text)
    # The record's id in the booking system that created it, for its lookups.
    external_id: Mapped[str | None] = mapped_column(ShortText, index=True)
    # Bumped on every change of time or status; a planned notice remembers the
    # version it was planned for, so a job can tell it has gone stale.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    customer: Mapped[Customer] = relationship()
    location: Mapped[Location | None] = relationship()
    staff: Mapped[StaffMember | None] = relationship()
    service: Mapped[Service | None] = relationship()


class RecordStatusDefinition(Base):
    """A status a business defines for its work orders or inquiries (R4.2)."""

    __tablename__ = "record_status_definition"
    __table_args__ = (UniqueConstraint("business_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind))
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(ShortText)
    position: Mapped[int] = mapped_column(Integer, default=0)
