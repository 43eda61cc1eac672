"""The API's rate limits: requests per key across all resources, bad keys per address,
a 429 in the error shape with Retry-After, and a limiter whose Redis is down."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap

import pytest
from sqlalchemy import func, select

from bot.config import ConfigError, load_config
from bot.models import Customer
from tests.support.api import assert_error


@pytest.fixture
def app_config(app_config):
    # Small limits, so a test needs a handful of requests instead of hundreds.
    return {
        **app_config,
        "RATELIMIT_API_PER_KEY": "5 per minute",
        "RATELIMIT_API_BAD_KEY_PER_ADDRESS": "3 per minute",
    }


def test_a_key_past_its_limit_gets_429_in_the_error_shape_and_another_key_does_not(api, other_api):
    # One bucket per key across every resource, reads and writes alike.
    calls = [
        api.get("/business"),
        api.get("/customers"),
        api.get("/records"),
        api.post("/customers", json={"name": "Ida", "phone": "+4915112345001"}),
        api.get("/templates"),
    ]
    assert [response.status_code for response in calls] == [200, 200, 200, 201, 200]
    assert calls[-1].headers["X-RateLimit-Limit"] == "5"
    assert calls[-1].headers["X-RateLimit-Remaining"] == "0"

    refused = api.get("/business")
    error = assert_error(refused, 429, code="rate_limited")
    assert error["field"] is None
    assert error["message"] == (
        "too many requests with this API key (at most 5 per minute); "
        "try again after the seconds in the Retry-After header"
    )
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert refused.headers["X-RateLimit-Limit"] == "5"
    assert refused.headers["X-RateLimit-Remaining"] == "0"

    assert other_api.get("/business").status_code == 200


def test_a_refused_write_stores_nothing(db, api):
    for _ in range(5):
        assert api.get("/customers").status_code == 200
    refused = api.post("/customers", json={"name": "Ida", "phone": "+4915112345001"})
    assert_error(refused, 429, code="rate_limited")
    assert db.session.scalar(select(func.count()).select_from(Customer)) == 0


def test_made_up_keys_are_limited_per_address(client, api):
    attacker = {"REMOTE_ADDR": "203.0.113.66"}
    for n in range(3):
        response = client.get(
            "/api/v1/business",
            headers={"Authorization": f"Bearer made-up-{n}"},
            environ_base=attacker,
        )
        assert_error(response, 401, code="unauthorized")
    for headers in ({"Authorization": "Bearer made-up-4"}, {}):
        refused = client.get("/api/v1/business", headers=headers, environ_base=attacker)
        error = assert_error(refused, 429, code="rate_limited")
        assert "without a valid API key from this address" in error["message"]
        assert int(refused.headers["Retry-After"]) >= 1
    # A real key from elsewhere is not held up, and the 401s did not use up its budget.
    response = client.get(
        "/api/v1/business",
        headers={"Authorization": f"Bearer {api.key}"},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 200
    assert response.headers["X-RateLimit-Remaining"] == "4"


def test_a_valid_key_is_not_held_up_by_bad_keys_tried_from_its_address(client, api):
    shared = {"REMOTE_ADDR": "203.0.113.66"}  # one office, one broken integration
    for n in range(4):
        bad_key = {"Authorization": f"Bearer revoked-{n}"}
        client.get("/api/v1/business", headers=bad_key, environ_base=shared)
    assert_error(client.get("/api/v1/business", environ_base=shared), 429, code="rate_limited")

    response = client.get(
        "/api/v1/business", headers={"Authorization": f"Bearer {api.key}"}, environ_base=shared
    )

    assert response.status_code == 200


def test_the_openapi_document_lists_429_for_every_operation(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operations = [
        operation
        for path in document["paths"].values()
        for method, operation in path.items()
        if method in ("get", "post", "patch", "put", "delete")
    ]
    assert len(operations) > 20
    for operation in operations:
        assert operation["responses"]["429"] == {"$ref": "#/components/responses/TOO_MANY_REQUESTS"}


# Run in a process of its own: the limiter is one object per process, and its
# "Redis is down" state must not leak into the other tests.
_REDIS_DOWN = textwrap.dedent(
    """
    import json, logging, sys
    from bot import create_app
    from bot.extensions import db
    from bot.services.businesses import create_business

    logging.basicConfig()
    app = create_app(json.loads(sys.argv[1]))
    with app.app_context():
        db.create_all()
        key = create_business(
            db.session, name="B", timezone="Europe/Berlin", locale="de", region="DE"
        ).api_key
        db.session.commit()
    client = app.test_client()
    bearer = {"Authorization": "Bearer " + key}
    statuses = [client.get("/api/v1/business", headers=bearer).status_code for _ in range(4)]
    statuses.append(client.post("/login", data={"email": "a@b.test", "password": "x"}).status_code)
    print(json.dumps(statuses))
    """
)


def test_with_its_redis_down_the_limiter_counts_in_memory_instead_of_failing(app_config, tmp_path):
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    config = {
        **app_config,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'down.sqlite3'}",
        "RATELIMIT_STORAGE_URI": f"redis://127.0.0.1:{closed_port}/0",
        "RATELIMIT_API_PER_KEY": "3 per minute",
    }
    result = subprocess.run(
        [sys.executable, "-c", _REDIS_DOWN, json.dumps(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    # No 500: the limits still hold, counted in the process's memory.
    assert json.loads(result.stdout) == [200, 200, 200, 429, 401]
    assert "falling back to in-memory storage" in result.stderr


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"RATELIMIT_API_PER_KEY": "lots"}, "RATELIMIT_API_PER_KEY must be a rate limit"),
        ({"RATELIMIT_LINKS_PER_ADDRESS": "30 every minute"}, "RATELIMIT_LINKS_PER_ADDRESS"),
        ({"RATELIMIT_ENABLED": "perhaps"}, "RATELIMIT_ENABLED must be true or false"),
    ],
)
def test_a_mistyped_limit_stops_the_start_instead_of_being_skipped(settings, message):
    with pytest.raises(ConfigError, match=message):
        load_config(settings)


def test_the_limit_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("RATELIMIT_API_PER_KEY", "100/hour")
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6390/2")
    config = load_config()
    assert config["RATELIMIT_ENABLED"] is False
    assert config["RATELIMIT_API_PER_KEY"] == "100/hour"
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6390/2"
