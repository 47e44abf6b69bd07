"""Authoring pages: the `authoring` blueprint, module views, and import/export.

Every route is for managers; the services decide what each may edit (a
leader asking for another team's module gets a 404). Mutations answer a
plain post with a 303 and an htmx one with the updated fragment. The
lesson, card and question views (`authoring_lesson_views`) and the path
views (`authoring_path_views`) add their routes to this same blueprint;
`portal.create_app` imports them before registering it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, abort, make_response, redirect, request, url_for
from flask_login import current_user

from portal.accounts.forms import options
from portal.db import db
from portal.learning import authoring, transfer
from portal.learning.authoring_checks import AuthoringError, PublishRefused
from portal.learning.authoring_forms import (
    ImportForm,
    ModuleForm,
    ModuleSettingsForm,
    NewLessonForm,
)
from portal.learning.models import Module
from portal.web import manager_required, render, toast, wants_fragment

bp = Blueprint("authoring", __name__, url_prefix="/author")

T = "learning/author/"
INVALID = "Please correct the fields marked below."


def see_other(endpoint: str, anchor: str | None = None, **values: Any) -> Response:
    """A 303 to `endpoint` (at `#anchor`, if given): the answer to a plain form post."""
    return redirect(url_for(endpoint, _anchor=anchor, **values), 303)  # type: ignore[return-value]


def attach_error(form: Any, exc: AuthoringError) -> str | None:
    """Show a service error on its form field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None or not hasattr(field, "errors") or not isinstance(field.errors, list | tuple):
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def commit_or_toast(action: Callable[[], object], success: str | None = None) -> bool:
    """Run an authoring change and commit it, or roll back and toast its error; True if done."""
    try:
        action()
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return False
    db.session.commit()
    if success:
        toast(success)
    return True


def posted_direction() -> str:
    """The "up" or "down" of a move button (anything else is for the service to refuse)."""
    return request.form.get("direction", "")


# --- modules -----------------------------------------------------------------------------


@bp.get("/")
@manager_required
def index() -> Response:
    """The modules the person may edit, drafts included."""
    if not authoring.can_author(current_user):
        return render(T + "index.html", modules=None)
    return render(T + "index.html", modules=authoring.editable_modules(current_user))


def _setup_module_form(form: ModuleForm) -> ModuleForm:
    form.teams.choices = options([(t.id, t.name) for t in authoring.author_teams(current_user)])
    return form


def _module_fields(form: ModuleForm) -> dict[str, Any]:
    # Only an audience actually posted counts: leaders' forms have none (their team is implied).
    audience = form.audience.data if form.audience.raw_data else None
    return {
        "title": form.title.data or "",
        "summary": form.summary.data or "",
        "minutes": form.minutes.data,
        "tags": form.tags.data or "",
        "cover_image": form.cover_image.data or "",
        "for_everyone": None if audience not in ("everyone", "teams") else audience == "everyone",
        "team_ids": form.teams.data if audience == "teams" else None,
    }


@bp.route("/modules/new", methods=["GET", "POST"])
@manager_required
def new_module() -> Response:
    """Start a module: its details first, then lessons on its edit page."""
    authoring.require_author(current_user)
    form = _setup_module_form(ModuleForm(audience="everyone"))
    error = None
    if form.validate_on_submit():
        try:
            module = authoring.create_module(current_user, **_module_fields(form))
        except AuthoringError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast(f"Module “{module.title}” created. Add its first lesson.")
            return see_other("authoring.edit_module", module_id=module.id)
    elif form.is_submitted():
        error = INVALID
    return render(
        T + "new_module.html", T + "_module_form.html", form=form, error=error, module=None
    )


def _settings_form(module: Module) -> ModuleSettingsForm:
    # Keyword data only: WTForms would prefer `obj`'s attributes (tags, teams) over it.
    form = ModuleSettingsForm(
        title=module.title,
        slug=module.slug,
        summary=module.summary,
        minutes=module.minutes,
        tags=", ".join(module.tags or []),
        cover_image=module.cover_image or "",
        audience="everyone" if module.for_everyone else "teams",
        teams=[t.id for t in module.teams],
    )
    return _setup_module_form(form)


