"""Points history, leaderboards, and the admin's point rules and adjustments."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts import services as accounts
from portal.db import db, utcnow
from portal.gamification import admin, leaderboard, snapshots, streaks
from portal.gamification.forms import AdjustmentForm, RuleForm
from portal.gamification.models import PointRule
from portal.gamification.points import (
    PointsError,
    adjust_points,
    balance,
    history,
    level_for,
    periods,
)
from portal.gamification.points import total_points as points_in
from portal.gamification.subjects import describe as describe_subjects
from portal.queue import enqueue_after_commit
from portal.web import admin_required, render, toast, wants_fragment

bp = Blueprint("gamification", __name__)

PERIODS = {"week": 1, "month": 2, "all": 0}  # index into points.periods()
PERIOD_LABELS = {"week": "This week", "month": "This month", "all": "All time"}
SCOPES = {"people": "People", "teams": "Teams"}


@bp.get("/points")
@login_required
def points() -> Response:
    """The person's points: total, level, this week and month, and what earned them."""
    all_time, week, month = periods(utcnow())
    total = points_in(current_user.id, all_time)
    awards = history(current_user)
    return render(
        "gamification/points.html",
        total=total,
        level=level_for(total),
        week=points_in(current_user.id, week),
        month=points_in(current_user.id, month),
        awards=awards,
        subjects=describe_subjects(a.subject for a in awards),
        labels=admin.rule_labels() | {"streak_freeze": "Streak freeze"},
        streak=streaks.get_streak(current_user),
        streak_days=streaks.streak_for(current_user),
        freeze_cost=streaks.FREEZE_COST,
        spendable=balance(current_user.id),
        max_freezes=streaks.MAX_FREEZES,
    )


@bp.post("/points/streak/freeze")
@login_required
def buy_freeze() -> Response:
    """Spend points on a streak freeze; too few points or freezes held: say why."""
    try:
        streaks.buy_freeze(current_user)
    except streaks.StreakError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"Bought a streak freeze for {streaks.FREEZE_COST} points.")
    return redirect(url_for("gamification.points"), 303)  # type: ignore[return-value]


@bp.post("/points/streak/settings")
@login_required
def streak_settings() -> Response:
    """Turn the weekday-only streak on or off."""
    on = request.form.get("weekday_only") == "on"
    streaks.set_weekday_only(current_user, on)
    db.session.commit()
    toast(
        "Weekends no longer break your streak." if on else "Every day now counts for your streak."
    )
    return redirect(url_for("gamification.points"), 303)  # type: ignore[return-value]


@bp.get("/leaderboard")
@login_required
def board() -> Response:
    """The top 20 of a period, people or teams, with the viewer's own place."""
    period = request.args.get("period", "week")
    scope = request.args.get("scope", "people")
    scope = scope if scope in SCOPES else "people"
    context: dict[str, Any] = {
        "period": period,
        "scope": scope,
        "periods": PERIOD_LABELS,
        "scopes": SCOPES,
        "past_periods": [(p, snapshots.period_label(p)) for p in snapshots.past_periods()],
        "past": None,
        "people": None,
        "teams": [],
    }
    if snapshots.PERIOD_KEY.match(period):
        if not snapshots.is_snapshotted(period):
            abort(404)
        context["past"] = snapshots.period_label(period)
        if scope == "people":
            context["past_people"] = snapshots.past_people(period)
        else:
            context["past_teams"] = snapshots.past_teams(period)
        return render("gamification/leaderboard.html", "gamification/_board.html", **context)
    period = context["period"] = period if period in PERIODS else "week"
    key = periods(utcnow())[PERIODS[period]]
    context["people"] = leaderboard.people_board(current_user, key) if scope == "people" else None
    context["teams"] = leaderboard.team_scores(key) if scope == "teams" else []
    return render("gamification/leaderboard.html", "gamification/_board.html", **context)


# --- admin --------------------------------------------------------------------------------


def _rule_form(rule: PointRule) -> RuleForm:
    return RuleForm(
        formdata=None,
        prefix=f"rule-{rule.id}",
        points=rule.points,
        daily_cap=rule.daily_cap,
        cooldown_seconds=rule.cooldown_seconds,
        active=rule.active,
    )


def _admin_page(
    status: int = 200,
    rule_forms: dict[int, RuleForm] | None = None,
    adjust_form: AdjustmentForm | None = None,
) -> Response:
    rules = admin.list_rules()
    forms = {rule.id: _rule_form(rule) for rule in rules} | (rule_forms or {})
    return render(
        "gamification/admin.html",
        status=status,
        rules=rules,
        rule_forms=forms,
        adjust_form=adjust_form or AdjustmentForm(formdata=None),
        adjustments=admin.recent_adjustments(),
    )


@bp.get("/admin/points")
@admin_required
def admin_points() -> Response:
    """The point rules, the adjustment form and the audit trail of adjustments."""
    return _admin_page()


@bp.post("/admin/points/rules/<int:rule_id>")
@admin_required
def update_rule(rule_id: int) -> Response:
    """Save one rule; errors re-render its form (the fragment for htmx, else the page)."""
    rule = admin.get_rule(rule_id)
    if rule is None:
        abort(404)
    form = RuleForm(prefix=f"rule-{rule.id}")
    if form.validate_on_submit():
        try:
            admin.update_rule(
                current_user,
                rule,
                form.points.data or 0,
                form.daily_cap.data,
                form.cooldown_seconds.data or 0,
                form.active.data,
            )
        except ValueError as exc:
            db.session.rollback()
            form.points.errors = [*form.points.errors, str(exc)]
        else:
            db.session.commit()
            toast(f"Saved “{rule.label}”.")
            if wants_fragment():
                return render(
                    "gamification/_rule.html", rule=rule, form=_rule_form(rule), saved=True
                )
            return redirect(url_for("gamification.admin_points"), 303)  # type: ignore[return-value]
    if wants_fragment():
        return render("gamification/_rule.html", status=422, rule=rule, form=form)
    return _admin_page(422, rule_forms={rule.id: form})


@bp.post("/admin/points/adjust")
@admin_required
def adjust() -> Response:
    """Add or take away points for one person, with a reason kept in the audit trail."""
    form = AdjustmentForm()
    if form.validate_on_submit():
        person = accounts.get_user_by_email(form.email.data or "")
        if person is None:
            form.email.errors = [*form.email.errors, "Nobody has that email address."]
        else:
            try:
                adjust_points(current_user, person, form.points.data or 0, form.reason.data or "")
            except PointsError as exc:
                db.session.rollback()
                form.points.errors = [*form.points.errors, str(exc)]
            else:
                db.session.commit()
                toast(f"Adjusted {person.display_name}'s points by {form.points.data:+d}.")
                return redirect(url_for("gamification.admin_points"), 303)  # type: ignore[return-value]
    return _admin_page(422, adjust_form=form)


@bp.post("/admin/points/rebuild")
@admin_required
def rebuild() -> Response:
    """Queue a rebuild of the totals and leaderboards from the ledger."""
    enqueue_after_commit("jobs.gamification.rebuild_leaderboards")
    db.session.commit()
    toast("The leaderboards will be rebuilt from the ledger in a moment.")
    return redirect(url_for("gamification.admin_points"), 303)  # type: ignore[return-value]
