"""`LOG_FORMAT=json`: a process built with it writes one JSON object a line to standard error
(time, level, logger, message, a caller's `extra`, an exception's traceback), gunicorn's
access lines carry the request's fields, and the default `text` leaves logging alone; a bad
format or level is refused at start-up."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.logs import JsonFormatter

ROOT = Path(__file__).resolve().parents[2]

# A process as the web and worker processes start: the app built from the environment.
EMIT = """
import logging
from bot import create_app
create_app()
log = logging.getLogger("bot.example")
log.info("notification %s: %s", 7, "sent", extra={"business_id": 3})
try:
    1 / 0
except ZeroDivisionError:
    log.exception("it failed")
logging.getLogger("bot.example").debug("not at INFO")
"""


def run_with(env: dict[str, str]) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", EMIT],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": "redis://127.0.0.1:9/0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stderr.splitlines() if line.strip()]


def test_a_process_with_json_logs_writes_one_object_a_line(tmp_path):
    lines = run_with({"LOG_FORMAT": "json", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    records = [json.loads(line) for line in lines]
    sent, failed = [r for r in records if r["logger"] == "bot.example"]
    assert sent["level"] == "INFO"
    assert sent["message"] == "notification 7: sent"
    assert sent["business_id"] == 3
    assert sent["time"].endswith("+00:00")
    assert failed["level"] == "ERROR"
    assert "ZeroDivisionError" in failed["exception"]


def test_text_logs_are_left_as_they_were(tmp_path):
    lines = run_with({"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"})

    assert not any(line.startswith("{") for line in lines)


def test_a_gunicorn_access_line_carries_the_requests_fields():
    atoms = {
        "m": "POST",
        "U": "/webhooks/twilio/messages",
        "s": "200",
        "D": "8123",
        "h": "10.0.0.2",
        "B": "56",
    }
    record = logging.LogRecord(
        "gunicorn.access", logging.INFO, "", 0, "%(h)s %(r)s", (atoms,), None
    )

    line = json.loads(JsonFormatter().format(record))

    assert line["message"] == "request"
    assert line["http"] == {
        "method": "POST",
        "path": "/webhooks/twilio/messages",
        "status": 200,
        "duration_ms": 8.1,
        "client": "10.0.0.2",
        "bytes": 56,
    }


@pytest.mark.parametrize(
    ("name", "value"), [("LOG_FORMAT", "xml"), ("LOG_LEVEL", "LOUD"), ("TRUSTED_PROXIES", "-1")]
)
def test_a_setting_it_cannot_use_is_refused(name, value):
    with pytest.raises(ConfigError, match=name):
        load_config({name: value})
