"""gunicorn's settings and hooks for the `web` process (`gunicorn -c
python:bot.gunicorn_config`): the worker class, how many worker processes and threads, JSON
log lines when LOG_FORMAT asks for them, the reply reader's tables loaded before a worker's
first request, and keep-alive connections that survive a request body the app did not read."""

from __future__ import annotations

import os
import time

from bot.config import DEFAULTS

worker_class = "bot.gunicorn_worker.ReplyDeskWorker"

# A request is mostly Python work, and one process runs one thread of Python at a time: two
# processes per core of two threads each answered a steady 100 texts a second with a p99 of
# 11-18 ms where two processes of four threads took 33-74 ms (docs/PERFORMANCE.md). The
# cores are those this process may run on; at most MAX_DEFAULT_WORKERS, since each worker
# holds the app (about 110 MB) and its own database connections. WEB_CONCURRENCY, the
# variable gunicorn and hosting platforms know, sets the number instead.
MAX_DEFAULT_WORKERS = 8
workers = int(
    os.environ.get("WEB_CONCURRENCY") or min(2 * len(os.sched_getaffinity(0)), MAX_DEFAULT_WORKERS)
)
threads = 2

# LOG_FORMAT=json: the master's own lines as JSON too (each worker's app sets up the rest).
if os.environ.get("LOG_FORMAT", "").strip().lower() == "json":
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "bot.logs.JsonFormatter"}},
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json"}},
        "root": {"level": "INFO", "handlers": ["json"]},  # gunicorn's own default is replaced
        "loggers": {
            name: {"handlers": ["json"], "level": "INFO", "propagate": False}
            for name in ("gunicorn.error", "gunicorn.access")
        },
    }

DRAIN_SECONDS = 5.0  # as long as gunicorn waits for a request's first bytes


# Each worker loads the reply reader's tables before it takes its first request, so the
# first customer text is read as fast as the thousandth.
def post_worker_init(worker) -> None:
    from conversations import warm_up

    warm_up()


# A body the app did not read must leave the connection before the next request can be
# read from it. gunicorn drains at most 64 KiB of it and otherwise closes the connection
# after a response that promised keep-alive, losing the client's next request. So a body
# the app may refuse unread (over MAX_CONTENT_LENGTH, or chunked with no length) makes the
# answer say `Connection: close`, and any other is drained after the answer.
def pre_request(worker, req) -> None:
    """Close the connection after a body too large to drain (Connection: close)."""
    if req.body is None:
        return
    length = _declared_length(req)
    if length is None or length > _body_limit(worker):
        req.force_close()


def post_request(worker, req, environ, resp) -> None:
    """Drain what the app left of a body, so the connection can carry the next request."""
    if req.body is None or resp is None or resp.should_close():
        return
    sock = environ.get("gunicorn.socket")
    if sock is None:
        return
    deadline = time.monotonic() + DRAIN_SECONDS
    prior = sock.gettimeout()
    try:
        while (remaining := deadline - time.monotonic()) > 0:
            sock.settimeout(remaining)
            if not req.body.read(64 * 1024):
                return
    except OSError:  # a timeout included
        return  # gunicorn's own drain finds the body unfinished and closes the connection
    finally:
        try:
            sock.settimeout(prior)
        except OSError:
            pass


def _declared_length(req) -> int | None:
    """The request body's length: its Content-Length (gunicorn has checked it is
    digits), 0 without one, None when it is chunked and so unknown."""
    headers = dict(req.headers)  # gunicorn refuses a repeated Content-Length
    if "TRANSFER-ENCODING" in headers:
        return None
    return int(headers.get("CONTENT-LENGTH", 0))


def _body_limit(worker) -> int:
    config = getattr(worker.wsgi, "config", None) or DEFAULTS
    return int(config.get("MAX_CONTENT_LENGTH") or DEFAULTS["MAX_CONTENT_LENGTH"])
