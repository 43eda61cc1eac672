"""The field types and base schemas every API schema is built from: strict booleans,
integers and datetimes the database and the time arithmetic can hold, and `Line` for
one-line text, so nothing malformed passes the boundary and every refusal names its field."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import time
from typing import Any

import marshmallow as ma
from marshmallow import fields, pre_load
from marshmallow.validate import Length, Range

from bot.api.pages import OffsetRefused
from bot.safe_values import (
    email_address_problem,
    line_problem,
    mailbox_problem,
    web_address_problem,
)
from bot.services.lookup import MAX_ROW_ID

# Ids and counts stay inside a signed 32-bit integer, which every database
# supported holds; a larger number from a client is an error, not an overflow.
# `MAX_ID` is the API modules' name for the services' one limit.
MAX_ID = MAX_ROW_ID
# Far enough for any booking, near enough that adding a duration or converting
# between zones never leaves Python's datetime range.
EARLIEST_YEAR = 1970
LATEST_YEAR = 2199

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class StrictBoolean(fields.Boolean):
    """A JSON `true` or `false`; the strings and numbers marshmallow would accept are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is True or value is False:
            return value
        raise self.make_error("invalid", input=value)


class Text(fields.String):
    """A string without NUL characters (PostgreSQL refuses them in text columns)."""

    default_error_messages = {"nul": "must not contain NUL characters"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if "\x00" in text:
            raise self.make_error("nul")
        return text


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 datetime with a UTC offset, inside the years the service can store."""

    default_error_messages = {
        "invalid_awareness": "needs a UTC offset, e.g. 2026-05-04T14:00:00+02:00",
        "invalid": "is not a valid ISO 8601 datetime, e.g. 2026-05-04T14:00:00+02:00",
        "out_of_range": f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            raise self.make_error("out_of_range")
        return moment


class ClockTime(fields.String):
    """A time of day written "HH:MM" (24-hour clock), as on an opening-hours sign."""

    default_error_messages = {"invalid": 'must be a time of day written "HH:MM", e.g. "09:30"'}

    def __init__(self, **kwargs: Any):
        metadata = {"pattern": _CLOCK.pattern, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: time | None, attr, obj, **kwargs):
        return None if value is None else value.strftime("%H:%M")

    def _deserialize(self, value, attr, data, **kwargs):
        match = _CLOCK.match(value) if isinstance(value, str) else None
        if match is None:
            raise self.make_error("invalid")
        return time(int(match.group(1)), int(match.group(2)))


class Line(Text):
    """One line of text: no line break, control character or invisible format character.

    Refused rather than stripped: a name with a CR LF in it is an attempt to add
    an email header, and silently changing what the client sent hides that."""

    default_error_messages = {"line": "{problem}"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = line_problem(text)
        if problem is not None:
            raise self.make_error("line", problem=problem)
        return text


class Mailbox(Line):
    """Exactly one email address, optionally with a display name: `Salon <mail@salon.de>`."""

    default_error_messages = {"mailbox": "{problem}"}

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = mailbox_problem(text)
        if problem is not None:
            raise self.make_error("mailbox", problem=problem)
        return text


class EmailAddress(Line):
    """A bare email address (`mail@salon.de`) on one line."""

    default_error_messages = {"email": "{problem}"}

    def __init__(self, **kwargs: Any):
        metadata = {"format": "email", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = email_address_problem(text)
        if problem is not None:
            raise self.make_error("email", problem=problem)
        return text


class WebAddress(Line):
    """An http(s) URL naming a host. Which hosts are allowed is the domain's call:
    a link shown to customers and a URL the server calls follow different rules
    (`bot.safe_values`)."""

    default_error_messages = {"url": "must be an http(s) URL; {problem}"}

    def __init__(self, **kwargs: Any):
        metadata = {"format": "uri", **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = web_address_problem(text)
        if problem is not None:
            raise self.make_error("url", problem=problem)
        return text


def Id(*, strict: bool = True, **kwargs: Any) -> fields.Integer:
    """A row id from 1 to MAX_ID; strict (a JSON integer) unless read from a query string."""
    return fields.Integer(strict=strict, validate=Range(1, MAX_ID), **kwargs)


def Count(low: int, high: int, **kwargs: Any) -> fields.Integer:
    """A strict JSON integer between `low` and `high` inclusive."""
    return fields.Integer(strict=True, validate=Range(low, high), **kwargs)


def DomainCount(low: int, high: int, **kwargs: Any) -> fields.Integer:
    """A strict JSON integer whose range, `low` to `high`, the service checks (for the
    pages as well); the schema only publishes it as OpenAPI's minimum and maximum."""
    metadata = {"minimum": low, "maximum": high, **kwargs.pop("metadata", {})}
    return fields.Integer(strict=True, metadata=metadata, **kwargs)


def DomainChoice(choices: Iterable[str], **kwargs: Any) -> Line:
    """One of `choices`, which the service checks (naming the allowed ones, for the pages
    as well); the schema only publishes them as OpenAPI's enum."""
    metadata = {"enum": list(choices), **kwargs.pop("metadata", {})}
    return Line(metadata=metadata, **kwargs)


def DomainLine(low: int, high: int, **kwargs: Any) -> Line:
    """One line whose length, `low` to `high` characters, the service checks; the schema
    only publishes it as OpenAPI's minLength and maxLength."""
    metadata = {"minLength": low, "maxLength": high, **kwargs.pop("metadata", {})}
    return Line(metadata=metadata, **kwargs)


def ShortText(**kwargs: Any) -> Line:
    """One line that fits a 200-character column (names, titles, ids from other systems)."""
    return Line(validate=Length(max=200), **kwargs)


class InputSchema(ma.Schema):
    """A request body: unknown fields are refused, "" in a nullable field means null."""

    class Meta:
        unknown = ma.RAISE

    @pre_load
    def _blank_is_null(self, data, **kwargs):
        if not isinstance(data, dict):
            return data  # marshmallow reports the wrong type itself
        nullable = {
            field.data_key or name: isinstance(field, Line)
            for name, field in self.fields.items()
            if field.allow_none and not field.dump_only
        }
        return {key: None if _blank(value, nullable, key) else value for key, value in data.items()}


def _blank(value: Any, nullable: dict[str, bool], key: str) -> bool:
    """Whether `value` is a blank for the nullable field `key`. For a one-line field
    only spaces are blank: a lone line break is refused like any other, not cleared."""
    if key not in nullable or not isinstance(value, str) or value.strip():
        return False
    return not nullable[key] or line_problem(value) is None


class ListQuery(ma.Schema):
    """Query parameters every list shares: `limit` rows after `cursor` (`bot.api.pages`)."""

    class Meta:
        unknown = ma.RAISE

    limit = fields.Integer(
        load_default=100,
        validate=Range(1, 500),
        metadata={"description": "How many items to return (1–500)."},
    )
    cursor = fields.String(
        metadata={
            "description": "Where the page starts: the `next_cursor` of the page before, with "
            "the same filters. Leave it out for the first page. Opaque: a cursor this list "
            "did not hand out, or one from another list or other filters, is a 400."
        }
    )

    @ma.pre_load
    def _refuse_offset(self, data: Any, **kwargs: Any) -> Any:
        # Skipping rows by count shifts under a reader when rows are added; lists page by
        # cursor only, and an offset silently ignored would page wrongly, so refuse it.
        if "offset" in getattr(data, "keys", lambda: ())():
            raise OffsetRefused()
        return data

    @ma.pre_load
    def _one_line_filters(self, data: Any, **kwargs: Any) -> Any:
        # A filter is compared with stored text: a NUL or a line break matches
        # nothing (and PostgreSQL cannot compare a NUL), so refuse it by name.
        for name, value in getattr(data, "items", lambda: ())():
            problem = line_problem(value) if isinstance(value, str) else None
            if problem is not None:
                raise ma.ValidationError({name: [problem]})
        return data


def items_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A `{"items": [...], "next_cursor": ...}` page around `item`, named for the OpenAPI
    document."""
    return type(
        name,
        (ma.Schema,),
        {
            "items": fields.List(fields.Nested(item), required=True),
            "next_cursor": fields.String(
                required=True,
                allow_none=True,
                metadata={
                    "description": "Pass it as `cursor` (with the same filters) for the next "
                    "page; null on the last page."
                },
            ),
        },
    )
