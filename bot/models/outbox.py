"""Notification rules, message templates and the outbox of planned notices (`Notification`):
the row is the truth about a notice, Redis only carries the work."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.models.base import Base, ShortText, UTCDateTime, str_enum, utcnow
from bot.models.business import Location
from bot.models.records import RecordKind
from outbound.policy.vocabulary import (
    Audience,
    Channel,
    ChannelChoice,
    Notice,
    NotificationStatus,
    Trigger,
)

rule_location = Table(
    "rule_location",
    Base.metadata,
    Column("rule_id", ForeignKey("notification_rule.id"), primary_key=True),
    Column("location_id", ForeignKey("location.id"), primary_key=True),
)


class NotificationRule(Base):
    __tablename__ = "notification_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText)
    kind: Mapped[RecordKind] = mapped_column(str_enum(RecordKind))
    trigger: Mapped[Trigger] = mapped_column(str_enum(Trigger))
    trigger_status: Mapped[str | None] = mapped_column(String(40))  # for status_changed_to
    audience: Mapped[Audience] = mapped_column(str_enum(Audience), default=Audience.CUSTOMER)
    channel: Mapped[ChannelChoice] = mapped_column(
        str_enum(ChannelChoice), default=ChannelChoice.AUTO
    )
    notice: Mapped[Notice] = mapped_column(str_enum(Notice, length=40))
    # The business template (by name) this rule sends; None: the notice's default text.
    template_name: Mapped[str | None] = mapped_column(ShortText)
    delay_minutes: Mapped[int] = mapped_column(Integer, default=0)  # R4.5
    offset_minutes: Mapped[int | None] = mapped_column(Integer)  # reminders: before start
    rebook_mode: Mapped[str | None] = mapped_column(String(24))  # after_visit / predicted
    rebook_days: Mapped[int | None] = mapped_column(Integer)
    send_time: Mapped[time | None] = mapped_column(Time)  # time of day (R2.4)
    working_hours_only: Mapped[bool] = mapped_column(Boolean, default=False)  # R4.6
    all_locations: Mapped[bool] = mapped_column(Boolean, default=True)  # R4.8
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    locations: Mapped[list[Location]] = relationship(secondary=rule_location)


class Template(Base):
    """A business's text for one notice, channel and locale (R2.2, R3.3, R4.7).

    A WhatsApp text may name the business's approved WhatsApp template at
    Twilio (`content_sid`, "HX…") and what fills its numbered placeholders
    (`content_variables`: {"1": "{{ customer.first_name }}", …}, each a jinja
    text); it is sent outside the customer's 24-hour window, and `body` is then
    the copy of its wording kept in the conversation.
    """

    __tablename__ = "template"
    __table_args__ = (UniqueConstraint("business_id", "name", "channel", "locale"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    name: Mapped[str] = mapped_column(ShortText)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    locale: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str | None] = mapped_column(ShortText)
    body: Mapped[str] = mapped_column(Text)
    content_sid: Mapped[str | None] = mapped_column(String(34))  # WhatsApp only
    content_variables: Mapped[dict[str, str] | None] = mapped_column(JSON)  # WhatsApp only
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Notification(Base):
    """One notice on its way out: the outbox row."""

    __tablename__ = "notification"
    # The dispatcher's claim: scheduled rows in due order, read from the index alone.
    __table_args__ = (Index("ix_notification_status_due_at_id", "status", "due_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    business_id: Mapped[int] = mapped_column(ForeignKey("business.id"), index=True)
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("notification_rule.id"))
    record_id: Mapped[int | None] = mapped_column(ForeignKey("record.id"), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customer.id"), index=True)
    audience: Mapped[Audience] = mapped_column(str_enum(Audience))
    notice: Mapped[Notice] = mapped_column(str_enum(Notice, length=40))
    template_name: Mapped[str | None] = mapped_column(ShortText)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status: Mapped[NotificationStatus] = mapped_column(
        str_enum(NotificationStatus), default=NotificationStatus.SCHEDULED, index=True
    )
    reason: Mapped[str | None] = mapped_column(Text)  # why skipped or failed, in words
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # Unique per (event, rule, channel): planning the same event twice plans once.
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    record_version: Mapped[int | None] = mapped_column(Integer)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
