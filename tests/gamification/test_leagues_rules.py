"""The league rules as pure functions: weeks in UTC, zone sizes, outcomes, newcomers."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from portal.gamification import league_rules as rules


def test_a_league_week_is_the_iso_week_in_utc():
    assert rules.week_of(datetime(2026, 11, 23, 0, 0, tzinfo=UTC)) == "2026-W48"
    assert rules.week_of(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) == "2026-W48"
    # Monday 00:30 in Berlin is still Sunday in UTC: last week.
    berlin = datetime(2026, 11, 30, 0, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert rules.week_of(berlin) == "2026-W48"
    assert rules.week_start("2026-W48") == datetime(2026, 11, 23, tzinfo=UTC)
    assert rules.week_end("2026-W48") == datetime(2026, 11, 30, tzinfo=UTC)


def test_weeks_across_the_new_year_keep_their_order():
    assert rules.week_of(datetime(2026, 12, 31, tzinfo=UTC)) == "2026-W53"
    assert rules.week_of(datetime(2027, 1, 3, tzinfo=UTC)) == "2026-W53"
    assert rules.week_of(datetime(2027, 1, 4, tzinfo=UTC)) == "2027-W01"
    assert rules.previous_week("2027-W01") == "2026-W53"
    assert "2026-W53" < "2027-W01"  # weeks compare as strings in SQL


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 1)))
def test_every_moment_lies_within_its_week(moment):
    moment = moment.replace(tzinfo=UTC)
    week = rules.week_of(moment)
    assert rules.week_start(week) <= moment < rules.week_end(week)
    assert rules.previous_week(week) < week
    assert rules.week_of(rules.week_end(week)) > week


@given(st.integers(min_value=0, max_value=rules.COHORT_SIZE))
def test_zones_never_overlap_and_never_move_more_than_five(size):
    up, down = rules.zone_sizes(size)
    assert 0 <= up <= rules.MOVE and 0 <= down <= rules.MOVE
    assert up + down <= size
    if size >= 2:
        assert up >= 1  # someone who beat the rest moves up


def test_results_in_the_middle_tier():
    ranked = [(i, 100 + i, 50 - i) for i in range(1, 16)]
    found = rules.results(3, ranked)
    assert [r.outcome for r in found] == ["promoted"] * 5 + ["stayed"] * 5 + ["demoted"] * 5
    assert [r.next_tier for r in found] == [4] * 5 + [3] * 5 + [2] * 5
    assert [r.rank for r in found] == list(range(1, 16))
    assert {r.size for r in found} == {15}


def test_no_zone_above_the_top_tier_or_below_the_lowest():
    assert rules.zone(rules.TOP_TIER, 1, 30) is None
    assert rules.zone(rules.TOP_TIER, 30, 30) == rules.DEMOTION
    assert rules.zone(1, 30, 30) is None
    assert rules.zone(1, 1, 30) == rules.PROMOTION


def test_newcomers():
    moment = datetime(2026, 3, 4, 12, tzinfo=UTC)
    assert rules.is_newcomer(date(2020, 1, 1), moment, has_played=False)
    assert rules.is_newcomer(moment.date() - timedelta(days=13), moment, has_played=True)
    assert not rules.is_newcomer(moment.date() - timedelta(days=14), moment, has_played=True)


def test_tiers_and_ordinals():
    assert [t.name for t in rules.TIERS] == ["Bronze", "Silver", "Gold", "Sapphire", "Diamond"]
    assert rules.tier(0).name == "Bronze" and rules.tier(9).name == "Diamond"
    assert [rules.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st", "111th",
    ]  # fmt: skip
