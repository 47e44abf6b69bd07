"""Dashboards (personal, team, company), their charts as SVG, and each person's data download.

The date range comes from the query string; the range picker asks for the
dashboard's body with htmx and swaps it in, charts and tables included.
Charts are separate SVG responses with a CSP of their own: no scripts, only
their own inline styles.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts.models import Role, User
from portal.db import utcnow
from portal.insights import charts, goals, metrics, rollups, scopes
from portal.insights.forms import PRESETS, RangeChoice, read_range
from portal.insights.privacy import personal_data
from portal.insights.scopes import Period, Scope
from portal.web import admin_required, manager_required, parse_id, render

bp = Blueprint("insights", __name__, url_prefix="/insights")

# The SVG documents carry their styles inline and need nothing else: no scripts, no
# fetches. (Shown with <img> they could not run scripts anyway; opened on their own,
# this policy still forbids it.)
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
THEMES = ("light", "dark")
SIZES = ("wide", "narrow")
# The company dashboard compares this many teams at a time, the leaders of the chosen
# measure first; the rest are a page away. Every team side by side grew the page (and
# its queries) with the company.
TEAMS_SHOWN = 20


def _me() -> User:
    me: User = current_user._get_current_object()
    return me


def today() -> date:
    """Today in UTC: the roll-ups count UTC days."""
    return utcnow().date()


def current_range() -> RangeChoice:
    """The date range the query string asks for."""
    return read_range(request.args, today())


def chart_url_for(scope: Scope, choice: RangeChoice) -> Callable[[str, str, str], str]:
    """A function of (chart, theme, size) giving the chart's URL for this scope and range."""

    def chart_url(name: str, theme: str = "light", size: str = "wide") -> str:
        args: dict[str, Any] = {"name": name, "theme": theme, "size": size}
        return url_for("insights.chart", **(args | scope.args | choice.args))

    return chart_url


def by_network(counts: dict[str, int]) -> str:
    """ "LinkedIn 4 · X 2 · Facebook 0" """
    return " · ".join(f"{metrics.NETWORK_LABELS.get(n, n)} {v:,}" for n, v in counts.items())


def _dashboard(scope: Scope, endpoint: str, **values: Any) -> Response:
    me = _me()
    choice = current_range()
    period = choice.period
    summary = metrics.summarise(scope, period)
    built = charts.dashboard(scope, period, summary)
    # Company goals concern everyone; a team's goals its members and its dashboard.
    team_id = scope.team_id if scope.kind == "team" else me.team_id
    shown_goals = goals.goals_for(None if scope.kind == "company" else team_id)
    return render(
        "insights/dashboard.html",
        "insights/_dashboard.html",
        scope=scope,
        choice=choice,
        period=period,
        presets=PRESETS,
        summary=summary,
        charts=built,
        chart_url=chart_url_for(scope, choice),
        progress=goals.progress(shown_goals, today()),
        **(_team_comparison(period) if scope.kind == "company" else {"teams": []}),
        settings=rollups.current_settings(),
        base_url=url_for(endpoint, **values),
        money=metrics.money,
        by_network=by_network,
        today=today(),
    )


def _team_comparison(period: Period) -> dict[str, Any]:
    """One page of the company's teams, ordered by the measure the query string asks for."""
    order = request.args.get("order", "shares")
    if order not in metrics.TEAM_ORDERS:
        order = "shares"
    total = metrics.team_count()
    pages = max(1, -(-total // TEAMS_SHOWN))
    page = min(max(1, parse_id(request.args.get("page")) or 1), pages)
    offset = (page - 1) * TEAMS_SHOWN
    return {
        "teams": metrics.team_table(period, order, TEAMS_SHOWN, offset),
        "team_orders": metrics.TEAM_ORDERS,
        "team_order": order,
        "team_total": total,
        "team_page": page,
        "team_pages": pages,
        "team_offset": offset,
    }


@bp.get("/")
@login_required
def index() -> Response:
    """Insights: the company's for admins, the team's for leaders, one's own for everyone else."""
    me = _me()
    if me.role == Role.ADMIN:
        target = url_for("insights.company")
    elif me.role == Role.LEADER and me.team_id is not None:
        target = url_for("insights.team", team_id=me.team_id)
    else:
        target = url_for("insights.me")
    return redirect(target, 303)  # type: ignore[return-value]


@bp.get("/me")
@login_required
def me() -> Response:
    """The person's own figures: shares, clicks, reach, learning, and the goals they are part of."""
    return _dashboard(scopes.person_scope(_me()), "insights.me")


@bp.get("/teams/<int:team_id>")
@manager_required
def team(team_id: int) -> Response:
    """One team's dashboard: its leaders and admins (another team's leader gets a 404)."""
    scope = scopes.team_scope(_me(), team_id)
    return _dashboard(scope, "insights.team", team_id=team_id)


@bp.get("/company")
@admin_required
def company() -> Response:
    """The company's dashboard, with its teams compared a page at a time."""
    return _dashboard(scopes.company_scope(_me()), "insights.company")


@bp.get("/charts/<name>.svg")
@login_required
def chart(name: str) -> Response:
    """One chart as an SVG document, for the scope and range in the query string."""
    if name not in charts.BUILDERS:
        abort(404)
    me = _me()
    scope = scopes.scope_for(me, request.args.get("scope"), parse_id(request.args.get("team")))
    if name == "segments" and scope.kind == "person":
        abort(404)  # segments are for leaders (their team) and admins
    theme = request.args.get("theme", "light")
    size = request.args.get("size", "wide")
    built = charts.build(name, scope, current_range().period)
    svg = charts.render_svg(built, theme if theme in THEMES else "light", size)
    response = Response(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = SVG_CSP
    response.headers["Cache-Control"] = "private, max-age=300"
    response.vary.add("Cookie")
    return response


@bp.get("/my-data")
@login_required
def my_data() -> Response:
    """Download everything Beacon holds about the person, as JSON."""
    me = _me()
    data = personal_data(me, utcnow())
    body = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
    response = Response(body, mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="beacon-my-data-{today().isoformat()}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response
