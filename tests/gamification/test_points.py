"""The points ledger: one payment per event even under concurrency, caps, cooldowns, levels."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.gamification import points
from portal.gamification.models import PointAward, PointRule, PointTotal
from portal.learning.catalogue import get_lesson
from portal.learning.player import answer
from portal.queue import get_redis
from tests.learning.factories import build_module

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def _rule(app, action: str, **changes) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        rule = db.session.query(PointRule).filter_by(action=action).one()
        for name, value in changes.items():
            setattr(rule, name, value)
        db.session.commit()


def test_fifty_concurrent_identical_awards_pay_once(app, people):
    person = people.person()
    barrier = threading.Barrier(50)
    results: list[object] = []
    errors: list[BaseException] = []

    def award() -> None:
        try:
            barrier.wait()
            with app.app_context():
                user = db.session.get(User, person.id)
                results.append(
                    points.award_points(user, "lesson_completed", "lesson:1", now=MONDAY)
                )
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=award) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(r is not None for r in results) == 1
    with app.app_context():
        assert db.session.query(PointAward).count() == 1
        assert points.total_points(person.id) == 20
        assert points.total_points(person.id, "w2026-48") == 20
        assert points.total_points(person.id, "m2026-11") == 20
        assert get_redis().zscore("beacon:leaderboard:all", str(person.id)) == 20


def test_daily_cap_counts_days_in_the_persons_time_zone(app, people):
    _rule(app, "quiz_answer_correct", daily_cap=2)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        user.timezone = "America/New_York"
        db.session.commit()
        late_evening = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)  # 22:30 on the 23rd in New York
        paid = [
            points.award_points(user, "quiz_answer_correct", f"question:{i}", now=late_evening)
            for i in range(3)
        ]
        assert [p is not None for p in paid] == [True, True, False]
        # 05:30 UTC is still the 24th's night in New York, 00:30 on the 24th: a new day.
        next_day = datetime(2026, 11, 24, 5, 30, tzinfo=UTC)
        assert points.award_points(user, "quiz_answer_correct", "question:9", now=next_day)
        db.session.commit()
        assert points.total_points(user.id) == 6


def test_cooldown_between_identical_actions(app, people):
    _rule(app, "lesson_completed", cooldown_seconds=60, daily_cap=None)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        assert points.award_points(user, "lesson_completed", "lesson:1", now=MONDAY)
        assert (
            points.award_points(
                user, "lesson_completed", "lesson:2", now=MONDAY + timedelta(seconds=30)
            )
            is None
        )
        assert points.award_points(
            user, "lesson_completed", "lesson:2", now=MONDAY + timedelta(seconds=61)
        )


@pytest.mark.parametrize("change", [{"active": False}, {"points": 0}])
def test_inactive_or_worthless_rules_pay_nothing(app, people, change):
    _rule(app, "lesson_completed", **change)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        assert points.award_points(user, "lesson_completed", "lesson:1") is None
        assert points.award_points(user, "no_such_action", "x") is None
        assert db.session.query(PointAward).count() == 0


def test_levels_and_level_up():
    assert points.level_for(0).name == "Newcomer"
    assert points.level_for(99).name == "Newcomer"
    explorer = points.level_for(100)
    assert (explorer.number, explorer.name, explorer.next_at) == (2, "Explorer", 300)
    assert explorer.progress(200) == 50
    assert (
        points.level_for(10_000).next_at is None
        and points.level_for(10_000).progress(10_000) == 100
    )


def test_completing_learning_pays_once_and_levels_up(app, people):
    _rule(app, "lesson_completed", points=95)
    built = build_module(app, lessons=1, questions=1)
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        lesson = get_lesson(user, built.lesson_ids[0])
        q = lesson.questions[0]
        answer(user, lesson, q.id, built.options[q.id][0])
        db.session.commit()
        awards = {a.action: a.points for a in db.session.query(PointAward)}
        # 2 (right answer) + 10 (quiz passed) + 95 (lesson) + 50 (module: its only lesson)
        assert awards == {
            "quiz_answer_correct": 2,
            "quiz_passed": 10,
            "lesson_completed": 95,
            "module_completed": 50,
        }
        assert points.total_points(user.id) == 157
        assert points.level_for(157).name == "Explorer"


def test_admin_adjustments_need_a_reason_and_are_audited(app, people):
    admin = people.person(role=Role.ADMIN)
    person = people.person()
    with app.app_context():
        actor, target = db.session.get(User, admin.id), db.session.get(User, person.id)
        with pytest.raises(points.PointsError, match="reason"):
            points.adjust_points(actor, target, 50, "  ")
        with pytest.raises(PermissionDenied):
            points.adjust_points(target, actor, 50, "because")
        award = points.adjust_points(actor, target, -5, "Duplicate share from a bug")
        db.session.commit()
        row = db.session.query(PointAward).one()
        assert (row.points, row.reason, row.awarded_by_id) == (
            -5,
            "Duplicate share from a bug",
            actor.id,
        )
        assert award.total == -5


def test_totals_equal_the_ledger(app, people):
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        for day in range(10):
            points.award_points(
                user, "lesson_completed", f"lesson:{day}", now=MONDAY + timedelta(days=day)
            )
        db.session.commit()
        ledger = sum(a.points for a in db.session.query(PointAward))
        assert points.total_points(user.id) == ledger == 200
        by_period = {t.period: t.points for t in db.session.query(PointTotal)}
        assert by_period["w2026-48"] + by_period["w2026-49"] == 200
        assert by_period["m2026-11"] + by_period["m2026-12"] == 200


def test_rolled_back_award_never_reaches_the_leaderboard(app, people):
    person = people.person()
    with app.app_context():
        user = db.session.get(User, person.id)
        get_redis().delete("beacon:leaderboard:all")
        points.award_points(user, "lesson_completed", "lesson:1")
        db.session.rollback()
        assert get_redis().zscore("beacon:leaderboard:all", str(person.id)) is None
        assert points.total_points(user.id) == 0


def test_points_and_level_up_arrive_as_toasts_on_the_answer(app, client, auth, people):
    import json

    _rule(app, "lesson_completed", points=95)
    built = build_module(app, lessons=1, questions=1)
    person = people.person()
    auth.login(person.email)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]
    response = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][0]},
        headers={"HX-Request": "true"},
    )
    toasts = [t["message"] for t in json.loads(response.headers["HX-Trigger"])["toast"]]
    assert "+157 points" in toasts
    assert "Level up! You are now level 2: Explorer." in toasts
