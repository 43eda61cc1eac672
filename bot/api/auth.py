"""Bearer API keys: who is calling, and which business every API request is scoped to.

Each resource blueprint runs `authenticate` before its views. A key is looked
up by its hash (`bot.services.businesses.business_for_api_key`); no key, an
unknown one or a revoked one is a 401. Views then read `current_business()`
and pass it to the services, which only ever see that business's rows.
"""

from __future__ import annotations

from flask import g, request

from bot.api.errors import Unauthorized
from bot.extensions import db
from bot.models import Business
from bot.services.businesses import business_for_api_key

SECURITY_SCHEME = "bearerAuth"
SECURITY_SCHEME_SPEC = {
    "type": "http",
    "scheme": "bearer",
    "description": "An API key from `flask --app bot create-business` or the settings page.",
}


def authenticate() -> None:
    """Resolve the `Authorization: Bearer <key>` header to a business, or raise Unauthorized."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise Unauthorized("send your API key in the header 'Authorization: Bearer <key>'")
    business = business_for_api_key(db.session, key)
    if business is None:
        raise Unauthorized("this API key is unknown or has been revoked")
    g.api_business = business


def current_business() -> Business:
    """The business whose key authenticated this request."""
    return g.api_business
