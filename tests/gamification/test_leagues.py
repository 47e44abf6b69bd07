"""Leagues: placement, cohort seats, newcomers, week XP from awards, and concurrent joins."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.gamification import league_standings, leagues
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.points import adjust_points, award_points, spend_points
from tests.gamification.league_factories import (
    AFTER,
    MID,
    WEEK,
    at_hour,
    crowd,
    play,
    seat,
)


def cohorts() -> list[LeagueCohort]:
    return list(db.session.scalars(select(LeagueCohort).where(LeagueCohort.week == WEEK)))


def member_of(user: User) -> LeagueMembership:
    found = leagues.membership(user.id, WEEK)
    assert found is not None
    return found


def test_first_points_of_the_week_join_a_bronze_newcomer_cohort(app_ctx):
    (sam,) = crowd(1)

    play(sam, 20)

    member = member_of(sam)
    assert member.xp == 20
    assert member.cohort.tier == 1
    assert member.cohort.newcomer is True  # their first league week
    assert member.cohort.size == 1


def test_more_points_add_up_in_the_same_membership(app_ctx):
    (sam,) = crowd(1)

    play(sam, 20, at_hour(10))
    play(sam, 15, at_hour(30))
    leagues.join_league(sam, at_hour(31))

    member = member_of(sam)
    assert member.xp == 35
    assert member.xp_reached_at == at_hour(30)
    assert db.session.scalar(select(func.count()).select_from(LeagueMembership)) == 1
    assert member.cohort.size == 1


def test_the_database_refuses_a_second_membership_of_the_same_week(app_ctx):
    (sam,) = crowd(1)
    member = play(sam, 20)
    db.session.commit()

    db.session.add(LeagueMembership(week=WEEK, user_id=sam.id, cohort_id=member.cohort_id, xp=0))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_a_cohort_seats_thirty_then_the_next_one_opens(app_ctx):
    everyone = crowd(31)

    for person in everyone:
        play(person, 10)

    assert sorted((c.number, c.size) for c in cohorts()) == [(1, 30), (2, 1)]
    counted = dict(
        db.session.execute(
            select(LeagueMembership.cohort_id, func.count()).group_by(LeagueMembership.cohort_id)
        ).all()
    )
    assert {c.id: c.size for c in cohorts()} == counted


def test_people_play_in_the_tier_their_last_league_sent_them_to(app_ctx):
    gold, bronze = crowd(2)
    seat(gold, 3)
    seat(bronze, 1)

    play(gold, 10)
    play(bronze, 10)

    assert (member_of(gold).cohort.tier, member_of(gold).cohort.newcomer) == (3, False)
    # Long-standing people in the lowest tier play with each other, not among newcomers.
    assert (member_of(bronze).cohort.tier, member_of(bronze).cohort.newcomer) == (1, False)


def test_recent_joiners_in_the_lowest_tier_play_among_newcomers(app_ctx):
    recent = MID.date() - timedelta(days=10)
    bronze, silver = crowd(2, joined_on=recent)
    seat(bronze, 1)
    seat(silver, 2)
    (returning,) = crowd(1, joined_on=MID.date() - timedelta(days=14), prefix="r")
    seat(returning, 1)

    for person in (bronze, silver, returning):
        play(person, 10)

    assert (member_of(bronze).cohort.tier, member_of(bronze).cohort.newcomer) == (1, True)
    # A promotion is kept: newcomer cohorts are only in the lowest tier.
    assert (member_of(silver).cohort.tier, member_of(silver).cohort.newcomer) == (2, False)
    assert member_of(returning).cohort.newcomer is False  # 14 days is no longer new


def test_newcomers_and_regulars_fill_separate_cohorts(app_ctx):
    newcomers = crowd(3, prefix="n")
    regulars = crowd(3, prefix="r")
    for person in regulars:
        seat(person, 1)

    for person in newcomers + regulars:
        play(person, 10)

    assert sorted((c.tier, c.newcomer, c.size) for c in cohorts()) == [(1, False, 3), (1, True, 3)]


@pytest.fixture
def during_the_week():  # type: ignore[no-untyped-def]
    with time_machine.travel(MID, tick=False):
        yield


def test_awarded_points_become_league_xp_in_the_same_transaction(app_ctx, during_the_week):
    (sam,) = crowd(1)

    assert award_points(sam, "lesson_completed", "lesson:1") is not None
    assert member_of(sam).xp == 20
    db.session.rollback()

    assert leagues.membership(sam.id, WEEK) is None  # the award and the league XP, both gone


def test_spending_and_admin_corrections_leave_league_xp_alone(app_ctx, during_the_week):
    (sam,) = crowd(1)
    admin = User(
        email="admin@example.com", display_name="Ada", role=Role.ADMIN, joined_on=MID.date()
    )
    db.session.add(admin)
    db.session.flush()
    award_points(sam, "lesson_completed", "lesson:1")
    award_points(sam, "lesson_completed", "lesson:2")

    assert spend_points(sam, "streak_freeze", "streak", 30, "freeze:1") is not None
    adjust_points(admin, sam, 500, "A gift")
    adjust_points(admin, sam, -5, "A correction")

    assert member_of(sam).xp == 40
    assert leagues.membership(admin.id, WEEK) is None


def test_points_reported_for_a_finished_week_do_not_count(app_ctx):
    (sam,) = crowd(1)

    assert leagues.add_league_xp(sam, 20, MID, now=AFTER) is None
    assert leagues.add_league_xp(sam, 0, MID, now=MID) is None

    assert leagues.membership(sam.id, WEEK) is None
    assert cohorts() == []


def test_people_joining_at_once_never_overfill_or_split_a_cohort(app, app_ctx):
    everyone = [p.id for p in crowd(45)]
    db.session.commit()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def join(ids: list[int]) -> None:
        with app.app_context():
            try:
                start.wait()
                for user_id in ids:
                    person = db.session.get(User, user_id)
                    assert person is not None
                    leagues.join_league(person, MID)
                    db.session.commit()
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=join, args=(everyone[i::8],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    db.session.expire_all()
    assert sorted((c.number, c.size) for c in cohorts()) == [(1, 30), (2, 15)]
    counted = db.session.execute(
        select(LeagueMembership.cohort_id, func.count()).group_by(LeagueMembership.cohort_id)
    ).all()
    assert sorted(n for _, n in counted) == [15, 30]


def test_standings_rank_by_xp_then_who_got_there_first(app_ctx):
    ann, bo, cy = crowd(3)
    play(ann, 40, at_hour(5))
    play(bo, 30, at_hour(1))
    play(bo, 10, at_hour(3))  # 40 XP two hours before Ann
    play(cy, 50, at_hour(9))

    with time_machine.travel(at_hour(10), tick=False):
        table = league_standings.standings(ann)

    assert table is not None
    assert [(row.rank, row.name, row.xp) for row in table.rows] == [
        (1, "P Person 2", 50),
        (2, "P Person 1", 40),
        (3, "P Person 0", 40),
    ]
    assert table.me is not None and table.me.rank == 3


def test_people_hidden_from_boards_are_anonymous_to_others_only(app_ctx):
    ann, bo = crowd(2)
    bo.hide_from_boards = True
    play(ann, 40)
    play(bo, 30)

    with time_machine.travel(MID, tick=False):
        seen_by_ann = league_standings.standings(ann)
        seen_by_bo = league_standings.standings(bo)

    assert seen_by_ann is not None and seen_by_bo is not None
    assert [(r.name, r.initials) for r in seen_by_ann.rows] == [
        ("P Person 0", "PP"),
        ("Anonymous", "?"),
    ]
    assert seen_by_bo.rows[1].name == "P Person 1"


def test_no_standings_before_joining_and_the_tier_you_would_join(app_ctx):
    (sam,) = crowd(1)
    seat(sam, 4, week="2026-W08")

    with time_machine.travel(MID, tick=False):
        assert league_standings.standings(sam) is None
        assert league_standings.starting_tier(sam).name == "Sapphire"


def test_an_unknown_week_is_nobodys(app_ctx):
    assert league_standings.standings(crowd(1)[0], utcnow()) is None
