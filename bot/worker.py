"""The RQ worker class the Procfile runs: the app is built once at start, and each job runs in
the worker's own process (no work horse forked per job) inside an app context of its own, whose
teardown hands the database session back, so what one job leaves half done never reaches the
next; a job that kills the process takes the worker with it, and the row's lease brings the
work back once the process manager has started it again."""

from __future__ import annotations

from flask import Flask
from rq.worker import SimpleWorker

from bot import create_app
from conversations import warm_up


class AppWorker(SimpleWorker):
    """An RQ worker that runs each job in the app, in an app context of its own."""

    app: Flask | None = None  # built from the environment on start, unless given

    def work(self, *args, **kwargs):
        if self.app is None:
            self.app = create_app()
        warm_up()
        return super().work(*args, **kwargs)

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)
