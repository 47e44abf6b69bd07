"""Points pages: the history page, the leaderboards (people and teams, Redis up or down), the admin."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.gamification import leaderboard
from portal.gamification.models import PointAward, PointRule
from portal.gamification.points import adjust_points, award_points
from portal.queue import OutboxJob
from tests.conftest import HTMX


@pytest.fixture(autouse=True)
def _empty_leaderboards(app):  # type: ignore[no-untyped-def]
    """The sorted sets outlive the database wipe: start and end each test without them."""

    def wipe() -> None:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        keys = list(client.scan_iter(match=leaderboard.key("*")))
        if keys:
            client.delete(*keys)

    wipe()
    yield
    wipe()


def give(app, person: User, points: int, subject: str = "x") -> None:  # type: ignore[no-untyped-def]
    """Award `points` (in multiples of the 20-point lesson rule) to a person, and commit."""
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        for i in range(points // 20):
            # The rule pays at most 20 times a day: large amounts go back in time.
            now = utcnow() - timedelta(days=i // 20)
            assert award_points(user, "lesson_completed", f"lesson:{subject}-{i}", now) is not None
        db.session.commit()


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    blue = people.team("Blue")
    return SimpleNamespace(
        blue=blue,
        admin=people.person(
            role=Role.ADMIN, team=blue, email="admin@example.com", name="Ada Admin"
        ),
        employee=people.person(team=blue, email="emp@example.com", name="Eve Employee"),
    )


def test_points_page_shows_total_level_and_history(app, client, auth, cast):
    give(app, cast.employee, 140)
    with app.app_context():
        adjust_points(
            db.session.get(User, cast.admin.id),
            db.session.get(User, cast.employee.id),
            -20,
            "Duplicate lesson",
        )
        db.session.commit()
    auth.login(cast.employee.email)

    response = client.get("/points")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" in html
    assert "120" in html  # 7 lessons x 20 - 20
    assert "Level 2: Explorer" in html
    assert "progress__bar--10" in html  # 20 of the 200 points from Explorer to Contributor
    assert "Complete a lesson" in html
    assert "Adjustment by an admin" in html
    assert "Reason: Duplicate lesson" in html
    assert "-20" in html


def test_points_page_needs_login(client):
    assert client.get("/points").status_code == 303


def test_leaderboard_full_page_and_fragment(app, client, auth, cast):
    give(app, cast.employee, 40)
    auth.login(cast.employee.email)

    page = client.get("/leaderboard")
    fragment = client.get("/leaderboard?period=month", headers=HTMX)

    assert page.status_code == 200
    assert "<html" in page.get_data(as_text=True)
    assert "Eve Employee" in page.get_data(as_text=True)
    assert "HX-Request" in page.headers["Vary"]
    body = fragment.get_data(as_text=True)
    assert fragment.status_code == 200
    assert "<html" not in body
    assert "People · This month" in body
    assert 'hx-target="#leaderboard"' in body
    assert 'hx-push-url="true"' in body
    assert "HX-Request" in fragment.headers["Vary"]


def test_unknown_period_and_scope_fall_back_to_the_week(client, auth, cast):
    auth.login(cast.employee.email)
    body = client.get("/leaderboard?period=year&scope=planets").get_data(as_text=True)
    assert "People · This week" in body


def test_viewer_outside_the_top_sees_their_rank_and_neighbours(app, client, auth, people, cast):
    gone = people.person(name="Gone Person", active=False)
    give(app, gone, 1000, "gone")
    ranked = [people.person(name=f"Ranked {i:02d}") for i in range(22)]
    for i, person in enumerate(ranked):
        give(app, person, 20 * (30 - i), f"r{i}")  # 600, 580, ... 180
    give(app, cast.employee, 40, "me")
    auth.login(cast.employee.email)

    body = client.get("/leaderboard?period=all").get_data(as_text=True)

    assert "Gone Person" not in body  # deactivated: not shown, takes no rank
    assert "Ranked 00" in body and "Ranked 19" in body
    assert "Your place: 23" in body
    assert "Ranked 21" in body and "Ranked 20" in body  # the two just above
    assert "Ranked 18" not in body.split("Your place")[1]


def test_team_scope_ranks_by_points_per_active_member(app, client, auth, people, cast):
    small, big = people.team("Small"), people.team("Big")
    solo = people.person(team=small, name="Solo")
    retired = people.person(team=small, name="Retired", active=False)
    crowd = [people.person(team=big, name=f"Crowd {i}") for i in range(3)]
    give(app, solo, 60, "solo")
    give(app, retired, 400, "retired")  # a deactivated member counts for nothing
    for i, member in enumerate(crowd):
        give(app, member, 40, f"crowd{i}")  # 120 in all, 40 per member
    auth.login(solo.email)

    with app.app_context():
        key = "all"
        scores = leaderboard.team_scores(key)
    assert [(s.name, s.members, s.points, s.score) for s in scores] == [
        ("Small", 1, 60, 60.0),
        ("Big", 3, 120, 40.0),
    ]
    body = client.get("/leaderboard?period=all&scope=teams").get_data(as_text=True)
    assert body.index("Small") < body.index("Big")
    assert "60.0" in body and "40.0" in body
    assert "Your team" in body


def test_board_renders_from_sql_when_redis_is_down(app, client, auth, people, cast, monkeypatch):
    ranked = [people.person(name=f"Ranked {i:02d}") for i in range(21)]
    for i, person in enumerate(ranked):
        give(app, person, 20 * (25 - i), f"r{i}")
    give(app, cast.employee, 20, "me")
    auth.login(cast.employee.email)
    monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url("redis://127.0.0.1:1/0"))

    response = client.get("/leaderboard?period=all")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Ranked 00" in body
    assert "Your place: 22" in body
    assert "Ranked 20" in body.split("Your place")[1]


def test_around_matches_between_redis_and_sql(app, people, monkeypatch):
    group = [people.person() for _ in range(6)]
    for i, person in enumerate(group):
        give(app, person, 20 * (6 - i), f"g{i}")
    with app.app_context():
        from_redis = leaderboard.around(group[3].id, "all")
        monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url("redis://127.0.0.1:1/0"))
        from_sql = leaderboard.around(group[3].id, "all")
    expected = [(p.id, 20 * (6 - i), i + 1) for i, p in enumerate(group)][1:6]
    assert [(s.user_id, s.points, s.rank) for s in from_redis] == expected
    assert [(s.user_id, s.points, s.rank) for s in from_sql] == expected


# --- admin ---------------------------------------------------------------------------------


def _rule(app, action: str) -> PointRule:  # type: ignore[no-untyped-def]
    with app.app_context():
        rule = db.session.scalar(select(PointRule).where(PointRule.action == action))
        assert rule is not None
        db.session.expunge(rule)
        return rule


def test_admin_page_lists_rules(client, auth, cast):
    auth.login(cast.admin.email)
    body = client.get("/admin/points").get_data(as_text=True)
    assert "Complete a lesson" in body
    assert "Rebuild leaderboards now" in body


def test_admin_edits_a_rule_and_the_next_award_uses_it(app, client, auth, cast):
    rule = _rule(app, "lesson_completed")
    auth.login(cast.admin.email)
    p = f"rule-{rule.id}-"

    response = client.post(
        f"/admin/points/rules/{rule.id}",
        data={
            p + "points": "35",
            p + "daily_cap": "",
            p + "cooldown_seconds": "0",
            p + "active": "y",
        },
    )

    assert response.status_code == 303
    with app.app_context():
        changed = db.session.get(PointRule, rule.id)
        assert changed is not None and changed.daily_cap is None
        award = award_points(db.session.get(User, cast.employee.id), "lesson_completed", "lesson:1")
        assert award is not None and award.points == 35


def test_rule_edit_out_of_range_rerenders_the_fragment(app, client, auth, cast):
    rule = _rule(app, "lesson_completed")
    auth.login(cast.admin.email)
    p = f"rule-{rule.id}-"

    response = client.post(
        f"/admin/points/rules/{rule.id}",
        data={p + "points": "5000", p + "cooldown_seconds": "0"},
        headers=HTMX,
    )

    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "<html" not in body
    assert "between 0 and 1000" in body
    assert _rule(app, "lesson_completed").points == 20


def test_adjustment_without_a_reason_changes_nothing(app, client, auth, cast):
    auth.login(cast.admin.email)

    response = client.post(
        "/admin/points/adjust", data={"email": cast.employee.email, "points": "50", "reason": " "}
    )

    assert response.status_code == 422
    assert "Give a reason" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PointAward)) == 0


def test_adjustment_lands_in_the_audit_trail(app, client, auth, cast):
    auth.login(cast.admin.email)

    response = client.post(
        "/admin/points/adjust",
        data={"email": cast.employee.email, "points": "-30", "reason": "Shared twice by mistake"},
    )

    assert response.status_code == 303
    body = client.get("/admin/points").get_data(as_text=True)
    assert "Shared twice by mistake" in body and "Eve Employee" in body and "Ada Admin" in body


def test_adjustment_for_an_unknown_email_is_an_error(client, auth, cast):
    auth.login(cast.admin.email)
    response = client.post(
        "/admin/points/adjust", data={"email": "nobody@example.com", "points": "5", "reason": "x"}
    )
    assert response.status_code == 422
    assert "Nobody has that email address." in response.get_data(as_text=True)


def test_rebuild_button_enqueues_the_job(app, client, auth, cast):
    auth.login(cast.admin.email)
    assert client.post("/admin/points/rebuild").status_code == 303
    with app.app_context():
        funcs = db.session.scalars(select(OutboxJob.func)).all()
    assert "jobs.gamification.rebuild_leaderboards" in funcs


def test_employees_and_leaders_get_403_on_the_admin(client, auth, people, cast):
    leader = people.person(role=Role.LEADER)
    for person in (cast.employee, leader):
        auth.login(person.email)
        assert client.get("/admin/points").status_code == 403
        assert client.post("/admin/points/adjust", data={}).status_code == 403
        auth.logout()


def test_posts_without_csrf_are_refused(client, auth, cast):
    auth.login(cast.admin.email)
    response = client.post(
        "/admin/points/adjust",
        data={"email": cast.employee.email, "points": "5", "reason": "x"},
        csrf=False,
    )
    assert response.status_code == 400
