"""The Procfile's worker: it takes the project's queues in their order of priority, runs
jobs in the app, one after another in one process, what one job leaves half done does not
reach the next, and a worker started without a queue says so."""

from __future__ import annotations

import logging
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from rq import Worker

from bot.extensions import db
from bot.models import Customer
from bot.worker import AppWorker
from outbound.queueing import QUEUES, SEND_QUEUE, get_queue, redis_connection
from tests.support.procfile import procfile_command
from tests.support.servers import stop_process_group, wait_for

ROOT = Path(__file__).resolve().parents[2]


def procfile_worker_queues() -> list[str]:
    """The queue names the Procfile's `worker` line gives `rq worker`, in order."""
    return shlex.split(procfile_command("worker"))[-len(QUEUES) :]


def test_the_procfile_worker_takes_every_queue_in_the_order_of_priority():
    assert procfile_worker_queues() == list(QUEUES)
    assert QUEUES.index("reply") < QUEUES.index("send")


def test_a_worker_that_does_not_take_every_queue_says_which(app, redis_server, caplog):
    worker = AppWorker(
        [get_queue(SEND_QUEUE, redis_server.url)], connection=redis_connection(redis_server.url)
    )

    with caplog.at_level(logging.WARNING, logger="bot.worker"):
        missing = worker.name_missing_queues()

    assert missing == ["dispatch", "reply"]
    assert "dispatch, reply" in caplog.text


def leave_a_half_done_change(customer_id: int) -> None:
    """A job that changes a row, flushes it and fails without rolling back."""
    customer = db.session.get(Customer, customer_id)
    customer.name = "changed by a failed job"
    db.session.flush()
    raise RuntimeError("the job failed half way")


def read_the_name(customer_id: int) -> str:
    """A job that reads the row the failed job touched."""
    return db.session.get(Customer, customer_id).name


def test_a_failed_job_leaves_nothing_for_the_next(app, redis_server, customer_factory):
    customer = customer_factory(name="Anna Schmidt")
    db.session.commit()
    queue = get_queue(SEND_QUEUE, redis_server.url)
    failed = queue.enqueue(leave_a_half_done_change, customer.id)
    reader = queue.enqueue(read_the_name, customer.id)

    worker = AppWorker(
        [get_queue(name, redis_server.url) for name in QUEUES],
        connection=redis_connection(redis_server.url),
    )
    worker.app = app  # the test's app instead of one built from the environment
    worker.work(burst=True)

    assert failed.get_status(refresh=True) == "failed"
    assert reader.get_status(refresh=True) == "finished"
    assert reader.return_value() == "Anna Schmidt"
    db.session.expire_all()
    assert db.session.get(Customer, customer.id).name == "Anna Schmidt"


def test_jobs_run_in_the_worker_process(app, redis_server):
    queue = get_queue(SEND_QUEUE, redis_server.url)
    job = queue.enqueue("os.getpid")

    worker = AppWorker([queue], connection=redis_connection(redis_server.url))
    worker.app = app
    worker.work(burst=True)

    assert job.return_value() == os.getpid()  # no work horse forked for it


def test_a_warm_shutdown_ends_the_worker_process(redis_server, tmp_path):
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ.get('PATH', '')}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'worker.sqlite3'}",
        "REDIS_URL": redis_server.url,
        "LOG_FORMAT": "json",  # as a deployment with a log collector runs it
    }
    worker = subprocess.Popen(
        ["/bin/sh", "-c", f"exec {procfile_command('worker')}"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        connection = redis_connection(redis_server.url)
        # Idle: waiting for a job, so past RQ's start-up, which takes its signal handlers
        # only after the worker has registered.
        wait_for(
            lambda: [w for w in Worker.all(connection=connection) if w.get_state() == "idle"],
            60,
            "the worker to wait for jobs",
        )
        worker.send_signal(signal.SIGTERM)
        # A deadline against a hang, not a speed: the command channel's listener once held
        # the process for a minute.
        assert worker.wait(timeout=20) == 0
    finally:
        stop_process_group(worker)
