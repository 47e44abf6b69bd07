"""The daily roll-ups: what they hold, that they equal the raw tables, and that reruns change nothing."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.advocacy.models import Network, ShareClick, TrackedLink
from portal.db import db
from portal.gamification.activity import record_activity
from portal.gamification.models import ActivityEntry
from portal.insights import rollups
from portal.insights.models import PersonDay, PersonPeriod, TeamDay
from portal.insights.rollups import ACTIVE, PASSIVE, recompute
from portal.learning.records import QuizAttempt
from tests.insights.factories import NOW, World, at, build_world, click, day, item, quiz, share


def _person_days() -> dict[tuple[int, object, str, int], int]:
    return {
        (r.user_id, r.day, r.metric, r.team_id): r.value
        for r in db.session.scalars(select(PersonDay))
    }


def _team_days() -> dict[tuple[object, int, str], int]:
    return {(r.day, r.team_id, r.metric): r.value for r in db.session.scalars(select(TeamDay))}


def _values(world: World, name: str) -> dict[tuple[object, str], int]:
    """One person's roll-up as {(day, metric): value}."""
    uid = world.people[name]
    return {(d, m): v for (u, d, m, _), v in _person_days().items() if u == uid}


def test_a_week_rolls_up_per_person_day_and_team(app_ctx):
    world = build_world()

    result = recompute(day(0), day(6), now=NOW)
    db.session.commit()

    assert _values(world, "ana") == {
        (day(1), "shares"): 2,
        (day(1), "shares.linkedin"): 1,
        (day(1), "shares.x"): 1,
        (day(1), "bulletins_acknowledged"): 1,
        (day(1), "clicks"): 1,
        (day(1), "clicks.linkedin"): 1,
        (day(1), ACTIVE): 1,
        (day(2), "clicks"): 3,  # clicks are credited to the sharer ...
        (day(2), "clicks.linkedin"): 2,
        (day(2), "clicks.x"): 1,  # ... but do not make her active that day
        (day(3), "shares"): 1,  # 23:59:59 is still D3
        (day(3), "shares.linkedin"): 1,
        (day(3), ACTIVE): 1,
    }
    assert _values(world, "ben") == {
        (day(2), "lessons_completed"): 2,
        (day(2), "quizzes_passed"): 1,
        (day(2), "quiz_attempts"): 2,
        (day(2), "quiz_score_sum"): 140,
        (day(2), ACTIVE): 1,
    }
    cat = _values(world, "cat")
    assert cat[(day(4), "shares.facebook")] == 1  # 00:00:00 belongs to D4
    assert cat[(day(6), "ideas_accepted")] == 1
    assert (day(6), ACTIVE) not in cat  # an accepted idea is the owner's doing
    assert _values(world, "eve") == {}
    teams = _team_days()
    assert teams[(day(1), world.blue, "shares")] == 2
    assert teams[(day(2), world.blue, ACTIVE)] == 1  # Ben; Ana's clicks do not count
    assert teams[(day(1), world.blue, "bulletin_audience")] == 3
    assert teams[(day(1), world.blue, "bulletin_acknowledged")] == 2
    assert teams[(day(1), world.green, "bulletin_audience")] == 2
    assert teams[(day(1), 0, "bulletin_audience")] == 1  # the admin, in no team
    assert teams[(day(2), world.green, "bulletin_audience")] == 2
    assert teams[(day(2), world.green, "bulletin_acknowledged")] == 1
    assert result.person_rows == len(_person_days())
    week = {r.week for r in db.session.scalars(select(PersonDay))}
    assert week == {day(0)}  # D0 is a Monday


def test_running_twice_changes_nothing(app_ctx):
    build_world()
    recompute(day(0), day(6), now=NOW)
    db.session.commit()
    people, teams = _person_days(), _team_days()

    recompute(day(0), day(6), now=NOW)
    recompute(day(2), day(4), now=NOW)
    db.session.commit()

    assert _person_days() == people
    assert _team_days() == teams


def test_a_window_recomputes_only_its_days(app_ctx):
    world = build_world()
    recompute(day(0), day(6), now=NOW)
    db.session.commit()
    before = _person_days()
    ben = world.user("ben")
    record_activity(ben, "lessons_completed", "lesson:99", at(5))  # late news about D5
    record_activity(ben, "lessons_completed", "lesson:98", at(1))  # and about D1
    db.session.commit()

    recompute(day(4), day(6), now=NOW)
    db.session.commit()

    after = _person_days()
    assert after[(ben.id, day(5), "lessons_completed", world.blue)] == 1
    assert (ben.id, day(1), "lessons_completed", world.blue) not in after  # outside the window
    assert {k: v for k, v in after.items() if k[1] < day(4)} == {
        k: v for k, v in before.items() if k[1] < day(4)
    }


def test_people_count_in_the_team_they_were_in_when_they_acted(app_ctx):
    world = build_world()
    ana = world.user("ana")
    ana.team_id = world.green  # Ana moves after her week
    db.session.commit()

    recompute(day(0), day(6), now=NOW)
    db.session.commit()

    teams = _team_days()
    assert teams[(day(1), world.blue, "shares")] == 2
    assert (day(1), world.green, "shares") not in teams


def test_the_end_stops_at_today(app_ctx):
    build_world()
    result = recompute(day(0), day(40), now=NOW)
    assert result.end == NOW.date()


