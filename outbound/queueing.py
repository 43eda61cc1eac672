"""Queues, the Redis connection, and enqueueing only after a commit.

A job reads rows by id, so it must not be enqueued before the transaction
that wrote those rows commits: `enqueue_after_commit` keeps the job on the
session and hands it to RQ from SQLAlchemy's `after_commit` hook; a rollback
drops it. Jobs are named by dotted path and take ids and plain values only.
"""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

DISPATCH_QUEUE = "dispatch"  # the dispatcher tick
SEND_QUEUE = "send"  # one job per notification or outbound message
QUEUES = (DISPATCH_QUEUE, SEND_QUEUE)

# Transient provider errors (429, 5xx, network) are retried with backoff.
SEND_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])

_PENDING_KEY = "replydesk_jobs_after_commit"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PendingJob:
    redis_url: str
    queue_name: str
    func: str
    args: tuple
    job_id: str | None
    retry: bool


@functools.cache
def redis_connection(url: str) -> Redis:
    return Redis.from_url(url)


def get_queue(name: str, redis_url: str) -> Queue:
    return Queue(name, connection=redis_connection(redis_url))


def enqueue_now(job: PendingJob) -> None:
    get_queue(job.queue_name, job.redis_url).enqueue(
        job.func,
        *job.args,
        job_id=job.job_id,
        retry=SEND_RETRY if job.retry else None,
        failure_ttl=7 * 24 * 3600,
    )


def enqueue_after_commit(
    session: Session,
    redis_url: str,
    queue_name: str,
    func: str,
    *args,
    job_id: str | None = None,
    retry: bool = False,
) -> None:
    """Enqueue `func(*args)` on `queue_name` once `session` commits."""
    session.info.setdefault(_PENDING_KEY, []).append(
        PendingJob(redis_url, queue_name, func, args, job_id, retry)
    )


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    for job in session.info.pop(_PENDING_KEY, []):
        try:
            enqueue_now(job)
        except RedisError:
            # The rows are committed; the dispatcher's sweep re-enqueues work
            # whose job never reached Redis, so nothing is lost.
            log.warning("could not enqueue %s%s; the dispatcher will retry", job.func, job.args)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING_KEY, None)


def message_job_id(message_id: int) -> str:
    return f"message-{message_id}"


def notification_job_id(notification_id: int) -> str:
    return f"notification-{notification_id}"
