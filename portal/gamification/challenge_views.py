"""Team challenge pages: the list, a challenge with its live progress, and setting one up.

People see the challenges their team takes part in (others are a 404);
leaders set them for their own team, admins for any. The progress fragment
polls itself: the server answers 204 while nothing changed, and 286 (htmx:
stop polling) with the final standings once the challenge is settled or
cancelled.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.accounts.services import PermissionDenied
from portal.db import db, utcnow
from portal.gamification import challenge_progress as progress
from portal.gamification import challenges
from portal.gamification.challenge_forms import ChallengeForm
from portal.gamification.challenge_models import Challenge
from portal.gamification.challenges import ChallengeError
from portal.web import manager_required, render, toast, wants_fragment

bp = Blueprint("challenges", __name__, url_prefix="/challenges")

T = "gamification/challenges/"
INVALID = "Please correct the fields marked below."
STOP_POLLING = 286  # htmx swaps the answer, then stops polling


def _me() -> User:
    me: User = current_user._get_current_object()
    return me


def _see(challenge_id: int) -> Response:
    return redirect(url_for("challenges.detail", challenge_id=challenge_id), 303)  # type: ignore[return-value]


def _attach(form: ChallengeForm, exc: ChallengeError) -> str | None:
    """Show a service error on its field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


@bp.get("/")
@login_required
def index() -> Response:
    """The viewer's team's challenges (every team's, for admins): running, upcoming, finished."""
    me = _me()
    return render(
        T + "index.html",
        listing=progress.list_challenges(me, utcnow()),
        can_create=challenges.can_create(me),
    )


def _progress_context(me: User, challenge: Challenge, now: datetime) -> dict[str, Any]:
    state = progress.state(challenge, now)
    table = progress.standings(challenge)
    mine = me.team_id if me.team_id in challenge.team_ids else None
    contributors = progress.top_contributors(challenge, mine, me) if mine else []
    left = progress.time_left(challenge, now)
    return {
        "challenge": challenge,
        "state": state,
        "standings": table,
        "my_team_id": mine,
        "contributors": contributors,
        "time_left": left,
        "digest": progress.progress_digest(
            state,
            left,
            [(s.team_id, s.value, s.won) for s in table],
            [(c.name, c.value) for c in contributors],
        ),
    }


def _detail_context(me: User, challenge: Challenge, now: datetime) -> dict[str, Any]:
    return _progress_context(me, challenge, now) | {
        "metric": challenges.metric_label(challenge.metric),
        "local": lambda moment: challenges.to_local(moment, me.timezone),
        "can_manage": challenges.can_manage(me, challenge),
        "editable": not challenge.finished and now < challenge.starts_at,
    }


@bp.get("/<int:challenge_id>")
@login_required
def detail(challenge_id: int) -> Response:
    """A challenge: what counts, the target, the dates, each team's progress, top contributors."""
    me = _me()
    challenge = challenges.get_challenge(me, challenge_id)
    return render(T + "detail.html", **_detail_context(me, challenge, utcnow()))


@bp.get("/<int:challenge_id>/progress")
@login_required
def live_progress(challenge_id: int) -> Response:
    """The polled progress: 204 if unchanged since digest `v`, 286 with the final one when over."""
    me = _me()
    challenge = challenges.get_challenge(me, challenge_id)
    if not wants_fragment():
        return render(T + "detail.html", **_detail_context(me, challenge, utcnow()))
    context = _progress_context(me, challenge, utcnow())
    if challenge.finished:
        return render(T + "_progress.html", status=STOP_POLLING, final_poll=True, **context)
    if request.args.get("v") == context["digest"]:
        response = make_response("", 204)
        response.vary.add("HX-Request")
        return response
    return render(T + "_progress.html", **context)


def _form_page(template: str, form: ChallengeForm, error: str | None, **context: Any) -> Response:
    if form.is_submitted():  # only a form with errors is shown again after a post
        error = error or INVALID
    status = 422 if form.is_submitted() else 200
    return render(T + template, status=status, form=form, error=error, **context)


def _local_defaults(me: User) -> dict[str, Any]:
    start = challenges.to_local(utcnow(), me.timezone).replace(minute=0, second=0, microsecond=0)
    start = start.replace(tzinfo=None) + timedelta(hours=1)
    return {
        "team_id": me.team_id,
        "opponent_team_id": 0,
        "reward_points": challenges.default_reward(),
        "target": 10,
        "starts_at": start,
        "ends_at": start + timedelta(days=7),
    }


def _current_values(me: User, challenge: Challenge) -> dict[str, Any]:
    def local(moment: datetime) -> datetime:
        return challenges.to_local(moment, me.timezone).replace(tzinfo=None)

    return {
        "title": challenge.title,
        "description": challenge.description,
        "metric": challenge.metric,
        "target": challenge.target,
        "starts_at": local(challenge.starts_at),
        "ends_at": local(challenge.ends_at),
        "team_id": challenge.team_id,
        "opponent_team_id": challenge.team_ids[1] if challenge.versus else 0,
        "reward_points": challenge.reward_points,
        "reward_badge_id": challenge.reward_badge_id or 0,
    }


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new() -> Response:
    """Set a challenge for a team (a leader: their own), alone or against another team."""
    me = _me()
    if not challenges.can_create(me):
        return render(T + "new.html", form=None, error=None)
    form = ChallengeForm(data=_local_defaults(me))
    form.offer(challenges.own_team_choices(me), challenges.opponent_choices())
    error = None
    if form.validate_on_submit():
        try:
            challenge = challenges.create_challenge(me, form.to_input(me))
        except ChallengeError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast(f"Challenge “{challenge.title}” set.")
            return _see(challenge.id)
    return _form_page("new.html", form, error)


@bp.route("/<int:challenge_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(challenge_id: int) -> Response:
    """Change a challenge before it starts (afterwards it can only be cancelled)."""
    me = _me()
    challenge = challenges.get_challenge(me, challenge_id)
    if not challenges.can_manage(me, challenge):
        raise PermissionDenied("Only admins and the team's leaders change this challenge.")
    if challenge.finished or utcnow() >= challenge.starts_at:
        toast("It has started, so it can no longer be changed (only cancelled).", "error")
        return _see(challenge.id)
    form = ChallengeForm(data=_current_values(me, challenge))
    form.offer(challenges.own_team_choices(me), challenges.opponent_choices())
    error = None
    if form.validate_on_submit():
        try:
            challenges.update_challenge(me, challenge, form.to_input(me))
        except ChallengeError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast(f"Saved “{challenge.title}”.")
            return _see(challenge.id)
    return _form_page("edit.html", form, error, challenge=challenge)


@bp.post("/<int:challenge_id>/cancel")
@manager_required
def cancel(challenge_id: int) -> Response:
    """Call a challenge off (any time before it is settled); nobody is rewarded."""
    me = _me()
    challenge = challenges.get_challenge(me, challenge_id)
    try:
        challenges.cancel_challenge(me, challenge)
    except ChallengeError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"Cancelled “{challenge.title}”.")
    return _see(challenge.id)
