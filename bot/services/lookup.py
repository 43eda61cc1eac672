"""Loading a row by id on behalf of one business.

Every service that takes an id from outside (API path, JSON body, CLI,
webhook context) loads it here, so "another business's row" and "no such
row" are the same 404, and an id no database column can hold is a 404 too
instead of an overflow deep in the driver.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy.orm import Session

from bot.models import Business
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
