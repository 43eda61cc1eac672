"""The flask-smorest pieces every resource module builds on: `ReplyDeskApi`, which answers
and documents errors in our shape, and `resource_blueprint`, whose views require a bearer
key, take an `Idempotency-Key` on every POST, turn domain errors into 4xx and read request
bodies as bounded JSON only."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask_smorest import Api, Blueprint
from marshmallow import ValidationError
from sqlalchemy import Select
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from bot.api import idempotency, json_body
from bot.api.auth import authenticate
from bot.api.errors import (
    API_PREFIX,
    PARSED_BODY,
    ApiErrorSchema,
    domain_error_response,
    http_error_response,
)
from bot.api.fields import ListQuery
from bot.api.pages import read_page
from bot.errors import DomainError
from bot.extensions import db


class JsonBodyParser(FlaskParser):
    """webargs' Flask parser, refusing a request body that is not JSON.

    Query strings follow the schema's `unknown` setting (RAISE) instead of
    webargs' EXCLUDE, so a misspelt filter is an error rather than a silently
    unfiltered list.
    """

    DEFAULT_UNKNOWN_BY_LOCATION = {
        **FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION,
        "query": None,
        "querystring": None,
    }

    def _raw_load_json(self, req):
        if not is_json_request(req):
            if req.get_data(cache=True):
                abort(
                    415,
                    message="send the request body as JSON with 'Content-Type: application/json'",
                )
            return core.missing
        raw = req.get_data(cache=True)
        try:
            # UTF-8 strictly, as webargs decodes; its UnicodeDecodeError is a 400 there.
            data = json_body.loads(raw.decode("utf-8"))
        except json_body.JsonRefused as error:
            abort(400, exc=error, messages={"json": [error.problem]})
        path = _lone_surrogate_path(data)
        if path is not None:
            # JSON may escape a lone surrogate ("\\ud800"); UTF-8, and so the
            # database, cannot hold one.
            error: Any = ["must be valid Unicode text (it contains a lone surrogate)"]
            for key in reversed(path):
                error = {key: error}
            raise ValidationError(error)
        req.environ[PARSED_BODY] = data  # the error handler orders fields by it
        return data


def _lone_surrogate_path(value: Any, path: tuple = ()) -> tuple | None:
    """The path to the first string (or key) in `value` that UTF-8 cannot encode."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path
        return None
    if not isinstance(value, dict | list):
        return None
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        found = _lone_surrogate_path(key, path + (key,)) if isinstance(key, str) else None
        found = found or _lone_surrogate_path(item, path + (key,))
        if found is not None:
            return found
    return None


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint that parses strict JSON and documents the API's errors."""

    ARGUMENTS_PARSER = JsonBodyParser()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._prepare_doc_cbks.append(self._document_errors)
        self._prepare_doc_cbks.append(idempotency.document_key)

    @staticmethod
    def _document_errors(doc, doc_info, **kwargs):
        # Every operation can answer these; flask-smorest only documents 422 and "default".
        responses = doc.setdefault("responses", {})
        responses.setdefault(401, "UNAUTHORIZED")
        responses.setdefault(404, "NOT_FOUND")
        responses.setdefault(429, "TOO_MANY_REQUESTS")
        if "requestBody" in doc:
            responses.setdefault(400, "BAD_REQUEST")
            responses.setdefault(413, HTTPStatus(413).name)  # its name differs across Pythons
            responses.setdefault(415, "UNSUPPORTED_MEDIA_TYPE")
        if _pages_a_list(doc_info):
            responses.setdefault(400, "BAD_REQUEST")  # a bad cursor, an offset
        return doc


def _pages_a_list(doc_info: dict) -> bool:
    """Whether the operation reads a list's query (`ListQuery`: limit and cursor)."""
    for parameter in (doc_info.get("arguments") or {}).get("parameters", []):
        schema = parameter.get("schema") if isinstance(parameter, dict) else None
        if isinstance(schema, ListQuery) or (
            isinstance(schema, type) and issubclass(schema, ListQuery)
        ):
            return True
    return False


class ReplyDeskApi(Api):
    """flask-smorest's Api with the ReplyDesk error shape, in responses and in the document."""

    ERROR_SCHEMA = ApiErrorSchema

    def handle_http_exception(self, error):
        return http_error_response(error)


def resource_blueprint(name: str, import_name: str, path: str, description: str) -> ApiBlueprint:
    """A blueprint serving `API_PREFIX + path`, behind the bearer key, with domain errors as 4xx.

    Its requests count against the API's rate limits (`bot.api.limits`); its POSTs take an
    `Idempotency-Key` (`bot.api.idempotency`), checked once the key names the business.
    """
    from bot.api.limits import limit_requests

    bp = ApiBlueprint(name, import_name, url_prefix=API_PREFIX + path, description=description)
    limit_requests(bp)
    bp.before_request(authenticate)
    bp.before_request(idempotency.begin)
    bp.after_request(idempotency.finish)
    bp.teardown_request(idempotency.release)
    bp.register_error_handler(DomainError, domain_error_response)
    return bp


def where_equal(statement: Select, model, query: dict[str, Any], names: tuple[str, ...]) -> Select:
    """`statement` narrowed to rows whose columns equal the filters given in `query`."""
    for name in names:
        if name in query:
            statement = statement.where(getattr(model, name) == query[name])
    return statement


def list_response(statement: Select, query: dict[str, Any]) -> dict[str, Any]:
    """One page of `statement` as `{"items": [...], "next_cursor": ...}`: the `limit` rows
    after `cursor` in the statement's ORDER BY (`bot.api.pages`), which the view writes.

    Commits, as every view does once, so the key's `last_used_at` is kept.
    """
    page = read_page(db.session, statement, query)
    db.session.commit()
    return {"items": page.rows, "next_cursor": page.next_cursor}
