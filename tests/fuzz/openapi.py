"""The API's OpenAPI document for the fuzzers, read from an app that never connects.

The document depends only on the code, not on the database or Redis, so the
in-suite fuzzers read it at collection time from an app built with a database URL
it never opens; their requests go to each test's own app.
"""

from __future__ import annotations

from bot import create_app
from tests.support.settings import PUBLIC_BASE_URL

OPENAPI_PATH = "/api/v1/openapi.json"

DOCUMENT_APP = create_app(
    {
        "TESTING": True,
        "DATABASE_URL": "sqlite://",
        "SECRET_KEY": "openapi-only",
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SMS_TRANSPORT": "simulator",
        "EMAIL_TRANSPORT": "simulator",
    }
)


def document() -> dict:
    return DOCUMENT_APP.test_client().get(OPENAPI_PATH).get_json()


def operations(spec: dict) -> list[tuple[str, str, dict]]:
    """Every operation as (METHOD, path template, operation object), in document order."""
    return [
        (method.upper(), path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method != "parameters"
    ]


def write_operations(spec: dict) -> list[tuple[str, str]]:
    """(METHOD, path template) of every operation that takes a JSON body."""
    return [
        (method, path)
        for method, path, operation in operations(spec)
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
