"""Scheduled bulletins go out exactly once, with a real RQ worker process and real Redis.

The publish job may run twice, the worker may restart, Redis may lose the job:
the bulletin is still published once and its audience notified once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import pytest
from rq import Worker
from rq.job import Job, JobStatus

from portal.accounts.models import Role, User
from portal.bulletins import services
from portal.bulletins.models import Bulletin, BulletinStatus
from portal.db import db, utcnow
from portal.notifications.models import Notification
from portal.queue import OutboxJob, get_queue, get_redis
from tests.bulletins.factories import make_bulletin
from tests.conftest import ROOT


@pytest.fixture
def audience(people):  # type: ignore[no-untyped-def]
    """An admin and three more people: an audience of four for an everyone-bulletin."""
    team = people.team("Blue")
    admin = people.person(role=Role.ADMIN, team=team)
    others = [people.person(team=team) for _ in range(3)]
    return admin, others


def wait_for(check: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def snapshot(app, bulletin_id: int) -> tuple[BulletinStatus, datetime | None, int, int]:  # type: ignore[no-untyped-def]
    """Status, publication time, notices sent about it, and notice jobs recorded."""
    with app.app_context():
        bulletin = db.session.get(Bulletin, bulletin_id)
        assert bulletin is not None
        notices = (
            db.session.query(Notification)
            .filter_by(kind="bulletin_published", subject=f"bulletin:{bulletin_id}")
            .count()
        )
        jobs = db.session.query(OutboxJob).filter_by(func="jobs.bulletins.notify_audience").count()
        return bulletin.status, bulletin.published_at, notices, jobs


def jobs_done(app, job_ids: list[str]) -> Callable[[], bool]:  # type: ignore[no-untyped-def]
    def check() -> bool:
        with app.app_context():
            statuses = [Job.fetch(j, connection=get_redis()).get_status() for j in job_ids]
        assert JobStatus.FAILED not in statuses, statuses
        return all(s == JobStatus.FINISHED for s in statuses)

    return check


def reschedule(app, admin: User, bulletin_id: int, at: datetime) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        services.schedule(db.session.get(User, admin.id), db.session.get(Bulletin, bulletin_id),
                          at, utcnow())  # fmt: skip
        db.session.commit()


@contextmanager
def another_worker(app) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    """A second `flask worker` process, started like the `worker` fixture's."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "worker"],
        cwd=ROOT,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with app.app_context():
            wait_for(lambda: any(w.pid == proc.pid for w in Worker.all(queue=get_queue())),
                     what="the second worker")  # fmt: skip
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def test_a_scheduled_bulletin_is_published_once_even_if_its_job_runs_again(app, worker, audience):
    admin, _ = audience
    at = utcnow() + timedelta(seconds=2)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    assert snapshot(app, bulletin_id)[0] == BulletinStatus.SCHEDULED

    # The worker's scheduler runs the job at its time; the notice job follows the commit.
    wait_for(lambda: snapshot(app, bulletin_id)[2] == 4, what="the audience to be notified")
    status, published_at, notices, notice_jobs = snapshot(app, bulletin_id)
    assert status == BulletinStatus.PUBLISHED and published_at is not None
    assert published_at >= at.replace(microsecond=0)
    assert (notices, notice_jobs) == (4, 1)

    # The same job three more times, and the periodic sweep: nothing changes.
    with app.app_context():
        queue = get_queue()
        again = [queue.enqueue("jobs.bulletins.publish_bulletin", bulletin_id).id for _ in range(3)]
        again.append(queue.enqueue("jobs.bulletins.publish_due_bulletins").id)
    wait_for(jobs_done(app, again), what="the repeated jobs")
    with app.app_context():
        results = [Job.fetch(j, connection=get_redis()).return_value() for j in again]
    assert results == [False, False, False, 0]
    assert snapshot(app, bulletin_id) == (BulletinStatus.PUBLISHED, published_at, 4, 1)


