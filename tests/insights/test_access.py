"""Finer access than the role matrix: a leader never sees another team, employees only themselves."""

from __future__ import annotations

import pytest

from portal.db import db
from portal.insights.rollups import recompute
from portal.insights.segments import compute
from tests.insights.factories import NOW, build_world, day

WEEK = {"start": day(0).isoformat(), "end": day(6).isoformat()}


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    recompute(day(0), day(6), now=NOW)
    compute(NOW)
    db.session.commit()
    return built


def _status(client, path: str, **query: object) -> int:  # type: ignore[no-untyped-def]
    return int(client.get(path, query_string=query).status_code)


def test_a_leader_sees_their_team_and_never_another(world, client, auth):
    auth.login("dan@example.com")
    blue, green = world.blue, world.green

    assert _status(client, f"/insights/teams/{blue}") == 200
    assert _status(client, f"/insights/teams/{green}") == 404
    assert _status(client, "/insights/teams/999999") == 404
    assert _status(client, "/insights/company") == 403
    chart = "/insights/charts/shares.svg"
    assert _status(client, chart, scope="team", team=blue) == 200
    assert _status(client, chart, scope="team", team=green) == 404
    assert _status(client, chart, scope="team") == 404
    assert _status(client, chart, scope="company") == 403
    assert _status(client, "/insights/charts/segments.svg", scope="team", team=green) == 404
    # Asking the segments and exports pages for Green still shows Blue.
    segments = client.get("/insights/segments", query_string={"team": green}).get_data(as_text=True)
    assert "Blue" in segments and "Cat" not in segments and "Eve" not in segments


def test_an_employee_sees_only_themselves(world, client, auth):
    auth.login("ana@example.com")

    assert _status(client, "/insights/me") == 200
    assert _status(client, f"/insights/teams/{world.blue}") == 403
    assert _status(client, "/insights/company") == 403
    assert _status(client, "/insights/segments") == 403
    assert _status(client, "/insights/goals") == 403
    chart = "/insights/charts/shares.svg"
    assert _status(client, chart) == 200  # their own
    assert _status(client, chart, scope="team", team=world.blue) == 403
    assert _status(client, chart, scope="company") == 403
    assert _status(client, "/insights/charts/segments.svg") == 404
    assert client.post("/insights/segments/champions/ask").status_code == 403


def test_personal_charts_show_only_the_viewers_numbers(world, client, auth):
    auth.login("ben@example.com")

    svg = client.get("/insights/charts/shares.svg", query_string=WEEK).get_data(as_text=True)

    assert "LinkedIn 0, X 0, Facebook 0 (0 in all)" in svg  # Ben shared nothing; Ana did


def test_an_admin_sees_every_team(world, client, auth):
    auth.login("admin@example.com")

    assert _status(client, f"/insights/teams/{world.green}") == 200
    segments = client.get("/insights/segments", query_string={"team": world.green})
    assert "Eve" in segments.get_data(as_text=True)
    assert _status(client, "/insights/charts/segments.svg", scope="team", team=world.green) == 200
    assert _status(client, "/insights/segments", team="999999") == 404


def test_a_leader_without_a_team_gets_a_404_not_everyone(app_ctx, client, auth, people):
    from portal.accounts.models import Role

    people.person(role=Role.LEADER, email="loner@example.com")
    auth.login("loner@example.com")

    assert _status(client, "/insights/segments") == 404
    assert _status(client, "/insights/exports/people.csv") == 404
    assert client.get("/insights/").headers["Location"].endswith("/insights/me")
