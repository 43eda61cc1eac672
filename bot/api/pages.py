"""Keyset pagination for the API's lists: a page is the rows after the cursor in the list's
own ORDER BY (the view writes it; the entity's id is added as the tie-breaker), and the
cursor is the last row's sort values, signed with the app's secret and bound to the list and
filters it came from, so a forged, garbled or borrowed cursor is a 400, never a 500."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app, request
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import ColumnElement, Select, and_, inspect, or_
from sqlalchemy.orm import Session
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression
from sqlalchemy.types import TypeDecorator, TypeEngine

from bot.errors import DomainError

_SALT = "replydesk.api.list-cursor"
# A real cursor is well under this; a longer one is not worth decoding.
MAX_CURSOR_LENGTH = 1000
_RESTART = "start again from the first page (without cursor)"


class InvalidCursor(DomainError):
    """A cursor this list did not hand out, or one from another list or other filters."""

    status = 400

    def __init__(self, message: str):
        super().__init__(message, code="invalid_cursor", field="cursor")


class OffsetRefused(DomainError):
    """`offset` on a list: lists page by cursor only."""

    status = 400

    def __init__(self):
        super().__init__(
            "offset is not accepted: lists page by cursor; pass the previous page's "
            "next_cursor as cursor (leave both out for the first page)",
            code="offset_not_supported",
            field="offset",
        )


@dataclass(frozen=True)
class SortKey:
    """One term of a list's order: ascending or descending, nulls after every value."""

    expression: ColumnElement
    descending: bool = False
    nulls_last: bool = False


@dataclass(frozen=True)
class Page:
    """The rows of one page and the cursor of the next (None on the last page)."""

    rows: list
    next_cursor: str | None


def read_page(session: Session, statement: Select, query: dict[str, Any]) -> Page:
    """The page of `statement` that `query`'s `limit` and `cursor` ask for.

    `statement` selects one entity and carries its ORDER BY; the entity's primary key is
    appended as the tie-breaker when the order does not end with it. Raises InvalidCursor.
    """
    keys = sort_keys(statement)
    statement = statement.order_by(None).order_by(*(_ordering(key) for key in keys))
    scope = _scope(keys, query)
    if query.get("cursor") is not None:
        values = _decode(query["cursor"], keys, scope)
        statement = statement.where(_after(keys, values))
    limit = query["limit"]
    found = session.execute(
        statement.add_columns(*(key.expression for key in keys)).limit(limit + 1)
    ).all()
    rows = [row[0] for row in found[:limit]]
    if len(found) <= limit:
        return Page(rows, None)
    last = found[limit - 1]
    return Page(rows, _encode(scope, [_plain(value) for value in last[1:]]))


def sort_keys(statement: Select) -> list[SortKey]:
    """`statement`'s ORDER BY as sort keys, ending with its entity's primary key."""
    # sqlakeyset reads the ORDER BY the same way: SQLAlchemy keeps it on the statement only.
    keys = [_sort_key(clause) for clause in statement._order_by_clauses]
    entity = statement.column_descriptions[0]["entity"]
    (identity,) = inspect(entity).primary_key
    if not keys or not _same_column(keys[-1].expression, identity):
        descending = keys[-1].descending if keys else False
        keys.append(SortKey(identity, descending))
    return keys


def _sort_key(clause: Any) -> SortKey:
    descending = nulls_last = False
    while isinstance(clause, UnaryExpression):
        if clause.modifier is operators.nulls_last_op:
            nulls_last = True
        elif clause.modifier is operators.desc_op:
            descending = True
        elif clause.modifier is not operators.asc_op:
            raise TypeError(f"cannot page by {clause}")
        clause = clause.element
    if getattr(clause, "nullable", False) and not (nulls_last and not descending):
        raise TypeError(f"order the nullable {clause} with .asc().nulls_last() to page by it")
    return SortKey(clause, descending, nulls_last)


def _same_column(expression: ColumnElement, column: ColumnElement) -> bool:
    table = getattr(expression, "table", None)
    return table is column.table and getattr(expression, "key", None) == column.key


def _ordering(key: SortKey):
    ordered = key.expression.desc() if key.descending else key.expression.asc()
    return ordered.nulls_last() if key.nulls_last else ordered


def _after(keys: Sequence[SortKey], values: Sequence[Any]):
    """Rows after the row whose sort values are `values`, in the order of `keys`."""
    key, value = keys[0], values[0]
    column = key.expression
    rest = _after(keys[1:], values[1:]) if len(keys) > 1 else None
    if value is None:  # a nulls-last key: the rest of the nulls, by the later keys (the id)
        return and_(column.is_(None), rest)
    beyond = column < value if key.descending else column > value
    if key.nulls_last:
        beyond = or_(beyond, column.is_(None))
    return beyond if rest is None else or_(beyond, and_(column == value, rest))


def _scope(keys: Sequence[SortKey], query: dict[str, Any]) -> str:
    """A digest naming the list (endpoint, path ids, order) and its filters."""
    filters = {name: value for name, value in query.items() if name not in ("limit", "cursor")}
    named = json.dumps(
        [
            request.endpoint,
            sorted((request.view_args or {}).items()),
            [f"{key.expression} {key.descending} {key.nulls_last}" for key in keys],
            sorted(filters.items()),
        ],
        default=str,
    )
    return hashlib.sha256(named.encode()).hexdigest()[:16]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _encode(scope: str, values: list) -> str:
    return _serializer().dumps({"s": scope, "k": values})


def _decode(cursor: str, keys: Sequence[SortKey], scope: str) -> list:
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise InvalidCursor(f"cursor is not one this list handed out; {_RESTART}")
    try:
        payload = _serializer().loads(cursor)
    except BadData as error:
        raise InvalidCursor(f"cursor is not one this list handed out; {_RESTART}") from error
    if not isinstance(payload, dict) or payload.get("s") != scope:
        raise InvalidCursor(
            f"cursor belongs to another list or to other filters; {_RESTART}, or repeat "
            "the filters of the page that gave it"
        )
    values = payload.get("k")
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidCursor(f"cursor is not one this list handed out; {_RESTART}")
    return [_value(key, value) for key, value in zip(keys, values, strict=True)]


def _value(key: SortKey, value: Any) -> Any:
    """A signed cursor's value, read back as the key's type (it was written by us)."""
    if value is None and key.nulls_last:
        return None
    kind = _python_type(key.expression.type)
    if issubclass(kind, datetime) and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
    elif issubclass(kind, str) and isinstance(value, str):
        return value
    elif kind is int and isinstance(value, int) and not isinstance(value, bool):
        return value
    elif kind is bool and isinstance(value, bool):
        return value
    raise InvalidCursor(f"cursor is not one this list handed out; {_RESTART}")


def _python_type(column_type: TypeEngine) -> type:
    """The Python type a column's values arrive as (a decorated type's: its base's)."""
    if isinstance(column_type, TypeDecorator):
        column_type = column_type.impl_instance
    try:
        return column_type.python_type
    except NotImplementedError:
        return str
