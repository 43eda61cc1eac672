"""/api/v1/openapi.json: every resource, its schemas, the bearer scheme, and the error shape."""

from __future__ import annotations

import json

import pytest

EXPECTED = {
    "/api/v1/business": {"get", "patch"},
    "/api/v1/customers": {"get", "post"},
    "/api/v1/customers/{customer_id}": {"get", "patch", "delete"},
    "/api/v1/customers/{customer_id}/export": {"get"},
    "/api/v1/records": {"get", "post"},
    "/api/v1/records/{record_id}": {"get", "patch"},
    "/api/v1/locations": {"get", "post"},
    "/api/v1/locations/{row_id}": {"get", "patch"},
    "/api/v1/staff": {"get", "post"},
    "/api/v1/staff/{row_id}": {"get", "patch"},
    "/api/v1/services": {"get", "post"},
    "/api/v1/services/{row_id}": {"get", "patch"},
    "/api/v1/rules": {"get", "post"},
    "/api/v1/rules/bulk": {"post"},
    "/api/v1/rules/{rule_id}": {"get", "patch", "delete"},
    "/api/v1/statuses": {"get", "post"},
    "/api/v1/statuses/{status_id}": {"get", "patch", "delete"},
    "/api/v1/templates": {"get", "post"},
    "/api/v1/templates/preview": {"post"},
    "/api/v1/templates/{template_id}": {"get", "patch", "delete"},
    "/api/v1/messages": {"get", "post"},
    "/api/v1/conversations": {"get"},
    "/api/v1/conversations/{conversation_id}": {"get", "patch"},
    "/api/v1/conversations/{conversation_id}/messages": {"get", "post"},
    "/api/v1/conversations/{conversation_id}/notes": {"post"},
    "/api/v1/conversations/{conversation_id}/read": {"post"},
    "/api/v1/notifications": {"get"},
    "/api/v1/usage": {"get"},
    "/api/v1/webhook-endpoints": {"get", "post"},
    "/api/v1/webhook-endpoints/{endpoint_id}": {"get", "patch", "delete"},
    "/api/v1/webhook-endpoints/{endpoint_id}/rotate-secret": {"post"},
    "/api/v1/webhook-endpoints/{endpoint_id}/deliveries": {"get"},
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.get_data(as_text=True))


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document, ref):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def test_the_document_is_openapi_3_with_every_path_and_method(document):
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] == "ReplyDesk"
    paths = {path: set(ops) - {"parameters"} for path, ops in document["paths"].items()}
    assert paths == EXPECTED