def module_page(module: Module, **context: Any) -> Response:
    """The module editor, or just `partial` of it; `context` overrides its forms."""
    context.setdefault("form", _settings_form(module))
    context.setdefault("lesson_form", NewLessonForm(formdata=None, prefix="new-lesson"))
    return render(
        T + "module.html",
        context.pop("partial", None),
        module=module,
        problems=authoring.module_problems(module),
        **context,
    )


@bp.get("/modules/<int:module_id>")
@manager_required
def edit_module(module_id: int) -> Response:
    """A module's details, its lessons, publishing, copies and exports."""
    return module_page(authoring.get_module(current_user, module_id))


@bp.post("/modules/<int:module_id>")
@manager_required
def update_module(module_id: int) -> Response:
    """Save a module's details; htmx gets the details form back."""
    module = authoring.get_module(current_user, module_id)
    form = _settings_form(module)
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_module(
                current_user, module, slug=form.slug.data or "", **_module_fields(form)
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Details saved.")
            if not wants_fragment():
                return see_other("authoring.edit_module", module_id=module.id)
            form = _settings_form(module)
    else:
        error = INVALID
    return module_page(module, form=form, error=error, partial=T + "_module_form.html")


@bp.post("/modules/<int:module_id>/publish")
@manager_required
def publish_module(module_id: int) -> Response:
    """Publish a module to its audience, or say what stops it."""
    module = authoring.get_module(current_user, module_id)
    try:
        authoring.publish_module(current_user, module)
    except PublishRefused as exc:
        db.session.rollback()
        toast("Not published yet: fix the problems listed first.", "error")
        if not wants_fragment():
            return see_other("authoring.edit_module", module_id=module.id)
        return render(T + "_module_status.html", module=module, problems=exc.problems)
    db.session.commit()
    toast(f"“{module.title}” is published.")
    if not wants_fragment():
        return see_other("authoring.edit_module", module_id=module.id)
    return render(T + "_module_status.html", module=module, problems=[])


@bp.post("/modules/<int:module_id>/unpublish")
@manager_required
def unpublish_module(module_id: int) -> Response:
    """Take a module back to draft."""
    module = authoring.get_module(current_user, module_id)
    authoring.unpublish_module(current_user, module)
    db.session.commit()
    toast(f"“{module.title}” is a draft again: learners no longer see it.")
    if not wants_fragment():
        return see_other("authoring.edit_module", module_id=module.id)
    return render(
        T + "_module_status.html", module=module, problems=authoring.module_problems(module)
    )


@bp.post("/modules/<int:module_id>/duplicate")
@manager_required
def duplicate_module(module_id: int) -> Response:
    """Copy a module (as a draft) and open the copy."""
    copy = authoring.duplicate_module(current_user, authoring.get_module(current_user, module_id))
    db.session.commit()
    toast(f"Copied: you are now editing “{copy.title}”.")
    return see_other("authoring.edit_module", module_id=copy.id)


@bp.post("/modules/<int:module_id>/delete")
@manager_required
def delete_module(module_id: int) -> Response:
    """Delete a draft module."""
    module = authoring.get_module(current_user, module_id)
    title = module.title
    try:
        authoring.delete_module(current_user, module)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return see_other("authoring.edit_module", module_id=module_id)
    db.session.commit()
    toast(f"“{title}” deleted.")
    return see_other("authoring.index")


@bp.get("/modules/<int:module_id>/export.<fmt>")
@manager_required
def export_module(module_id: int, fmt: str) -> Response:
    """Download a module as Markdown (.md) or JSON (.json)."""
    if fmt not in ("md", "json"):
        abort(404)
    module = authoring.get_module(current_user, module_id)
    if fmt == "md":
        body, mimetype = transfer.export_markdown(module), "text/markdown"
    else:
        body, mimetype = transfer.export_json(module), "application/json"
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{module.slug}.{fmt}"'
    return response


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_module() -> Response:
    """Import a module file exported here (or written by hand)."""
    authoring.require_author(current_user)
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            module = transfer.import_file(
                current_user, upload.read(), upload.filename or "", replace=form.replace.data
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast(f"Imported “{module.title}”.")
            return see_other("authoring.edit_module", module_id=module.id)
    elif form.is_submitted():
        error = INVALID
    return render(T + "import.html", T + "_import_form.html", form=form, error=error)
