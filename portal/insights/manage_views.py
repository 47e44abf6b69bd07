"""Goals and segments pages for leaders (their team) and admins (the company, any team).

Routes on the insights blueprint (portal/__init__.py imports this module).
"""

from __future__ import annotations

from datetime import timedelta

from flask import Response, redirect, request, url_for
from flask_login import current_user

from portal.accounts.forms import options
from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db, utcnow
from portal.insights import charts, goals, metrics, rollups, scopes, segments
from portal.insights.forms import GoalForm, RangeChoice
from portal.insights.models import Segment
from portal.insights.scopes import Period, Scope
from portal.insights.views import bp, chart_url_for, today
from portal.learning.assignments import AssignmentError
from portal.web import manager_required, parse_id, render, toast

INVALID = "Please correct the fields marked below."
TREND_DAYS = 90


def _me() -> User:
    me: User = current_user._get_current_object()
    return me


def _manager_scope(me: User, raw_team: str | None) -> Scope:
    """A leader's own team; an admin's choice of team, or the company."""
    if me.role == Role.ADMIN:
        team_id = parse_id(raw_team)
        return scopes.team_scope(me, team_id) if team_id else scopes.company_scope(me)
    return scopes.team_scope(me, me.team_id)


# --- goals ------------------------------------------------------------------------------------


def _goal_form(me: User, form: GoalForm | None = None) -> GoalForm:
    form = form or GoalForm(formdata=None)
    choices: list[tuple[object, str]] = [(t.id, f"{t.name} team") for t in goals.settable_teams(me)]
    if me.role == Role.ADMIN:
        choices.insert(0, (0, "The whole company"))
    form.team_id.choices = options(choices)
    return form


def _goals_page(
    form: GoalForm | None = None, error: str | None = None, status: int = 200
) -> Response:
    me = _me()
    shown = goals.all_goals() if me.role == Role.ADMIN else goals.goals_for(me.team_id)
    return render(
        "insights/goals.html",
        status=status,
        form=_goal_form(me, form),
        error=error,
        progress=goals.progress(shown, today()),
        can_set=goals.can_set_goals(me),
        can_manage=lambda goal: (
            me.role == Role.ADMIN or (goal.team_id is not None and goal.team_id == me.team_id)
        ),
        money=metrics.money,
        settings=rollups.current_settings(),
    )


@bp.get("/goals")
@manager_required
def goals_page() -> Response:
    """Every goal the viewer can see, with progress, and the form to set one."""
    return _goals_page()


@bp.post("/goals")
@manager_required
def create_goal() -> Response:
    """Set a goal: for the company (admins) or a team (leaders: their own)."""
    me = _me()
    form = _goal_form(me, GoalForm())
    if not form.validate_on_submit():
        return _goals_page(form, INVALID, 422)
    try:
        goal = goals.create_goal(
            me,
            form.metric.data or "",
            form.period.data or "",
            form.target.data,
            form.team_id.data or None,
        )
    except goals.GoalError as exc:
        db.session.rollback()
        field = getattr(form, exc.field or "", None)
        if field is not None:
            field.errors = [*field.errors, str(exc)]
        return _goals_page(form, None if field is not None else str(exc), 422)
    db.session.commit()
    label = goals.GOAL_METRICS[goal.metric].label
    toast(f"Goal set: {label}, {goal.period.label.lower()}.")
    return redirect(url_for("insights.goals_page"), 303)  # type: ignore[return-value]


@bp.post("/goals/<int:goal_id>/delete")
@manager_required
def delete_goal(goal_id: int) -> Response:
    """Remove a goal (admins any, leaders their team's; others a 404)."""
    goal = goals.delete_goal(_me(), goal_id)
    label = goals.GOAL_METRICS.get(goal.metric, goals.GoalMetric(goal.metric, "count")).label
    db.session.commit()
    toast(f"Goal removed: {label}.")
    return redirect(url_for("insights.goals_page"), 303)  # type: ignore[return-value]


# --- segments ---------------------------------------------------------------------------------


@bp.get("/segments")
@manager_required
def segments_page() -> Response:
    """Counts, trend and people of each segment, with one-click actions."""
    me = _me()
    scope = _manager_scope(me, request.args.get("team"))
    end = today()
    period = Period(end - timedelta(days=TREND_DAYS - 1), end)
    choice = RangeChoice(period, "custom")
    teams = goals.settable_teams(me) if me.role == Role.ADMIN else []
    return render(
        "insights/segments.html",
        scope=scope,
        counts=segments.counts(scope),
        members={s: segments.members(scope, s) for s in segments.ORDER},
        order=segments.ORDER,
        Segment=Segment,
        trend=charts.build("segments", scope, period),
        chart_url=chart_url_for(scope, choice),
        period=period,
        teams=teams,
        starter=segments.starter_path(),
        settings=rollups.current_settings(),
        window=segments.WINDOW_DAYS,
        champion_shares=segments.CHAMPION_SHARES,
        champion_days=segments.CHAMPION_ACTIVE_DAYS,
    )


def _back(scope: Scope) -> Response:
    team = scope.team_id if scope.kind == "team" and _me().role == Role.ADMIN else None
    return redirect(url_for("insights.segments_page", team=team), 303)  # type: ignore[return-value]


@bp.post("/segments/emerging/assign")
@manager_required
def assign_emerging() -> Response:
    """Give the emerging the starter path, due in two weeks."""
    me = _me()
    scope = _manager_scope(me, request.form.get("team"))
    try:
        people, made, title = segments.assign_starter_path(me, scope, today())
    except (segments.SegmentActionError, AssignmentError) as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return _back(scope)
    except PermissionDenied:
        db.session.rollback()
        raise
    db.session.commit()
    toast(
        f"Assigned “{title}” to {people} {'person' if people == 1 else 'people'}"
        + (f" ({made} new)." if made != people else ".")
    )
    return _back(scope)


@bp.post("/segments/not-engaged/invite")
@manager_required
def invite_not_engaged() -> Response:
    """Send the not yet engaged a gentle invitation (at most once a month each)."""
    me = _me()
    scope = _manager_scope(me, request.form.get("team"))
    try:
        people, sent = segments.invite_not_engaged(me, scope, url_for("learning.index"), utcnow())
    except segments.SegmentActionError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return _back(scope)
    db.session.commit()
    toast(_sent_message("Invited", people, sent, "this month"))
    return _back(scope)


@bp.post("/segments/champions/ask")
@manager_required
def ask_champions() -> Response:
    """Ask the champions to host a brainstorming session (at most once a week each)."""
    me = _me()
    scope = _manager_scope(me, request.form.get("team"))
    try:
        people, sent = segments.ask_champions(
            me, scope, url_for("boards.new_board"), url_for("boards.index"), utcnow()
        )
    except segments.SegmentActionError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return _back(scope)
    db.session.commit()
    toast(_sent_message("Asked", people, sent, "this week"))
    return _back(scope)


def _sent_message(verb: str, people: int, sent: int, period: str) -> str:
    noun = "person" if people == 1 else "people"
    if sent == people:
        return f"{verb} {people} {noun}."
    if sent == 0:
        return f"Everyone in this segment heard from you {period} already."
    return f"{verb} {sent} of {people} {noun} (the others heard from you {period} already)."
