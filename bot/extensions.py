"""The Flask extensions (database, migrations, CSRF, login, rate limiter), created unbound
and attached to the app in `create_app`; the database session's commits can be held for
the rest of a request (`hold_commits`), so work and a record of it commit together."""

from __future__ import annotations

import math
import time

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot.models import Base

_HOLDING_COMMITS = "replydesk.holding_commits"


class HoldableSession(FlaskSession):
    """Flask-SQLAlchemy's session, whose `commit` a caller can hold (`hold_commits`).

    While held, `commit()` does what a commit does to the session (flush, then expire every
    row so it is read again) but leaves the transaction open, so whoever held it can add
    to the same transaction and commit everything at once. Jobs queued for after the
    commit (`outbound.queueing`) wait for that real commit.
    """

    def commit(self) -> None:
        if self.info.get(_HOLDING_COMMITS):
            self.flush()
            self.expire_all()
            return
        super().commit()


def hold_commits(session) -> None:
    """Make `session.commit()` keep the transaction open until `release_commits`."""
    session.info[_HOLDING_COMMITS] = True


def release_commits(session) -> None:
    """Let `session.commit()` commit again (it does not commit by itself)."""
    session.info.pop(_HOLDING_COMMITS, None)


db = SQLAlchemy(model_class=Base, session_options={"class_": HoldableSession})
migrate = Migrate(compare_type=True, render_as_batch=True)
login_manager = LoginManager()
csrf = CSRFProtect()


def minutes_until_retry() -> int:
    """Whole minutes (at least one) until the limit this request broke lets it through."""
    breached = limiter.current_limit
    if breached is None:
        return 1
    # The same whole seconds Flask-Limiter puts in Retry-After.
    return max(1, math.ceil(int(breached.reset_at - time.time()) / 60))


# The abuse limits' counters live in the Redis of RATELIMIT_STORAGE_URI (by default
# REDIS_URL, the queues' Redis); the limits themselves are declared where they apply (login,
# API blueprints, customer links) and read their values from the settings.
limiter = Limiter(
    get_remote_address,  # the address the WSGI server saw: behind a proxy, see ProxyFix
    key_prefix="replydesk",
    # A moving window: no burst of twice the limit across a window boundary.
    strategy="moving-window",
    headers_enabled=True,
    # Redis unreachable: the limits keep counting in this process's memory and
    # Redis is tried again with backoff; any other storage fault is logged and
    # the request goes through. A limiter fault never becomes a 500.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
    # A Redis that does not answer must not hold every request up for long.
    storage_options={"socket_connect_timeout": 1, "socket_timeout": 1},
)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Foreign keys on, WAL so readers never block the one writer, and a busy wait."""
    module = type(dbapi_connection).__module__
    if not module.startswith(("sqlite3", "pysqlite")):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
