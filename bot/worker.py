"""The RQ worker class the Procfile runs: every job runs inside the ReplyDesk app.

The app is built once in the worker process, before RQ forks a work horse per
job, so no job pays for start-up; the reply reader's tables load at the same
moment. Each job then runs in an app context of its own (pushed in the work
horse), whose teardown hands the database session back.
"""

from __future__ import annotations

from rq.worker import Worker

from bot import create_app
from conversations import warm_up


class AppWorker(Worker):
    """An RQ worker whose jobs run in the app built once at start."""

    def work(self, *args, **kwargs):
        self.app = create_app()
        warm_up()
        return super().work(*args, **kwargs)

    def perform_job(self, job, queue, *args, **kwargs):
        with self.app.app_context():
            return super().perform_job(job, queue, *args, **kwargs)
