"""What a notification rule may say: the triggers each kind of record has, the limits of its
timings, and the checks a rule passes as a whole after every change, with the checks of single
values (a known template, one of an enum, a whole number, a name) that creating, changing and
bulk-changing rules share. Functions raise DomainError naming the field and write nothing,
except a rebook rule's default time of day."""

from __future__ import annotations

import enum
from typing import Any

from sqlalchemy.orm import Session

from bot.errors import DomainError
from bot.models import Business, NotificationRule, RecordKind
from bot.services.statuses import status_codes
from bot.services.templates import reply_names, template_name_known
from outbound.policy.rebook_timing import DEFAULT_SEND_TIME
from outbound.policy.vocabulary import Audience, ChannelChoice, RebookMode, Trigger

# R4.2: what can happen to each kind of record.
TRIGGERS_BY_KIND: dict[RecordKind, tuple[Trigger, ...]] = {
    RecordKind.APPOINTMENT: tuple(Trigger),
    RecordKind.ORDER: (
        Trigger.CREATED,
        Trigger.STATUS_CHANGED,
        Trigger.STATUS_CHANGED_TO,
        Trigger.TIME_CHANGED,
        Trigger.REMINDER,
    ),
    RecordKind.INQUIRY: (Trigger.CREATED, Trigger.STATUS_CHANGED_TO),
}
# The triggers that may narrow themselves to one status.
STATUS_TRIGGERS = (Trigger.CREATED, Trigger.STATUS_CHANGED_TO)
REBOOK_MODES = tuple(RebookMode)
MAX_DELAY_MINUTES = 90 * 24 * 60
MAX_OFFSET_MINUTES = 365 * 24 * 60
MAX_REBOOK_DAYS = 365


def check_rule(session: Session, business: Business, rule: NotificationRule) -> None:
    """The checks that look at several fields together."""
    allowed = TRIGGERS_BY_KIND[rule.kind]
    if rule.trigger not in allowed:
        raise DomainError(
            f"a rule for {rule.kind} records cannot use the trigger {rule.trigger}; "
            f"it can use {', '.join(allowed)}",
            field="trigger",
        )
    _check_trigger_status(session, business, rule)
    if rule.trigger == Trigger.REMINDER:  # R4.9: a reminder says how long before
        if rule.offset_minutes is None or rule.offset_minutes <= 0:
            raise DomainError(
                "a reminder needs offset_minutes, how long before the start it goes out "
                "(e.g. 1440 for a day)",
                code="required",
                field="offset_minutes",
            )
        if rule.offset_minutes > MAX_OFFSET_MINUTES:
            raise DomainError(
                f"offset_minutes may be at most {MAX_OFFSET_MINUTES} (a year)",
                field="offset_minutes",
            )
    elif rule.offset_minutes is not None:
        raise DomainError(
            "offset_minutes applies only to reminders; send null", field="offset_minutes"
        )
    if not 0 <= rule.delay_minutes <= MAX_DELAY_MINUTES:
        raise DomainError(
            f"delay_minutes must be between 0 and {MAX_DELAY_MINUTES} (90 days)",
            field="delay_minutes",
        )
    if rule.delay_minutes and rule.trigger in (Trigger.REMINDER, Trigger.REBOOK):
        raise DomainError(
            f"a {rule.trigger} rule is timed by its own settings; delay_minutes must be 0",
            field="delay_minutes",
        )
    _check_rebook(rule)
    check_audience_channel(rule.audience, rule.channel, None)


