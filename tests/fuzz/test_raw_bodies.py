"""Bodies that break JSON parsers, on every operation that takes one.

Each payload of `HOSTILE_JSON_BODIES` (nesting 100 000 deep, 5 001-digit numbers,
NaN, invalid UTF-8, lone surrogates …) goes to every write operation of the
OpenAPI document with the test business's key. The answer must be a 4xx in the
error shape (an empty body may also succeed: it is read as "no fields"); an
exception escaping the app (a 500 in production) fails the test with the
operation and payload named.
"""

from __future__ import annotations

import re

import pytest

from tests.fuzz.inputs import HOSTILE_JSON_BODIES, MAY_SUCCEED
from tests.fuzz.openapi import document, write_operations
from tests.fuzz.shape import error_shape_problem

WRITE_OPERATIONS = write_operations(document())


def test_the_document_has_the_write_operations():
    assert len(WRITE_OPERATIONS) >= 20
    assert ("POST", "/api/v1/customers") in WRITE_OPERATIONS


@pytest.mark.parametrize("payload", list(HOSTILE_JSON_BODIES))
def test_hostile_body_gets_a_4xx_in_the_error_shape(payload, client, seeded):
    body = HOSTILE_JSON_BODIES[payload]
    headers = {"Authorization": f"Bearer {seeded.api_key}", "Content-Type": "application/json"}
    problems = []
    for method, template in WRITE_OPERATIONS:
        path = re.sub(r"\{[^}]+\}", "1", template)
        try:
            response = client.open(path, method=method, data=body, headers=headers)
        except Exception as error:  # what the app let escape: a 500 in production
            problems.append(f"{method} {template}: {type(error).__name__}: {str(error)[:120]}")
            continue
        if response.status_code >= 500 or (
            payload not in MAY_SUCCEED and not 400 <= response.status_code < 500
        ):
            problems.append(f"{method} {template}: {response.status_code}")
            continue
        problem = error_shape_problem(response.status_code, response.get_data())
        if problem is not None:
            problems.append(f"{method} {template}: {problem}")

    assert not problems, f"{payload}:\n" + "\n".join(problems)
