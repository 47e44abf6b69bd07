"""The insights pages through the client: dashboards, the range picker, charts, goals, settings."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from portal.db import db
from portal.insights.models import Goal
from portal.insights.rollups import current_settings, recompute
from portal.insights.segments import compute
from portal.queue import OutboxJob
from tests.conftest import HTMX
from tests.insights.factories import NOW, build_world, day

WEEK = {"start": day(0).isoformat(), "end": day(6).isoformat()}


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    recompute(day(0), day(6), now=NOW)
    compute(NOW)
    db.session.commit()
    return built


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "landing"),
    [
        ("ana@example.com", "/insights/me"),
        ("dan@example.com", "/insights/teams/"),
        ("admin@example.com", "/insights/company"),
    ],
)
def test_insights_is_in_the_navigation_and_lands_by_role(world, client, auth, email, landing):
    auth.login(email)

    home = client.get("/")
    response = client.get("/insights/")

    assert re.search(r'<a class="nav__link" href="/insights/">Insights', _text(home))
    assert response.status_code == 303
    assert response.headers["Location"].startswith(landing)


def test_the_company_dashboard_shows_every_figure(world, client, auth):
    auth.login("admin@example.com")

    page = _text(client.get("/insights/company", query_string=WEEK))

    assert "Company insights" in page
    assert "2 Nov – 8 Nov 2026" in page
    for figure in ("67%", "4 of 6 people active", "1.25 per share", "$5.00", "70%", "38%"):
        assert figure in page, figure
    assert "earned of 800 potential" in page
    assert "LinkedIn 2 · X 1 · Facebook 1" in page
    for title in ("Shares by network", "Clicks by network", "Potential and earned reach",
                  "Participation", "Learning"):  # fmt: skip
        assert f">{title}</h2>" in page
    assert page.count('<details class="insights-chart__data">') == 5
    assert 'id="teams-title">Teams' in page and ">Blue</a>" in page


def test_charts_come_with_alt_text_and_the_numbers(world, client, auth):
    auth.login("admin@example.com")

    page = _text(client.get("/insights/company", query_string=WEEK))

    assert 'alt="Shares by network. Shares per day, 2 Nov – 8 Nov 2026: LinkedIn 2, X 1, ' in page
    table = page.split('id="chart-shares"')[1].split("</table>")[0]
    assert '<th scope="row">3 Nov</th><td class="num">1</td><td class="num">1</td>' in table
    assert 'media="screen and (prefers-color-scheme: dark)"' in page  # dark mode, not in print
    urls = re.findall(r'src="([^"]+)"', page.split('id="chart-shares"')[1])
    assert "start=2026-11-02" in urls[0] and "theme=light" in urls[0]


def test_the_range_picker_swaps_the_body_with_htmx(world, client, auth):
    auth.login("admin@example.com")

    fragment = client.get(
        "/insights/company", query_string={"days": "custom", **WEEK} | {"end": day(2).isoformat()},
        headers=HTMX,
    )  # fmt: skip
    preset = client.get("/insights/company", query_string={"days": "7"}, headers=HTMX)

    text = _text(fragment)
    assert fragment.status_code == 200
    assert text.lstrip().startswith('<div id="insights-body"')
    assert "<html" not in text
    assert "2 Nov – 4 Nov 2026" in text and "(3 days, UTC)" in text
    assert "end=2026-11-04" in text
    assert fragment.headers["Vary"].count("HX-Request") == 1
    assert 'value="7" selected' in _text(preset) and "days=7" in _text(preset)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"days": "custom", "start": "2026-11-08", "end": "2026-11-02"}, "swapped them"),
        ({"days": "custom", "start": "not a date", "end": "2026-11-02"}, "Enter both dates"),
        ({"days": "custom", "start": "1999-01-01", "end": "2026-11-02"}, "At most two years"),
        ({"days": "custom", "start": "2026-11-01", "end": "2999-01-01"}, "stop at today"),
    ],
)
def test_bad_ranges_are_fixed_and_said(world, client, auth, query, message):
    auth.login("admin@example.com")

    response = client.get("/insights/company", query_string=query)

    assert response.status_code == 200
    assert message in _text(response)


def test_a_chart_is_an_svg_with_its_own_csp_and_no_script(world, client, auth):
    auth.login("admin@example.com")

    light = client.get("/insights/charts/shares.svg", query_string={"scope": "company", **WEEK})
    dark = client.get(
        "/insights/charts/reach.svg",
        query_string={"scope": "company", "theme": "dark", "size": "narrow", **WEEK},
    )

    assert light.status_code == 200 and light.mimetype == "image/svg+xml"
    assert light.headers["Content-Security-Policy"] == (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    )
    svg = _text(light)
    assert svg.startswith("<svg") and "<script" not in svg and "javascript" not in svg.lower()
    assert "<title>Shares by network</title>" in svg
    assert not re.search(r'(?:href|src)="https?:', svg) and "@import" not in svg  # self-contained
    assert "#e6eaf1" in _text(dark) and "#e6eaf1" not in svg  # the dark style's text colour
    assert 'viewBox="0 0 400 360"' in _text(dark)
    assert client.get("/insights/charts/nope.svg").status_code == 404


def test_personal_charts_and_dashboard(world, client, auth):
    auth.login("ana@example.com")

    page = _text(client.get("/insights/me", query_string=WEEK))
    chart = client.get("/insights/charts/participation.svg", query_string=WEEK)

    assert "My insights" in page and "Download my data" in page
    assert "2 Nov – 8 Nov 2026" in page and ">2</p>" in page  # active days
    assert "Your activity" in page
    assert chart.status_code == 200 and "<title>Your activity</title>" in _text(chart)


def test_nobody_sees_the_word_detractor(world, client, auth):
    pages = {
        "ana@example.com": ["/insights/me"],
        "dan@example.com": ["/insights/segments", f"/insights/teams/{world.blue}"],
        "admin@example.com": ["/insights/company", "/insights/segments", "/insights/exports"],
    }
    for email, paths in pages.items():
        auth.login(email)
        for path in paths:
            assert "detractor" not in _text(client.get(path)).lower(), path
        auth.logout()


def test_segments_page_lists_the_teams_people_and_acts(world, client, auth):
    auth.login("dan@example.com")

    page = _text(client.get("/insights/segments"))
    invited = client.post("/insights/segments/not-engaged/invite", follow_redirects=True)

    assert "Not yet engaged" in page
    assert "Ana" in page and "Cat" not in page  # only Blue's people
    assert invited.status_code == 200
    # Everyone in Blue did something this month: nobody to invite, and it says so.
    assert "nobody to invite" in _text(invited)


def test_goals_are_set_and_shown_on_the_dashboards(world, client, auth):
    auth.login("admin@example.com")

    bad = client.post(
        "/insights/goals",
        data={"metric": "shares", "period": "month", "target": "0", "team_id": "0"},
    )
    made = client.post(
        "/insights/goals",
        data={"metric": "shares", "period": "week", "target": "8", "team_id": str(world.blue)},
    )

    assert bad.status_code == 422 and "Set a target of at least 1." in _text(bad)
    assert made.status_code == 303
    goal = db.session.scalars(select(Goal)).one()
    assert (goal.metric, goal.team_id, goal.target) == ("shares", world.blue, 8)
    auth.logout()
    auth.login("ben@example.com")
    assert "Goals</h2>" in _text(client.get("/insights/me"))
    auth.logout()
    auth.login("cat@example.com")
    assert "Goals</h2>" not in _text(client.get("/insights/me"))  # a Blue goal; Cat is Green


def test_a_leader_cannot_remove_another_teams_goal(world, client, auth):
    green = Goal(metric="ideas", period="week", target=2, team_id=world.green)
    db.session.add(green)
    db.session.commit()
    auth.login("dan@example.com")

    response = client.post(f"/insights/goals/{green.id}/delete")

    assert response.status_code == 404
    assert db.session.get(Goal, green.id) is not None


def test_settings_and_rebuilding_days(world, client, auth):
    auth.login("admin@example.com")

    bad = client.post(
        "/insights/settings",
        data={"click_value": "cheap", "currency": "EUR", "starter_path_id": "0"},
    )
    good = client.post(
        "/insights/settings", data={"click_value": "2,5", "currency": "EUR", "starter_path_id": "0"}
    )
    rebuild = client.post("/insights/settings/recompute", data=WEEK)
    late = client.post(
        "/insights/settings/recompute", data={"start": "2026-11-02", "end": "2999-01-01"}
    )

    assert bad.status_code == 422 and "Enter an amount such as 1.50." in _text(bad)
    assert good.status_code == 303
    db.session.expire_all()
    settings = current_settings()
    assert (settings.click_value_cents, settings.currency) == (250, "EUR")
    assert "€5.00" not in _text(client.get("/insights/company", query_string=WEEK))
    assert "€12.50" in _text(client.get("/insights/company", query_string=WEEK))
    assert rebuild.status_code == 303
    job = db.session.scalars(select(OutboxJob)).one()
    assert job.func == "jobs.insights.rollup_range"
    assert late.status_code == 422


def test_the_company_dashboard_compares_one_page_of_teams_most_first(world, client, auth):
    from datetime import timedelta

    from portal.accounts.models import Team
    from portal.insights.models import TeamDay
    from portal.insights.views import TEAMS_SHOWN

    extra = TEAMS_SHOWN + 5 - 2  # Blue and Green are there already
    when = day(1)
    for i in range(extra):
        team = Team(name=f"Team {i:02d}")
        db.session.add(team)
        db.session.flush()
        db.session.add(
            TeamDay(
                day=when,
                team_id=team.id,
                metric="shares",
                week=when - timedelta(days=when.weekday()),
                month=when.replace(day=1),
                value=10 + i,
            )
        )
    db.session.commit()
    auth.login("admin@example.com")

    def shown(page: str) -> list[str]:
        return re.findall(r'<th scope="row"><a href="/insights/teams/\d+\?[^"]*">([^<]+)</a>', page)

    first = _text(client.get("/insights/company", query_string=WEEK))
    second = _text(client.get("/insights/company", query_string=WEEK | {"page": "2"}))

    assert shown(first) == [f"Team {i:02d}" for i in range(extra - 1, extra - 1 - TEAMS_SHOWN, -1)]
    assert f"1–{TEAMS_SHOWN} of {TEAMS_SHOWN + 5} teams, most shares first." in first
    assert "Next teams" in first
    assert shown(second) == ["Team 02", "Team 01", "Team 00", "Blue", "Green"]
    assert f"{TEAMS_SHOWN + 1}–{TEAMS_SHOWN + 5} of {TEAMS_SHOWN + 5} teams" in second

    # Odd paging and sorting: the nearest real page, the default order, never an error.
    for query, expect in [
        ({"page": "0"}, "1–"),
        ({"page": "abc"}, "1–"),
        ({"page": "-3"}, "1–"),
        ({"page": "99999999"}, f"{TEAMS_SHOWN + 1}–"),
        ({"order": "bogus"}, "most shares first"),
        ({"order": "people", "page": "2"}, f"{TEAMS_SHOWN + 1}–"),
    ]:
        response = client.get("/insights/company", query_string=WEEK | query)
        assert response.status_code == 200, query
        assert expect in _text(response), query