def _check_trigger_status(session: Session, business: Business, rule: NotificationRule) -> None:
    if rule.trigger not in STATUS_TRIGGERS:
        if rule.trigger_status is not None:
            raise DomainError(
                f"trigger_status applies only to the triggers {', '.join(STATUS_TRIGGERS)}; "
                "send null",
                field="trigger_status",
            )
        return
    if rule.trigger_status is None:
        if rule.trigger == Trigger.STATUS_CHANGED_TO:
            raise DomainError(
                "a status_changed_to rule needs trigger_status, the status it waits for",
                code="required",
                field="trigger_status",
            )
        return
    if len(rule.trigger_status) > 40:
        raise DomainError("trigger_status may have at most 40 characters", field="trigger_status")
    codes = status_codes(session, business, rule.kind)
    if codes and rule.trigger_status not in codes:
        raise DomainError(
            f"{rule.trigger_status!r} is not a status of {rule.kind} records; "
            f"they have {', '.join(codes)}",
            field="trigger_status",
        )


def _check_rebook(rule: NotificationRule) -> None:
    if rule.trigger != Trigger.REBOOK:
        for name in ("rebook_mode", "rebook_days", "send_time"):
            if getattr(rule, name) is not None:
                raise DomainError(f"{name} applies only to rebook rules; send null", field=name)
        return
    if rule.rebook_mode not in REBOOK_MODES:
        raise DomainError(
            f"a rebook rule needs rebook_mode, one of {', '.join(REBOOK_MODES)}",
            code="required" if rule.rebook_mode is None else "invalid",
            field="rebook_mode",
        )
    if rule.rebook_days is None or not 1 <= rule.rebook_days <= MAX_REBOOK_DAYS:
        raise DomainError(
            f"a rebook rule needs rebook_days from 1 to {MAX_REBOOK_DAYS} (days after the "
            "visit, or before the predicted next visit)",
            code="required" if rule.rebook_days is None else "invalid",
            field="rebook_days",
        )
    if rule.audience != Audience.CUSTOMER:
        raise DomainError(
            "a rebook nudge goes to the customer; its audience must be customer",
            field="audience",
        )
    if rule.send_time is None:
        rule.send_time = DEFAULT_SEND_TIME  # R2.4: it goes out at a time of day


def check_audience_channel(
    audience: Audience, channel: ChannelChoice, rule: NotificationRule | None
) -> None:
    """R3.4: notices to the business itself go by email."""
    if audience == Audience.BUSINESS and channel != ChannelChoice.EMAIL:
        which = f"rule {rule.id} ({rule.name!r})" if rule else "a rule for the business"
        raise DomainError(
            f"{which} notifies the business itself, which gets email only; "
            "its channel must be email",
            field="channel",
        )


def checked_template_name(session: Session, business: Business, value: Any) -> str | None:
    """The template a rule names, stripped; None for the notice's default text."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise DomainError("template_name must be text", field="template_name")
    name = value.strip()
    if name in reply_names():
        # The bot's reply texts fill times offered and lists of slots a notice lacks.
        raise DomainError(
            f"{name!r} is a text of the bot's replies, not of a notice; choose a notice text "
            "such as 'confirmation' or one of your own",
            code="reply_template",
            field="template_name",
        )
    if not template_name_known(session, business, name):
        raise DomainError(
            f"there is no template named {name!r}; create it under /templates or use a "
            "default notice text such as 'confirmation'",
            code="unknown_template",
            field="template_name",
        )
    return name


def checked_enum(enum_type: type[enum.StrEnum], value: Any, name: str):
    """`value` as a member of `enum_type`; DomainError naming `name` otherwise."""
    try:
        return enum_type(value)
    except ValueError as error:
        allowed = ", ".join(member.value for member in enum_type)
        raise DomainError(f"{name} must be one of {allowed}", field=name) from error


def checked_whole_number(value: Any, name: str, *, nullable: bool) -> int | None:
    """`value` if it is a whole number (or None, when `nullable`)."""
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{name} must be a whole number", field=name)
    return value


def checked_rule_name(value: Any) -> str:
    """A rule's name, stripped: not empty, at most 200 characters."""
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise DomainError("the name cannot be empty", field="name")
    if len(name) > 200:
        raise DomainError("the name may have at most 200 characters", field="name")
    return name
