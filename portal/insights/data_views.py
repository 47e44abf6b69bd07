"""Exports (leaders: their team; admins: anyone), insights settings, and deleting accounts.

Routes on the insights blueprint (portal/__init__.py imports this module).
"""

from __future__ import annotations

from flask import Response, abort, current_app, redirect, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.accounts import services as accounts
from portal.accounts.forms import options
from portal.accounts.models import Role, User
from portal.db import db
from portal.insights import exports, privacy, rollups, scopes
from portal.insights.forms import PRESETS, DeleteAccountForm, RecomputeForm, SettingsForm, cents
from portal.insights.views import bp, current_range, today
from portal.learning.models import LearningPath, Status
from portal.queue import enqueue_after_commit
from portal.web import admin_required, manager_required, parse_id, render, toast

INVALID = "Please correct the fields marked below."


def _me() -> User:
    me: User = current_user._get_current_object()
    return me


# --- exports ----------------------------------------------------------------------------------


def _export_scope(me: User) -> scopes.Scope:
    """Admins: the company, or a team chosen with `team`; leaders: their own team."""
    if me.role == Role.ADMIN:
        team_id = parse_id(request.args.get("team"))
        return scopes.team_scope(me, team_id) if team_id else scopes.company_scope(me)
    return scopes.team_scope(me, me.team_id)


@bp.get("/exports")
@manager_required
def exports_page() -> Response:
    """Choose a range (and, for admins, a team) and download CSV files."""
    me = _me()
    scope = _export_scope(me)
    choice = current_range()
    return render(
        "insights/exports.html",
        scope=scope,
        choice=choice,
        presets=PRESETS,
        exports=exports.EXPORTS,
        links={
            kind: url_for("insights.export", **({"kind": kind} | scope.args | choice.args))
            for kind in exports.EXPORTS
        },
        teams=accounts.list_teams() if me.role == Role.ADMIN else [],
        today=today(),
    )


@bp.get("/exports/<kind>.csv")
@manager_required
def export(kind: str) -> Response:
    """One CSV export for the range and scope in the query string."""
    if kind not in exports.EXPORTS:
        abort(404)
    scope = _export_scope(_me())
    period = current_range().period
    body = stream_with_context(exports.to_csv(exports.rows(kind, scope, period)))
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(kind, scope, period)}"'
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- settings ---------------------------------------------------------------------------------


def _paths() -> list[LearningPath]:
    return list(
        db.session.scalars(
            select(LearningPath)
            .where(LearningPath.status == Status.PUBLISHED)
            .order_by(LearningPath.title)
        )
    )


def _settings_form(form: SettingsForm | None = None) -> SettingsForm:
    settings = rollups.current_settings()
    if form is None:
        value = settings.click_value_cents
        form = SettingsForm(
            formdata=None,
            click_value=f"{value // 100}.{value % 100:02d}",
            currency=settings.currency,
            starter_path_id=settings.starter_path_id or 0,
        )
    choices: list[tuple[object, str]] = [(0, "The starter path (social-media-starter)")]
    form.starter_path_id.choices = options(choices + [(p.id, p.title) for p in _paths()])
    return form


def _settings_page(
    form: SettingsForm | None = None,
    recompute: RecomputeForm | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    end = today()
    return render(
        "insights/settings.html",
        status=status,
        form=_settings_form(form),
        recompute=recompute
        or RecomputeForm(formdata=None, start=end.replace(day=1).isoformat(), end=end.isoformat()),
        settings=rollups.current_settings(),
        error=error,
        today=end,
    )


@bp.get("/settings")
@admin_required
def settings_page() -> Response:
    """What a click is worth, the starter path, and rebuilding the roll-ups."""
    return _settings_page()


@bp.post("/settings")
@admin_required
def update_settings() -> Response:
    """Save the value of a click, its currency and the starter path."""
    form = _settings_form(SettingsForm())
    if not form.validate_on_submit():
        return _settings_page(form, status=422, error=INVALID)
    path_id = form.starter_path_id.data or None
    if path_id is not None and path_id not in {p.id for p in _paths()}:
        form.starter_path_id.errors = [*form.starter_path_id.errors, "Choose a published path."]
        return _settings_page(form, status=422, error=INVALID)
    settings = rollups.current_settings()
    settings.click_value_cents = cents(form.click_value.data or "0")
    settings.currency = form.currency.data or "USD"
    settings.starter_path_id = path_id
    db.session.commit()
    toast("Insights settings saved.")
    return redirect(url_for("insights.settings_page"), 303)  # type: ignore[return-value]


@bp.post("/settings/recompute")
@admin_required
def recompute() -> Response:
    """Queue a rebuild of the roll-ups of a range of days from the raw tables."""
    form = RecomputeForm()
    days = form.days(today()) if form.validate_on_submit() else None
    if days is None:
        return _settings_page(recompute=form, status=422, error=INVALID)
    enqueue_after_commit("jobs.insights.rollup_range", days[0].isoformat(), days[1].isoformat())
    db.session.commit()
    toast("The figures of those days will be rebuilt in a moment.")
    return redirect(url_for("insights.settings_page"), 303)  # type: ignore[return-value]


# --- deleting accounts ------------------------------------------------------------------------


@bp.get("/privacy")
@admin_required
def privacy_page() -> Response:
    """Find a person whose account to delete."""
    page = accounts.search_people(
        _me(), request.args.get("q", "")[:100], 1, current_app.config["PEOPLE_PER_PAGE"]
    )
    return render("insights/privacy.html", result=page)


def _person(person_id: int) -> User:
    person = db.session.get(User, person_id)
    if person is None:
        abort(404)
    return person


def _delete_page(
    person: User, form: DeleteAccountForm | None = None, error: str | None = None, status: int = 200
) -> Response:
    return render(
        "insights/delete_person.html",
        status=status,
        person=person,
        form=form or DeleteAccountForm(formdata=None),
        error=error,
        deleted=person.email.endswith("@deleted.invalid"),
    )


@bp.get("/privacy/people/<int:person_id>")
@admin_required
def confirm_delete(person_id: int) -> Response:
    """What deleting this person's account removes and keeps, and the confirmation."""
    return _delete_page(_person(person_id))


@bp.post("/privacy/people/<int:person_id>/delete")
@admin_required
def delete_person(person_id: int) -> Response:
    """Delete the person's personal data and anonymise the account; aggregates stay."""
    me = _me()
    person = _person(person_id)
    form = DeleteAccountForm()
    if not form.validate_on_submit():
        return _delete_page(person, form, INVALID, 422)
    typed = (form.confirm_email.data or "").strip().lower()
    if typed != person.email.lower():
        form.confirm_email.errors = [*form.confirm_email.errors, "That is not their address."]
        return _delete_page(person, form, INVALID, 422)
    try:
        privacy.delete_account(me, person)
    except accounts.AccountError as exc:
        db.session.rollback()
        return _delete_page(person, form, str(exc), 422)
    db.session.commit()
    toast("The account was deleted: personal data removed, counts kept.")
    return redirect(url_for("insights.privacy_page"), 303)  # type: ignore[return-value]
