"""Streaks: consecutive local days, freezes bought with points, weekday-only, and the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import select

from portal.accounts.models import User
from portal.db import db
from portal.events import publish
from portal.gamification import streaks
from portal.gamification.models import PointAward
from portal.gamification.points import award_points, balance, periods, total_points
from portal.gamification.streak_models import Streak
from portal.learning.events import LessonCompleted, QuizAnswered

FRIDAY = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
def user(app_ctx, people):  # type: ignore[no-untyped-def]
    person = people.person()
    user = db.session.get(User, person.id)
    assert user is not None
    return user


def _days(user: User, *moments: datetime) -> int:
    for moment in moments:
        streaks.record_activity(user, moment)
    streak = streaks.get_streak(user)
    assert streak is not None
    return streak.current


def _give(user: User, lessons: int) -> None:
    for i in range(lessons):
        assert award_points(user, "lesson_completed", f"lesson:{i}", MONDAY) is not None


def test_consecutive_days_count_up_and_set_the_longest(user):
    assert _days(user, MONDAY, MONDAY + DAY, MONDAY + 2 * DAY) == 3
    assert streaks.get_streak(user).longest == 3  # type: ignore[union-attr]


def test_the_same_day_twice_counts_once(user):
    assert _days(user, MONDAY, MONDAY + timedelta(hours=5)) == 1


def test_a_missed_day_resets_to_one_but_keeps_the_longest(user):
    assert _days(user, MONDAY, MONDAY + DAY, MONDAY + 3 * DAY) == 1
    assert streaks.get_streak(user).longest == 2  # type: ignore[union-attr]


def test_a_freeze_covers_one_missed_day(user):
    streaks.record_activity(user, MONDAY)
    streaks.get_streak(user).freezes = 1  # type: ignore[union-attr]
    assert _days(user, MONDAY + 2 * DAY) == 2
    assert streaks.get_streak(user).freezes == 0  # type: ignore[union-attr]


def test_two_missed_days_with_one_freeze_reset_and_keep_the_freeze(user):
    streaks.record_activity(user, MONDAY)
    streaks.get_streak(user).freezes = 1  # type: ignore[union-attr]
    assert _days(user, MONDAY + 3 * DAY) == 1
    assert streaks.get_streak(user).freezes == 1  # type: ignore[union-attr]


def test_weekday_only_friday_to_monday_continues(user):
    streaks.set_weekday_only(user, True)
    assert _days(user, FRIDAY, MONDAY) == 2


def test_weekday_only_friday_to_tuesday_resets(user):
    streaks.set_weekday_only(user, True)
    assert _days(user, FRIDAY, MONDAY + DAY) == 1


def test_every_day_streak_friday_to_monday_resets(user):
    assert _days(user, FRIDAY, MONDAY) == 1


def test_missed_days_counts_only_weekdays_when_asked():
    friday, next_friday = date(2026, 11, 20), date(2026, 11, 27)
    assert streaks.missed_days(friday, next_friday, weekday_only=True) == 4
    assert streaks.missed_days(friday, next_friday, weekday_only=False) == 6
    assert streaks.missed_days(date(2026, 11, 21), date(2026, 11, 23), weekday_only=True) == 0


def test_late_evening_and_just_after_midnight_local_are_two_days(user):
    user.timezone = "America/Los_Angeles"
    late = datetime(2026, 11, 24, 7, 30, tzinfo=UTC)  # 23:30 on the 23rd in Los Angeles
    after_midnight = datetime(2026, 11, 24, 8, 30, tzinfo=UTC)  # 00:30 on the 24th
    assert late.date() == after_midnight.date()
    assert _days(user, late, after_midnight) == 2


def test_consecutive_local_days_across_the_dst_change(user):
    user.timezone = "Europe/Berlin"
    berlin = ZoneInfo("Europe/Berlin")
    saturday = datetime(2026, 3, 28, 0, 30, tzinfo=berlin)
    sunday = datetime(2026, 3, 29, 23, 30, tzinfo=berlin)  # the 23-hour day
    monday = datetime(2026, 3, 30, 0, 30, tzinfo=berlin)
    assert _days(user, saturday, sunday, monday) == 3


def test_streak_for_reads_without_writing(user):
    assert streaks.streak_for(user, date(2026, 11, 23)) == 0
    streaks.record_activity(user, MONDAY)
    assert streaks.streak_for(user, date(2026, 11, 23)) == 1
    assert streaks.streak_for(user, date(2026, 11, 24)) == 1  # today is not missed yet
    assert streaks.streak_for(user, date(2026, 11, 25)) == 0
    streaks.get_streak(user).freezes = 1  # type: ignore[union-attr]
    assert streaks.streak_for(user, date(2026, 11, 25)) == 1
    assert streaks.get_streak(user).current == 1  # type: ignore[union-attr]
    with time_machine.travel(MONDAY + 2 * DAY, tick=False):
        assert streaks.streak_for(user) == 1


def test_buying_a_freeze_spends_the_balance_not_the_xp(user):
    _give(user, 2)  # 40 points
    with pytest.raises(streaks.StreakError, match="50 points"):
        streaks.buy_freeze(user)
    assert award_points(user, "lesson_completed", "lesson:extra", MONDAY) is not None  # 60
    streak = streaks.buy_freeze(user)
    assert streak.freezes == 1
    assert balance(user.id) == 10
    assert total_points(user.id) == 60  # XP, level and boards keep what was earned
    assert total_points(user.id, periods(MONDAY)[1]) == 60
    row = db.session.scalars(select(PointAward).where(PointAward.action == "streak_freeze")).one()
    assert row.points == -50


def test_at_most_two_freezes_are_held(user):
    _give(user, 10)
    streaks.buy_freeze(user)
    streaks.buy_freeze(user)
    with pytest.raises(streaks.StreakError, match="most"):
        streaks.buy_freeze(user)
    assert balance(user.id) == 100


def test_learning_events_count_towards_the_streak(user):
    publish(QuizAnswered(user.id, MONDAY, lesson_id=1, question_id=1, correct=False, attempt_id=1))
    publish(LessonCompleted(user.id, MONDAY + DAY, lesson_id=1, module_id=1, score=None))
    assert streaks.get_streak(user).current == 2  # type: ignore[union-attr]


# --- pages ---------------------------------------------------------------------------------


def _state(app, person: User) -> tuple[Streak | None, int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        streak = db.session.get(Streak, person.id)
        if streak is not None:
            db.session.expunge(streak)
        return streak, balance(person.id)


def test_points_page_shows_the_streak(app, client, auth, people):
    person = people.person(email="s@example.com")
    with app.app_context():
        user = db.session.get(User, person.id)
        streaks.record_activity(user, datetime.now(UTC) - DAY)  # type: ignore[arg-type]
        streaks.record_activity(user, datetime.now(UTC))  # type: ignore[arg-type]
        db.session.commit()
    auth.login("s@example.com")
    page = client.get("/points").get_data(as_text=True)
    assert "Learning streak" in page
    assert "<strong>2</strong> days in a row" in page
    assert "Buy a streak freeze (50 points)" in page
    assert 'name="csrf_token"' in page


def test_buy_freeze_route_spends_points(app, client, auth, people):
    person = people.person(email="s@example.com")
    with app.app_context():
        _give(db.session.get(User, person.id), 3)  # type: ignore[arg-type]
        db.session.commit()
    auth.login("s@example.com")
    response = client.post("/points/streak/freeze")
    assert response.status_code == 303
    streak, total = _state(app, person)
    assert streak is not None and streak.freezes == 1
    assert total == 10
    page = client.get("/points").get_data(as_text=True)
    assert "Bought a streak freeze" in page
    assert "Streak freeze" in page  # the ledger row's label


def test_buy_freeze_without_enough_points_changes_nothing(app, client, auth, people):
    person = people.person(email="s@example.com")
    with app.app_context():
        _give(db.session.get(User, person.id), 1)  # type: ignore[arg-type]
        db.session.commit()
    auth.login("s@example.com")
    response = client.post("/points/streak/freeze", follow_redirects=True)
    assert "costs 50 points" in response.get_data(as_text=True)
    streak, total = _state(app, person)
    assert streak is None or streak.freezes == 0
    assert total == 20


def test_streak_settings_route_toggles_weekday_only(app, client, auth, people):
    person = people.person(email="s@example.com")
    auth.login("s@example.com")
    assert client.post("/points/streak/settings", data={"weekday_only": "on"}).status_code == 303
    streak, _ = _state(app, person)
    assert streak is not None and streak.weekday_only
    assert 'id="weekday_only" checked' in client.get("/points").get_data(as_text=True)
    assert client.post("/points/streak/settings", data={}).status_code == 303
    streak, _ = _state(app, person)
    assert streak is not None and not streak.weekday_only


def test_streak_routes_need_csrf(client, auth, people):
    people.person(email="s@example.com")
    auth.login("s@example.com")
    assert client.post("/points/streak/freeze", csrf=False).status_code == 400
