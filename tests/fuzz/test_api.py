"""schemathesis over every operation of /api/v1/openapi.json, in-process (WSGI).

Each operation gets a few generated requests, valid and invalid (schemathesis's
examples, coverage and fuzzing phases), sent with a real API key of the test
business to the app on a fresh SQLite database. Every answer must be free of 5xx,
conform to the documented response schema, keep to the error shape when it is a
4xx (`tests.fuzz.shape`), and an operation must refuse a request without the key.
The run is derandomized with a fixed seed so CI sees the same requests every time;
`scripts/fuzz_stack.py` sends thousands more to the real processes.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings

from tests.fuzz.openapi import DOCUMENT_APP, OPENAPI_PATH, document, operations
from tests.fuzz.shape import EXCLUDED_CHECKS

EXAMPLES_PER_OPERATION = 6

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 20_260_801,
        "generation": {
            "max-examples": EXAMPLES_PER_OPERATION,
            "deterministic": True,
            "database": "none",
            # The key is sent as a header by the test; schemathesis does not invent keys.
            "with-security-parameters": False,
        },
        "checks": {name: {"enabled": False} for name in EXCLUDED_CHECKS},
    }
)
schema = schemathesis.openapi.from_wsgi(OPENAPI_PATH, DOCUMENT_APP, config=CONFIG)


def test_schemathesis_sees_every_operation_of_the_document():
    loaded = [result.ok() for result in schema.get_all_operations()]

    assert {operation.label for operation in loaded} == {
        f"{method} {path}" for method, path, _ in operations(document())
    }
    assert len(loaded) >= 40


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
def test_every_operation(case, app, seeded):
    case.call_and_validate(app=app, headers={"Authorization": f"Bearer {seeded.api_key}"})