def test_bearer_security_applies_to_every_operation(document):
    scheme = document["components"]["securitySchemes"]["bearerAuth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    assert document["security"] == [{"bearerAuth": []}]


def test_every_reference_resolves(document):
    refs = set(_refs(document))

    assert refs
    for ref in refs:
        assert _resolve(document, ref), ref


def test_every_operation_documents_the_error_shape(document):
    error = document["components"]["schemas"]["ApiError"]
    assert error["required"] == ["error"]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue  # the path's own parameters, e.g. {customer_id}
            responses = operation["responses"]
            assert {"401", "404"} <= set(responses), (path, method)
            if "requestBody" in operation or "parameters" in operation:
                assert "422" in responses, (path, method)
            if "requestBody" in operation:
                assert {"400", "415"} <= set(responses), (path, method)
            unauthorized = _resolve(document, responses["401"]["$ref"])
            schema = unauthorized["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ApiError"}


def test_request_bodies_come_from_the_validating_schemas(document):
    schemas = document["components"]["schemas"]
    create = document["paths"]["/api/v1/records"]["post"]["requestBody"]
    ref = create["content"]["application/json"]["schema"]["$ref"]
    body = _resolve(document, ref)

    assert body["required"] == ["customer_id"]
    assert body["additionalProperties"] is False
    assert body["properties"]["kind"]["enum"] == ["appointment", "order", "inquiry"]
    assert body["properties"]["starts_at"]["format"] == "date-time"
    assert body["properties"]["notify"]["default"] is True
    assert body["properties"]["duration_minutes"]["maximum"] == 1440
    assert schemas["CustomerInput"]["properties"]["email"]["format"] == "email"
    assert "working_hours" in schemas["LocationInput"]["properties"]


def test_responses_describe_what_the_api_returns(document):
    schemas = document["components"]["schemas"]

    customer = schemas["Customer"]["properties"]
    assert customer["warnings"] == {
        "readOnly": True,
        "type": "array",
        "items": {"type": "string"},
        "description": customer["warnings"]["description"],
    }
    assert {"phone", "phone_is_mobile", "privacy_accepted_at", "created_at"} <= set(customer)
    assert "customer_confirmed_at" in schemas["Record"]["properties"]
    assert {"from", "to", "segments", "billable"} <= set(schemas["Message"]["properties"])
    assert {"status", "reason"} <= set(schemas["Notification"]["properties"])
    assert set(schemas["Usage"]["properties"]) == {
        "month",
        "sms_sent",
        "sms_delivered",
        "sms_billable_segments",
        "emails_sent",
    }
    listing = document["paths"]["/api/v1/customers"]["get"]["responses"]["200"]
    items = _resolve(document, listing["content"]["application/json"]["schema"]["$ref"])
    assert items["properties"]["items"]["type"] == "array"


def test_list_filters_are_documented_as_query_parameters(document):
    def names(path):
        return {p["name"] for p in document["paths"][path]["get"]["parameters"]}

    assert {"customer_id", "kind", "status", "from", "to"} <= names("/api/v1/records")
    assert {"phone", "email", "external_id"} <= names("/api/v1/customers")
    assert {"record_id", "customer_id", "status"} <= names("/api/v1/notifications")
    assert {"customer_id", "conversation_id", "direction"} <= names("/api/v1/messages")
    assert names("/api/v1/usage") == {"month"}


def test_the_customer_export_and_erasure_are_documented(document):
    export = document["paths"]["/api/v1/customers/{customer_id}/export"]["get"]["responses"]
    shape = _resolve(document, export["200"]["content"]["application/json"]["schema"]["$ref"])
    assert set(shape["properties"]) == {
        "customer",
        "addresses",
        "records",
        "notifications",
        "conversations",
        "other_messages",
        "webhook_events",
    }
    record = _resolve(document, shape["properties"]["records"]["items"]["$ref"])
    assert "external_id" in record["properties"]
    event = _resolve(document, shape["properties"]["webhook_events"]["items"]["$ref"])
    assert {"type", "webhook_id", "created_at", "status", "payload"} <= set(event["properties"])
    message = _resolve(
        document,
        document["components"]["schemas"]["ExportedConversation"]["properties"]["messages"][
            "items"
        ]["$ref"],
    )
    assert {"direction", "from", "to", "body", "note", "status", "content_variables"} <= set(
        message["properties"]
    )
    erase = document["paths"]["/api/v1/customers/{customer_id}"]["delete"]["responses"]
    assert {"204", "404"} <= set(erase)


def test_every_post_takes_an_idempotency_key_and_documents_its_refusals_and_replays(document):
    parameter = document["components"]["parameters"]["IdempotencyKey"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == (
        "Idempotency-Key",
        "header",
        False,
    )
    assert parameter["schema"]["maxLength"] == 255
    posts = [
        (path, operations["post"])
        for path, operations in document["paths"].items()
        if "post" in operations
    ]
    assert len(posts) == sum("post" in methods for methods in EXPECTED.values())
    replayed = {"$ref": "#/components/headers/IdempotentReplayed"}
    assert document["components"]["headers"]["IdempotentReplayed"]["schema"]["enum"] == ["true"]
    for path, operation in posts:
        assert {"$ref": "#/components/parameters/IdempotencyKey"} in operation["parameters"], path
        assert {"400", "409", "422"} <= set(operation["responses"]), path
        successes = {code: r for code, r in operation["responses"].items() if code[0] == "2"}
        assert successes, path
        for code, response in successes.items():
            assert response["headers"]["Idempotent-Replayed"] == replayed, (path, code)
    for path, operations in document["paths"].items():
        for method in set(operations) - {"post", "parameters"}:
            assert "Idempotency-Key" not in json.dumps(operations[method]), (path, method)
