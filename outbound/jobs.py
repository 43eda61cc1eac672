"""RQ job functions: the dispatcher tick and the send jobs, plus the CLI's inline pass.

Jobs take ids and plain values only, reload their rows and are safe to run
twice (the claims in `outbound.dispatcher` and `outbound.sending` see to
that). They run inside a Flask app context: the caller's when there is one
(tests, the CLI), otherwise one app per worker process, built on the first
job and never at import. Transient send errors are re-raised so RQ's Retry
and failed registry see them; permanent ones are recorded on the rows.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from rq import get_current_job
from rq.job import Job

from bot.extensions import db
from bot.models import utcnow
from outbound.dispatcher import claim_due, stale_queued_messages
from outbound.queueing import (
    SEND_QUEUE,
    enqueue_after_commit,
    message_job_id,
    notification_job_id,
    redis_connection,
)
from outbound.sending import send_message_now, send_notification_now
from outbound.transports import TransientSendError
from outbound.vocabulary import NotificationStatus

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def worker_app() -> Flask:
    """The app a worker process runs its jobs in, built once from the environment."""
    from bot import create_app

    return create_app()


def in_app_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` in the current app context, or in the worker's app when there is none."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return _with_rollback(func, *args, **kwargs)
        with worker_app().app_context():
            return _with_rollback(func, *args, **kwargs)

    return wrapper


def _with_rollback(func: Callable[P, R], *args: P.args, **kwargs: P.kwargs) -> R:
    # A failing job must not leave its half-done transaction on a shared session.
    try:
        return func(*args, **kwargs)
    except BaseException:
        db.session.rollback()
        raise


@in_app_context
def dispatch_tick() -> int:
    """Claim what is due now and enqueue one send job per row; returns how many.

    Also re-enqueues outbound messages whose job never reached Redis.
    """
    now = utcnow()
    session = db.session
    notification_ids = claim_due(session, now=now)
    for notification_id in notification_ids:
        _enqueue_notification(notification_id)
    message_ids = [
        message_id
        for message_id in stale_queued_messages(session, now=now)
        if not Job.exists(message_job_id(message_id), connection=_redis())
    ]
    for message_id in message_ids:
        enqueue_after_commit(
            session,
            current_app.config["REDIS_URL"],
            SEND_QUEUE,
            "outbound.jobs.send_message",
            message_id,
            job_id=message_job_id(message_id),
            retry=True,
        )
    session.commit()
    if notification_ids or message_ids:
        log.info(
            "dispatch: %d notifications, %d lost messages", len(notification_ids), len(message_ids)
        )
    return len(notification_ids) + len(message_ids)


@in_app_context
def send_notification(notification_id: int, now_iso: str | None = None) -> str:
    """Send one claimed notification; returns its status afterwards.

    `now_iso` (ISO 8601 with offset) makes the validity checks and leases use
    that instant instead of the clock. Raises TransientSendError for RQ to retry.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    outcome = send_notification_now(db.session, notification_id, now=now, config=current_app.config)
    log.info("notification %s: %s", notification_id, outcome)
    return outcome


@in_app_context
def send_message(message_id: int) -> str:
    """Send one queued outbound message; returns its status afterwards.

    Raises TransientSendError for RQ to retry; on the last retry the message is
    marked failed first, so it does not stay queued for ever.
    """
    job = get_current_job()
    last_attempt = job is not None and not job.retries_left
    outcome = send_message_now(
        db.session,
        message_id,
        now=utcnow(),
        config=current_app.config,
        last_attempt=last_attempt,
    )
    log.info("message %s: %s", message_id, outcome)
    return outcome


@in_app_context
def run_dispatch_pass(now: datetime, *, send_inline: bool) -> dict[str, Any]:
    """One dispatcher pass as of `now` (the CLI's `flask dispatch --now`).

    With `send_inline` every claimed notification is sent in this process as of
    `now`; otherwise their jobs are enqueued as a tick would. Returns counts:
    claimed, sent, skipped, failed, retrying (inline) or enqueued.
    """
    session = db.session
    claimed = claim_due(session, now=now)
    if not send_inline:
        for notification_id in claimed:
            _enqueue_notification(notification_id)
        session.commit()
        return {"claimed": len(claimed), "enqueued": len(claimed)}
    session.commit()
    counts = {"claimed": len(claimed), "sent": 0, "skipped": 0, "failed": 0, "retrying": 0}
    buckets = {
        NotificationStatus.SENT: "sent",
        NotificationStatus.DELIVERED: "sent",
        NotificationStatus.SKIPPED: "skipped",
        NotificationStatus.FAILED: "failed",
    }
    for notification_id in claimed:
        try:
            outcome = send_notification_now(
                session, notification_id, now=now, config=current_app.config
            )
        except TransientSendError as error:
            log.warning("notification %s will be retried: %s", notification_id, error.reason)
            counts["retrying"] += 1
            continue
        bucket = buckets.get(outcome)
        if bucket:
            counts[bucket] += 1
    return counts


def _enqueue_notification(notification_id: int) -> None:
    enqueue_after_commit(
        db.session,
        current_app.config["REDIS_URL"],
        SEND_QUEUE,
        "outbound.jobs.send_notification",
        notification_id,
        job_id=notification_job_id(notification_id),
        retry=True,
    )


def _redis():
    return redis_connection(current_app.config["REDIS_URL"])
