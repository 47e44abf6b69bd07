"""Challenge pages: who sees what, the form and its errors, editing, cancelling, the live fragment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask import render_template, url_for
from flask_login import login_user
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.gamification.challenge_models import Challenge
from portal.gamification.challenge_progress import team_challenges_summary
from portal.gamification.challenge_settlement import settle_challenge
from portal.gamification.challenges import challenge_path
from tests.conftest import HTMX
from tests.gamification.challenge_factories import log_activity, make_challenge

LOCAL = "%Y-%m-%dT%H:%M"


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    blue, green, red = people.team("Blue"), people.team("Green"), people.team("Red")
    return SimpleNamespace(
        blue=blue,
        green=green,
        red=red,
        leader=people.person(role=Role.LEADER, team=blue, email="lead@example.com"),
        employee=people.person(team=blue, email="emp@example.com", name="Eve Employee"),
        rival=people.person(team=green, email="rival@example.com"),
        rival_leader=people.person(role=Role.LEADER, team=green, email="rl@example.com"),
        red_leader=people.person(role=Role.LEADER, team=red, email="redl@example.com"),
        admin=people.person(role=Role.ADMIN, team=red, email="admin@example.com"),
    )


def _count_challenges(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Challenge)) or 0


def test_people_see_only_the_challenges_their_team_takes_part_in(app, client, auth, cast):
    ours = make_challenge(app, cast.blue, opponent=cast.green, title="Blue against Green")
    theirs = make_challenge(app, cast.red, title="Red only")
    auth.login(cast.employee.email)
    page = client.get("/challenges/").get_data(as_text=True)
    assert "Blue against Green" in page and "Red only" not in page
    assert "New challenge" not in page
    assert client.get(f"/challenges/{ours}").status_code == 200
    assert client.get(f"/challenges/{theirs}").status_code == 404
    assert client.get(f"/challenges/{theirs}/progress", headers=HTMX).status_code == 404
    assert client.get("/challenges/new").status_code == 403


def test_the_other_team_in_a_race_sees_it_but_does_not_run_it(app, client, auth, cast):
    race = make_challenge(
        app, cast.blue, opponent=cast.green, starts_at=utcnow() + timedelta(days=1)
    )
    auth.login(cast.rival_leader.email)
    page = client.get(f"/challenges/{race}").get_data(as_text=True)
    assert "Blue vs Green" in page and "Cancel challenge" not in page and ">Edit<" not in page
    assert client.get(f"/challenges/{race}/edit").status_code == 403
    assert client.post(f"/challenges/{race}/cancel").status_code == 403
    auth.logout()
    auth.login(cast.red_leader.email)
    assert client.get(f"/challenges/{race}/edit").status_code == 404
    assert client.post(f"/challenges/{race}/cancel").status_code == 404


def test_admins_see_every_team_and_the_new_button(app, client, auth, cast):
    make_challenge(app, cast.green, title="Green sprint")
    auth.login(cast.admin.email)
    page = client.get("/challenges/").get_data(as_text=True)
    assert "Green sprint" in page and "New challenge" in page


def _form(team: int, start: datetime, end: datetime, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "Ten lessons",
        "description": "Go **team**",
        "metric": "lessons_completed",
        "target": "10",
        "starts_at": start.strftime(LOCAL),
        "ends_at": end.strftime(LOCAL),
        "team_id": str(team),
        "opponent_team_id": "0",
        "reward_points": "80",
        "reward_badge_id": "0",
    }
    data.update(changes)
    return data


def _set_timezone(app, person: User, timezone: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.get(User, person.id).timezone = timezone  # type: ignore[union-attr]
        db.session.commit()


def test_a_leader_sets_a_challenge_in_their_own_time_zone(app, client, auth, cast):
    _set_timezone(app, cast.leader, "America/New_York")
    zone = ZoneInfo("America/New_York")
    start = (utcnow().astimezone(zone) + timedelta(days=2)).replace(
        hour=9, minute=0, second=0, microsecond=0, tzinfo=None
    )
    auth.login(cast.leader.email)
    form = client.get("/challenges/new").get_data(as_text=True)
    assert f'name="team_id" value="{cast.blue.id}"' in form  # their own team, fixed
    assert "Points earned" in form and "Lessons completed" in form
    response = client.post(
        "/challenges/new",
        data=_form(cast.blue.id, start, start + timedelta(days=7), opponent_team_id=cast.green.id),
    )
    assert response.status_code == 303
    with app.app_context():
        challenge = db.session.scalar(select(Challenge))
        assert challenge is not None
        assert response.headers["Location"] == f"/challenges/{challenge.id}"
        assert challenge.starts_at == start.replace(tzinfo=zone).astimezone(UTC)
        assert challenge.team_ids == [cast.blue.id, cast.green.id]
        assert (challenge.target, challenge.reward_points) == (10, 80)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{start:%a %-d %b %Y}, 09:00" in page and "America/New York" in page
    assert "<strong>team</strong>" in page  # the description's Markdown


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ends_at": "2020-01-01T09:00"}, "The end must come after the start."),
        ({"target": "0"}, "Set a target of at least 1."),
        ({"team_id": "999999"}, "Choose a team from the list."),
        ({"opponent_team_id": "999999"}, "Choose a team from the list."),
        (
            {"starts_at": "2020-01-01T09:00", "ends_at": "2020-01-02T09:00"},
            "The end is in the past",
        ),
        ({"title": ""}, "This field is required."),
        ({"reward_points": "5000"}, "Reward between 0 and 1000 points."),
    ],
)
def test_bad_input_shows_the_form_again_with_errors(app, client, auth, cast, changes, message):
    start = utcnow().replace(tzinfo=None) + timedelta(days=1)
    auth.login(cast.admin.email)
    response = client.post(
        "/challenges/new", data=_form(cast.blue.id, start, start + timedelta(days=3), **changes)
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and "Please correct the fields marked below." in page
    assert 'aria-invalid="true"' in page
    assert _count_challenges(app) == 0


def test_a_leader_cannot_set_one_for_another_team(app, client, auth, cast):
    start = utcnow().replace(tzinfo=None) + timedelta(days=1)
    auth.login(cast.leader.email)
    response = client.post(
        "/challenges/new", data=_form(cast.green.id, start, start + timedelta(days=3))
    )
    assert response.status_code == 403
    assert _count_challenges(app) == 0


def test_a_leader_without_a_team_is_told_why(client, auth, people):
    loner = people.person(role=Role.LEADER)
    auth.login(loner.email)
    page = client.get("/challenges/new").get_data(as_text=True)
    assert "you are not in one yet" in page
    assert "New challenge" not in client.get("/challenges/").get_data(as_text=True)


def test_editing_before_the_start_and_not_after(app, client, auth, cast):
    later = make_challenge(app, cast.blue, starts_at=utcnow() + timedelta(days=1))
    running = make_challenge(app, cast.blue, title="Running")
    auth.login(cast.leader.email)
    form = client.get(f"/challenges/{later}/edit").get_data(as_text=True)
    assert 'value="Lesson sprint"' in form
    start = utcnow().replace(tzinfo=None) + timedelta(days=2)
    response = client.post(
        f"/challenges/{later}/edit",
        data=_form(cast.blue.id, start, start + timedelta(days=3), title="Renamed"),
    )
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Challenge, later).title == "Renamed"  # type: ignore[union-attr]
    refused = client.get(f"/challenges/{running}/edit")
    assert refused.status_code == 303 and refused.headers["Location"] == f"/challenges/{running}"
    assert "can no longer be changed" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )


def test_cancelling(app, client, auth, cast):
    cid = make_challenge(app, cast.blue)
    auth.login(cast.employee.email)
    assert client.post(f"/challenges/{cid}/cancel").status_code == 403
    auth.logout()
    auth.login(cast.leader.email)
    response = client.post(f"/challenges/{cid}/cancel")
    assert response.status_code == 303
    page = client.get(f"/challenges/{cid}").get_data(as_text=True)
    assert "Cancelled “Lesson sprint”" in page and "nobody is rewarded" in page
    again = client.post(f"/challenges/{cid}/cancel", follow_redirects=True)
    assert "It is over already" in again.get_data(as_text=True)


def _digest(body: str) -> str:
    found = re.search(r"progress\?v=([0-9a-f]+)", body)
    assert found, body
    return found.group(1)


def test_the_progress_fragment_polls_until_the_challenge_is_over(app, client, auth, cast):
    cid = make_challenge(app, cast.blue, target=2)
    auth.login(cast.employee.email)
    url = f"/challenges/{cid}/progress"
    first = client.get(url, headers=HTMX)
    assert first.status_code == 200
    body = first.get_data(as_text=True)
    assert 'hx-trigger="every 15s"' in body and "<html" not in body
    assert 'aria-valuetext="0 of 2"' in body
    digest = _digest(body)
    assert client.get(f"{url}?v={digest}", headers=HTMX).status_code == 204
    log_activity(app, cast.employee, utcnow())
    changed = client.get(f"{url}?v={digest}", headers=HTMX)
    assert changed.status_code == 200
    assert 'aria-valuetext="1 of 2"' in changed.get_data(as_text=True)
    assert "Eve Employee" in changed.get_data(as_text=True)  # top contributors
    log_activity(app, cast.employee, utcnow())
    with app.app_context():
        assert settle_challenge(cid) is not None
        db.session.commit()
    final = client.get(f"{url}?v={_digest(changed.get_data(as_text=True))}", headers=HTMX)
    assert final.status_code == 286  # htmx swaps it in and stops polling
    text = final.get_data(as_text=True)
    assert "hx-trigger" not in text and "Blue won" in text
    assert 'id="challenge-actions" hx-swap-oob="true"' in text  # no more Edit or Cancel
    assert client.get(url).status_code == 200  # without htmx: the whole page
    assert "<html" in client.get(url).get_data(as_text=True)


def test_a_cancelled_challenge_stops_the_polling(app, client, auth, cast):
    cid = make_challenge(app, cast.blue)
    with app.app_context():
        db.session.get(Challenge, cid).cancelled_at = utcnow()  # type: ignore[union-attr]
        db.session.commit()
    auth.login(cast.employee.email)
    response = client.get(f"/challenges/{cid}/progress?v=stale", headers=HTMX)
    assert response.status_code == 286
    assert "hx-trigger" not in response.get_data(as_text=True)


def test_dates_are_shown_in_the_viewers_time_zone(app, client, auth, cast):
    start = datetime(2030, 12, 3, 9, 0, tzinfo=UTC)
    cid = make_challenge(app, cast.blue, starts_at=start, ends_at=start + timedelta(days=2))
    _set_timezone(app, cast.employee, "Europe/Berlin")
    auth.login(cast.employee.email)
    page = client.get(f"/challenges/{cid}").get_data(as_text=True)
    assert "Tue 3 Dec 2030, 10:00" in page and "Thu 5 Dec 2030, 10:00" in page
    assert "Starts in" in page


def test_the_home_fragment_lists_the_teams_running_challenges(app, cast):
    make_challenge(app, cast.blue, title="Running now", target=4)
    make_challenge(app, cast.blue, title="Not yet", starts_at=utcnow() + timedelta(days=1))
    make_challenge(app, cast.red, title="Other team")
    log_activity(app, cast.employee, utcnow())
    with app.test_request_context("/"):
        me = db.session.get(User, cast.employee.id)
        assert me is not None
        login_user(me)
        html = render_template(
            "gamification/challenges/_home.html",
            team_challenges=team_challenges_summary(me, utcnow()),
        )
    assert "Running now" in html and "Not yet" not in html and "Other team" not in html
    assert 'aria-valuetext="1 of 4"' in html and "Your team" in html


def test_notification_links_match_the_route(app):
    with app.test_request_context():
        assert challenge_path(42) == url_for("challenges.detail", challenge_id=42)
