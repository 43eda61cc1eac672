"""Notification rules one by one: creating, changing, deleting, fetching and listing them, each
rule checked as a whole after a change (`bot.services.rule_checks`); changes to several rules at
once are `bot.services.rule_bulk`. Functions flush; the caller commits."""

from __future__ import annotations

import enum
from datetime import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from bot.errors import DomainError
from bot.models import Business, Location, Notification, NotificationRule, RecordKind
from bot.services.commands import UNSET, RuleChanges, value_or
from bot.services.lookup import owned_row
from bot.services.rule_checks import (
    check_rule,
    checked_enum,
    checked_rule_name,
    checked_template_name,
    checked_whole_number,
)
from outbound.planning import withdraw_notifications
from outbound.policy.vocabulary import Audience, ChannelChoice, Notice, Trigger

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


# --- one rule ----------------------------------------------------------------


def create_rule(session: Session, business: Business, data: RuleChanges) -> NotificationRule:
    """Create a rule from `data` (kind, trigger and notice required).

    Defaults: audience customer; channel `auto`, or `email` for the business;
    no delay; all locations; enabled; a name built from kind, notice and
    trigger. Raises DomainError (or NotFound for a location) naming the field.
    """
    for required in ("kind", "trigger", "notice"):
        if getattr(data, required) in (None, UNSET):
            raise DomainError(f"a rule needs a {required}", code="required", field=required)
    kind = checked_enum(RecordKind, data.kind, "kind")
    trigger = checked_enum(Trigger, data.trigger, "trigger")
    notice = checked_enum(Notice, data.notice, "notice")
    audience = checked_enum(
        Audience, value_or(data.audience, None) or Audience.CUSTOMER, "audience"
    )
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
    session: Session, business: Business, rule: NotificationRule, changes: RuleChanges
) -> NotificationRule:
    """Change a rule; fields left out stay. The rule as a whole is checked again.

    Notifications the rule already planned keep what they were planned with.
    """
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


# --- several rules -----------------------------------------------------------


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


# --- setting the fields ------------------------------------------------------


def _apply(session: Session, business: Business, rule: NotificationRule, data: RuleChanges) -> None:
    """Set the fields `data` gives on `rule`, then check the rule as a whole."""
    for name, enum_type in _ENUM_FIELDS.items():
        if data.has(name):
            setattr(rule, name, checked_enum(enum_type, getattr(data, name), name))
    if data.name is not UNSET:
        rule.name = checked_rule_name(data.name)
    if data.trigger_status is not UNSET:
        value = data.trigger_status
        if value is not None and not isinstance(value, str):
            raise DomainError("trigger_status must be text", field="trigger_status")
        rule.trigger_status = (value or "").strip() or None
    if data.template_name is not UNSET:
        rule.template_name = checked_template_name(session, business, data.template_name)
    for name in ("delay_minutes", "offset_minutes", "rebook_days"):
        if data.has(name):
            value = getattr(data, name)
            setattr(rule, name, checked_whole_number(value, name, nullable=name != "delay_minutes"))
    if data.rebook_mode is not UNSET:
        rule.rebook_mode = data.rebook_mode
    if data.send_time is not UNSET:
        if data.send_time is not None and not isinstance(data.send_time, time):
            raise DomainError("send_time must be a time of day", field="send_time")
        rule.send_time = data.send_time
    for name in ("working_hours_only", "enabled"):
        if data.has(name):
            rule_flag = getattr(data, name)
            if not isinstance(rule_flag, bool):
                raise DomainError(f"{name} must be true or false", field=name)
            setattr(rule, name, rule_flag)
    _apply_locations(session, business, rule, data)
    check_rule(session, business, rule)


def _apply_locations(
    session: Session, business: Business, rule: NotificationRule, data: RuleChanges
) -> None:
    """R4.8: all locations, or the chosen ones. Choosing "all" again forgets the choice."""
    if data.all_locations is not UNSET:
        if not isinstance(data.all_locations, bool):
            raise DomainError("all_locations must be true or false", field="all_locations")
        rule.all_locations = data.all_locations
    if data.location_ids is not UNSET:
        ids = list(dict.fromkeys(data.location_ids or ()))
        rule.locations = [
            owned_row(session, business, Location, i, label="location", field="location_ids")
            for i in ids
        ]
    elif data.all_locations is True:
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


def _default_name(kind: RecordKind, notice: Notice, trigger: Trigger) -> str:
    words = notice.value.replace("_", " ")
    return f"{words[0].upper()}{words[1:]} ({kind}, {trigger.value.replace('_', ' ')})"
