"""Issuing badges: each kind of rule awards exactly at its threshold, once, and never when retired."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.events import publish
from portal.gamification import badges
from portal.gamification import streaks as streak_service
from portal.gamification.activity import record_activity
from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.gamification.events import ChallengeWon, LeagueWeekFinished
from portal.gamification.points import award_points
from portal.notifications.models import Notification
from tests.gamification.badge_factories import make_badge, wipe_leaderboards

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_leaderboards_left(app):  # type: ignore[no-untyped-def]
    """Points awarded here reach Redis; leave none behind for the next test's person 1."""
    yield
    wipe_leaderboards(app)


def held(app, person: User) -> list[str]:  # type: ignore[no-untyped-def]
    """Names of the badges the person holds."""
    with app.app_context():
        return sorted(
            db.session.scalars(
                select(Badge.name)
                .join(BadgeAssertion, BadgeAssertion.badge_id == Badge.id)
                .where(BadgeAssertion.user_id == person.id)
            )
        )


def test_count_badge_is_issued_at_the_threshold_and_not_before(app, people):
    make_badge(app, "Five lessons", threshold=5)
    first = make_badge(app, "First lesson", threshold=1)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        record_activity(user, "lessons_completed", "lesson:1", MONDAY)
        db.session.commit()
    assert held(app, person) == ["First lesson"]
    with app.app_context():
        user = db.session.get(User, person.id)
        for i in range(2, 5):
            record_activity(user, "lessons_completed", f"lesson:{i}", MONDAY)
        record_activity(user, "quizzes_passed", "lesson:9", MONDAY)  # another metric: no count
        db.session.commit()
    assert held(app, person) == ["First lesson"]  # 4 of 5
    with app.app_context():
        user = db.session.get(User, person.id)
        record_activity(user, "lessons_completed", "lesson:4", MONDAY)  # the same lesson again
        db.session.commit()
        assert held(app, person) == ["First lesson"]
        record_activity(user, "lessons_completed", "lesson:5", MONDAY)
        db.session.commit()
        issued = db.session.scalar(select(BadgeAssertion).where(BadgeAssertion.badge_id != first))
        assert issued is not None and issued.issued_at == MONDAY  # the moment it was met
    assert held(app, person) == ["First lesson", "Five lessons"]


def test_path_badge_needs_that_path(app, people):
    make_badge(app, "Starter", kind="path", metric="paths_completed", subject="path:7")
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        record_activity(user, "paths_completed", "path:8", MONDAY)
        db.session.commit()
        assert held(app, person) == []
        record_activity(user, "paths_completed", "path:7", MONDAY)
        db.session.commit()
    assert held(app, person) == ["Starter"]


def test_streak_badge_on_the_seventh_day_in_a_row(app, people):
    make_badge(app, "Week-long streak", kind="streak", metric="", threshold=7)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        for day in range(6):
            streak_service.record_activity(user, MONDAY + timedelta(days=day))
        db.session.commit()
        assert held(app, person) == []
        streak_service.record_activity(user, MONDAY + timedelta(days=6))
        db.session.commit()
    assert held(app, person) == ["Week-long streak"]


def test_points_badge_when_the_total_reaches_it(app, people):
    make_badge(app, "100 club", kind="points", metric="", threshold=100)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        for i in range(4):
            award_points(user, "lesson_completed", f"lesson:{i}", now=MONDAY)  # 20 each
        db.session.commit()
        assert held(app, person) == []
        award_points(user, "lesson_completed", "lesson:4", now=MONDAY)
        db.session.commit()
    assert held(app, person) == ["100 club"]


def test_league_badge_for_a_rank_at_or_above_it(app, people):
    make_badge(app, "Podium", kind="league", metric="", threshold=3)
    fourth, third = people.person(), people.person()
    with app.app_context():
        for person, rank in ((fourth, 4), (third, 3)):
            publish(LeagueWeekFinished(person.id, MONDAY, "2026-W48", 1, rank, "stayed"))
        db.session.commit()
    assert held(app, fourth) == []
    assert held(app, third) == ["Podium"]


