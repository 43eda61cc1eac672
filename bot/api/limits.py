"""The REST API's abuse limits, shared by every /api/v1 blueprint: requests per API key, and
requests answered 401 per address; a breach is a 429 in the API's error shape with
Retry-After."""

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


# One bucket across all /api/v1 resources, not one per endpoint: every request per bearer
# key (a request without one counts against its address), and the requests one address got
# a 401 for, so trying made-up keys is no way round the first limit.
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
