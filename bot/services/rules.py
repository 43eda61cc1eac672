"""Notification rules: creating, changing, deleting them one by one or in bulk (R4.2–R4.10).

A rule says which event on which kind of record sends which notice, to whom,
by which channel, when and where (docs/ARCHITECTURE.md, "Domain"). All a rule may say is
checked here, against the rule as a whole after the change: the trigger must
exist for the kind (R4.2: inquiries only on creation and "status changed to";
reminders only for appointments and work orders, which have a scheduled
time; rebook nudges only for appointments), "status changed to" names one of
the kind's statuses, a reminder says how long before (R4.9), a rebook nudge
goes to the customer N days after the visit or before the predicted next
one, at a time of day (R2.4; 10:00 when none is given), notices to the
business go by email (R3.4), the template exists and is a notice's text, not
one of the bot's replies (R4.7), chosen locations
belong to the business (R4.8).

Changing or disabling a rule does not rewrite the notifications it already
planned: those were decided under the rule as it was, and the send job
re-checks each against the record, consent and opt-outs. (Rebook nudges are
the exception to disabling: switching a rebook rule off withdraws what it
planned, `outbound.rebook_scan`, as the seed's switch promises.) Deleting a rule
withdraws its notifications that have not started sending (they become
`cancelled` with the reason "rule deleted") and unlinks all its notifications
from it (`rule_id` becomes null), so the outbox keeps its history. Functions
flush; the caller commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.errors import DomainError, NotFound
from bot.models import Business, Location, Notification, NotificationRule, RecordKind
from bot.services.lookup import MAX_ROW_ID, owned_row
from bot.services.statuses import status_codes
from bot.services.templates import reply_names, template_name_known
from outbound.planning import withdraw_notifications
from outbound.policy.rebook_timing import DEFAULT_SEND_TIME
from outbound.policy.vocabulary import (
    Audience,
    ChannelChoice,
    Notice,
    Trigger,
)

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
REBOOK_MODES = ("after_visit", "predicted")  # R2.4: days after the visit / before predicted
MAX_DELAY_MINUTES = 90 * 24 * 60
MAX_OFFSET_MINUTES = 365 * 24 * 60
MAX_REBOOK_DAYS = 365
RULE_FIELDS = (
    "name",
    "kind",
    "trigger",
    "trigger_status",
    "audience",
    "channel",
    "notice",
    "template_name",
    "delay_minutes",
    "offset_minutes",
    "rebook_mode",
    "rebook_days",
    "send_time",
    "working_hours_only",
    "all_locations",
    "location_ids",
    "enabled",
)
# Notifications a deleted rule withdraws: planned, or claimed but not yet handed
# to a worker (the send job takes a row only from `queued`, so it skips these).
DELETED_REASON = "rule deleted"
_ENUM_FIELDS: dict[str, type[enum.StrEnum]] = {
    "kind": RecordKind,
    "trigger": Trigger,
    "notice": Notice,
    "audience": Audience,
    "channel": ChannelChoice,
}


class BulkAction(enum.StrEnum):
    """What `bulk_change` does to every rule it is given (R4.10)."""

    DELETE = "delete"
    SET_TEMPLATE = "set_template"
    SET_CHANNEL = "set_channel"


@dataclass
class BulkOutcome:
    """The rules a bulk change left (none for delete), the ids it deleted, and how many
    planned notifications the deleted rules withdrew."""

    rules: list[NotificationRule] = field(default_factory=list)
    deleted: list[int] = field(default_factory=list)
    cancelled_notifications: int = 0


# --- one rule ----------------------------------------------------------------


def create_rule(session: Session, business: Business, data: Mapping[str, Any]) -> NotificationRule:
    """Create a rule from `data` (the names in RULE_FIELDS; kind, trigger and notice required).

    Defaults: audience customer; channel `auto`, or `email` for the business;
    no delay; all locations; enabled; a name built from kind, notice and
    trigger. Raises DomainError (or NotFound for a location) naming the field.
    """
    _check_fields(data)
    for required in ("kind", "trigger", "notice"):
        if data.get(required) is None:
            raise DomainError(f"a rule needs a {required}", code="required", field=required)
    kind = _enum(RecordKind, data["kind"], "kind")
    trigger = _enum(Trigger, data["trigger"], "trigger")
    notice = _enum(Notice, data["notice"], "notice")
    audience = _enum(Audience, data.get("audience") or Audience.CUSTOMER, "audience")
    default_channel = ChannelChoice.EMAIL if audience == Audience.BUSINESS else ChannelChoice.AUTO
    rule = NotificationRule(
        business_id=business.id,
        name=_default_name(kind, notice, trigger),
        kind=kind,
        trigger=trigger,
        notice=notice,
        audience=audience,
        channel=default_channel,
        delay_minutes=0,
        working_hours_only=False,
        all_locations=True,
        enabled=True,
    )
    _apply(session, business, rule, data)
    session.add(rule)
    session.flush()
    return rule


def update_rule(
    session: Session, business: Business, rule: NotificationRule, changes: Mapping[str, Any]
) -> NotificationRule:
    """Change a rule; fields left out stay. The rule as a whole is checked again.

    Notifications the rule already planned keep what they were planned with.
    """
    _check_fields(changes)
    with session.no_autoflush:
        _apply(session, business, rule, changes)
    session.flush()
    return rule


def delete_rule(session: Session, business: Business, rule: NotificationRule) -> int:
    """Delete a rule; returns how many of its notifications were withdrawn.

    Its notifications still `scheduled` or `queued` become `cancelled` ("rule
    deleted"); every notification of the rule, sent or not, keeps its row with
    `rule_id` set to null.
    """
    cancelled = withdraw_notifications(session, Notification.rule_id == rule.id, DELETED_REASON)
    session.execute(
        update(Notification).where(Notification.rule_id == rule.id).values(rule_id=None)
    )
    session.delete(rule)
    session.flush()
    return cancelled


def get_rule(session: Session, business: Business, rule_id: int) -> NotificationRule:
    """The business's rule `rule_id`; NotFound (field rule_id) otherwise."""
    return owned_row(session, business, NotificationRule, rule_id, label="rule", field="rule_id")


# --- several rules (R4.10) ---------------------------------------------------


def list_rules(session: Session, business: Business, kind: str) -> list[NotificationRule]:
    """The business's rules for records of `kind`, oldest first, with their chosen
    locations loaded in one more query (the rules page names them for every rule)."""
    return list(
        session.scalars(
            select(NotificationRule)
            .where(NotificationRule.business_id == business.id, NotificationRule.kind == kind)
            .options(selectinload(NotificationRule.locations))
            .order_by(NotificationRule.id)
        )
    )


def bulk_change(
    session: Session,
    business: Business,
    ids: Sequence[int],
    action: str,
    *,
    template_name: str | None = None,
    channel: str | None = None,
) -> BulkOutcome:
    """Delete the rules `ids`, or point them at one template, or give them one channel.

    All or nothing: every id must be one of the business's rules (NotFound
    naming the first that is not, field "ids") and the change must be valid
    for every rule (DomainError) before anything changes. `template_name`
    None with set_template means "the notice's default text".
    """
    action = _enum(BulkAction, action, "action")
    if not ids:
        raise DomainError("give at least one rule id", code="required", field="ids")
    rules = _owned_rules(session, business, ids)
    if action == BulkAction.DELETE:
        outcome = BulkOutcome()
        for rule in rules:
            outcome.deleted.append(rule.id)
            outcome.cancelled_notifications += delete_rule(session, business, rule)
        return outcome
    if action == BulkAction.SET_TEMPLATE:
        name = _template_name(session, business, template_name)
        for rule in rules:
            rule.template_name = name
    else:
        if channel is None:
            raise DomainError("set_channel needs a channel", code="required", field="channel")
        choice = _enum(ChannelChoice, channel, "channel")
        for rule in rules:
            _check_audience_channel(rule.audience, choice, rule)
        for rule in rules:
            rule.channel = choice
    session.flush()
    return BulkOutcome(rules=rules)


def _owned_rules(
    session: Session, business: Business, ids: Iterable[int]
) -> list[NotificationRule]:
    wanted = list(dict.fromkeys(ids))
    found = {
        rule.id: rule
        for rule in session.scalars(
            select(NotificationRule).where(
                NotificationRule.business_id == business.id,
                # An id no column holds is simply not found (PostgreSQL refuses it).
                NotificationRule.id.in_(
                    [i for i in wanted if isinstance(i, int) and 0 < i <= MAX_ROW_ID]
                ),
            )
        )
    }
    for rule_id in wanted:
        if rule_id not in found:
            raise NotFound(f"rule {rule_id} does not exist", field="ids")
    return [found[rule_id] for rule_id in wanted]


# --- checking ----------------------------------------------------------------


def _apply(
    session: Session, business: Business, rule: NotificationRule, data: Mapping[str, Any]
) -> None:
    """Set the fields in `data` on `rule`, then check the rule as a whole."""
    for name, enum_type in _ENUM_FIELDS.items():
        if name in data:
            setattr(rule, name, _enum(enum_type, data[name], name))
    if "name" in data:
        rule.name = _name(data["name"])
    if "trigger_status" in data:
        value = data["trigger_status"]
        if value is not None and not isinstance(value, str):
            raise DomainError("trigger_status must be text", field="trigger_status")
        rule.trigger_status = (value or "").strip() or None
    if "template_name" in data:
        rule.template_name = _template_name(session, business, data["template_name"])
    for name in ("delay_minutes", "offset_minutes", "rebook_days"):
        if name in data:
            setattr(rule, name, _whole_number(data[name], name, nullable=name != "delay_minutes"))
    if "rebook_mode" in data:
        rule.rebook_mode = data["rebook_mode"]
    if "send_time" in data:
        if data["send_time"] is not None and not isinstance(data["send_time"], time):
            raise DomainError("send_time must be a time of day", field="send_time")
        rule.send_time = data["send_time"]
    for name in ("working_hours_only", "enabled"):
        if name in data:
            rule_flag = data[name]
            if not isinstance(rule_flag, bool):
                raise DomainError(f"{name} must be true or false", field=name)
            setattr(rule, name, rule_flag)
    _apply_locations(session, business, rule, data)
    _check_rule(session, business, rule)


def _apply_locations(
    session: Session, business: Business, rule: NotificationRule, data: Mapping[str, Any]
) -> None:
    """R4.8: all locations, or the chosen ones. Choosing "all" again forgets the choice."""
    if "all_locations" in data:
        if not isinstance(data["all_locations"], bool):
            raise DomainError("all_locations must be true or false", field="all_locations")
        rule.all_locations = data["all_locations"]
    if "location_ids" in data:
        ids = list(dict.fromkeys(data["location_ids"] or ()))
        rule.locations = [
            owned_row(session, business, Location, i, label="location", field="location_ids")
            for i in ids
        ]
    elif data.get("all_locations") is True:
        rule.locations = []
    if rule.all_locations and rule.locations:
        raise DomainError(
            "a rule for all locations has no location_ids; set all_locations to false "
            "to limit it to chosen locations",
            field="location_ids",
        )
    if not rule.all_locations and not rule.locations:
        raise DomainError(
            "a rule limited to chosen locations (all_locations false) needs at least one "
            "location in location_ids",
            code="required",
            field="location_ids",
        )


def _check_rule(session: Session, business: Business, rule: NotificationRule) -> None:
    """The checks that look at several fields together."""
    allowed = TRIGGERS_BY_KIND[rule.kind]
    if rule.trigger not in allowed:
        raise DomainError(
            f"a rule for {rule.kind} records cannot use the trigger {rule.trigger}; "
            f"it can use {', '.join(allowed)}",
            field="trigger",
        )
    _check_trigger_status(session, business, rule)
    if rule.trigger == Trigger.REMINDER:
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
    _check_audience_channel(rule.audience, rule.channel, None)


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


def _check_audience_channel(
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


def _template_name(session: Session, business: Business, value: Any) -> str | None:
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


def _enum(enum_type: type[enum.StrEnum], value: Any, name: str):
    try:
        return enum_type(value)
    except ValueError as error:
        allowed = ", ".join(member.value for member in enum_type)
        raise DomainError(f"{name} must be one of {allowed}", field=name) from error


def _whole_number(value: Any, name: str, *, nullable: bool) -> int | None:
    if value is None and nullable:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(f"{name} must be a whole number", field=name)
    return value


def _name(value: Any) -> str:
    name = value.strip() if isinstance(value, str) else ""
    if not name:
        raise DomainError("the name cannot be empty", field="name")
    if len(name) > 200:
        raise DomainError("the name may have at most 200 characters", field="name")
    return name


def _default_name(kind: RecordKind, notice: Notice, trigger: Trigger) -> str:
    words = notice.value.replace("_", " ")
    return f"{words[0].upper()}{words[1:]} ({kind}, {trigger.value.replace('_', ' ')})"


def _check_fields(data: Mapping[str, Any]) -> None:
    for name in data:
        if name not in RULE_FIELDS:
            raise DomainError(f"unknown field {name!r}", field=name)
