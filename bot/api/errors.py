"""The one error shape of the REST API and the handlers that produce it.

Every failure under /api/v1 answers `{"error": {"code", "message", "field"}}`:
webargs' validation errors (reshaped so `field` names the first failing
field), malformed JSON or JSON beyond the bounds of `bot.api.json_body`, a body
over MAX_CONTENT_LENGTH (413), the domain's `DomainError`/`NotFound`/`Conflict`,
unknown routes, wrong methods and a missing or bad API key. Whatever the
request changed in the session is rolled back first. Requests outside the API
keep Flask's own error pages, which flask-smorest would otherwise replace
app-wide.
"""

from __future__ import annotations

import json
from typing import Any

import marshmallow as ma
from flask import request
from werkzeug.exceptions import HTTPException

from bot.api.json_body import JsonRefused
from bot.errors import DomainError
from bot.extensions import db

API_PREFIX = "/api/v1"
# Where the API's body parser leaves the JSON body it parsed, for this request only.
PARSED_BODY = "replydesk.parsed_json_body"

# webargs/marshmallow message -> our machine-readable code.
_CODES_BY_MESSAGE = {
    "Unknown field.": "unknown_field",
    "Missing data for required field.": "required",
    "Field may not be null.": "null",
}

_CODES_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
}


class Unauthorized(DomainError):
    """No API key, or one that is unknown or revoked."""

    status = 401

    def __init__(self, message: str):
        super().__init__(message, code="unauthorized")


class ErrorDetailSchema(ma.Schema):
    code = ma.fields.String(required=True, metadata={"description": "Machine-readable reason."})
    message = ma.fields.String(required=True, metadata={"description": "What went wrong."})
    field = ma.fields.String(
        allow_none=True,
        metadata={"description": "The request field at fault (dotted for nested ones), if any."},
    )
    details = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.List(ma.fields.String()),
        metadata={"description": "Validation errors only: every failing field and its messages."},
    )


class ApiErrorSchema(ma.Schema):
    error = ma.fields.Nested(ErrorDetailSchema, required=True)


def is_api_request() -> bool:
    """Whether the current request is addressed to the REST API."""
    return request.path == API_PREFIX or request.path.startswith(API_PREFIX + "/")


def error_body(code: str, message: str, field: str | None = None, **extra: Any) -> dict:
    """The API's error object: `{"error": {"code", "message", "field", ...extra}}`."""
    return {"error": {"code": code, "message": message, "field": field, **extra}}


def domain_error_response(error: DomainError):
    """Blueprint handler: a service refused the input; answer with its status and words."""
    db.session.rollback()
    headers = {"WWW-Authenticate": 'Bearer realm="ReplyDesk"'} if error.status == 401 else {}
    return error_body(error.code, error.message, error.field), error.status, headers


def http_error_response(error: HTTPException):
    """Answer an HTTP error under /api/v1 in the API's shape; leave other paths to Flask."""
    if not is_api_request():
        return error
    db.session.rollback()
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    headers = {
        name: value
        for name, value in error.get_headers()
        if name.lower() not in ("content-type", "content-length")
    }
    headers.update(data.get("headers") or {})

    exc = getattr(error, "exc", None)
    if status == 400 and isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        message = f"the request body is not valid JSON ({_json_problem(exc)})"
        return error_body("invalid_json", message), 400, headers
    if status == 400 and isinstance(exc, JsonRefused):
        message = f"the request body's JSON is refused: {exc.problem}"
        return error_body("invalid_json", message), 400, headers
    if isinstance(exc, ma.ValidationError) and "messages" in data:
        return _validation_error(data["messages"]), status, headers
    if status >= 500:
        message = "something went wrong on our side; the error has been logged"
        return error_body("internal_error", message), status, headers
    message = data.get("message") or _plain_description(error)
    return error_body(_CODES_BY_STATUS.get(status, "error"), message), status, headers


def _validation_error(messages: dict) -> dict:
    """Reshape webargs' `{location: {field: [message]}}` into the error shape.

    The first failing field is the first in the order the client wrote them;
    fields the client left out (missing required ones) come after, in schema order.
    """
    flat = _in_request_order(dict(_flatten(_without_location(messages))))
    path, texts = next(iter(flat.items()))
    text = texts[0]
    code = _CODES_BY_MESSAGE.get(text, "invalid")
    if path is None:
        if text == "Invalid input type.":
            text = "the request must be a JSON object"
        return error_body(code, text, None)
    return error_body(
        code,
        f"{path}: {text}",
        path,
        details={key: value for key, value in flat.items() if key is not None},
    )


def _without_location(messages: dict) -> dict | list:
    """Drop webargs' location level ("json", "query"): clients name fields, not locations."""
    if len(messages) == 1:
        return next(iter(messages.values()))
    merged: dict = {}
    for part in messages.values():
        if isinstance(part, dict):
            merged.update(part)
    return merged


def _in_request_order(flat: dict) -> dict:
    # The body webargs parsed, not a second parse of a body that may be 1 MiB.
    body = request.environ.get(PARSED_BODY)
    written: dict[str, int] = {}
    for name in [*(body if isinstance(body, dict) else ()), *request.args]:
        written.setdefault(name, len(written))

    def position(path: str | None) -> int:
        # A dict, not list.index: a body of 50 000 unknown fields must not cost n².
        return written.get((path or "").split(".")[0], len(written))

    return dict(sorted(flat.items(), key=lambda item: position(item[0])))


def _flatten(node: Any, path: str | None = None):
    """Yield (dotted field path or None, [messages]) for every leaf, in the order given."""
    if isinstance(node, list):
        if all(isinstance(item, str) for item in node):
            yield path, node
            return
        for item in node:
            yield from _flatten(item, path)
        return
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_schema":
                yield from _flatten(value, path)
            else:
                yield from _flatten(value, f"{path}.{key}" if path else str(key))
        return
    yield path, [str(node)]


def _json_problem(exc: json.JSONDecodeError | UnicodeDecodeError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at line {exc.lineno} column {exc.colno}"
    return "it is not UTF-8"


def _plain_description(error: HTTPException) -> str:
    if error.code == 404:
        return f"there is no {request.path} in this API"
    if error.code == 405:
        return f"{request.method} is not allowed on {request.path}"
    return (error.description or error.name).strip()
