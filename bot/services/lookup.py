"""Loading a row by id on behalf of one business, and the rule that still uses something.

Every service that takes an id from outside (API path, JSON body, CLI,
webhook context) loads it here, so "another business's row" and "no such
row" are the same 404, and an id no database column can hold is a 404 too
instead of an overflow deep in the driver. `rule_using` finds the rule to
name when a status or template may not be deleted because a rule needs it.
`contains_pattern` is the LIKE pattern every search (inbox, customers) matches text
with, taking `%`, `_` and the escape character literally.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.models import Business, NotificationRule
from bot.services.errors import NotFound

Row = TypeVar("Row")

LARGEST_ID = 2**63 - 1


def owned_row(
    session: Session, business: Business, model: type[Row], row_id: int, *, label: str, field: str
) -> Row:
    """The `model` row with `row_id` belonging to `business`; raises NotFound otherwise."""
    row = None
    if isinstance(row_id, int) and 0 < row_id <= LARGEST_ID:
        row = session.get(model, row_id)
    if row is None or row.business_id != business.id:
        raise NotFound(f"{label} {row_id} does not exist", field=field)
    return row


def rule_using(
    session: Session, business: Business, condition: ColumnElement[bool]
) -> NotificationRule | None:
    """The business's oldest notification rule meeting `condition`, or None."""
    return session.scalar(
        select(NotificationRule)
        .where(NotificationRule.business_id == business.id, condition)
        .order_by(NotificationRule.id)
        .limit(1)
    )


def contains_pattern(text: str) -> str:
    """A LIKE pattern for "contains `text`" with `%`, `_` and the escape taken literally
    (match it with `escape="\\"`)."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
