"""The roll-up and segment jobs, run directly and by a real RQ worker."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import func, select

from jobs.cron import PERIODIC_JOBS
from jobs.insights import nightly_insights, refresh_rollups, rollup_range
from portal.db import db, read_only_transactions, utcnow
from portal.gamification.activity import record_activity
from portal.insights import rollups
from portal.insights.models import PersonDay, PersonPeriod, SegmentMember, TeamDay
from portal.queue import get_queue
from tests.insights.factories import build_world, day, person


def _rows() -> tuple[int, int]:
    people = db.session.scalar(select(func.count()).select_from(PersonDay)) or 0
    teams = db.session.scalar(select(func.count()).select_from(TeamDay)) or 0
    return people, teams


def test_the_jobs_are_scheduled():
    scheduled = {func.__name__: options for func, options in PERIODIC_JOBS}
    assert scheduled["nightly_insights"]["cron"] == "40 2 * * *"
    assert scheduled["refresh_rollups"]["cron"] == "20 * * * *"


def test_the_nightly_job_rolls_up_recent_days_and_segments_everyone(app_ctx):
    someone = person("someone", None)
    record_activity(someone, "lessons_completed", "lesson:1", utcnow() - timedelta(days=1))
    record_activity(someone, "lessons_completed", "lesson:2", utcnow() - timedelta(days=5))
    db.session.commit()

    first = nightly_insights()
    second = nightly_insights()

    assert first == second
    assert first["person_rows"] == 2  # yesterday's lesson and its "active" row; not day -5
    assert db.session.get_one(SegmentMember, someone.id).segment.value == "emerging"
    assert refresh_rollups()["person_rows"] == 2


def test_a_range_on_demand(app_ctx):
    build_world()

    result = rollup_range(day(0).isoformat(), day(6).isoformat())

    assert result["person_rows"] == _rows()[0] > 20


def test_a_real_worker_rebuilds_the_days_an_admin_asks_for(app, app_ctx, client, auth, worker):
    build_world()
    auth.login("admin@example.com")

    response = client.post(
        "/insights/settings/recompute",
        data={"start": day(0).isoformat(), "end": day(6).isoformat()},
    )

    assert response.status_code == 303
    deadline = time.monotonic() + 60
    while not _segmented():
        assert time.monotonic() < deadline, "the worker did not roll the days up"
        time.sleep(0.2)
    with read_only_transactions():  # never hold SQLite's write lock while the worker writes
        assert _rows()[0] > 20  # committed before the segments
        assert db.session.scalar(select(func.count()).select_from(SegmentMember)) == 6
        db.session.rollback()
    assert get_queue().count == 0


def _segmented() -> int:
    with read_only_transactions():
        count = db.session.scalar(select(func.count()).select_from(SegmentMember)) or 0
        db.session.rollback()
    return count


def test_a_long_range_is_fanned_out_to_one_job_per_month(app, app_ctx, worker):
    build_world()

    assert rollup_range("2026-09-01", "2026-11-10") == {"parts": 3}

    deadline = time.monotonic() + 90
    while _segmented() < 6:
        assert time.monotonic() < deadline, "the parts and the segments did not run"
        time.sleep(0.2)
    with read_only_transactions():
        by_parts = {
            (r.user_id, r.day, r.metric, r.team_id): r.value
            for r in db.session.scalars(select(PersonDay))
        }
        periods = {
            (p.kind, p.metric, p.start, p.user_id): p.days
            for p in db.session.scalars(select(PersonPeriod))
        }
        db.session.rollback()
    rollups.recompute(day(-70), day(8))  # the same days in one go
    db.session.commit()
    assert by_parts == {
        (r.user_id, r.day, r.metric, r.team_id): r.value
        for r in db.session.scalars(select(PersonDay))
    }
    assert periods == {
        (p.kind, p.metric, p.start, p.user_id): p.days
        for p in db.session.scalars(select(PersonPeriod))
    }
