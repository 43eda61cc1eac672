"""Loading a row by id on behalf of one business, and the rule that still uses something.

Every service that takes an id from outside (API path, JSON body, CLI,
webhook context) loads it here, so "another business's row" and "no such
row" are the same 404, and an id no database column can hold is a 404 too
instead of an overflow deep in the driver. `rule_using` finds the rule to
name when a status or template may not be deleted because a rule needs it.
`contains_pattern` is the LIKE pattern every search (inbox, customers) matches text
with, taking `%`, `_` and the escape character literally; `number_pattern` the one a
number in any notation matches stored E.164 numbers with.

`MAX_ROW_ID` is the largest row id: ids are `integer` (int4) columns on PostgreSQL,
so 2**31 - 1 is the widest every database we run on holds. The API's fields, the web
pages' `<id:…>` converter, `owned_row` and the rules' bulk change all use it.
"""

from __future__ import annotations

import re
from typing import TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from bot.errors import NotFound
from bot.models import Business, NotificationRule

Row = TypeVar("Row")

MAX_ROW_ID = 2**31 - 1
# The shortest run of digits a number search looks for: fewer would match nearly
# every stored number.
MIN_NUMBER_DIGITS = 3
_NUMBER_NOTATION = re.compile(r"[\d\s()+/.-]+")


def owned_row(
    session: Session, business: Business, model: type[Row], row_id: int, *, label: str, field: str
) -> Row:
    """The `model` row with `row_id` belonging to `business`; raises NotFound otherwise."""
    row = None
    if isinstance(row_id, int) and 0 < row_id <= MAX_ROW_ID:
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


def number_pattern(text: str) -> str | None:
    """A LIKE pattern matching stored numbers that contain the number `text` is written
    as ("0151 123", "(0151) 123-4", "+49 151"), or None when `text` is no number or
    too short to be one.

    Only digits count, and leading zeros go (a national "0151" finds "+49151…"). The
    length is checked after that, so "000" or "0 0 0" is no number rather than a
    pattern matching every phone."""
    if not _NUMBER_NOTATION.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text).lstrip("0")
    if len(digits) < MIN_NUMBER_DIGITS:
        return None
    return contains_pattern(digits)
