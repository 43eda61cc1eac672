"""The REST API under /api/v1: `init_app` registers one flask-smorest blueprint per resource
and serves the OpenAPI document, generated from the same marshmallow schemas that validate
the requests, at /api/v1/openapi.json."""

from __future__ import annotations

from flask import Flask

from bot.api.auth import SECURITY_SCHEME, SECURITY_SCHEME_SPEC
from bot.api.base import ReplyDeskApi
from bot.api.errors import API_PREFIX
from bot.api.idempotency import (
    HEADER_COMPONENT,
    PARAMETER_COMPONENT,
    PARAMETER_SPEC,
    REPLAYED_HEADER_SPEC,
)
from bot.extensions import csrf

API_DESCRIPTION = """\
ReplyDesk keeps a business in conversation with its customers about their
appointments, work orders and inquiries. Send `Authorization: Bearer <api key>`
with every request. Errors answer `{"error": {"code", "message", "field"}}`
with a 4xx status. Datetimes are ISO 8601 with a UTC offset. Every POST takes an
optional `Idempotency-Key` header that makes it safe to retry.
"""


def init_app(app: Flask) -> None:
    """Register the API's blueprints, error handling and OpenAPI document on `app`."""
    from bot.api import (
        business,
        catalogue,
        conversations,
        customers,
        messages,
        notifications,
        records,
        rules,
        statuses,
        templates,
        usage,
        webhook_endpoints,
    )

    app.config.setdefault("API_TITLE", "ReplyDesk")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": API_DESCRIPTION},
            "servers": [{"url": app.config.get("PUBLIC_BASE_URL") or "/"}],
            "security": [{SECURITY_SCHEME: []}],
        },
    )
    api = ReplyDeskApi(app)
    api.spec.components.security_scheme(SECURITY_SCHEME, SECURITY_SCHEME_SPEC)
    api.spec.components.parameter(PARAMETER_COMPONENT, "header", PARAMETER_SPEC)
    api.spec.components.header(HEADER_COMPONENT, REPLAYED_HEADER_SPEC)
    blueprints = (
        business.bp,
        catalogue.locations_bp,
        catalogue.staff_bp,
        catalogue.services_bp,
        customers.bp,
        records.bp,
        rules.bp,
        statuses.bp,
        templates.bp,
        messages.bp,
        conversations.bp,
        notifications.bp,
        usage.bp,
        webhook_endpoints.bp,
    )
    for bp in blueprints:
        api.register_blueprint(bp)
        csrf.exempt(bp)  # bearer keys, not cookies: nothing for CSRF to ride on
    app.extensions["replydesk_api"] = api
