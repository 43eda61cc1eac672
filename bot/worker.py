"""The RQ worker class the Procfile runs: the app is built once at start, and each job runs in
the worker's own process (no work horse forked per job) inside an app context of its own, whose
teardown hands the database session back, so what one job leaves half done never reaches the
next; a job that kills the process takes the worker with it, and the row's lease brings the
work back once the process manager has started it again."""

from __future__ import annotations

import logging

from flask import Flask
from rq.worker import SimpleWorker

from bot import create_app
from conversations import warm_up
from outbound.queueing import QUEUES

log = logging.getLogger(__name__)

PUBSUB_STOP_SECONDS = 1.0


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in the app, in an app context of its own."""

    app: Flask | None = None  # built from the environment on start, unless given

    def work(self, *args, **kwargs):
        if self.app is None:
            self.app = create_app()
        warm_up()
        self.name_missing_queues()
        return super().work(*args, **kwargs)

    def unsubscribe(self) -> None:
        """Leave the worker's command channel without waiting out its listener: from redis-py
        8.2 the listener's `stop()` waits for its thread, which can sit in a 60-second read
        after the unsubscribe, so a warm shutdown took up to a minute. The thread is a
        daemon; one not done within PUBSUB_STOP_SECONDS ends with the process."""
        thread = self.pubsub_thread
        if thread is None:
            return
        self.log.info(
            "Worker %s: unsubscribing from channel %s", self.name, self.pubsub_channel_name
        )
        self.pubsub.unsubscribe()
        try:
            thread.stop(timeout=PUBSUB_STOP_SECONDS)
        except TypeError:  # redis-py before 8.2: stop() only asks, it does not wait
            thread.stop()

    def name_missing_queues(self) -> list[str]:
        """Warn about the project's queues this worker does not take (returned), in case no
        other worker does: their jobs would wait for good. The Procfile's worker takes all."""
        missing = [name for name in QUEUES if name not in self.queue_names()]
        if missing:
            log.warning(
                "this worker does not take the queue(s) %s; unless another worker does, their "
                "jobs are never run (the Procfile's worker takes: %s)",
                ", ".join(missing),
                " ".join(QUEUES),
            )
        return missing

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)
