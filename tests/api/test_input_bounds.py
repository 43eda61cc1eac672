"""Request bodies are bounded at the edge: size, JSON nesting, number length.

Every write operation of the OpenAPI document that takes a body gets each
hostile body and answers a 400 in the error shape (never a traceback), stores
nothing, and the next request is answered as usual.
"""

from __future__ import annotations

import json

import pytest
from flask import request
from sqlalchemy import func, select

from tests.support.api import assert_error
from tests.support.webhooks import MESSAGES_PATH, inbound_form, sign

DEEP = '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}"
HOSTILE_BODIES = {
    "nested 100 000 deep": (DEEP, "nested deeper than 32 levels"),
    "33 objects deep": ('{"a":' * 33 + "1" + "}" * 33, "nested deeper than 32 levels"),
    "unclosed brackets": ("[" * 50_000, "nested deeper than 32 levels"),
    "5 001-digit integer": ('{"name": ' + "9" * 5001 + "}", "a number longer than 20 digits"),
    "21-digit integer": ('{"name": -' + "1" * 21 + "}", "a number longer than 20 digits"),
    "long float": ('{"name": 0.' + "1" * 400 + "}", "a number longer than 20 digits"),
    "float beyond double": ('{"name": 1e400}', "a number too large for a float (1e400)"),
    "NaN": ('{"name": NaN}', "NaN, which is not a JSON number"),
    "-Infinity": ('{"name": -Infinity}', "-Infinity, which is not a JSON number"),
}


@pytest.fixture
def write_operations(client) -> list[tuple[str, str]]:
    """(method, path under /api/v1) of every documented write operation with a body;
    path parameters get an id, as the body is read before the row is looked up."""
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        (method, path.removeprefix("/api/v1").replace("{", "").replace("}", ""))
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
        if method in ("post", "put", "patch", "delete") and "requestBody" in operation
    ]
    assert len(operations) >= 20  # the issue counted 20
    return [(method, _with_ids(path)) for method, path in operations]


def _with_ids(path: str) -> str:
    return "/".join("1" if part.endswith("id") else part for part in path.split("/"))


def row_counts(db) -> dict[str, int]:
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


@pytest.mark.parametrize("name", list(HOSTILE_BODIES))
def test_every_write_operation_refuses_the_body_with_a_400(db, api, write_operations, name):
    body, problem = HOSTILE_BODIES[name]
    before = row_counts(db)
    for method, path in write_operations:
        response = getattr(api, method)(path, data=body, content_type="application/json")
        error = assert_error(response, 400, code="invalid_json")
        assert error["message"] == f"the request body's JSON is refused: {problem}", path
    assert row_counts(db) == before
    assert api.post("/customers", json={"name": "Jane"}).status_code == 201
    assert api.get("/customers").status_code == 200


def test_32_levels_are_read_and_judged_by_the_schema(api):
    nested = '{"name": "Jane", "notes": ' + "[" * 31 + "]" * 31 + "}"
    response = api.post("/customers", data=nested, content_type="application/json")

    assert_error(response, 422, field="notes")


def test_brackets_and_digits_inside_strings_are_text(db, api):
    name = "[" * 40 + "9" * 30
    response = api.post("/customers", json={"name": name})

    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["name"] == name


def test_a_20_digit_number_reaches_the_schema(api):
    response = api.post(
        "/customers", data='{"name": 12345678901234567890}', content_type="application/json"
    )

    assert_error(response, 422, field="name")


def test_a_malformed_document_still_says_where(api):
    response = api.post("/customers", data='{"name": [}', content_type="application/json")

    error = assert_error(response, 400, code="invalid_json")
    assert "not valid JSON" in error["message"] and "column" in error["message"]


def test_flask_get_json_reads_with_the_same_bounds(app):
    # The error handlers call request.get_json(silent=True); silent only covers ValueError.
    for body, _ in HOSTILE_BODIES.values():
        with app.test_request_context(
            "/api/v1/customers", data=body, content_type="application/json"
        ):
            assert request.get_json(silent=True) is None
    with app.test_request_context("/", json={"a": [[1]]}):
        assert request.get_json() == {"a": [[1]]}


# --- the body's size ---------------------------------------------------------------


def test_a_body_over_the_limit_is_413_in_the_shape(db, app, api):
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({"name": "J" * limit})
    before = row_counts(db)

    response = api.post("/customers", data=body, content_type="application/json")

    error = assert_error(response, 413, code="too_large")
    assert str(limit) in error["message"]
    assert row_counts(db) == before
    assert api.post("/customers", json={"name": "Jane"}).status_code == 201


def test_the_document_names_the_413_of_every_operation_with_a_body(client):
    document = client.get("/api/v1/openapi.json").get_json()
    with_body = [
        operation
        for methods in document["paths"].values()
        for operation in methods.values()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    assert len(with_body) >= 20
    assert all("413" in operation["responses"] for operation in with_body)


def test_the_size_is_refused_before_the_key_is_checked(app, client):
    # A view that answers without reading (here the 401) would leave the body unread.
    body = b"{" + b" " * app.config["MAX_CONTENT_LENGTH"] + b"}"
    response = client.post("/api/v1/customers", data=body, content_type="application/json")

    assert_error(response, 413, code="too_large")


def test_a_body_just_under_the_limit_is_read(app, api):
    body = '{"name": "Jane"' + " " * (app.config["MAX_CONTENT_LENGTH"] - 100) + "}"

    response = api.post("/customers", data=body, content_type="application/json")

    assert response.status_code == 201, response.get_data(as_text=True)[:300]


def test_a_webhook_over_the_limit_is_413_in_the_shape(db, app, business, client):
    form = inbound_form("x" * app.config["MAX_CONTENT_LENGTH"])
    headers = {"X-Twilio-Signature": sign(MESSAGES_PATH, form)}

    response = client.post(MESSAGES_PATH, data=form, headers=headers)

    assert_error(response, 413, code="too_large")


def test_a_multipart_field_over_the_form_memory_limit_is_413(db, app, business, client):
    form = inbound_form("ja", Padding="x" * (app.config["MAX_FORM_MEMORY_SIZE"] + 1))
    headers = {"X-Twilio-Signature": sign(MESSAGES_PATH, form)}

    response = client.post(
        MESSAGES_PATH, data=form, headers=headers, content_type="multipart/form-data"
    )

    assert_error(response, 413, code="too_large")


def test_a_multipart_form_with_too_many_parts_is_413(db, app, business, client):
    form = {**inbound_form("ja"), **{f"X{i}": "1" for i in range(app.config["MAX_FORM_PARTS"])}}
    headers = {"X-Twilio-Signature": sign(MESSAGES_PATH, form)}

    response = client.post(
        MESSAGES_PATH, data=form, headers=headers, content_type="multipart/form-data"
    )

    assert_error(response, 413, code="too_large")
