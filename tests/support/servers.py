"""Servers a test starts and stops itself: the app served over HTTP on loopback by a
background thread (on a fresh database, for the browser tests and the demo), and
the end of a process group the tests started in its own session, and waiting for what such a
process does."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from werkzeug.serving import make_server

from bot.extensions import db


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """End a server the tests started in its own session (start_new_session=True):
    SIGTERM to the whole group, SIGKILL when it has not stopped after `timeout`."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    except ProcessLookupError:
        pass


@contextmanager
def serving(app) -> Iterator:
    """`app` served over HTTP on loopback by a background thread; PUBLIC_BASE_URL names
    it, since the simulator and the links post to it as Twilio and customers would."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def live_database_app(app) -> Iterator:
    """`app` on a freshly created database, served over HTTP (`serving`), its database
    connections closed afterwards."""
    with app.app_context():
        db.create_all()
    try:
        with serving(app):
            yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def wait_for(predicate, timeout: float, what: str, *, every: float = 0.1):
    """Poll `predicate` until it returns something true, and return that; fail the test after
    `timeout` seconds, a deadline only so a broken build fails instead of hanging, not a
    claim about speed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")
