"""The weekly rollover: zones at the edges, ties, results, events, notices, and running it twice."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import event, select

from jobs.leagues import rollover_leagues
from portal.accounts.models import User
from portal.db import db, utcnow
from portal.events import subscribe
from portal.gamification import leagues
from portal.gamification.events import LeagueWeekFinished
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.league_rules import week_end, week_of, zone_sizes
from portal.notifications.models import Notification
from portal.queue import get_queue
from tests.gamification.league_factories import (
    AFTER,
    MID,
    NEXT,
    WEEK,
    at_hour,
    crowd,
    play,
    seat,
)

FINISHED: list[LeagueWeekFinished] = []


@subscribe(LeagueWeekFinished)
def _remember(event: LeagueWeekFinished) -> None:
    FINISHED.append(event)


@pytest.fixture(autouse=True)
def _forget_events():  # type: ignore[no-untyped-def]
    FINISHED.clear()
    yield
    FINISHED.clear()


def cohort_of(tier: int, size: int, prefix: str = "p") -> tuple[int, list[User]]:
    """A cohort of `size` people in `tier`, person i with 10 * (size - i) XP (best first)."""
    people = crowd(size, prefix=prefix)
    for i, person in enumerate(people):
        seat(person, tier)
        play(person, 10 * (size - i), at_hour(1 + i))
    db.session.commit()
    cohort_id = leagues.membership(people[0].id, WEEK).cohort_id  # type: ignore[union-attr]
    return cohort_id, people


def outcomes(people: list[User]) -> list[tuple[int | None, str | None, int | None]]:
    db.session.expire_all()
    found = []
    for person in people:
        member = leagues.membership(person.id, WEEK)
        assert member is not None
        found.append((member.rank, member.outcome, member.next_tier))
    return found


def test_a_full_cohort_sends_the_top_five_up_and_the_last_five_down(app_ctx):
    cohort_id, people = cohort_of(3, 30)

    results = leagues.close_cohort(cohort_id, AFTER)
    db.session.commit()

    assert results is not None and len(results) == 30
    found = outcomes(people)
    assert [rank for rank, _, _ in found] == list(range(1, 31))
    assert found[:5] == [(r, "promoted", 4) for r in range(1, 6)]
    assert found[5:25] == [(r, "stayed", 3) for r in range(6, 26)]
    assert found[25:] == [(r, "demoted", 2) for r in range(26, 31)]
    cohort = db.session.get(LeagueCohort, cohort_id)
    assert cohort is not None and cohort.closed_at == AFTER


@pytest.mark.parametrize("size", [1, 2, 3, 5, 7, 9, 14])
def test_small_cohorts_move_fewer_people_and_the_zones_never_overlap(app_ctx, size):
    cohort_id, people = cohort_of(3, size)

    leagues.close_cohort(cohort_id, AFTER)

    found = [outcome for _, outcome, _ in outcomes(people)]
    up, down = zone_sizes(size)
    assert found.count("promoted") == up
    assert found.count("demoted") == down
    assert found == ["promoted"] * up + ["stayed"] * (size - up - down) + ["demoted"] * down
    expected = {1: (0, 0), 2: (1, 0), 3: (1, 1), 5: (1, 1), 7: (2, 2), 9: (3, 3), 14: (4, 4)}
    assert (up, down) == expected[size]


def test_the_top_tier_keeps_its_best_and_the_lowest_its_last(app_ctx):
    diamond_id, diamond = cohort_of(5, 12, prefix="d")
    bronze_id, bronze = cohort_of(1, 12, prefix="b")

    leagues.close_cohort(diamond_id, AFTER)
    leagues.close_cohort(bronze_id, AFTER)

    top = outcomes(diamond)
    assert top[:4] == [(r, "stayed", 5) for r in range(1, 5)]  # nothing above Diamond
    assert top[-4:] == [(r, "demoted", 4) for r in range(9, 13)]
    low = outcomes(bronze)
    assert low[:4] == [(r, "promoted", 2) for r in range(1, 5)]
    assert low[-4:] == [(r, "stayed", 1) for r in range(9, 13)]  # nothing below Bronze


def test_equal_xp_goes_to_whoever_reached_it_first(app_ctx):
    people = crowd(6)
    for person in people:
        seat(person, 2)
    # Everyone on 50 XP, reached in the reverse order of their ids.
    for i, person in enumerate(people):
        play(person, 50, at_hour(60 - i))
    db.session.commit()
    cohort_id = leagues.membership(people[0].id, WEEK).cohort_id  # type: ignore[union-attr]

    leagues.close_cohort(cohort_id, AFTER)

    found = outcomes(people)
    assert [rank for rank, _, _ in found] == [6, 5, 4, 3, 2, 1]
    assert found[5] == (1, "promoted", 3)
    assert found[0][1] == "demoted"


def test_everyone_hears_their_result_once_as_an_event_and_a_notification(app_ctx):
    cohort_id, people = cohort_of(2, 7)

    leagues.close_cohort(cohort_id, AFTER)
    db.session.commit()

    assert sorted((e.user_id, e.week, e.tier, e.rank, e.outcome) for e in FINISHED) == sorted(
        [(people[0].id, WEEK, 2, 1, "promoted"), (people[1].id, WEEK, 2, 2, "promoted")]
        + [(people[i].id, WEEK, 2, i + 1, "stayed") for i in range(2, 5)]
        + [(people[i].id, WEEK, 2, i + 1, "demoted") for i in range(5, 7)]
    )
    assert {e.occurred_at for e in FINISHED} == {week_end(WEEK)}
    notes = {
        n.user_id: n
        for n in db.session.scalars(
            select(Notification).where(Notification.kind == "league_result")
        )
    }
    assert len(notes) == 7
    assert notes[people[0].id].title == "You were promoted to Gold"
    assert notes[people[0].id].body == (
        "Week 2026-W10 of your Silver league is over: you finished in the top 2."
    )
    assert notes[people[3].id].title == "You stay in Silver"
    assert notes[people[6].id].title == "You moved down to Bronze"
    assert notes[people[6].id].body == (
        "Week 2026-W10 of your Silver league is over: you finished in the last 2."
    )
    assert notes[people[0].id].subject == f"league:{WEEK}"
    assert notes[people[0].id].url == "/leagues"


def test_a_cohort_cannot_close_while_its_week_runs(app_ctx):
    cohort_id, _ = cohort_of(1, 2)

    with pytest.raises(leagues.LeagueError, match="still running"):
        leagues.close_cohort(cohort_id, MID)


def test_next_week_people_play_in_the_tier_they_earned(app_ctx):
    cohort_id, people = cohort_of(3, 15)
    leagues.close_cohort(cohort_id, AFTER)
    db.session.commit()

    for person in (people[0], people[7], people[14]):
        play(person, 5, NEXT)

    tiers = [
        leagues.membership(p.id, week_of(NEXT)).cohort.tier  # type: ignore[union-attr]
        for p in (people[0], people[7], people[14])
    ]
    assert tiers == [4, 3, 2]


def test_joining_before_the_rollover_ran_uses_the_result_it_will_store(app_ctx):
    cohort_id, people = cohort_of(3, 15)

    early = week_end(WEEK) + timedelta(minutes=1)  # the job has not run yet
    play(people[0], 5, early)
    play(people[14], 5, early)
    leagues.close_cohort(cohort_id, AFTER)
    db.session.commit()

    assert leagues.membership(people[0].id, week_of(early)).cohort.tier == 4  # type: ignore[union-attr]
    assert leagues.membership(people[14].id, week_of(early)).cohort.tier == 2  # type: ignore[union-attr]
    assert outcomes([people[0], people[14]]) == [(1, "promoted", 4), (15, "demoted", 2)]


def _snapshot() -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], int]:
    db.session.expire_all()
    members = db.session.execute(
        select(
            LeagueMembership.id, LeagueMembership.rank, LeagueMembership.outcome,
            LeagueMembership.next_tier,
        ).order_by(LeagueMembership.id)
    ).all()  # fmt: skip
    cohorts = db.session.execute(
        select(LeagueCohort.id, LeagueCohort.closed_at, LeagueCohort.size).order_by(LeagueCohort.id)
    ).all()
    notes = len(db.session.scalars(select(Notification.id)).all())
    return [tuple(m) for m in members], [tuple(c) for c in cohorts], notes


def test_the_rollover_job_run_twice_changes_nothing_the_second_time(app_ctx):
    _, tier3 = cohort_of(3, 12, prefix="g")
    _, tier1 = cohort_of(1, 4, prefix="b")

    with time_machine.travel(AFTER, tick=False):
        first = rollover_leagues()
        after_first = _snapshot()
        events = len(FINISHED)
        second = rollover_leagues()

    assert first == {"due": 2, "closed": 2, "members": 16}
    assert second == {"due": 0, "closed": 0, "members": 0}
    assert _snapshot() == after_first
    assert after_first[2] == 16  # one notice each
    assert len(FINISHED) == events == 16


def test_two_rollovers_at_once_close_each_cohort_once(app, app_ctx):
    for tier in (1, 2, 3, 4):
        cohort_of(tier, 6, prefix=f"t{tier}-")
    db.session.rollback()  # hold no lock while the two run
    start = threading.Barrier(2)
    counts: list[dict[str, int]] = []
    errors: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                start.wait()
                counts.append(rollover_leagues())
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    with time_machine.travel(AFTER, tick=False):
        threads = [threading.Thread(target=run) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert errors == []
    assert sum(c["closed"] for c in counts) == 4
    assert sum(c["members"] for c in counts) == 24
    assert len(FINISHED) == 24
    assert _snapshot()[2] == 24  # one notification each


def test_closing_a_closed_cohort_again_does_nothing(app_ctx):
    cohort_id, _ = cohort_of(2, 5)
    assert leagues.close_cohort(cohort_id, AFTER) is not None
    db.session.commit()
    before = _snapshot()

    assert leagues.close_cohort(cohort_id, AFTER + timedelta(hours=1)) is None

    assert _snapshot() == before
    assert len(FINISHED) == 5


def test_the_rollover_leaves_the_running_week_alone(app_ctx):
    cohort_of(2, 5)

    with time_machine.travel(MID, tick=False):
        assert rollover_leagues() == {"due": 0, "closed": 0, "members": 0}


def _league_statements(app_ctx, cohort_id: int) -> int:  # type: ignore[no-untyped-def]
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if "league_" in statement:
            seen.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        leagues.close_cohort(cohort_id, AFTER)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_closing_a_cohort_costs_the_same_statements_for_3_or_30_members(app_ctx):
    small_id, _ = cohort_of(2, 3, prefix="s")
    big_id, _ = cohort_of(3, 30, prefix="b")
    db.session.expunge_all()

    small = _league_statements(app_ctx, small_id)
    big = _league_statements(app_ctx, big_id)

    assert small == big <= 5


# --- a real worker -----------------------------------------------------------------------


def test_a_real_worker_running_the_job_twice_rolls_the_week_over_once(app, app_ctx, worker):
    last_week = utcnow() - timedelta(days=7)
    people = crowd(8)
    for i, person in enumerate(people):
        seat(person, 2, week=week_of(last_week - timedelta(days=7)))
        play(person, 10 * (8 - i), last_week - timedelta(minutes=i))
    db.session.commit()

    queue = get_queue()
    jobs = [queue.enqueue("jobs.leagues.rollover_leagues") for _ in range(2)]
    deadline = time.monotonic() + 60
    while any(job.get_status(refresh=True) not in ("finished", "failed") for job in jobs):
        assert time.monotonic() < deadline, [job.get_status() for job in jobs]
        time.sleep(0.1)

    assert [job.get_status() for job in jobs] == ["finished", "finished"]
    assert [job.return_value() for job in jobs] == [
        {"due": 1, "closed": 1, "members": 8},
        {"due": 0, "closed": 0, "members": 0},
    ]
    found = outcomes_for(people, week_of(last_week))
    assert [outcome for _, outcome, _ in found] == ["promoted"] * 2 + ["stayed"] * 4 + [
        "demoted"
    ] * 2
    notes = db.session.scalars(
        select(Notification).where(Notification.kind == "league_result")
    ).all()
    assert sorted(n.user_id for n in notes) == sorted(p.id for p in people)


def outcomes_for(people: list[User], week: str) -> list[tuple[int | None, str | None, int | None]]:
    db.session.expire_all()
    found = []
    for person in people:
        member = leagues.membership(person.id, week)
        assert member is not None
        found.append((member.rank, member.outcome, member.next_tier))
    return found
