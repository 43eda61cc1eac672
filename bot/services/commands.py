"""The typed commands the services take: what a caller asks to create or change. A caller
turns its mapping of fields into one with `XChanges.from_fields(data)`, the one place that
refuses a field the service does not know; a field left out is `UNSET`, which tells "not
given" from `None` ("clear it"). The services still check the values, each rule once."""

from __future__ import annotations

import enum
from dataclasses import dataclass, fields
from datetime import datetime, time
from typing import Any, ClassVar, Self, TypeVar

from bot.errors import DomainError


class Unset(enum.Enum):
    """The type of `UNSET`, the value of a field the caller did not give."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET
T = TypeVar("T")
D = TypeVar("D")


def value_or(value: T | Unset, default: D) -> T | D:
    """`value`, or `default` when it was not given."""
    return default if value is UNSET else value


@dataclass(frozen=True)
class Command:
    """A set of fields for one service call; subclasses declare the fields it knows."""

    # How a refusal names a field the command does not know ("unknown field 'x'").
    field_word: ClassVar[str] = "field"

    @classmethod
    def from_fields(cls, data: Any) -> Self:
        """The command holding `data`'s fields; DomainError naming the first unknown one."""
        known = cls.field_names()
        for name in data:
            if name not in known:
                raise DomainError(f"unknown {cls.field_word} {name!r}", field=name)
        return cls(**data)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The fields this command knows, in their order."""
        return tuple(item.name for item in fields(cls))

    def given(self) -> dict[str, Any]:
        """The fields the caller gave, in the command's order."""
        return {
            name: getattr(self, name)
            for name in self.field_names()
            if getattr(self, name) is not UNSET
        }

    def has(self, name: str) -> bool:
        """Whether the caller gave the field `name`."""
        return getattr(self, name) is not UNSET


# --- the catalogue -------------------------------------------------------------


@dataclass(frozen=True)
class LocationChanges(Command):
    """A location to create or the changes to one; `working_hours` replaces every range
    with {weekday 0-6, opens, closes} (times)."""

    name: str | None | Unset = UNSET
    address: str | None | Unset = UNSET
    working_hours: list[dict[str, Any]] | None | Unset = UNSET


@dataclass(frozen=True)
class StaffChanges(Command):
    """A staff member to create or the changes to one."""

    name: str | None | Unset = UNSET
    active: bool | Unset = UNSET


@dataclass(frozen=True)
class ServiceChanges(Command):
    """A service to create or the changes to one."""

    name: str | None | Unset = UNSET
    category: str | None | Unset = UNSET
    duration_minutes: int | None | Unset = UNSET
    rebook_interval_days: int | None | Unset = UNSET


@dataclass(frozen=True)
class StatusChanges(Command):
    """Changes to a status definition; its kind and code are fixed once made."""

    label: str | None | Unset = UNSET
    position: int | None | Unset = UNSET


@dataclass(frozen=True)
class NewStatus(StatusChanges):
    """A status definition to create: {kind, code, label, position?}."""

    kind: str | None | Unset = UNSET
    code: str | None | Unset = UNSET


# --- texts and rules -----------------------------------------------------------


@dataclass(frozen=True)
class TemplateChanges(Command):
    """Changes to a template: subject, body, WhatsApp content. Name, channel and locale
    are its identity, fixed once made."""

    subject: str | None | Unset = UNSET
    body: str | None | Unset = UNSET
    content_sid: str | None | Unset = UNSET
    content_variables: dict[str, str] | None | Unset = UNSET


@dataclass(frozen=True)
class NewTemplate(TemplateChanges):
    """A template to create: {name, channel, locale, subject (email only), body,
    content_sid and content_variables (WhatsApp only)}."""

    name: str | None | Unset = UNSET
    channel: str | None | Unset = UNSET
    locale: str | None | Unset = UNSET


@dataclass(frozen=True)
class RuleChanges(Command):
    """A rule to create (kind, trigger and notice required) or the changes to one."""

    name: str | None | Unset = UNSET
    kind: str | None | Unset = UNSET
    trigger: str | None | Unset = UNSET
    trigger_status: str | None | Unset = UNSET
    audience: str | None | Unset = UNSET
    channel: str | None | Unset = UNSET
    notice: str | None | Unset = UNSET
    template_name: str | None | Unset = UNSET
    delay_minutes: int | None | Unset = UNSET
    offset_minutes: int | None | Unset = UNSET
    rebook_mode: str | None | Unset = UNSET
    rebook_days: int | None | Unset = UNSET
    send_time: time | None | Unset = UNSET
    working_hours_only: bool | Unset = UNSET
    all_locations: bool | Unset = UNSET
    location_ids: list[int] | None | Unset = UNSET
    enabled: bool | Unset = UNSET


# --- records, customers, settings ----------------------------------------------


@dataclass(frozen=True)
class RecordChanges(Command):
    """A record to create (customer_id required; starts_at aware) or the changes to one."""

    kind: str | None | Unset = UNSET
    customer_id: int | Unset = UNSET
    starts_at: datetime | None | Unset = UNSET
    duration_minutes: int | None | Unset = UNSET
    status: str | None | Unset = UNSET
    source: str | None | Unset = UNSET
    location_id: int | None | Unset = UNSET
    staff_id: int | None | Unset = UNSET
    service_id: int | None | Unset = UNSET
    title: str | None | Unset = UNSET
    notes: str | None | Unset = UNSET
    external_id: str | None | Unset = UNSET


@dataclass(frozen=True)
class CustomerChanges(Command):
    """A customer to create or the changes to one."""

    name: str | None | Unset = UNSET
    phone: str | None | Unset = UNSET
    email: str | None | Unset = UNSET
    whatsapp: str | None | Unset = UNSET
    sms_consent: bool | Unset = UNSET
    email_consent: bool | Unset = UNSET
    locale: str | None | Unset = UNSET
    privacy_accepted: bool | Unset = UNSET
    external_id: str | None | Unset = UNSET


@dataclass(frozen=True)
class SettingsChanges(Command):
    """Changes to the business's settings."""

    field_word: ClassVar[str] = "setting"

    name: str | Unset = UNSET
    timezone: str | Unset = UNSET
    locale: str | Unset = UNSET
    phone_region: str | Unset = UNSET
    sms_enabled: bool | Unset = UNSET
    sms_confirmation_always: bool | Unset = UNSET
    cancellation_window_hours: int | None | Unset = UNSET
    booking_url: str | None | Unset = UNSET
    privacy_url: str | None | Unset = UNSET
    email_from: str | None | Unset = UNSET
    notification_email: str | None | Unset = UNSET
    sms_from: str | None | Unset = UNSET
    messaging_service_sid: str | None | Unset = UNSET
    whatsapp_from: str | None | Unset = UNSET
    sms_per_second: float | None | Unset = UNSET


# --- outgoing webhooks ---------------------------------------------------------


@dataclass(frozen=True)
class WebhookEndpointChanges(Command):
    """An outgoing webhook endpoint to create (url required) or the changes to one;
    `events` lists the event types it takes, an empty list every event."""

    url: str | None | Unset = UNSET
    events: list[str] | None | Unset = UNSET
    enabled: bool | None | Unset = UNSET
