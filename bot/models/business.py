"""The business and what it is made of: locations with working hours, staff,
services, web-app users and API keys."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, ShortText, UTCDateTime, str_enum, utcnow


class Business(Base):
    __tablename__ = "business"
    __table_args__ = (CheckConstraint("sms_per_second > 0", name="sms_per_second_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(ShortText)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Berlin")
    locale: Mapped[str] = mapped_column(String(8), default="de")
    phone_region: Mapped[str] = mapped_column(String(2), default="DE")
    sms_enabled: Mapped[bool] = mapped_column(Boolean, default=False)  # R1.2
    sms_confirmation_always: Mapped[bool] = mapped_column(Boolean, default=False)  # R0.4
    # None: customers cannot cancel by text; else hours before the start (R1.11).
    cancellation_window_hours: Mapped[int | None] = mapped_column(Integer, default=24)
    booking_url: Mapped[str | None] = mapped_column(String(500))
    privacy_url: Mapped[str | None] = mapped_column(String(500))
    email_from: Mapped[str | None] = mapped_column(ShortText)  # R4.4
    # Where notices to the business itself go (R1.9, R3.4).
    notification_email: Mapped[str | None] = mapped_column(ShortText)
    # A Twilio sender routes inbound messages to exactly one business.
    sms_from: Mapped[str | None] = mapped_column(String(32), unique=True)
    messaging_service_sid: Mapped[str | None] = mapped_column(String(40), unique=True)
    whatsapp_from: Mapped[str | None] = mapped_column(String(48), unique=True)
    # Segments per second each of its Twilio senders may take (outbound.pacing);
    # None: the SMS_PER_SECOND setting.
    sms_per_second: Mapped[float | None] = mapped_column(Float)
    # Retired: outgoing webhooks are WebhookEndpoint rows now (migration 0010 moved these
    # values into one). The columns stay, never loaded, until a later release drops them:
    # during a rolling upgrade the previous release's processes still read them.
    retired_webhook_url: Mapped[str | None] = mapped_column(
        "webhook_url", String(500), deferred=True
    )
    retired_webhook_secret: Mapped[str | None] = mapped_column(
        "webhook_secret", String(80), deferred=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locations: Mapped[list[Location]] = relationship(back_populates="business")


class Location(Base):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText)
    address: Mapped[str | None] = mapped_column(Text)

    business: Mapped[Business] = relationship(back_populates="locations")
    working_hours: Mapped[list[WorkingHours]] = relationship(
        back_populates="location",
        cascade="all, delete-orphan",
        order_by="(WorkingHours.weekday, WorkingHours.opens_at)",
    )


class WorkingHours(Base):
    """One opening range of a location on a weekday; a day may have several."""

    __tablename__ = "working_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday … 6 = Sunday
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    location: Mapped[Location] = relationship(back_populates="working_hours")


class UserRole(enum.StrEnum):
    OWNER = "owner"  # may change settings, rules, users and API keys
    STAFF = "staff"  # works the inbox and the calendar


class User(Base):
    """A login for the staff web app."""

    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    email: Mapped[str] = mapped_column(ShortText, unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    name: Mapped[str | None] = mapped_column(ShortText)
    role: Mapped[UserRole] = mapped_column(str_enum(UserRole), default=UserRole.STAFF)
    # The language the web app speaks to this user; None: the business's.
    locale: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    business: Mapped[Business] = relationship()

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        """The session's user id, bound to the password: a new password ends every
        other session (and remember-me cookie) of this user."""
        return f"{self.id}.{self.password_fingerprint}"

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the password hash: changes whenever the password does."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:20]


class CannedReply(Base):
    """A reply the business keeps ready for the inbox: a short title and its text."""

    __tablename__ = "canned_reply"
    __table_args__ = (UniqueConstraint("business_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    title: Mapped[str] = mapped_column(ShortText)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StaffMember(Base):
    """The person an appointment is with; may or may not log in."""

    __tablename__ = "staff_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Service(Base):
    __tablename__ = "service"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText)
    category: Mapped[str | None] = mapped_column(ShortText)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    rebook_interval_days: Mapped[int | None] = mapped_column(Integer)  # R2.6


class ApiKey(Base):
    """A bearer key for the REST API; only its SHA-256 is stored."""

    __tablename__ = "api_key"
    __table_args__ = (UniqueConstraint("key_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText, default="default")
    prefix: Mapped[str] = mapped_column(String(16))  # shown in the UI to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    business: Mapped[Business] = relationship()
