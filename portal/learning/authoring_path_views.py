"""Authoring views for learning paths (admins): list, create, order their modules, publish.

Routes of the `authoring` blueprint (see `authoring_views`).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user

from portal.accounts.forms import options
from portal.db import db
from portal.learning import authoring, authoring_paths
from portal.learning.authoring_checks import AuthoringError
from portal.learning.authoring_forms import PathForm, PathModuleForm
from portal.learning.authoring_views import (
    INVALID,
    T,
    attach_error,
    bp,
    commit_or_toast,
    posted_direction,
    see_other,
)
from portal.learning.models import LearningPath
from portal.web import admin_required, parse_id, render, toast, wants_fragment


@bp.route("/paths", methods=["GET", "POST"])
@admin_required
def paths() -> Response:
    """Every learning path, and a form to start one."""
    form = PathForm()
    error = None
    if form.validate_on_submit():
        try:
            path = authoring_paths.create_path(
                current_user, title=form.title.data or "", summary=form.summary.data or ""
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast(f"Path “{path.title}” created. Add its modules.")
            return see_other("authoring.edit_path", path_id=path.id)
    elif form.is_submitted():
        error = INVALID
    return render(
        T + "paths.html", form=form, error=error, paths=authoring_paths.list_paths(current_user)
    )


def _path_page(path: LearningPath, partial: str | None = None, **context: Any) -> Response:
    in_path = {step.module_id for step in path.steps}
    choices = [
        (m.id, m.title + ("" if m.is_published else " (draft)"))
        for m in authoring.editable_modules(current_user)
        if m.id not in in_path
    ]
    add_form = context.pop("add_form", None) or PathModuleForm(formdata=None)
    add_form.module_id.choices = options(choices)  # type: ignore[arg-type]
    context.setdefault("form", PathForm(formdata=None, obj=path))
    return render(T + "path.html", partial, path=path, add_form=add_form, **context)


@bp.get("/paths/<int:path_id>")
@admin_required
def edit_path(path_id: int) -> Response:
    """A path: its details, its modules in order, publishing."""
    return _path_page(authoring_paths.get_path(current_user, path_id))


@bp.post("/paths/<int:path_id>")
@admin_required
def update_path(path_id: int) -> Response:
    """Save a path's title and summary."""
    path = authoring_paths.get_path(current_user, path_id)
    form = PathForm()
    error = INVALID
    if form.validate_on_submit():
        try:
            authoring_paths.update_path(
                current_user, path, title=form.title.data or "", summary=form.summary.data or ""
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Path saved.")
            return see_other("authoring.edit_path", path_id=path.id)
    return _path_page(path, form=form, error=error)


def _after_steps_change(path: LearningPath) -> Response:
    if not wants_fragment():
        return see_other("authoring.edit_path", "path-modules", path_id=path.id)
    db.session.refresh(path)
    return _path_page(path, T + "_path_modules.html")


@bp.post("/paths/<int:path_id>/modules")
@admin_required
def add_path_module(path_id: int) -> Response:
    """Append a module to a path."""
    path = authoring_paths.get_path(current_user, path_id)
    module_id = request.form.get("module_id", "")
    commit_or_toast(
        lambda: authoring_paths.add_path_module(current_user, path, parse_id(module_id) or 0)
    )
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/modules/<int:module_id>/move")
@admin_required
def move_path_module(path_id: int, module_id: int) -> Response:
    """Move a module up or down in a path."""
    path = authoring_paths.get_path(current_user, path_id)
    commit_or_toast(
        lambda: authoring_paths.move_path_module(current_user, path, module_id, posted_direction())
    )
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/modules/<int:module_id>/remove")
@admin_required
def remove_path_module(path_id: int, module_id: int) -> Response:
    """Take a module out of a path."""
    path = authoring_paths.get_path(current_user, path_id)
    authoring_paths.remove_path_module(current_user, path, module_id)
    db.session.commit()
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/publish")
@admin_required
def publish_path(path_id: int) -> Response:
    """Publish a path whose modules are all published."""
    path = authoring_paths.get_path(current_user, path_id)
    commit_or_toast(
        lambda: authoring_paths.publish_path(current_user, path),
        f"Path “{path.title}” is published.",
    )
    return see_other("authoring.edit_path", path_id=path_id)


@bp.post("/paths/<int:path_id>/unpublish")
@admin_required
def unpublish_path(path_id: int) -> Response:
    """Take a path back to draft."""
    path = authoring_paths.get_path(current_user, path_id)
    authoring_paths.unpublish_path(current_user, path)
    db.session.commit()
    toast(f"Path “{path.title}” is a draft again.")
    return see_other("authoring.edit_path", path_id=path_id)


@bp.post("/paths/<int:path_id>/delete")
@admin_required
def delete_path(path_id: int) -> Response:
    """Delete a path (its modules stay)."""
    path = authoring_paths.get_path(current_user, path_id)
    title = path.title
    authoring_paths.delete_path(current_user, path)
    db.session.commit()
    toast(f"Path “{title}” deleted.")
    return see_other("authoring.paths")
