"""Queues, in the order workers take them (the dispatcher's, then the replies someone waits
for, then the notices), the Redis connection, and jobs enqueued only after the commit that
wrote their rows (`enqueue_after_commit`), all of a commit's in one round trip per queue, at
once or at a given moment (`wake_dispatcher`)."""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from sqlalchemy import event
from sqlalchemy.orm import Session

DISPATCH_QUEUE = "dispatch"  # the dispatcher tick, the rebook scan, the snooze alarm
# Messages someone in the conversation waits for (the bot's replies, staff's answers from the
# inbox), one job each, so they do not queue behind a morning of reminders.
REPLY_QUEUE = "reply"
SEND_QUEUE = "send"  # one job per notification, and per message sent through the API
# A worker takes the first job of the first queue that has one: this order is the priority.
QUEUES = (DISPATCH_QUEUE, REPLY_QUEUE, SEND_QUEUE)

# For a job that crashed (database unreachable, a bug). Provider errors never
# reach RQ: the send job records them on the row, and the row says when to
# try again (outbound.send_outcomes).
SEND_RETRY = Retry(max=5, interval=[10, 30, 60, 300, 900])
# A wake-up tick is only worth its result for a moment.
WAKE_RESULT_TTL_SECONDS = 60

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
    at: datetime | None = None  # not before this moment (RQ's scheduler)
    result_ttl: int | None = None  # seconds RQ keeps the result; None: RQ's default


@functools.cache
def redis_connection(url: str) -> Redis:
    return Redis.from_url(url)


def get_queue(name: str, redis_url: str) -> Queue:
    return Queue(name, connection=redis_connection(redis_url))


def enqueue_now(job: PendingJob) -> None:
    queue = get_queue(job.queue_name, job.redis_url)
    if job.at is None:
        queue.enqueue(job.func, *job.args, **_options(job))
    else:
        queue.enqueue_at(job.at, job.func, *job.args, **_options(job))


def enqueue_together(jobs: list[PendingJob]) -> None:
    """Enqueue `jobs`, each to run now, in one round trip per queue (RQ's `enqueue_many`,
    one Redis transaction): a tick's 200 send jobs cost one trip instead of 200. Of two
    pending jobs with one id, the later stands, as it would have enqueued one by one. A
    queue Redis refuses is logged and skipped, the others still get their jobs: the rows
    are committed, and the dispatcher's sweep enqueues what never reached Redis."""
    by_queue: dict[tuple[str, str], dict[object, PendingJob]] = {}
    for index, job in enumerate(jobs):
        same_queue = by_queue.setdefault((job.redis_url, job.queue_name), {})
        same_queue[job.job_id if job.job_id is not None else index] = job
    for (redis_url, queue_name), keyed in by_queue.items():
        try:
            get_queue(queue_name, redis_url).enqueue_many(
                [Queue.prepare_data(job.func, job.args, **_options(job)) for job in keyed.values()]
            )
        except RedisError:
            log.warning(
                "could not enqueue %d jobs on %s; the dispatcher will retry", len(keyed), queue_name
            )


def _options(job: PendingJob) -> dict:
    options = {
        "job_id": job.job_id,
        "retry": SEND_RETRY if job.retry else None,
        "failure_ttl": 7 * 24 * 3600,
    }
    if job.result_ttl is not None:
        options["result_ttl"] = job.result_ttl
    return options


def enqueue_after_commit(
    session: Session,
    redis_url: str,
    queue_name: str,
    func: str,
    *args,
    job_id: str | None = None,
    retry: bool = False,
    at: datetime | None = None,
    result_ttl: int | None = None,
) -> None:
    """Enqueue `func(*args)` on `queue_name` once `session` commits (to run at `at`, if given)."""
    session.info.setdefault(_PENDING_KEY, []).append(
        PendingJob(redis_url, queue_name, func, args, job_id, retry, at, result_ttl)
    )


def wake_dispatcher(session: Session, redis_url: str, at: datetime) -> None:
    """Run a dispatcher tick at `at` (timezone-aware), once `session` commits.

    For rows put back until `at`: the clock ticks every few seconds, a wake-up
    brings them back on time. Wake-ups for the same second are one job.
    """
    second = math.ceil(at.timestamp())
    enqueue_after_commit(
        session,
        redis_url,
        DISPATCH_QUEUE,
        "outbound.jobs.dispatch_tick",
        job_id=f"dispatch-at-{second}",
        at=datetime.fromtimestamp(second, UTC),
        result_ttl=WAKE_RESULT_TTL_SECONDS,
    )


@event.listens_for(Session, "after_commit")
def _enqueue_pending(session: Session) -> None:
    pending = session.info.pop(_PENDING_KEY, [])
    enqueue_together([job for job in pending if job.at is None])
    for job in pending:
        if job.at is None:
            continue
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


def webhook_delivery_job_id(delivery_id: int) -> str:
    return f"webhook-delivery-{delivery_id}"
