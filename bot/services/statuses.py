"""The statuses a business defines for its work orders and inquiries (R4.1, R4.2).

Appointments have fixed statuses (`AppointmentStatus`); orders and inquiries
use the business's own, each a lowercase slug `code` (what records and rules
store) with a `label` for people and a `position` for ordering. Once a kind
has any definition, records of that kind may only take a defined code
(`bot.services.records`) and rules may only trigger on one
(`bot.services.rules`). A code is never renamed, because records and rules
hold it; a definition still in use cannot be deleted. Functions flush; the
caller commits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.errors import Conflict, DomainError
from bot.models import (
    AppointmentStatus,
    Business,
    NotificationRule,
    Record,
    RecordKind,
    RecordStatusDefinition,
)
from bot.services.lookup import owned_row, rule_using

# The kinds whose statuses the business defines; appointments have fixed ones.
DEFINABLE_KINDS = (RecordKind.ORDER, RecordKind.INQUIRY)
CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:[_-][a-z0-9]+)*$")
CODE_MAX_LENGTH = 40  # the width of Record.status and NotificationRule.trigger_status
STATUS_FIELDS = ("kind", "code", "label", "position")
_KIND_WORDS = {RecordKind.ORDER: "work order", RecordKind.INQUIRY: "inquiry"}


def create_status(
    session: Session, business: Business, data: Mapping[str, Any]
) -> RecordStatusDefinition:
    """Define a status {kind, code, label, position?} for orders or inquiries.

    Without a position the status goes after the kind's last one. Raises
    DomainError naming the field, or Conflict (code duplicate_status) when the
    kind already has the code.
    """
    _check_fields(data, STATUS_FIELDS)
    kind = _definable_kind(data.get("kind"))
    code = checked_code(data.get("code"))
    taken = session.scalar(
        select(RecordStatusDefinition.id).where(
            RecordStatusDefinition.business_id == business.id,
            RecordStatusDefinition.kind == kind,
            RecordStatusDefinition.code == code,
        )
    )
    if taken is not None:
        raise Conflict(
            f"{_KIND_WORDS[kind]}s already have the status {code!r} (status {taken})",
            code="duplicate_status",
            field="code",
        )
    position = data.get("position")
    if position is None:
        last = session.scalar(
            select(func.max(RecordStatusDefinition.position)).where(
                RecordStatusDefinition.business_id == business.id,
                RecordStatusDefinition.kind == kind,
            )
        )
        position = 0 if last is None else last + 1
    definition = RecordStatusDefinition(
        business_id=business.id,
        kind=kind,
        code=code,
        label=_label(data.get("label")),
        position=_position(position),
    )
    session.add(definition)
    session.flush()
    return definition


def update_status(
    session: Session,
    business: Business,
    definition: RecordStatusDefinition,
    changes: Mapping[str, Any],
) -> RecordStatusDefinition:
    """Change a status's label or position; its kind and code are fixed once made."""
    _check_fields(changes, ("label", "position"))
    if "label" in changes:
        definition.label = _label(changes["label"])
    if "position" in changes:
        definition.position = _position(changes["position"])
    session.flush()
    return definition


def delete_status(session: Session, business: Business, definition: RecordStatusDefinition) -> None:
    """Delete a status nobody uses. Raises Conflict (code status_in_use) naming who still
    does: records of its kind with the code (params records, kind), or a rule triggering
    on it (params rule, its name)."""
    kind_word = _KIND_WORDS.get(definition.kind, definition.kind)
    records = session.scalar(
        select(func.count(Record.id)).where(
            Record.business_id == business.id,
            Record.kind == definition.kind,
            Record.status == definition.code,
        )
    )
    if records:
        raise Conflict(
            f"{records} {kind_word} record(s) still have the status {definition.code!r}; "
            "give them another status first",
            code="status_in_use",
            field="code",
            params={"records": records, "kind": definition.kind},
        )
    rule = rule_using(
        session,
        business,
        (NotificationRule.kind == definition.kind)
        & (NotificationRule.trigger_status == definition.code),
    )
    if rule is not None:
        raise Conflict(
            f"rule {rule.id} ({rule.name!r}) triggers on the status {definition.code!r}; "
            "change or delete the rule first",
            code="status_in_use",
            field="code",
            params={"rule": rule.name},
        )
    session.delete(definition)
    session.flush()


def get_status(session: Session, business: Business, status_id: int) -> RecordStatusDefinition:
    """The business's status definition `status_id`; NotFound (field status_id) otherwise."""
    return owned_row(
        session, business, RecordStatusDefinition, status_id, label="status", field="status_id"
    )


def status_codes(session: Session, business: Business, kind: str) -> list[str]:
    """The codes a record of `kind` may have, in order.

    Appointments: every `AppointmentStatus`. Orders and inquiries: the
    business's definitions, or an empty list when it has defined none (then
    any code is accepted, as records accept it).
    """
    if kind == RecordKind.APPOINTMENT:
        return [status.value for status in AppointmentStatus]
    return [definition.code for definition in list_statuses(session, business, kind)]


def list_statuses(
    session: Session, business: Business, kind: str | None = None
) -> list[RecordStatusDefinition]:
    """The business's status definitions (of `kind`, or of every kind), in their order:
    one query, so a page reads them once and words every record's status from them."""
    query = select(RecordStatusDefinition).where(RecordStatusDefinition.business_id == business.id)
    if kind is not None:
        query = query.where(RecordStatusDefinition.kind == kind)
    order = (RecordStatusDefinition.position, RecordStatusDefinition.id)
    return list(session.scalars(query.order_by(*order)))


def checked_code(value: Any) -> str:
    """`value` as a status code: a lowercase slug of at most 40 characters."""
    code = value.strip() if isinstance(value, str) else ""
    if not code:
        raise DomainError("a status needs a code", code="required", field="code")
    if len(code) > CODE_MAX_LENGTH or not CODE_PATTERN.match(code):
        raise DomainError(
            f"the code {code!r} must be a lowercase slug of at most {CODE_MAX_LENGTH} "
            'characters: letters a-z, digits, and single "_" or "-" between them, '
            'e.g. "ready_for_pickup"',
            field="code",
        )
    return code


def _definable_kind(value: Any) -> RecordKind:
    if value in DEFINABLE_KINDS:
        return RecordKind(value)
    if value == RecordKind.APPOINTMENT:
        raise DomainError(
            "appointments have fixed statuses; define statuses for orders or inquiries",
            field="kind",
        )
    raise DomainError("kind must be order or inquiry", code="required", field="kind")


def _label(value: Any) -> str:
    label = value.strip() if isinstance(value, str) else ""
    if not label:
        raise DomainError("a status needs a label", code="required", field="label")
    if len(label) > 200:
        raise DomainError("the label may have at most 200 characters", field="label")
    return label


def _position(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000:
        raise DomainError("position must be a whole number from 0 to 10000", field="position")
    return value


def _check_fields(data: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for field in data:
        if field not in allowed:
            raise DomainError(f"unknown field {field!r}", field=field)
