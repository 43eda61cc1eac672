"""`GET /healthz`, what a load balancer asks each web process: 200 with both checks "ok" when
the database and Redis answer, 503 naming the one that does not (a Redis port nobody listens
on, a database file that cannot be opened), without a login."""

from __future__ import annotations

import socket

from bot import create_app
from tests.support.databases import BOTH_DATABASES


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # free again once closed: nothing listens there


@BOTH_DATABASES
def test_a_process_that_reaches_both_is_healthy(client):
    answer = client.get("/healthz")

    assert answer.status_code == 200
    assert answer.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_redis_out_of_reach_is_named(app_config):
    app = create_app({**app_config, "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0"})

    answer = app.test_client().get("/healthz")

    assert answer.status_code == 503
    assert answer.json == {
        "status": "unavailable",
        "checks": {"database": "ok", "redis": "unavailable"},
    }


def test_a_database_out_of_reach_is_named(app_config, tmp_path):
    unopenable = tmp_path / "no-such-folder" / "replydesk.sqlite3"
    app = create_app({**app_config, "DATABASE_URL": f"sqlite:///{unopenable}"})

    answer = app.test_client().get("/healthz")

    assert answer.status_code == 503
    assert answer.json["checks"] == {"database": "unavailable", "redis": "ok"}
