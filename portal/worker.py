"""The RQ worker that runs Beacon's jobs inside the Flask app context."""

from __future__ import annotations

import logging
import os
from traceback import StackSummary
from types import TracebackType
from typing import Any

from flask import Flask
from rq import Worker
from rq.job import Job
from rq.queue import Queue

from portal.db import db

log = logging.getLogger("portal.jobs")


def log_job_failure(
    job: Job,
    exc_type: type[BaseException],
    exc_value: BaseException,
    tb: TracebackType | StackSummary | None,
) -> bool:
    """Log a failed job with its id and function, then let RQ's own handling go on.

    For a job whose worker died (AbandonedJobError, found by RQ's maintenance) RQ
    passes a StackSummary, not a traceback; logging cannot format that, so the
    record is logged without one rather than lost.
    """
    if not isinstance(tb, TracebackType):
        tb = None
    log.error(
        "job %s (%s) failed: %s",
        job.id,
        job.func_name,
        exc_value,
        exc_info=(exc_type, exc_value, tb),
    )
    return True


class AppWorker(Worker):
    """An RQ worker whose work horse runs each job inside the app context.

    The work horse is a fork of this process; it must not reuse the parent's
    database connections, so the pool is disposed of in the child.
    """

    app: Flask

    def __init__(self, *args: Any, app: Flask, **kwargs: Any) -> None:
        kwargs.setdefault("exception_handlers", [log_job_failure])
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, job: Job, queue: Queue) -> bool:
        with self.app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def make_worker(app: Flask, burst: bool = False) -> AppWorker:
    """Build a worker on the app's queue and Redis connection."""
    from portal.queue import get_queue, get_redis

    with app.app_context():
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        worker = AppWorker([get_queue()], connection=get_redis(), app=app)
    return worker
