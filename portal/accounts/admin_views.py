"""People and teams: the admin's people list and teams, a leader's roster, invitations."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.accounts import invitations
from portal.accounts import services as accounts
from portal.accounts.forms import InviteForm, PersonForm, TeamForm, options
from portal.accounts.models import Role, User
from portal.db import db
from portal.web import admin_required, manager_required, render, toast, wants_fragment

bp = Blueprint("people", __name__)


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), 100_000)


def _team_choices(blank: str | None = "No team") -> list[SelectChoice]:
    choices: list[tuple[object, str]] = [(t.id, t.name) for t in accounts.list_teams()]
    return options(([(0, blank)] if blank else []) + choices)


def _person_or_404(person_id: int) -> User:
    person = accounts.get_user(person_id)
    if person is None:
        abort(404)
    return person


def _person_form(person: User) -> PersonForm:
    form = PersonForm(formdata=None, role=person.role.value, team_id=person.team_id or 0)
    form.team_id.choices = _team_choices()
    return form


@bp.get("/admin/people")
@admin_required
def index() -> Response:
    """Everyone, with active search and paging."""
    result = accounts.search_people(
        current_user, request.args.get("q", ""), _page_arg(), current_app.config["PEOPLE_PER_PAGE"]
    )
    return render(
        "people/index.html",
        "people/_results.html",
        result=result,
        forms={p.id: _person_form(p) for p in result.people},
        endpoint="people.index",
    )


@bp.get("/team")
@manager_required
def team() -> Response:
    """A leader's roster of their own team (an admin sees their own team too)."""
    result = accounts.search_people(
        current_user,
        request.args.get("q", ""),
        _page_arg(),
        current_app.config["PEOPLE_PER_PAGE"],
        own_team=True,
    )
    return render(
        "people/team.html",
        "people/_results.html",
        result=result,
        forms={},
        endpoint="people.team",
        team=current_user.team,
    )


@bp.get("/admin/people/<int:person_id>")
@admin_required
def person(person_id: int) -> Response:
    """One person: their details, role and team, and (de)activation."""
    person = _person_or_404(person_id)
    return render("people/person.html", person=person, form=_person_form(person))


@bp.post("/admin/people/<int:person_id>")
@admin_required
def update_person(person_id: int) -> Response:
    """Change a person's role and team; an htmx request gets the updated table row."""
    person = _person_or_404(person_id)
    form = PersonForm()
    form.team_id.choices = _team_choices()
    if not form.validate_on_submit():
        abort(400)
    team = accounts.get_team(form.team_id.data) if form.team_id.data else None
    try:
        accounts.change_role(current_user, person, Role(form.role.data))
        accounts.change_team(current_user, person, team)
    except accounts.AccountError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"Saved {person.display_name}.")
    if wants_fragment():
        db.session.refresh(person)
        return render("people/_row.html", person=person, form=_person_form(person))
    return redirect(url_for("people.person", person_id=person.id), 303)  # type: ignore[return-value]


@bp.post("/admin/people/<int:person_id>/deactivate")
@admin_required
def deactivate(person_id: int) -> Response:
    """Stop a person from logging in; everything they made stays."""
    person = _person_or_404(person_id)
    try:
        accounts.deactivate(current_user, person)
    except accounts.AccountError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"{person.display_name} can no longer log in.")
    return redirect(url_for("people.person", person_id=person.id), 303)  # type: ignore[return-value]


@bp.post("/admin/people/<int:person_id>/reactivate")
@admin_required
def reactivate(person_id: int) -> Response:
    """Let a deactivated person log in again."""
    person = _person_or_404(person_id)
    accounts.reactivate(current_user, person)
    db.session.commit()
    toast(f"{person.display_name} can log in again.")
    return redirect(url_for("people.person", person_id=person.id), 303)  # type: ignore[return-value]


@bp.route("/invite", methods=["GET", "POST"])
@manager_required
def invite() -> Response:
    """Invite someone by email: admins to any team and role, leaders to their own team."""
    form = InviteForm()
    if current_user.role == Role.ADMIN:
        form.team_id.choices = _team_choices()
    else:
        team_name = current_user.team.name if current_user.team else "No team"
        form.team_id.choices = options([(current_user.team_id or 0, team_name)])
        form.role.choices = options([(Role.EMPLOYEE.value, Role.EMPLOYEE.label)])
    error = None
    if form.validate_on_submit():
        team = accounts.get_team(form.team_id.data) if form.team_id.data else None
        try:
            invitation = invitations.invite(
                current_user, form.email.data or "", Role(form.role.data), team
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            form.email.errors = [str(exc)]
        else:
            db.session.commit()
            toast(f"Invitation sent to {invitation.email}.")
            return redirect(url_for("people.invite"), 303)  # type: ignore[return-value]
    elif form.is_submitted():
        error = "Please correct the fields marked below."
    return render(
        "people/invite.html",
        "people/_invite_form.html",
        form=form,
        error=error,
        pending=invitations.pending_invitations(current_user),
    )


@bp.route("/admin/teams", methods=["GET", "POST"])
@admin_required
def teams() -> Response:
    """All teams with their leaders and size; create a new one."""
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = accounts.create_team(current_user, form.name.data or "")
        except accounts.AccountError as exc:
            db.session.rollback()
            form.name.errors = [str(exc)]
        else:
            db.session.commit()
            toast(f"Team {team.name} created.")
            return redirect(url_for("people.teams"), 303)  # type: ignore[return-value]
    return render(
        "people/teams.html",
        form=form,
        teams=accounts.list_teams(),
        counts=accounts.team_member_counts(),
    )
