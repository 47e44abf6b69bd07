"""Settling challenges: who wins, paid exactly once (twice, concurrently, by a real worker), told once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from rq.job import Job
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.db import db, read_only_transactions, utcnow
from portal.events import _subscribers, subscribe
from portal.gamification.activity import count_activity
from portal.gamification.challenge_models import Challenge, ChallengeTeam
from portal.gamification.challenge_settlement import challenges_ending, settle_challenge
from portal.gamification.events import ChallengeWon
from portal.gamification.models import PointAward, PointRule
from portal.gamification.points import total_points
from portal.notifications.models import Notification
from portal.notifications.reminders import NOTICE_KINDS, REMINDERS
from portal.queue import OutboxJob, get_queue
from tests.gamification.challenge_factories import log_activity, make_badge, make_challenge

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
END = START + timedelta(days=7)
AFTER = END + timedelta(minutes=5)


@pytest.fixture
def won_events() -> Iterator[list[ChallengeWon]]:
    """Every ChallengeWon published during the test (as the badges domain hears them)."""
    seen: list[ChallengeWon] = []

    def collect(event: ChallengeWon) -> None:
        seen.append(event)

    subscribe(ChallengeWon)(collect)
    yield seen
    _subscribers[ChallengeWon].remove(collect)


@pytest.fixture
def teams(people):  # type: ignore[no-untyped-def]
    blue, green = people.team("Blue"), people.team("Green")
    return {
        "blue": blue,
        "green": green,
        "ann": people.person(team=blue, name="Ann"),
        "bob": people.person(team=blue, name="Bob"),
        "gone": people.person(team=blue, name="Gone", active=False),
        "gil": people.person(team=green, name="Gil"),
    }


def _paid(challenge_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(PointAward.user_id, PointAward.points).where(
            PointAward.subject == f"challenge:{challenge_id}"
        )
    )
    return {user_id: points for user_id, points in rows}


def _results(challenge_id: int) -> list[tuple[int, int | None, bool | None]]:
    rows = db.session.scalars(
        select(ChallengeTeam)
        .where(ChallengeTeam.challenge_id == challenge_id)
        .order_by(ChallengeTeam.position)
    )
    return [(s.team_id, s.final_progress, s.won) for s in rows]


def test_team_challenge_is_won_the_moment_the_target_is_reached(app, teams, won_events):
    badge = make_badge(app)
    cid = make_challenge(
        app, teams["blue"], target=3, starts_at=START, ends_at=END, reward_badge_id=badge
    )
    log_activity(app, teams["ann"], START + timedelta(hours=1), times=2)
    with app.app_context():
        assert settle_challenge(cid, now=START + timedelta(hours=2)) is None  # 2 of 3
        db.session.rollback()
    log_activity(app, teams["bob"], START + timedelta(hours=3))
    ann, bob, gone = teams["ann"].id, teams["bob"].id, teams["gone"].id
    with app.app_context():
        settled = settle_challenge(cid, now=START + timedelta(hours=4))
        db.session.commit()
        assert settled is not None
        assert settled.winning_team_ids == [teams["blue"].id]
        assert settled.winner_ids == [ann, bob]  # active members only
        assert _paid(cid) == {ann: 50, bob: 50}
        assert total_points(ann) == 50
        assert count_activity(ann, "challenges_won") == 1
        assert _results(cid) == [(teams["blue"].id, 3, True)]
        notes = db.session.scalars(
            select(Notification)
            .where(Notification.kind == "challenge_result")
            .order_by(Notification.user_id)
        ).all()
        assert [(n.user_id, n.kind, n.url) for n in notes] == [
            (ann, "challenge_result", f"/challenges/{cid}"),
            (bob, "challenge_result", f"/challenges/{cid}"),
        ]
        assert notes[0].title == "Your team won “Lesson sprint”: +50 points each"
    assert [(e.user_id, e.challenge_id, e.reward_badge_id) for e in won_events] == [
        (ann, cid, badge),
        (bob, cid, badge),
    ]
    assert gone not in [e.user_id for e in won_events]


def test_team_challenge_not_reached_is_lost_at_the_end(app, teams, won_events):
    cid = make_challenge(app, teams["blue"], target=5, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    with app.app_context():
        assert settle_challenge(cid, now=END) is None  # the grace minute after the end
        settled = settle_challenge(cid, now=AFTER)
        db.session.commit()
        assert settled is not None and settled.winner_ids == []
        assert _paid(cid) == {}
        assert _results(cid) == [(teams["blue"].id, 1, False)]
        titles = set(db.session.scalars(select(Notification.title)))
        assert titles == {"“Lesson sprint” ended at 1 of 5"}
    assert won_events == []


def test_race_is_decided_at_the_end_by_the_team_ahead(app, teams):
    blue, green = teams["blue"], teams["green"]
    cid = make_challenge(app, blue, opponent=green, target=2, starts_at=START, ends_at=END)
    log_activity(app, teams["gil"], START + timedelta(hours=1), times=3)
    log_activity(app, teams["ann"], START + timedelta(hours=1), times=2)
    with app.app_context():
        # Green reached the target, but a race runs to the end.
        assert settle_challenge(cid, now=START + timedelta(hours=2)) is None
        settled = settle_challenge(cid, now=AFTER)
        db.session.commit()
        assert settled is not None and settled.winning_team_ids == [green.id]
        assert _paid(cid) == {teams["gil"].id: 50}
        assert _results(cid) == [(blue.id, 2, False), (green.id, 3, True)]
        by_person = {
            u: t for u, t in db.session.execute(select(Notification.user_id, Notification.title))
        }
        assert by_person[teams["ann"].id] == "Green won “Lesson sprint”"
        assert by_person[teams["gil"].id].startswith("Your team won")


@pytest.mark.parametrize(
    ("blue_count", "green_count", "winners"),
    [(3, 3, {"blue", "green"}), (1, 1, set()), (5, 1, {"blue"})],
    ids=["tie-shares-the-win", "nobody-reached-the-target", "ahead-and-reached"],
)
def test_race_outcomes(app, teams, blue_count, green_count, winners):
    blue, green = teams["blue"], teams["green"]
    cid = make_challenge(app, blue, opponent=green, target=3, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1), times=blue_count)
    log_activity(app, teams["gil"], START + timedelta(hours=1), times=green_count)
    with app.app_context():
        settled = settle_challenge(cid, now=AFTER)
        db.session.commit()
        assert settled is not None
        assert set(settled.winning_team_ids) == {teams[name].id for name in winners}


def test_settling_again_changes_nothing(app, teams, won_events):
    cid = make_challenge(app, teams["blue"], target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    with app.app_context():
        assert settle_challenge(cid, now=AFTER) is not None
        db.session.commit()
        assert settle_challenge(cid, now=AFTER + timedelta(hours=1)) is None
        db.session.commit()
        assert len(_paid(cid)) == 2
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    assert len(won_events) == 2


def test_concurrent_settlements_pay_once(app, teams):
    cid = make_challenge(app, teams["blue"], target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    barrier = threading.Barrier(8)
    results: list[object] = []
    errors: list[BaseException] = []

    def settle() -> None:
        try:
            barrier.wait()
            with app.app_context():
                results.append(settle_challenge(cid, now=AFTER))
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=settle) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r is not None for r in results) == 1
    with app.app_context():
        assert _paid(cid) == {teams["ann"].id: 50, teams["bob"].id: 50}
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 2


def _wait_for(jobs: list[Job], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for job in jobs:
            job.refresh()
        if all(job.is_finished or job.is_failed for job in jobs):
            return
        time.sleep(0.05)
    raise AssertionError(f"jobs still {[job.get_status() for job in jobs]}")


def test_a_real_worker_running_the_job_twice_pays_once(app, teams, worker):
    # A race, so that reaching the target does not queue a settlement of its own.
    cid = make_challenge(
        app,
        teams["blue"],
        opponent=teams["green"],
        target=1,
        ends_at=utcnow() - timedelta(minutes=5),
    )
    log_activity(app, teams["ann"], utcnow() - timedelta(hours=1))
    with app.app_context():
        queue = get_queue()
        jobs = [queue.enqueue("jobs.challenges.settle_challenge", cid) for _ in range(2)]
        _wait_for(jobs)
        assert sorted(job.return_value() for job in jobs) == [False, True]
        assert _paid(cid) == {teams["ann"].id: 50, teams["bob"].id: 50}
        assert db.session.get(Challenge, cid).settled_at is not None  # type: ignore[union-attr]


def test_reaching_the_target_has_the_worker_settle_it_at_once(app, teams, worker):
    cid = make_challenge(app, teams["blue"], target=2, ends_at=utcnow() + timedelta(days=3))
    log_activity(app, teams["ann"], utcnow())
    settle_jobs = (
        select(func.count())
        .select_from(OutboxJob)
        .where(OutboxJob.func == "jobs.challenges.settle_challenge")
    )
    with app.app_context():
        assert db.session.scalar(settle_jobs) == 0  # 1 of 2: nothing to settle yet
    log_activity(app, teams["bob"], utcnow())  # the second: target reached
    deadline = time.monotonic() + 60
    # Read without SQLite's write lock, and let go of it between looks: the worker writes.
    with app.app_context(), read_only_transactions():
        while time.monotonic() < deadline:
            settled = db.session.scalar(select(Challenge.settled_at).where(Challenge.id == cid))
            db.session.rollback()
            if settled is not None:
                break
            time.sleep(0.1)
        assert db.session.scalar(settle_jobs) == 1
        assert _paid(cid) == {teams["ann"].id: 50, teams["bob"].id: 50}


def test_the_periodic_sweep_settles_only_what_is_due(app, teams):
    from jobs.challenges import settle_due_challenges

    now = utcnow()
    blue, green = teams["blue"], teams["green"]
    over = make_challenge(app, blue, ends_at=now - timedelta(minutes=2), title="Over")
    reached = make_challenge(app, blue, target=1, title="Reached")
    running = make_challenge(app, green, target=5, title="Running")
    race = make_challenge(app, blue, opponent=green, target=1, title="Race")
    cancelled = make_challenge(app, blue, ends_at=now - timedelta(minutes=2), title="Off")
    log_activity(app, teams["ann"], now - timedelta(minutes=1))
    with app.app_context():
        db.session.get(Challenge, cancelled).cancelled_at = now  # type: ignore[union-attr]
        db.session.commit()
        assert settle_due_challenges() == 2
        settled = set(
            db.session.scalars(select(Challenge.title).where(Challenge.settled_at.is_not(None)))
        )
        assert settled == {"Over", "Reached"}
        assert settle_due_challenges() == 0
        assert {running, race, over, reached} >= set(
            db.session.scalars(select(Challenge.id).where(Challenge.settled_at.is_(None)))
        ) - {cancelled}


def test_a_cancelled_challenge_is_never_settled(app, teams, won_events):
    cid = make_challenge(app, teams["blue"], target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    with app.app_context():
        db.session.get(Challenge, cid).cancelled_at = START  # type: ignore[union-attr]
        db.session.commit()
        assert settle_challenge(cid, now=AFTER) is None
        assert _paid(cid) == {}
    assert won_events == []


def test_winners_are_the_members_at_settlement(app, teams, people):
    blue, green = teams["blue"], teams["green"]
    cid = make_challenge(app, blue, target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    newcomer = people.person(team=green)
    with app.app_context():
        db.session.get(User, teams["bob"].id).team_id = green.id  # type: ignore[union-attr]
        db.session.get(User, newcomer.id).team_id = blue.id  # type: ignore[union-attr]
        db.session.commit()
        settle_challenge(cid, now=AFTER)
        db.session.commit()
        assert set(_paid(cid)) == {teams["ann"].id, newcomer.id}


def test_a_switched_off_rule_pays_no_points_but_the_team_still_wins(app, teams, won_events):
    cid = make_challenge(app, teams["blue"], target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    with app.app_context():
        rule = db.session.scalar(select(PointRule).where(PointRule.action == "challenge_won"))
        assert rule is not None and rule.label == "Win a team challenge"
        rule.active = False
        db.session.commit()
        assert settle_challenge(cid, now=AFTER) is not None
        db.session.commit()
        assert _paid(cid) == {}
    assert len(won_events) == 2


def test_reminder_for_challenges_ending_within_a_day(app, teams, people):
    blue, green = teams["blue"], teams["green"]
    now = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    soon = make_challenge(
        app, blue, opponent=green, starts_at=START, ends_at=now + timedelta(hours=6)
    )
    make_challenge(app, blue, starts_at=START, ends_at=now + timedelta(days=2), title="Later")
    make_challenge(app, green, starts_at=START, ends_at=now - timedelta(hours=1), title="Over")
    with app.app_context():
        db.session.get(User, teams["gil"].id).timezone = "Europe/Berlin"  # type: ignore[union-attr]
        db.session.get(User, teams["bob"].id).timezone = "Asia/Tokyo"  # type: ignore[union-attr]
        db.session.commit()
        assert REMINDERS["challenge_ending"].label == "Challenges ending soon"
        assert NOTICE_KINDS["challenge_result"] == "Results of your team's challenges"
        due = {d.user_id: d for d in challenges_ending(now)}
    assert set(due) == {teams["ann"].id, teams["bob"].id, teams["gil"].id}
    # 02:00 UTC on 1 December, seen from 20:00 UTC on 30 November, in each person's zone:
    assert due[teams["ann"].id].title == "“Lesson sprint” ends tomorrow at 02:00"
    assert due[teams["gil"].id].title == "“Lesson sprint” ends tomorrow at 03:00"
    assert due[teams["bob"].id].title == "“Lesson sprint” ends today at 11:00"
    assert due[teams["ann"].id].url == f"/challenges/{soon}"
    assert due[teams["ann"].id].subject == f"challenge:{soon}" and due[teams["ann"].id].period == ""


def test_leader_and_admin_roles_do_not_change_who_wins(app, teams, people):
    leader = people.person(role=Role.LEADER, team=teams["blue"])
    cid = make_challenge(app, teams["blue"], target=1, starts_at=START, ends_at=END)
    log_activity(app, teams["ann"], START + timedelta(hours=1))
    with app.app_context():
        settle_challenge(cid, now=AFTER)
        db.session.commit()
        assert leader.id in _paid(cid)