def test_challenge_badge_only_from_a_challenge_that_names_it(app, people):
    reward = make_badge(app, "Team win", kind="challenge", metric="")
    counted = make_badge(app, "First lesson")
    person = people.person()
    with app.app_context():
        publish(ChallengeWon(person.id, MONDAY, 1, None))
        publish(ChallengeWon(person.id, MONDAY, 2, counted))  # not a challenge badge
        db.session.commit()
        assert held(app, person) == []
        publish(ChallengeWon(person.id, MONDAY, 3, reward))
        db.session.commit()
        assert [b.id for b in badges.challenge_rewards()] == [reward]
    assert held(app, person) == ["Team win"]


def test_retired_badge_is_not_awarded(app, people):
    badge_id = make_badge(app)
    person = people.person()
    with app.app_context():
        db.session.get(Badge, badge_id).retired_at = utcnow()  # type: ignore[union-attr]
        db.session.commit()
        record_activity(db.session.get(User, person.id), "lessons_completed", "lesson:1", MONDAY)
        db.session.commit()
    assert held(app, person) == []


def test_deactivated_people_get_no_badges(app, people):
    make_badge(app)
    person = people.person(active=False)
    with app.app_context():
        record_activity(db.session.get(User, person.id), "lessons_completed", "lesson:1", MONDAY)
        db.session.commit()
    assert held(app, person) == []


def test_issued_once_with_one_notification_and_one_event(app, people):
    badge_id = make_badge(app)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        for i in range(3):
            record_activity(user, "lessons_completed", f"lesson:{i}", MONDAY)
        badge = db.session.get(Badge, badge_id)
        assert badges.issue(user, badge) is None  # held already
        db.session.commit()
        notes = db.session.scalars(select(Notification)).all()
        assert [(n.kind, n.title, n.user_id) for n in notes] == [
            ("badge_earned", "Badge earned: First lesson", person.id)
        ]
        uid = db.session.scalar(select(BadgeAssertion.uid))
        assert notes[0].url == f"/badges/earned/{uid}"


def test_notification_link_is_the_badge_page(app):
    from flask import url_for

    with app.test_request_context():
        assert url_for("badges.earned", uid="abc") == badges.EARNED_PAGE.format(uid="abc")


def test_twenty_concurrent_triggers_issue_once(app, people):
    badge_id = make_badge(app, "500 club", kind="points", metric="", threshold=500)
    person = people.person()
    barrier = threading.Barrier(20)
    issued: list[int] = []
    errors: list[BaseException] = []

    def trigger() -> None:
        try:
            barrier.wait(timeout=30)  # before any query: a write transaction holds SQLite's lock
            with app.app_context():
                user = db.session.get(User, person.id)
                issued.extend(a.id for a in badges.award_for_points(user, 600, utcnow()))
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=trigger) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(issued) == 1
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(BadgeAssertion)
                .where(BadgeAssertion.badge_id == badge_id)
            )
            == 1
        )
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_only_the_badges_of_the_event_kind_are_looked_at(app, people):
    """A points event must not count activity (no query of the activity log)."""
    from sqlalchemy import event

    make_badge(app, "First lesson")
    make_badge(app, "Streak", kind="streak", metric="", threshold=3)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        statements: list[str] = []

        def log(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", log)
        try:
            badges.award_for_points(user, 50, utcnow())
        finally:
            event.remove(db.engine, "before_cursor_execute", log)
        db.session.rollback()
    assert not any("activity_entries" in s for s in statements)
    assert len([s for s in statements if "FROM badges" in s]) == 1


def test_rolled_back_badges_are_forgotten(app, people):
    make_badge(app)
    person = people.person()
    with app.app_context():
        record_activity(db.session.get(User, person.id), "lessons_completed", "lesson:1", MONDAY)
        db.session.rollback()
        assert badges.pop_new_badges() == []
        assert db.session.scalar(select(func.count()).select_from(BadgeAssertion)) == 0


@pytest.mark.parametrize(
    ("kind", "threshold", "metric", "expected"),
    [
        ("metric", 1, "lessons_completed", "Lessons completed: the first one"),
        ("metric", 5, "quizzes_passed", "Quizzes passed: 5 or more"),
        ("streak", 7, "", "Learn 7 days in a row"),
        ("points", 500, "", "Earn 500 points in all"),
        ("league", 1, "", "Finish a league week in first place"),
        ("league", 3, "", "Finish a league week in the top 3"),
        ("challenge", 1, "", "Win a challenge that awards this badge"),
    ],
)
def test_rules_in_words(kind, threshold, metric, expected):
    badge = Badge(kind=kind, threshold=threshold, metric=metric, subject="")
    assert badges.rule_text(badge) == expected
