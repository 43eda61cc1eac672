"""`GET /healthz` for a load balancer or process supervisor: 200 when the database answers a
query and Redis answers a ping, 503 naming which of the two does not; no login, no rate limit
(none may ever apply to it), nothing about the failure beyond its name (the reason goes to the
log)."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from bot.extensions import db, limiter

CHECK_TIMEOUT_SECONDS = 2.0

bp = Blueprint("health", __name__)
log = logging.getLogger(__name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """Whether this web process can reach the database and Redis."""
    checks = {"database": _database(), "redis": _redis()}
    healthy = all(state == "ok" for state in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    return jsonify(body), 200 if healthy else 503


def _database() -> str:
    try:
        db.session.execute(text("SELECT 1"))
        return "ok"
    except SQLAlchemyError as error:
        log.warning("health check: the database does not answer: %s", error)
        db.session.rollback()
        return "unavailable"


def _redis() -> str:
    client = Redis.from_url(
        current_app.config["REDIS_URL"],
        socket_connect_timeout=CHECK_TIMEOUT_SECONDS,
        socket_timeout=CHECK_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
        return "ok"
    except RedisError as error:
        log.warning("health check: Redis does not answer: %s", error)
        return "unavailable"
    finally:
        client.close()
