"""The RQ worker class the Procfile runs.

RQ forks a work horse per job. Building the Flask app (and importing the job
modules and loading the reply reader) once in the parent, before any fork,
saves every job that second of start-up; the app opens no database
connection until a job uses it, so nothing connection-shaped is shared
across the fork.
"""

from __future__ import annotations

from rq.worker import Worker


class AppWorker(Worker):
    """An RQ worker whose jobs find the app already built."""

    def work(self, *args, **kwargs):
        from conversations import warm_up
        from outbound.jobs import worker_app

        worker_app()
        warm_up()  # the reply reader's tables, loaded once for every forked job
        return super().work(*args, **kwargs)
