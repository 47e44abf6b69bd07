"""The leagues page: the viewer's cohort and zones, anonymity, the htmx refresh, last week's result."""

from __future__ import annotations

from datetime import timedelta

import pytest

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification import leagues
from portal.gamification.league_rules import week_end, week_of
from tests.conftest import HTMX
from tests.gamification.league_factories import crowd, play, seat


@pytest.fixture
def viewer(app, people):  # type: ignore[no-untyped-def]
    person = people.person(email="viewer@example.com", name="Vera Viewer")
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        seat(user, 2, week=week_of(utcnow() - timedelta(days=14)))
        db.session.commit()
    return person


def silver_cohort(app, viewer_id: int, viewer_xp: int = 55) -> list[User]:  # type: ignore[no-untyped-def]
    """The viewer and eleven others in a Silver league this week (XP 10, 20, ... 110)."""
    with app.app_context():
        others = crowd(11, prefix="o")
        now = utcnow()
        for i, person in enumerate(others):
            seat(person, 2, week=week_of(now - timedelta(days=14)))
            play(person, 10 * (i + 1), now - timedelta(seconds=i))
        user = db.session.get(User, viewer_id)
        assert user is not None
        play(user, viewer_xp, now)
        db.session.commit()
        for person in others:
            db.session.refresh(person)
            db.session.expunge(person)
        return others


def test_the_page_needs_a_login(client):
    response = client.get("/leagues")

    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_before_earning_points_the_page_says_how_to_join(app, client, auth, viewer):
    auth.login(viewer.email)

    html = client.get("/leagues").get_data(as_text=True)

    assert "You're not in this week's league yet" in html
    assert "join a <strong>Silver</strong> league" in html
    assert "Earn any points this week" in html
    for name in ("Bronze", "Silver", "Gold", "Sapphire", "Diamond"):
        assert name in html


def test_the_page_shows_the_cohort_with_its_zones_and_the_viewers_place(app, client, auth, viewer):
    others = silver_cohort(app, viewer.id)
    auth.login(viewer.email)

    response = client.get("/leagues")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Silver league" in html
    assert "You are <strong>7th</strong> with <strong>55 XP</strong>" in html
    assert "Promotion zone" in html and "the top 4 move up to Gold" in html
    assert "Demotion zone" in html and "the last 4 move down to Bronze" in html
    assert 'aria-current="true"' in html and "Vera Viewer" in html
    assert "O Person 10" in html and "110" in html
    # Best first: the leader in the promotion zone, the last in the demotion zone.
    assert html.index("Promotion zone") < html.index("O Person 10") < html.index("Demotion zone")
    assert html.index("Demotion zone") < html.index("O Person 0<")
    # Only names and XP: no addresses, no ids, no teams of other people.
    for person in others:
        assert person.email not in html
        assert f"/people/{person.id}" not in html
    assert 'hx-trigger="every 45s"' in html


def test_people_hidden_from_boards_show_as_anonymous(app, client, auth, viewer):
    others = silver_cohort(app, viewer.id)
    with app.app_context():
        hidden = db.session.get(User, others[10].id)
        assert hidden is not None
        hidden.hide_from_boards = True
        db.session.commit()
    auth.login(viewer.email)

    html = client.get("/leagues").get_data(as_text=True)

    assert "Anonymous" in html
    assert others[10].display_name not in html
    assert '<span class="avatar" aria-hidden="true">?</span> <span>Anonymous</span>' in html


def test_htmx_polls_get_only_the_table(app, client, auth, viewer):
    silver_cohort(app, viewer.id)
    auth.login(viewer.email)

    response = client.get("/leagues", headers=HTMX)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert 'id="league-standings"' in html
    assert "Silver league" in html
    assert "HX-Request" in response.headers["Vary"]


def test_the_week_ends_in_the_viewers_own_time_zone(app, client, auth, viewer):
    with app.app_context():
        user = db.session.get(User, viewer.id)
        assert user is not None
        user.timezone = "Asia/Tokyo"  # UTC+9, no daylight saving
        db.session.commit()
    silver_cohort(app, viewer.id)
    auth.login(viewer.email)

    html = client.get("/leagues").get_data(as_text=True)

    ends = week_end(week_of(utcnow())) + timedelta(hours=9)  # Monday 00:00 UTC, in Tokyo
    assert "Ends <time" in html
    assert f"Mon {ends.day} {ends:%b}, 09:00 JST" in html
    assert " left</strong>" in html


def test_last_weeks_result_is_shown(app, client, auth, viewer):
    with app.app_context():
        rivals = crowd(3, prefix="r")
        user = db.session.get(User, viewer.id)
        assert user is not None
        last_week = utcnow() - timedelta(days=7)
        for person in rivals:
            seat(person, 2, week=week_of(last_week - timedelta(days=7)))
        play(user, 90, last_week)
        for i, person in enumerate(rivals):
            play(person, 10 * (i + 1), last_week)
        db.session.commit()
        auth.login(viewer.email)

        # Before the rollover ran, the page already knows how the week ended.
        before = client.get("/leagues").get_data(as_text=True)
        cohort_id = leagues.membership(user.id, week_of(last_week)).cohort_id  # type: ignore[union-attr]
        leagues.close_cohort(cohort_id, utcnow())
        db.session.commit()

    after = client.get("/leagues").get_data(as_text=True)
    for html in (before, after):
        assert "You were promoted to Gold" in html
        assert "you finished 1st of 4 in your Silver league with 90 XP" in html
        assert "join a <strong>Gold</strong> league" in html