def test_nightly_window_is_three_days_and_bulletins_thirty(app_ctx):
    world = build_world()
    ben = world.user("ben")
    record_activity(ben, "lessons_completed", "lesson:77", at(5))
    db.session.commit()

    rollups.recompute_recent(at(6, 23))  # D4..D6, and bulletins of D-23..D6
    db.session.commit()

    days = {d for (_, d, _, _) in _person_days()}
    assert days == {day(4), day(5), day(6)}
    teams = _team_days()
    assert teams[(day(1), world.blue, "bulletin_audience")] == 3  # bulletins reach back
    assert rollups.current_settings().rolled_up_at == at(6, 23)


def _raw_person_days() -> Counter[tuple[int, object, str, int]]:
    """The person roll-up computed the slow way, in Python, straight from the raw rows."""
    expected: Counter[tuple[int, object, str, int]] = Counter()
    for e in db.session.scalars(select(ActivityEntry)):
        key = (e.user_id, e.occurred_at.astimezone(UTC).date())
        team = e.team_id or 0
        expected[(*key, e.metric, team)] += 1
        if e.metric == "shares":
            expected[(*key, "shares." + e.subject.rsplit(":", 1)[1], team)] += 1
        if e.metric == "clicks":
            link = db.session.get_one(
                TrackedLink, db.session.get_one(ShareClick, int(e.subject[6:])).link_id
            )
            expected[(*key, "clicks." + link.network.value, team)] += 1
    for a in db.session.scalars(select(QuizAttempt).where(QuizAttempt.finished_at.is_not(None))):
        assert a.finished_at is not None and a.score is not None
        team = db.session.get_one(User, a.user_id).team_id or 0
        key = (a.user_id, a.finished_at.astimezone(UTC).date())
        expected[(*key, "quiz_attempts", team)] += 1
        expected[(*key, "quiz_score_sum", team)] += a.score
    for user_id, on, metric, team in list(expected):
        if metric not in PASSIVE and not metric.startswith("clicks."):
            expected[(user_id, on, ACTIVE, team)] = 1
    return expected


def test_rollups_equal_raw_queries_on_a_random_month(app_ctx):
    rng = random.Random(20261125)
    teams = [Team(name=f"T{n}") for n in range(3)]
    db.session.add_all(teams)
    db.session.flush()
    from tests.insights.factories import lesson, person

    people = [person(f"p{n}", rng.choice([*teams, None])) for n in range(12)]
    things = [item(f"Item {n}") for n in range(4)]
    lessons = [lesson() for _ in range(3)]
    start = datetime(2026, 10, 1, tzinfo=UTC)
    visitor = 0
    for _ in range(160):
        who = rng.choice(people)
        when = start + timedelta(seconds=rng.randrange(31 * 86400))
        kind = rng.random()
        if kind < 0.35:
            link = share(who, rng.choice(things), rng.choice(list(Network)), when)
            for _ in range(rng.randrange(3)):
                visitor += 1
                click(link, f"v{visitor}", when + timedelta(hours=rng.randrange(30)))
        elif kind < 0.6:
            record_activity(who, "lessons_completed", f"lesson:{rng.randrange(10**6)}", when)
        elif kind < 0.75:
            n = rng.randrange(1, 10**6)
            quiz(who, rng.choice(lessons), rng.choice([0, 40, 75, 100]), when, number=n)
        else:
            metric = rng.choice(["ideas", "ideas_accepted"])
            record_activity(who, metric, f"idea:{rng.randrange(10**6)}", when)
        if rng.random() < 0.1:  # people move between teams; counts stay where they were
            moved = rng.choice([*teams, None])
            who.team_id = moved.id if moved else None
    db.session.commit()

    recompute(datetime(2026, 9, 30).date(), datetime(2026, 11, 3).date(), now=NOW)
    db.session.commit()

    expected = _raw_person_days()
    assert _person_days() == dict(expected)
    team_sums: Counter[tuple[object, int, str]] = Counter()
    for (_, on, metric, team), value in expected.items():
        team_sums[(on, team, metric)] += value
    assert {k: v for k, v in _team_days().items() if not k[2].startswith("bulletin_")} == dict(
        team_sums
    )

    # Weeks and months of people figures equal the days they are made of.
    periods: Counter[tuple[str, str, object, int]] = Counter()
    seen: set[tuple[str, str, object, int, object]] = set()
    for (user_id, on, metric, _), _value in expected.items():
        if metric in ("active", "shares"):
            for kind, start in (("w", rollups.week_of(on)), ("m", rollups.month_of(on))):
                if (kind, metric, start, user_id, on) not in seen:
                    seen.add((kind, metric, start, user_id, on))
                    periods[(kind, metric, start, user_id)] += 1
    found = {
        (r.kind, r.metric, r.start, r.user_id): r.days
        for r in db.session.scalars(select(PersonPeriod))
    }
    assert found == dict(periods)
    # ... and people counted over any range match a brute-force count over the days.
    from portal.insights import metrics, scopes

    company = scopes.Scope("company", "Company")
    for _ in range(25):
        first = datetime(2026, 9, 25).date() + timedelta(days=rng.randrange(30))
        period = scopes.Period(first, first + timedelta(days=rng.randrange(1, 45)))
        for metric in ("active", "shares"):
            brute = {
                u
                for (u, on, m, _) in expected
                if m == metric
                and period.start <= on <= period.end
                and db.session.get_one(User, u).active
            }
            assert metrics.distinct_people(company, period, metric) == len(brute), period
