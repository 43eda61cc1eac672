"""The error-shape rule every fuzzed response is held to, as a plain function and as a
schemathesis check.

A 4xx answer from the API or a webhook must be JSON of the form
`{"error": {"code": str, "message": str, "field": str | null}}`; the fuzzers report
any other 4xx body (an HTML page from the server, a bare string, a missing key) as a
failure, next to the 5xx they look for first.
"""

from __future__ import annotations

import json
from typing import Any

import schemathesis

# Checks schemathesis would also run that do not fit this API, and why.
EXCLUDED_CHECKS = (
    # The schema gives types and bounds; the services add rules on top (a template
    # name must exist, a phone number must be dialable, a rule needs its template),
    # so schema-valid data is often rightly refused with a 4xx.
    "positive_data_acceptance",
    # A PATCH without a body, or with fields the schema marks as read-only, is read
    # as "change nothing" rather than refused; harmless, and no input reaches a 5xx.
    "negative_data_rejection",
)


def error_shape_problem(status: int, body: bytes | str) -> str | None:
    """What is wrong with a 4xx answer's body, or None when it has the error shape
    (or the status is not a 4xx)."""
    if not 400 <= status < 500:
        return None
    try:
        document: Any = json.loads(body)
    except ValueError:
        text = body if isinstance(body, str) else body.decode("utf-8", "replace")
        return f"{status} answer is not JSON: {text[:200]!r}"
    error = document.get("error") if isinstance(document, dict) else None
    if not isinstance(error, dict):
        return f"{status} answer has no 'error' object: {document!r:.200}"
    if not isinstance(error.get("code"), str) or not error["code"]:
        return f"{status} error has no 'code' string: {error!r:.200}"
    if not isinstance(error.get("message"), str) or not error["message"]:
        return f"{status} error has no 'message' string: {error!r:.200}"
    if "field" not in error or not (error["field"] is None or isinstance(error["field"], str)):
        return f"{status} error's 'field' is neither a string nor null: {error!r:.200}"
    return None


@schemathesis.check
def error_shape(ctx, response, case) -> bool | None:
    """Every 4xx body is `{"error": {"code", "message", "field"}}`."""
    problem = error_shape_problem(response.status_code, response.content)
    if problem is not None:
        raise AssertionError(problem)
    return None
