"""Two `worker` processes share one outbox with no duplicate sends: on a throwaway PostgreSQL,
booking confirmations for one business (its sender paced at 1 000 a second, so pacing holds
nothing back) are planned through the project's services; then the Procfile's own command lines
start two workers and the clock against one Redis and the fake Twilio API, two dispatcher ticks
at once (as the clocks of two machines would tick) race for the due rows, and once every
confirmation is sent the fake has exactly one message per customer, each notification one
outbound Message, no RQ job failed, and both workers ran send jobs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from rq import Queue, Worker
from rq.job import Job
from rq.registry import FailedJobRegistry
from sqlalchemy import func, select

from bot import create_app
from bot.extensions import db
from bot.models import Direction, Message, Notification
from bot.services.businesses import create_business
from outbound.policy.vocabulary import Notice, NotificationStatus
from outbound.queueing import (
    DISPATCH_QUEUE,
    QUEUES,
    SEND_QUEUE,
    notification_job_id,
    redis_connection,
)
from tests.support.bookings import book_appointments
from tests.support.databases import ONLY_POSTGRESQL
from tests.support.procfile import procfile_command
from tests.support.servers import stop_process_group, wait_for
from tests.support.settings import SMS_FROM, TWILIO_SID, TWILIO_TOKEN

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NOTICES = 120
WORKERS = 2
REDIS_DATABASE = 6  # apart from the in-process tests' (0) and the end-to-end test's (5)

pytestmark = [pytest.mark.e2e, ONLY_POSTGRESQL]


@pytest.fixture
def settings(database_url, redis_server, fake_twilio):
    """The processes' environment, and the app built from the same settings."""
    redis_url = redis_server.url.rsplit("/", 1)[0] + f"/{REDIS_DATABASE}"
    redis_connection(redis_url).flushdb()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": "workers-secret",
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",  # status callbacks are named, never called
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_API_BASE_URL": fake_twilio.base_url,
        "SMS_TRANSPORT": "twilio",
    }
    app = create_app({**env, "TESTING": True})
    yield env, app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # before the database is dropped
    redis_connection(redis_url).flushdb()


def plan_confirmations(app, count: int) -> dict[int, str]:
    """Migrate, then book one appointment for each of `count` customers of one business
    through the services; the default rules plan a confirmation due now for each (and a
    reminder days ahead). Returns the due confirmations' ids with their customer's number."""
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        session = db.session
        business = create_business(session, name="Salon Sonnenschein", sms_from=SMS_FROM).business
        business.sms_per_second = 1000.0
        now = datetime.now(UTC).replace(microsecond=0)
        phones = book_appointments(session, business, count, now=now, starts_in=timedelta(days=3))
        due = session.execute(
            select(Notification.id, Notification.customer_id, Notification.notice).where(
                Notification.status == NotificationStatus.SCHEDULED,
                Notification.due_at <= datetime.now(UTC),
            )
        ).all()
        session.remove()
        assert {notice for _, _, notice in due} == {Notice.CONFIRMATION}
        return {notification_id: phones[customer_id] for notification_id, customer_id, _ in due}


@pytest.fixture
def start_process(settings, tmp_path):
    """Start Procfile processes by name, each in a session of its own with its own log;
    every one is stopped at the end, and the logs' tails printed for a failure's report."""
    env = {
        **os.environ,
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
        "PYTHONUNBUFFERED": "1",
        **settings[0],
    }
    started: list[tuple[subprocess.Popen, Path]] = []

    def start(name: str) -> subprocess.Popen:
        log_path = tmp_path / f"{name}-{len(started)}.log"
        with open(log_path, "w") as log:
            # `exec`: the shell becomes the process, so stopping it waits for RQ's own
            # warm shutdown (a worker joins its scheduler) instead of only the shell's end.
            process = subprocess.Popen(
                ["/bin/sh", "-c", f"exec {procfile_command(name)}"],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        started.append((process, log_path))
        return process

    yield start
    for process, _ in started:
        stop_process_group(process)
    for _, log_path in started:
        print(f"--- {log_path.name} (last lines)")
        print("\n".join(log_path.read_text(errors="replace").splitlines()[-20:]))


def test_two_worker_processes_share_the_outbox_without_duplicates(
    settings, start_process, fake_twilio
):
    env, app = settings
    due = plan_confirmations(app, NOTICES)
    assert len(due) == NOTICES

    redis = redis_connection(env["REDIS_URL"])
    workers = [start_process("worker") for _ in range(WORKERS)]
    # Both listen before the first tick hands out the work, so neither can take all of
    # it while the other is still starting. Then two ticks at once, one for each worker,
    # as the clocks of two machines would tick: they race for the same due rows.
    wait_for(lambda: len(Worker.all(connection=redis)) == WORKERS, 30, "both workers to start")
    dispatch = Queue(DISPATCH_QUEUE, connection=redis)
    with redis.pipeline() as pipeline:
        for _ in range(WORKERS):
            dispatch.enqueue("outbound.jobs.dispatch_tick", pipeline=pipeline)
        pipeline.execute()
    start_process("clock")

    def sent() -> int:
        with app.app_context():
            return db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(Notification.id.in_(due), Notification.status == NotificationStatus.SENT)
            )

    wait_for(lambda: sent() == NOTICES, 75, f"all {NOTICES} confirmations sent")
    assert all(worker.poll() is None for worker in workers), "a worker process ended"

    # Exactly one message per customer at the fake Twilio: none twice, none missing.
    per_recipient = Counter(message.to for message in fake_twilio.messages)
    assert {to for to, times in per_recipient.items() if times > 1} == set()
    assert sorted(per_recipient) == sorted(due.values())

    with app.app_context():
        session = db.session
        statuses = dict(
            session.execute(
                select(Notification.status, func.count())
                .where(Notification.id.in_(due))
                .group_by(Notification.status)
            ).all()
        )
        assert statuses == {NotificationStatus.SENT: NOTICES}
        # One outbound Message per notification, the one the fake answered for.
        outbound_to = Counter(
            session.scalars(
                select(Message.to_address).where(Message.direction == Direction.OUTBOUND)
            )
        )
        assert outbound_to == Counter(due.values())
        sids = session.scalars(
            select(Message.provider_sid)
            .join(Notification, Notification.message_id == Message.id)
            .where(Notification.id.in_(due))
        ).all()
        assert sorted(sids) == sorted(message.sid for message in fake_twilio.messages)
        session.remove()

    # No job failed, and the send jobs went to both workers.
    for name in QUEUES:
        assert FailedJobRegistry(queue=Queue(name, connection=redis)).get_job_ids() == []
    jobs = Job.fetch_many([notification_job_id(i) for i in due], connection=redis)
    assert all(job is not None and job.origin == SEND_QUEUE for job in jobs)
    sends_per_worker = Counter(job.worker_name for job in jobs)
    live_workers = {worker.name for worker in Worker.all(connection=redis)}
    assert set(sends_per_worker) == live_workers and len(live_workers) == WORKERS, sends_per_worker
