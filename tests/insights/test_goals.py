"""KPI goals: who sets them for whom, their current period, and progress on the dashboards."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.insights import goals
from portal.insights.models import Goal, GoalPeriod
from portal.insights.rollups import recompute
from tests.insights.factories import NOW, build_world, day, person


def test_current_periods():
    wed = date(2026, 11, 25)
    assert goals.current_period(GoalPeriod.WEEK, wed)[0].start == date(2026, 11, 23)
    assert goals.current_period(GoalPeriod.WEEK, wed)[1] == date(2026, 11, 29)
    month, month_end = goals.current_period(GoalPeriod.MONTH, wed)
    assert (month.start, month.end, month_end) == (date(2026, 11, 1), wed, date(2026, 11, 30))
    quarter, quarter_end = goals.current_period(GoalPeriod.QUARTER, wed)
    assert (quarter.start, quarter_end) == (date(2026, 10, 1), date(2026, 12, 31))
    assert goals.current_period(GoalPeriod.QUARTER, date(2026, 2, 3))[0].start == date(2026, 1, 1)


@pytest.fixture
def setup(app_ctx):  # type: ignore[no-untyped-def]
    world = build_world()
    recompute(day(0), day(6), now=NOW)
    db.session.commit()
    return world


def test_admins_set_company_and_team_goals_leaders_their_team(setup):
    admin, dan, ana = setup.user("admin"), setup.user("dan"), setup.user("ana")

    company = goals.create_goal(admin, "shares", "month", 40, None)
    green = goals.create_goal(admin, "clicks", "week", 10, setup.green)
    blue = goals.create_goal(dan, "participation", "quarter", 80, setup.blue)

    assert (company.team_id, green.team_id, blue.team_id) == (None, setup.green, setup.blue)
    with pytest.raises(PermissionDenied):
        goals.create_goal(dan, "shares", "month", 5, None)  # a leader, for the company
    with pytest.raises(goals.GoalError, match="your teams"):
        goals.create_goal(dan, "shares", "month", 5, setup.green)  # another team
    with pytest.raises(PermissionDenied):
        goals.create_goal(ana, "shares", "month", 5, setup.blue)  # an employee


@pytest.mark.parametrize(
    ("metric", "period", "target", "field"),
    [
        ("bogus", "month", 5, "metric"),
        ("shares", "fortnight", 5, "period"),
        ("shares", "month", 0, "target"),
        ("shares", "month", None, "target"),
        ("participation", "month", 101, "target"),  # a percentage
        ("shares", "month", goals.MAX_TARGET + 1, "target"),
    ],
)
def test_bad_goals_say_which_field(setup, metric, period, target, field):
    with pytest.raises(goals.GoalError) as caught:
        goals.create_goal(setup.user("admin"), metric, period, target, None)
    assert caught.value.field == field


def test_leaders_remove_only_their_teams_goals(setup):
    admin, dan = setup.user("admin"), setup.user("dan")
    company = goals.create_goal(admin, "shares", "month", 40, None)
    green = goals.create_goal(admin, "clicks", "week", 10, setup.green)
    blue = goals.create_goal(dan, "ideas", "month", 3, setup.blue)

    for other in (company, green):
        with pytest.raises(NotFound):
            goals.delete_goal(dan, other.id)
    goals.delete_goal(dan, blue.id)
    goals.delete_goal(admin, green.id)

    assert [g.id for g in db.session.query(Goal)] == [company.id]


def test_progress_in_the_current_period(setup):
    admin = setup.user("admin")
    made = [
        goals.create_goal(admin, "shares", "week", 8, None),
        goals.create_goal(admin, "clicks", "week", 5, setup.blue),
        goals.create_goal(admin, "active_advocates", "week", 2, None),
        goals.create_goal(admin, "participation", "week", 50, setup.green),
        goals.create_goal(admin, "quiz_average", "week", 90, setup.blue),
        goals.create_goal(admin, "bulletin_rate", "week", 30, None),
        goals.create_goal(admin, "earned_media_value", "week", 4, None),
        goals.create_goal(admin, "lessons_completed", "month", 10, setup.blue),
    ]

    found = {(p.goal.metric, p.goal.team_id): p for p in goals.progress(made, day(6))}

    assert (found[("shares", None)].value, found[("shares", None)].percent) == (4, 50)
    assert found[("clicks", setup.blue)].value == 4
    assert found[("active_advocates", None)].reached
    assert found[("participation", setup.green)].value == 50
    assert found[("participation", setup.green)].reached  # exactly the target
    assert found[("quiz_average", setup.blue)].value == 70
    assert found[("bulletin_rate", None)].value == 38
    assert found[("earned_media_value", None)].value == 5  # $5 of clicks, target $4
    assert found[("earned_media_value", None)].percent == 100  # capped for the bar
    monthly = found[("lessons_completed", setup.blue)]
    assert (monthly.period.start, monthly.ends_on, monthly.value) == (
        date(2026, 11, 1),
        date(2026, 11, 30),
        2,
    )


def test_who_sees_which_goals(setup):
    admin = setup.user("admin")
    company = goals.create_goal(admin, "shares", "month", 40, None)
    blue = goals.create_goal(admin, "clicks", "week", 10, setup.blue)
    green = goals.create_goal(admin, "ideas", "week", 2, setup.green)

    assert goals.goals_for(setup.user("ana").team_id) == [company, blue]
    assert goals.goals_for(setup.user("cat").team_id) == [company, green]
    assert goals.goals_for(None) == [company]
    assert goals.all_goals() == [company, blue, green]


def test_leaders_without_a_team_cannot_set_goals(app_ctx):
    loner = person("loner", None, Role.LEADER)
    team = Team(name="Solo")
    db.session.add(team)
    db.session.flush()

    assert not goals.can_set_goals(loner)
    with pytest.raises(PermissionDenied):
        goals.create_goal(loner, "shares", "month", 5, team.id)
