"""Changing several notification rules at once (R4.10): deleting them, pointing them at one
template or giving them one channel, all or nothing. Functions flush; the caller commits."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.errors import DomainError, NotFound
from bot.models import Business, NotificationRule
from bot.services.lookup import MAX_ROW_ID
from bot.services.rule_checks import check_audience_channel, checked_enum, checked_template_name
from bot.services.rules import delete_rule
from outbound.policy.vocabulary import ChannelChoice


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
    action = checked_enum(BulkAction, action, "action")
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
        name = checked_template_name(session, business, template_name)
        for rule in rules:
            rule.template_name = name
    else:
        if channel is None:
            raise DomainError("set_channel needs a channel", code="required", field="channel")
        choice = checked_enum(ChannelChoice, channel, "channel")
        for rule in rules:
            check_audience_channel(rule.audience, choice, rule)
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
