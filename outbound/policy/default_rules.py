"""The notification rules every new business starts with, as plain data
(`bot.services.businesses` stores them as rows)."""

from __future__ import annotations

from dataclasses import dataclass

from outbound.policy.vocabulary import AppointmentStatus, Audience, ChannelChoice, Notice, Trigger

DEFAULT_REMINDER_MINUTES = 24 * 60  # R1.5


@dataclass(frozen=True)
class DefaultRule:
    name: str
    trigger: Trigger
    notice: Notice
    trigger_status: str | None = None
    audience: Audience = Audience.CUSTOMER
    channel: ChannelChoice = ChannelChoice.AUTO
    offset_minutes: int | None = None
    kind: str = "appointment"


DEFAULT_RULES: tuple[DefaultRule, ...] = (
    DefaultRule(
        "Booking confirmation", Trigger.CREATED, Notice.CONFIRMATION, AppointmentStatus.CONFIRMED
    ),
    DefaultRule(
        "Request accepted",
        Trigger.STATUS_CHANGED_TO,
        Notice.CONFIRMATION,
        AppointmentStatus.CONFIRMED,
    ),
    DefaultRule(
        "Awaiting confirmation",
        Trigger.STATUS_CHANGED_TO,
        Notice.PENDING,
        AppointmentStatus.PENDING,
    ),
    DefaultRule(
        "Request declined", Trigger.STATUS_CHANGED_TO, Notice.REJECTED, AppointmentStatus.REJECTED
    ),
    DefaultRule(
        "Cancellation", Trigger.STATUS_CHANGED_TO, Notice.CANCELLATION, AppointmentStatus.CANCELLED
    ),
    DefaultRule("Time changed", Trigger.TIME_CHANGED, Notice.CHANGE),
    DefaultRule(
        "Reminder", Trigger.REMINDER, Notice.REMINDER, offset_minutes=DEFAULT_REMINDER_MINUTES
    ),
    DefaultRule("Request received", Trigger.REQUEST_RECEIVED, Notice.REQUEST_RECEIVED),
    DefaultRule(
        "New request (to the business)",
        Trigger.REQUEST_RECEIVED,
        Notice.NEW_BOOKING_FOR_BUSINESS,
        audience=Audience.BUSINESS,
        channel=ChannelChoice.EMAIL,
    ),
)
