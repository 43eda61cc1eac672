"""The RQ worker class the Procfile runs.

RQ forks a work horse per job. Building the Flask app (and importing the job
modules) once in the parent, before any fork, saves every job that second of
start-up; the app opens no database connection until a job uses it, so
nothing connection-shaped is shared across the fork.
"""

from __future__ import annotations

from rq.worker import Worker


class AppWorker(Worker):
    """An RQ worker whose jobs find the app already built."""

    def work(self, *args, **kwargs):
        from outbound.jobs import worker_app

        worker_app()
        return super().work(*args, **kwargs)
