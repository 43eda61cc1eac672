"""The RQ job functions of the outbox (the dispatcher tick, the send jobs, the outgoing webhook
deliveries, the rebook scan) and
the CLI's inline pass; jobs take ids and plain values, reload their rows and are safe to run
twice."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from flask import current_app, has_app_context
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy.exc import IntegrityError

from bot.extensions import db
from bot.models import utcnow
from outbound.dispatcher import (
    DEFAULT_CLAIM_LIMIT,
    claim_due,
    send_lease,
    stale_queued_messages,
)
from outbound.messages import send_queues_of
from outbound.policy.vocabulary import NotificationStatus
from outbound.queueing import (
    SEND_QUEUE,
    enqueue_after_commit,
    message_job_id,
    notification_job_id,
    redis_connection,
    wake_dispatcher,
    webhook_delivery_job_id,
)
from outbound.rebook_scan import plan_rebook_nudges
from outbound.sending import send_message_now, send_notification_now
from outbound.webhook_deliveries import deliver_now, due_deliveries
from outbound.webhook_events import enqueue_delivery

log = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# RQ statuses of a job that will still run by itself.
_WAITING = (JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED)


def in_app_context(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` in the current app context, rolling its transaction back if it raises."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if not has_app_context():
            raise RuntimeError(
                f"{func.__name__} needs the app: run workers with "
                "`rq worker --worker-class bot.worker.AppWorker`"
            )
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

    Also re-enqueues outbound messages and webhook deliveries whose job was lost or
    whose next try is due.
    """
    now = utcnow()
    session = db.session
    notification_ids = claim_due(session, now=now, lease=send_lease(current_app.config))
    for notification_id in notification_ids:
        _enqueue_notification(notification_id)
    if len(notification_ids) == DEFAULT_CLAIM_LIMIT:
        # More may be due: the next tick comes within a second, not at the clock's next.
        wake_dispatcher(session, current_app.config["REDIS_URL"], now)
    message_ids = [
        message_id
        for message_id in stale_queued_messages(session, now=now)
        if not _waiting_in_rq(message_job_id(message_id))
    ]
    queues = send_queues_of(session, message_ids) if message_ids else {}
    for message_id in message_ids:
        enqueue_after_commit(
            session,
            current_app.config["REDIS_URL"],
            queues[message_id],
            "outbound.jobs.send_message",
            message_id,
            job_id=message_job_id(message_id),
            retry=True,
        )
    delivery_ids = [
        delivery_id
        for delivery_id in due_deliveries(session, now=now)
        if not _waiting_in_rq(webhook_delivery_job_id(delivery_id))
    ]
    for delivery_id in delivery_ids:
        enqueue_delivery(session, delivery_id)
    session.commit()
    if notification_ids or message_ids or delivery_ids:
        log.info(
            "dispatch: %d notifications, %d messages, %d webhook deliveries",
            len(notification_ids),
            len(message_ids),
            len(delivery_ids),
        )
    return len(notification_ids) + len(message_ids) + len(delivery_ids)


@in_app_context
def send_notification(notification_id: int, now_iso: str | None = None) -> str:
    """Send one claimed notification; returns its status afterwards.

    `now_iso` (ISO 8601 with offset) makes the validity checks and leases use
    that instant instead of the clock. "scheduled" means it was put back for a
    later try or its sender's turn.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    outcome = send_notification_now(db.session, notification_id, now=now, config=current_app.config)
    log.info("notification %s: %s", notification_id, outcome)
    return outcome


@in_app_context
def send_message(message_id: int) -> str:
    """Send one queued outbound message; returns its status afterwards ("queued"
    when it waits for a later try or its sender's turn)."""
    outcome = send_message_now(db.session, message_id, now=utcnow(), config=current_app.config)
    log.info("message %s: %s", message_id, outcome)
    return outcome


@in_app_context
def deliver_webhook(delivery_id: int) -> str:
    """Try one outgoing webhook delivery; returns its status afterwards ("pending" when
    it waits for its next try)."""
    outcome = deliver_now(db.session, delivery_id, now=utcnow(), config=current_app.config)
    log.info("webhook delivery %s: %s", delivery_id, outcome)
    return outcome


@in_app_context
def plan_rebook(now_iso: str | None = None) -> int:
    """Plan the rebook nudges due as of now and withdraw those that no longer hold
    (`outbound.rebook_scan`); returns how many were planned. Safe to run twice:
    a nudge's key names its rule, customer and visit.

    `now_iso` (ISO 8601 with offset) plans as of that instant instead of the clock.
    """
    now = datetime.fromisoformat(now_iso) if now_iso else utcnow()
    planned = _plan_rebook_nudges(now)
    if planned:
        log.info("rebook: %d nudges planned", planned)
    return planned


def _plan_rebook_nudges(now: datetime) -> int:
    """Plan and commit the rebook nudges as of `now`. A scan at the same moment (the
    cron job next to a pass by hand) may store the same nudge first; its unique key
    then stops this one, which starts over once and finds the nudge planned."""
    try:
        planned = plan_rebook_nudges(db.session, now=now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        planned = plan_rebook_nudges(db.session, now=now)
        db.session.commit()
    return planned


@in_app_context
def run_dispatch_pass(now: datetime, *, send_inline: bool) -> dict[str, Any]:
    """One dispatcher pass as of `now` (the CLI's `flask dispatch --now`).

    It first plans the rebook nudges due as of `now` (what the `plan_rebook`
    cron job does on its own schedule), so a pass by hand covers them too.
    With `send_inline` every claimed notification is sent in this process as of
    `now`; otherwise their jobs are enqueued as a tick would. Returns counts:
    claimed, sent, skipped, failed, retrying (put back for a later try or the
    sender's turn; inline) or enqueued.
    """
    session = db.session
    _plan_rebook_nudges(now)
    claimed = claim_due(session, now=now, lease=send_lease(current_app.config))
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
        NotificationStatus.SCHEDULED: "retrying",
    }
    for notification_id in claimed:
        outcome = send_notification_now(
            session, notification_id, now=now, config=current_app.config
        )
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


def _waiting_in_rq(job_id: str) -> bool:
    try:
        job = Job.fetch(job_id, connection=redis_connection(current_app.config["REDIS_URL"]))
    except NoSuchJobError:
        return False
    return job.get_status() in _WAITING
