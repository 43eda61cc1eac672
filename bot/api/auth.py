"""Bearer API keys: which business an API request is scoped to. Each resource blueprint runs
`authenticate` before its views, which then pass `current_business()` to the services; no
key, an unknown one or a revoked one is a 401."""

from __future__ import annotations

from flask import g, request

from bot.api.errors import Unauthorized
from bot.extensions import db
from bot.models import Business
from bot.services.businesses import business_for_api_key

_LOOKED_UP = "replydesk.bearer_business"
SECURITY_SCHEME = "bearerAuth"
SECURITY_SCHEME_SPEC = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key from `flask --app bot create-business` or the settings page.",
}


def bearer_business() -> Business | None:
    """The business of the request's bearer key, or None (no key, unknown, revoked).

    Looked up once per request: the rate limiter asks first, then `authenticate`.
    Kept in the WSGI environ, which belongs to this request alone (`g` lives as
    long as the app context, which a test may keep across requests).
    """
    if _LOOKED_UP not in request.environ:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        key = key.strip()
        valid = scheme.lower() == "bearer" and key
        request.environ[_LOOKED_UP] = business_for_api_key(db.session, key) if valid else None
    return request.environ[_LOOKED_UP]


def authenticate() -> None:
    """Resolve the `Authorization: Bearer <key>` header to a business, or raise Unauthorized."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized("send your API key in the header 'Authorization: Bearer <key>'")
    business = bearer_business()
    if business is None:
        raise Unauthorized("this API key is unknown or has been revoked")
    g.api_business = business


def current_business() -> Business:
    """The business whose key authenticated this request."""
    return g.api_business
