"""Past boards frozen when their period ends, "Anonymous" on boards, and the activity log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import func, select

from jobs.gamification import snapshot_leaderboards
from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.events import subscribe
from portal.gamification import leaderboard, snapshots
from portal.gamification.activity import count_activity, record_activity
from portal.gamification.events import ActivityRecorded, PointsEarned
from portal.gamification.models import ActivityEntry, LeaderboardSnapshot
from portal.gamification.points import adjust_points, award_points, periods
from tests.conftest import HTMX

LAST_WEEK = utcnow() - timedelta(days=7)
LAST_WEEK_KEY = periods(LAST_WEEK)[1]


@pytest.fixture(autouse=True)
def _empty_leaderboards(app):  # type: ignore[no-untyped-def]
    def wipe() -> None:
        client = redis.Redis.from_url(app.config["REDIS_URL"])
        keys = list(client.scan_iter(match=leaderboard.key("*")))
        if keys:
            client.delete(*keys)

    wipe()
    yield
    wipe()


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    blue, red = people.team("Blue"), people.team("Red")
    return SimpleNamespace(
        blue=blue,
        red=red,
        admin=people.person(
            role=Role.ADMIN, team=blue, email="admin@example.com", name="Ada Admin"
        ),
        eve=people.person(team=blue, email="eve@example.com", name="Eve Employee"),
        hal=people.person(team=red, email="hal@example.com", name="Hal Hidden"),
        tom=people.person(team=red, email="tom@example.com", name="Tom Tied"),
    )


def lessons(app, person: User, count: int, when: datetime) -> None:  # type: ignore[no-untyped-def]
    """`count` completed lessons (20 points each) for `person` at `when`, committed."""
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        for i in range(count):
            assert award_points(user, "lesson_completed", f"lesson:{when:%j}-{i}", when) is not None
        db.session.commit()


def hide(app, person: User) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        user.hide_from_boards = True
        db.session.commit()


# --- "Anonymous" ----------------------------------------------------------------------------


def test_hidden_person_is_anonymous_to_others_and_still_ranks(app, client, auth, cast):
    lessons(app, cast.hal, 3, utcnow())
    lessons(app, cast.eve, 1, utcnow())
    hide(app, cast.hal)
    auth.login(cast.eve.email)

    html = client.get("/leaderboard?period=week", headers=HTMX).get_data(as_text=True)

    assert "Hal Hidden" not in html
    assert "Anonymous" in html
    assert "Red" not in html  # the team would give them away
    assert html.index("Anonymous") < html.index("Eve Employee")  # still first, with 60 points
    assert ">60<" in html


def test_hidden_person_sees_their_own_name_and_the_setting(app, client, auth, cast):
    lessons(app, cast.hal, 1, utcnow())
    hide(app, cast.hal)
    auth.login(cast.hal.email)

    html = client.get("/leaderboard?period=week", headers=HTMX).get_data(as_text=True)

    assert "Hal Hidden" in html
    assert "Shown as Anonymous" in html


def test_settings_switch_hiding_on_and_off(app, client, auth, cast):
    auth.login(cast.eve.email)
    form = {"display_name": "Eve Employee", "timezone": "UTC", "hide_from_boards": "y"}

    assert client.post("/settings/profile", data=form).status_code == 303
    with app.app_context():
        assert db.session.get(User, cast.eve.id).hide_from_boards is True  # type: ignore[union-attr]
    page = client.get("/settings/").get_data(as_text=True)
    checkbox = page[
        page.index('id="hide_from_boards"') - 80 : page.index('id="hide_from_boards"') + 80
    ]
    assert "checked" in checkbox

    del form["hide_from_boards"]
    client.post("/settings/profile", data=form)
    with app.app_context():
        assert db.session.get(User, cast.eve.id).hide_from_boards is False  # type: ignore[union-attr]


# --- snapshots ------------------------------------------------------------------------------


def test_finished_periods_are_the_weeks_and_months_before_now():
    now = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)  # a Wednesday in ISO week 48

    found = snapshots.finished_periods(now)

    assert found[:4] == ["w2026-47", "w2026-46", "w2026-45", "w2026-44"]
    assert found[4:] == ["m2026-10", "m2026-09"]
    assert snapshots.finished_periods(datetime(2026, 1, 2, tzinfo=UTC))[4] == "m2025-12"


def test_snapshot_freezes_ranks_once_and_ignores_later_changes(app, cast):
    lessons(app, cast.eve, 3, LAST_WEEK)
    lessons(app, cast.hal, 2, LAST_WEEK)
    lessons(app, cast.tom, 2, LAST_WEEK + timedelta(seconds=1))
    with app.app_context():
        taken = snapshot_leaderboards()
        assert LAST_WEEK_KEY in taken
        people = snapshots.past_people(LAST_WEEK_KEY)
        assert [(p.rank, p.user.display_name, p.points) for p in people] == [
            (1, "Eve Employee", 60),
            (2, "Hal Hidden", 40),
            (2, "Tom Tied", 40),  # ties share a rank
        ]
        teams = snapshots.past_teams(LAST_WEEK_KEY)
        # Per active member: Red 80 / 2 beats Blue 60 / 2 (the admin counts, with 0).
        assert [(t.rank, t.name, t.points, t.members) for t in teams] == [
            (1, "Red", 80, 2),
            (2, "Blue", 60, 2),
        ]
        rows = db.session.scalar(select(func.count()).select_from(LeaderboardSnapshot))

    # A later correction and a second run change nothing in the frozen board.
    with app.app_context():
        admin, hal = db.session.get(User, cast.admin.id), db.session.get(User, cast.hal.id)
        assert admin is not None and hal is not None
        adjust_points(admin, hal, 500, "Late bonus")
        db.session.commit()
        assert snapshot_leaderboards() == []
        assert db.session.scalar(select(func.count()).select_from(LeaderboardSnapshot)) == rows
        assert [p.points for p in snapshots.past_people(LAST_WEEK_KEY)] == [60, 40, 40]


def test_snapshot_leaves_out_deactivated_people(app, cast):
    lessons(app, cast.eve, 3, LAST_WEEK)
    lessons(app, cast.tom, 1, LAST_WEEK)
    with app.app_context():
        eve = db.session.get(User, cast.eve.id)
        assert eve is not None
        eve.active = False
        db.session.commit()
        snapshots.take_snapshot(LAST_WEEK_KEY)
        db.session.commit()
        assert [(p.rank, p.user.display_name) for p in snapshots.past_people(LAST_WEEK_KEY)] == [
            (1, "Tom Tied")
        ]


def test_past_board_page_lists_frozen_periods_and_hides_the_hidden(app, client, auth, cast):
    lessons(app, cast.eve, 2, LAST_WEEK)
    lessons(app, cast.hal, 1, LAST_WEEK)
    hide(app, cast.hal)
    with app.app_context():
        snapshot_leaderboards()
    auth.login(cast.eve.email)
    label = snapshots.period_label(LAST_WEEK_KEY)

    current = client.get("/leaderboard").get_data(as_text=True)
    past = client.get(f"/leaderboard?period={LAST_WEEK_KEY}", headers=HTMX)
    teams = client.get(f"/leaderboard?period={LAST_WEEK_KEY}&scope=teams", headers=HTMX)

    assert "Past boards" in current and label in current
    html = past.get_data(as_text=True)
    assert past.status_code == 200
    assert f"People · {label}" in html
    assert "Final standings" in html
    assert "Eve Employee" in html and "Anonymous" in html and "Hal Hidden" not in html
    assert "Blue" in teams.get_data(as_text=True)


def test_unknown_past_period_is_404_and_nonsense_falls_back_to_this_week(client, auth, cast):
    auth.login(cast.eve.email)

    assert client.get("/leaderboard?period=w2019-01").status_code == 404
    page = client.get("/leaderboard?period=<script>")
    assert page.status_code == 200
    assert "People · This week" in page.get_data(as_text=True)
    assert "Past boards" not in page.get_data(as_text=True)


def test_period_labels():
    assert snapshots.period_label("w2026-47") == "Week 47, 2026 (16–22 Nov)"
    assert snapshots.period_label("w2026-44") == "Week 44, 2026 (26 Oct – 1 Nov)"
    assert snapshots.period_label("m2026-11") == "November 2026"


# --- the activity log and the gamification events ------------------------------------------


def test_activity_counts_once_and_announces_itself(app, cast):
    seen: list[ActivityRecorded] = []
    listener = subscribe(ActivityRecorded)(seen.append)
    try:
        with app.app_context():
            eve = db.session.get(User, cast.eve.id)
            assert eve is not None
            now = utcnow()
            assert record_activity(eve, "lessons_completed", "lesson:1", now) is True
            assert record_activity(eve, "lessons_completed", "lesson:1", now) is False
            assert record_activity(eve, "lessons_completed", "lesson:2", now) is True
            db.session.commit()
            assert count_activity(eve.id, "lessons_completed") == 2
            entry = db.session.scalars(select(ActivityEntry)).first()
            assert entry is not None and entry.team_id == cast.blue.id
    finally:
        from portal.events import _subscribers

        _subscribers[ActivityRecorded].remove(listener)
    assert [(e.metric, e.subject) for e in seen] == [
        ("lessons_completed", "lesson:1"),
        ("lessons_completed", "lesson:2"),
    ]


def test_points_earned_carries_the_new_total(app, cast):
    seen: list[PointsEarned] = []
    listener = subscribe(PointsEarned)(seen.append)
    try:
        lessons(app, cast.eve, 2, utcnow())
    finally:
        from portal.events import _subscribers

        _subscribers[PointsEarned].remove(listener)
    assert [(e.action, e.points, e.total) for e in seen] == [
        ("lesson_completed", 20, 20),
        ("lesson_completed", 20, 40),
    ]
