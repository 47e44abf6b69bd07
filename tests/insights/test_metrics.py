"""Every dashboard figure against the values worked out by hand for the fixed world."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.db import db
from portal.insights import metrics, scopes
from portal.insights.rollups import current_settings, recompute
from portal.insights.scopes import Period, Scope
from tests.insights.factories import NOW, build_world, day

WEEK = Period(day(0), day(6))
COMPANY = Scope("company", "Company")


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    recompute(day(0), day(6), now=NOW)
    db.session.commit()
    return built


def test_company_figures(world):
    s = metrics.summarise(COMPANY, WEEK)

    assert (s.people, s.active_people, s.participation) == (6, 4, 67)
    assert s.active_advocates == 2
    assert s.shares == 4
    assert s.shares_by_network == {"linkedin": 2, "x": 1, "facebook": 1}
    assert s.clicks == 5
    assert s.clicks_by_network == {"linkedin": 3, "x": 1, "facebook": 1}
    assert s.clicks_per_share == 1.25
    assert s.potential_reach == {"linkedin": 500, "x": 100, "facebook": 200}
    assert s.total_potential_reach == 800
    assert s.earned_media_value_cents == 500  # 5 clicks at the default $1.00
    assert s.count("lessons_completed") == 2
    assert s.count("quizzes_passed") == 1
    assert s.quiz_average == 70
    assert s.bulletins == (8, 3)
    assert s.bulletin_rate == 38  # 37.5%, halves up
    assert (s.count("ideas"), s.count("ideas_accepted")) == (1, 1)


def test_earned_media_value_uses_the_admins_value_per_click(world):
    current_settings().click_value_cents = 250
    db.session.commit()

    s = metrics.summarise(COMPANY, WEEK)

    assert s.earned_media_value_cents == 1250
    assert metrics.money(s.earned_media_value_cents, "USD") == "$12.50"
    assert metrics.money(123456, "CHF") == "1,234.56 CHF"


def test_team_figures(world):
    blue = metrics.summarise(Scope("team", "Blue", team_id=world.blue), WEEK)
    green = metrics.summarise(Scope("team", "Green", team_id=world.green), WEEK)

    assert (blue.people, blue.active_people, blue.participation) == (3, 3, 100)
    assert (blue.shares, blue.clicks, blue.active_advocates) == (3, 4, 1)
    assert blue.quiz_average == 70
    assert blue.bulletins == (3, 2) and blue.bulletin_rate == 67
    assert blue.potential_reach == {"linkedin": 500, "x": 100, "facebook": 0}
    assert (green.people, green.active_people, green.participation) == (2, 1, 50)
    assert (green.shares, green.clicks, green.count("ideas_accepted")) == (1, 1, 1)
    assert green.bulletins == (4, 1) and green.bulletin_rate == 25
    assert green.quiz_average is None  # no attempts: nothing to average


def test_personal_figures(world):
    ana = world.user("ana")

    s = metrics.summarise(scopes.person_scope(ana), WEEK)

    assert s.active_people == 2  # active days: D1 and D3 (D2 had only clicks on her links)
    assert s.participation == 29  # 2 of 7 days
    assert (s.shares, s.clicks, s.clicks_per_share) == (3, 4, 1.33)
    assert s.shares_by_network == {"linkedin": 2, "x": 1, "facebook": 0}
    assert s.potential_reach == {"linkedin": 500, "x": 100, "facebook": 0}
    assert s.bulletins == (1, 1) and s.bulletin_rate == 100  # bulletin 2 was for Green
    assert s.quiz_average is None


def test_a_narrower_range_counts_only_its_days(world):
    s = metrics.summarise(COMPANY, Period(day(2), day(3)))

    assert (s.shares, s.clicks) == (1, 3)  # Ana's D3 share; three clicks on D2
    assert s.active_people == 3  # Ben (D2), Ana and Dan (D3)
    assert s.bulletins == (2, 1)  # only bulletin 2, published on D2


def test_people_figures_count_todays_members(world):
    ana = world.user("ana")
    ana.team_id = world.green  # Ana moves to Green after the week
    db.session.commit()

    blue = metrics.summarise(Scope("team", "Blue", team_id=world.blue), WEEK)
    green = metrics.summarise(Scope("team", "Green", team_id=world.green), WEEK)

    assert blue.shares == 3  # her shares stay where she made them
    assert (blue.people, blue.active_people, blue.active_advocates) == (2, 2, 0)
    assert (green.people, green.active_people, green.active_advocates) == (3, 2, 2)


def test_deactivated_people_leave_the_people_figures(world):
    world.user("eve").active = False
    db.session.commit()

    s = metrics.summarise(COMPANY, WEEK)

    assert (s.people, s.active_people, s.participation) == (5, 4, 80)


def test_series_by_day_week_and_month(world):
    shares = metrics.series(COMPANY, WEEK, ["shares", "clicks"])
    assert shares["shares"] == [0, 2, 0, 1, 1, 0, 0]
    assert shares["clicks"] == [0, 1, 3, 0, 0, 1, 0]
    active = metrics.distinct_people_series(COMPANY, WEEK)
    assert active == [0, 1, 1, 2, 1, 1, 0]  # D1 Ana; D2 Ben; D3 Ana, Dan; D4 Cat; D5 Cat

    quarter = Period(day(-40), day(6))
    assert quarter.bucket == "week"
    weekly = metrics.series(COMPANY, quarter, ["shares"])["shares"]
    assert weekly[-1] == 4 and sum(weekly) == 4
    assert len(weekly) == len(quarter.buckets())
    assert metrics.distinct_people_series(COMPANY, quarter)[-1] == 4

    year = Period(day(-300), day(6))
    assert year.bucket == "month"
    assert metrics.series(COMPANY, year, ["clicks"])["clicks"][-1] == 5


def test_team_table(world):
    rows = {row.name: row for row in metrics.team_table(WEEK)}

    assert (rows["Blue"].people, rows["Blue"].participation, rows["Blue"].shares) == (3, 100, 3)
    assert (rows["Green"].clicks, rows["Green"].participation, rows["Green"].lessons) == (1, 50, 0)


def test_period_labels_and_buckets():
    week = Period(day(0), day(6))
    assert week.days == 7 and week.bucket == "day"
    assert week.label == "2 Nov – 8 Nov 2026"
    assert Period(day(-2), day(0)).buckets() == [day(-2), day(-1), day(0)]
    assert Period(day(0), day(100)).buckets()[0] == day(0)
    assert Period(day(-60), day(60)).bucket_label(day(0)) == "w/c 2 Nov"
    assert metrics.percent(1, 3) == 33 and metrics.percent(1, 2) == 50
    assert metrics.percent(3, 8) == 38 and metrics.percent(1, 0) is None


@pytest.mark.parametrize("seed", range(40))
def test_a_period_is_tiled_by_whole_months_weeks_and_days(seed):
    import random

    rng = random.Random(seed)
    start = day(rng.randrange(-400, 0))
    period = Period(start, start + timedelta(days=rng.randrange(0, 400)))

    months, weeks, ranges = scopes.split(period)

    covered = [
        m + timedelta(days=n) for m in months for n in range((scopes.month_end(m) - m).days + 1)
    ]
    covered += [w + timedelta(days=n) for w in weeks for n in range(7)]
    covered += [a + timedelta(days=n) for a, b in ranges for n in range((b - a).days + 1)]
    every_day = [period.start + timedelta(days=n) for n in range(period.days)]
    assert sorted(covered) == every_day  # each day once, none outside
    assert all(w.weekday() == 0 for w in weeks) and all(m.day == 1 for m in months)
    assert len(ranges) <= 4


def test_a_page_of_the_team_table_has_the_full_tables_figures(world):
    every = sorted(metrics.team_table(WEEK), key=lambda row: row.team_id)

    for by in metrics.TEAM_ORDERS:
        assert sorted(metrics.team_table(WEEK, by, 10), key=lambda row: row.team_id) == every
    assert [row.name for row in metrics.team_table(WEEK, "shares", 1)] == ["Blue"]
    assert [row.name for row in metrics.team_table(WEEK, "shares", 1, 1)] == ["Green"]
