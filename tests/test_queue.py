"""The outbox in front of RQ: jobs run after commit, survive a Redis outage, and run once."""

from __future__ import annotations

import pytest
import redis
from rq.job import Job

from portal.accounts.models import Role
from portal.db import db
from portal.queue import (
    ENQUEUED,
    PENDING,
    OutboxJob,
    enqueue_after_commit,
    get_queue,
    get_redis,
    sweep_outbox,
)
from tests.conftest import body_text

DEAD_REDIS = "redis://127.0.0.1:1/0"


def test_nothing_is_enqueued_before_commit_or_after_rollback(app_ctx):
    enqueue_after_commit("jobs.outbox.sweep_outbox")
    assert get_queue().count == 0
    db.session.rollback()
    assert db.session.query(OutboxJob).count() == 0
    assert get_queue().count == 0


def test_job_is_enqueued_once_the_transaction_commits(app_ctx):
    row = enqueue_after_commit("jobs.outbox.sweep_outbox")
    job_id = row.job_id
    db.session.commit()
    assert get_queue().job_ids == [job_id]
    assert db.session.query(OutboxJob).one().status == ENQUEUED


@pytest.fixture
def redis_down(app, monkeypatch):  # type: ignore[no-untyped-def]
    """Point the app's job queue at a port where no Redis listens."""
    monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url(DEAD_REDIS))


def test_outbox_delivers_after_redis_was_unavailable(
    app, client, auth, people, worker, mailbox, monkeypatch
):
    """Redis is down while an admin invites someone: the page works, the email goes out later."""
    admin = people.person(role=Role.ADMIN)
    live = app.extensions["redis"]
    monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url(DEAD_REDIS))
    assert auth.login(admin.email).status_code == 303
    response = client.post(
        "/invite", data={"email": "later@example.com", "role": "employee", "team_id": "0"}
    )
    assert response.status_code == 303
    assert "Invitation sent" in client.get("/invite").get_data(as_text=True)
    monkeypatch.setitem(app.extensions, "redis", live)

    with app.app_context():
        row = db.session.query(OutboxJob).one()
        assert row.status == PENDING
        assert row.last_error
        assert mailbox.messages == []
        # Redis is back: the periodic sweep hands the job to the real worker.
        assert sweep_outbox(grace_seconds=0) == 1
        assert db.session.query(OutboxJob).one().status == ENQUEUED
    msg = mailbox.wait_for("later@example.com")
    assert "/invitations/" in body_text(msg)


def test_sweep_does_not_enqueue_a_job_that_already_reached_redis(app_ctx):
    row = enqueue_after_commit("jobs.outbox.sweep_outbox")
    job_id = row.job_id
    db.session.info.pop("outbox")  # as if the process died after pushing, before marking
    db.session.commit()
    get_queue().enqueue("jobs.outbox.sweep_outbox", job_id=job_id)
    assert sweep_outbox(grace_seconds=0) == 1
    assert get_queue().job_ids == [job_id]
    assert db.session.query(OutboxJob).one().status == ENQUEUED


def test_sweep_leaves_fresh_rows_to_the_after_commit_push(app_ctx):
    enqueue_after_commit("jobs.outbox.sweep_outbox")
    db.session.info.pop("outbox")
    db.session.commit()
    assert sweep_outbox(grace_seconds=60) == 0
    assert sweep_outbox(grace_seconds=0) == 1


def test_sweep_with_redis_down_changes_nothing(app, redis_down):
    with app.app_context():
        enqueue_after_commit("jobs.outbox.sweep_outbox")
        db.session.commit()
        assert sweep_outbox(grace_seconds=0) == 0
        assert db.session.query(OutboxJob).one().status == PENDING


def test_outbox_jobs_are_retried(app_ctx):
    row = enqueue_after_commit("jobs.outbox.sweep_outbox")
    job_id = row.job_id
    db.session.commit()
    job = Job.fetch(job_id, connection=get_redis())
    assert job.retries_left == 3


def test_a_released_savepoint_does_not_push_before_the_real_commit(app_ctx):
    enqueue_after_commit("jobs.outbox.sweep_outbox")
    with db.session.begin_nested():
        enqueue_after_commit("jobs.outbox.sweep_outbox")
    assert get_queue().count == 0  # the outer transaction is still open
    db.session.commit()
    assert get_queue().count == 2
    assert {r.status for r in db.session.query(OutboxJob)} == {ENQUEUED}


def test_a_rolled_back_savepoint_drops_only_its_own_jobs(app_ctx):
    kept = enqueue_after_commit("jobs.outbox.sweep_outbox").job_id
    savepoint = db.session.begin_nested()
    enqueue_after_commit("jobs.outbox.sweep_outbox")
    savepoint.rollback()
    db.session.commit()
    assert get_queue().job_ids == [kept]
    assert db.session.query(OutboxJob).count() == 1


def test_pushing_the_same_row_twice_enqueues_it_once(app_ctx):
    from portal.queue import push

    row = enqueue_after_commit("jobs.outbox.sweep_outbox")
    entry = db.session.info.pop("outbox")[0]
    db.session.commit()
    assert push([entry]) == 1
    assert push([entry]) == 1  # a racing sweep: refused by Redis as a duplicate, marked done
    assert get_queue().job_ids == [row.job_id]
