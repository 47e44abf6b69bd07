"""Bulletin tests share Redis: no scheduled publish job may outlive its test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest


def clear_scheduled_jobs(app) -> None:  # type: ignore[no-untyped-def]
    """Delete every job waiting in the queue's scheduled registry."""
    from rq.job import Job
    from rq.registry import ScheduledJobRegistry

    from portal.queue import get_queue

    with app.app_context():
        queue = get_queue()
        registry = ScheduledJobRegistry(queue=queue)
        for job_id in registry.get_job_ids():
            registry.remove(job_id)
            job = (
                Job.fetch(job_id, connection=queue.connection)
                if Job.exists(job_id, connection=queue.connection)
                else None
            )
            if job is not None:
                job.delete()


@pytest.fixture(autouse=True)
def _no_leftover_scheduled_jobs(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        clear_scheduled_jobs(request.getfixturevalue("app"))