def test_a_worker_restart_neither_loses_nor_repeats_the_publication(app, worker, audience):
    admin, _ = audience
    at = utcnow() + timedelta(seconds=3)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    worker.terminate()  # the worker goes down before the bulletin is due
    worker.wait(timeout=15)
    time.sleep(max(0.0, (at - utcnow()).total_seconds()) + 0.5)
    assert snapshot(app, bulletin_id)[0] == BulletinStatus.SCHEDULED  # nobody ran it

    with another_worker(app):  # back up, after the bulletin's time
        wait_for(lambda: snapshot(app, bulletin_id)[2] == 4, what="the audience to be notified")
        with app.app_context():
            sweep = get_queue().enqueue("jobs.bulletins.publish_due_bulletins").id
        wait_for(jobs_done(app, [sweep]), what="the sweep")
    status, published_at, notices, notice_jobs = snapshot(app, bulletin_id)
    assert (status, notices, notice_jobs) == (BulletinStatus.PUBLISHED, 4, 1)


def test_the_sweep_publishes_a_bulletin_whose_job_was_lost(app, worker, audience):
    admin, _ = audience
    at = utcnow() + timedelta(seconds=1)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    with app.app_context():  # Redis lost the scheduled job (flushed, restored from an old dump)
        publish_at = db.session.get(Bulletin, bulletin_id).publish_at
        Job.fetch(services.publish_job_id(bulletin_id, publish_at), connection=get_redis()).delete()
    time.sleep(2.5)
    assert snapshot(app, bulletin_id)[0] == BulletinStatus.SCHEDULED

    with app.app_context():  # what `flask scheduler` enqueues every minute
        sweeps = [get_queue().enqueue("jobs.bulletins.publish_due_bulletins").id for _ in range(2)]
    wait_for(jobs_done(app, sweeps), what="the sweeps")
    wait_for(lambda: snapshot(app, bulletin_id)[2] == 4, what="the audience to be notified")
    with app.app_context():
        results = [Job.fetch(j, connection=get_redis()).return_value() for j in sweeps]
    assert sorted(results) == [0, 1]
    assert snapshot(app, bulletin_id)[::2] == (BulletinStatus.PUBLISHED, 4)


def test_a_new_time_moves_the_publication(app, worker, audience):
    admin, _ = audience
    first = utcnow() + timedelta(seconds=2)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=first)
    later = first + timedelta(seconds=3)
    reschedule(app, admin, bulletin_id, later)
    with app.app_context():  # as if the old job could not be dropped: it must do nothing
        old = get_queue().enqueue_at(first, "jobs.bulletins.publish_bulletin", bulletin_id).id

    wait_for(jobs_done(app, [old]), what="the job for the old time")
    with app.app_context():
        assert Job.fetch(old, connection=get_redis()).return_value() is False
    assert snapshot(app, bulletin_id)[0] == BulletinStatus.SCHEDULED
    wait_for(lambda: snapshot(app, bulletin_id)[2] == 4, what="the audience to be notified")
    status, published_at, _, notice_jobs = snapshot(app, bulletin_id)
    assert status == BulletinStatus.PUBLISHED and published_at is not None
    assert published_at >= later.replace(microsecond=0) and notice_jobs == 1


def test_a_cancelled_bulletin_is_not_published(app, worker, audience):
    admin, _ = audience
    at = utcnow() + timedelta(seconds=1)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    with app.app_context():
        services.cancel(db.session.get(User, admin.id), db.session.get(Bulletin, bulletin_id))
        db.session.commit()
        assert not Job.exists(
            services.publish_job_id(bulletin_id, at.replace(microsecond=0) + timedelta(seconds=1)),
            connection=get_redis(),
        )
        stray = get_queue().enqueue_at(at, "jobs.bulletins.publish_bulletin", bulletin_id).id
        sweep = get_queue().enqueue_at(at, "jobs.bulletins.publish_due_bulletins").id
    wait_for(jobs_done(app, [stray, sweep]), what="the stray job and the sweep")
    assert snapshot(app, bulletin_id) == (BulletinStatus.CANCELLED, None, 0, 0)


def test_concurrent_claims_publish_once(app, audience):
    admin, _ = audience
    at = utcnow() + timedelta(hours=1)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    barrier = threading.Barrier(8)
    results: list[bool] = []
    errors: list[BaseException] = []

    def claim() -> None:
        try:
            barrier.wait()
            with app.app_context():
                results.append(services.publish_if_due(bulletin_id, at + timedelta(seconds=1)))
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and sorted(results) == [False] * 7 + [True]
    assert snapshot(app, bulletin_id)[::3] == (BulletinStatus.PUBLISHED, 1)
