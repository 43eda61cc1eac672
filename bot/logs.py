"""Log lines as one JSON object each (`LOG_FORMAT=json`), for a deployment whose log collector
reads fields rather than text: the time, level, logger and message of every record, what a
caller passed as `extra`, an exception's traceback, and for gunicorn's access log the
request's method, path, status, duration and client. With the default `text` nothing here
runs and each process logs as gunicorn and RQ do by default."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else on a record came from `extra`.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "process": record.process,
        }
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            line["message"] = "request"
            line["http"] = _access_fields(record.args)
        else:
            line["message"] = record.getMessage()
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    """The parts of gunicorn's access-log atoms a collector filters on."""
    duration = atoms.get("D")  # microseconds
    return {
        "method": atoms.get("m"),
        "path": atoms.get("U"),
        "status": _number(atoms.get("s")),
        "duration_ms": round(int(duration) / 1000, 1) if str(duration).isdigit() else None,
        "client": atoms.get("h"),
        "bytes": _number(atoms.get("B")),
    }


def _number(value: Any) -> int | None:
    return int(value) if str(value).isdigit() else None


def configure_logging(log_format: str, level: str) -> None:
    """With `json`, send every logger's records (the app's, RQ's, gunicorn's) to standard
    error as JSON lines at `level`; called once a process, again harmlessly."""
    if log_format != "json":
        return
    root = logging.getLogger()
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in root.handlers):
        # (gunicorn's master may have set one up already, from bot.gunicorn_config)
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # import-time chatter
    for name in ("gunicorn.error", "gunicorn.access", "rq.worker", "rq.scheduler"):
        logger = logging.getLogger(name)
        for own in list(logger.handlers):
            logger.removeHandler(own)  # theirs print text; ours, on the root, prints JSON
        logger.propagate = True
