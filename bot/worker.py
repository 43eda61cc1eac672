"""The RQ worker class the Procfile runs: the app is built once in the worker process,
before RQ forks a work horse per job, and every job runs inside an app context of its own."""

from __future__ import annotations

from rq.worker import Worker

from bot import create_app
from conversations import warm_up


class AppWorker(Worker):
    """An RQ worker whose jobs run in the app built once at start."""

    def work(self, *args, **kwargs):
        # Once, in the worker process, before RQ forks a work horse per job: no job pays
        # for start-up.
        self.app = create_app()
        warm_up()
        return super().work(*args, **kwargs)

    def perform_job(self, job, queue, *args, **kwargs):
        # In the work horse; the context's teardown hands the database session back.
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)
