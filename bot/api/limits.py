"""The REST API's abuse limits: requests per API key, and bad keys per address.

Every /api/v1 resource blueprint shares two Flask-Limiter limits (one bucket
across all resources, not one per endpoint). RATELIMIT_API_PER_KEY counts every
request per bearer key — the key is known only by a hash, and a request without
one counts against its address. RATELIMIT_API_BAD_KEY_PER_ADDRESS counts the
requests one address answered with 401 (no key, an unknown or a revoked one), so
trying made-up keys is not a way round the first limit; a request with a valid
key is exempt from it, so a broken integration or strangers behind the same
address never hold a working key up. The key is looked up once per request
(`bot.api.auth.bearer_business`) for the limiter and the view alike. A breach is
a 429 in the API's error shape (code "rate_limited") with Retry-After and the
X-RateLimit-* headers.
"""

from __future__ import annotations

import hashlib

from flask import current_app, request
from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from bot.api.auth import bearer_business
from bot.extensions import limiter


def _key() -> str:
    """A hash of the bearer key (never the key itself), else the caller's address."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() == "bearer" and key:
        return "key:" + hashlib.sha256(key.encode("utf-8", "replace")).hexdigest()[:32]
    return "address:" + get_remote_address()


def _address() -> str:
    return "address:" + get_remote_address()


def _per_key() -> str:
    return current_app.config["RATELIMIT_API_PER_KEY"]


def _bad_keys_per_address() -> str:
    return current_app.config["RATELIMIT_API_BAD_KEY_PER_ADDRESS"]


def _per_key_message() -> str:
    return (
        f"too many requests with this API key (at most {_per_key()}); "
        "try again after the seconds in the Retry-After header"
    )


def _bad_keys_message() -> str:
    return (
        f"too many requests without a valid API key from this address (at most "
        f"{_bad_keys_per_address()}); try again after the seconds in the Retry-After header"
    )


_per_key_limit = limiter.shared_limit(
    _per_key, scope="api", key_func=_key, error_message=_per_key_message
)
_bad_key_limit = limiter.shared_limit(
    _bad_keys_per_address,
    scope="api-bad-key",
    key_func=_address,
    deduct_when=lambda response: response.status_code == 401,
    # A valid key is never held up by the bad ones tried from its address (a
    # broken integration, or strangers behind the same NAT).
    exempt_when=lambda: bearer_business() is not None,
    error_message=_bad_keys_message,
)


def limit_requests(bp: Blueprint) -> None:
    """Put `bp`'s views under the API's shared limits."""
    _per_key_limit(bp)
    _bad_key_limit(bp)
