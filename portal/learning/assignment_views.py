"""Assigning modules and paths, and the report of who did them on time."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.accounts.services import PermissionDenied, local_date
from portal.db import db
from portal.learning import assignments
from portal.learning.models import LearningPath, Module
from portal.web import manager_required, parse_id, parse_ids, render, toast

bp = Blueprint("assignments", __name__, url_prefix="/learn/assignments")


def _today() -> date:
    return local_date(current_user)


def _page(
    error: str | None = None, status: int = 200, form: dict[str, object] | None = None
) -> Response:
    me = current_user._get_current_object()
    return render(
        "learning/assignments.html",
        status=status,
        people=assignments.assignable_people(me),
        modules=assignments.assignable_modules(me),
        paths=assignments.assignable_paths(me),
        rows=assignments.report(me, _today()),
        error=error,
        form=form or {},
        today=_today(),
    )


@bp.get("/")
@manager_required
def index() -> Response:
    """Assign learning, and see who has done what, on time or late."""
    return _page()


@bp.post("/")
@manager_required
def create() -> Response:
    """Assign a module or a path to chosen people (or a leader's whole team) by a date."""
    me = current_user._get_current_object()
    form = request.form
    subject = form.get("subject", "")
    kind, _, raw_id = subject.partition(":")
    module = path = None
    subject_id = parse_id(raw_id)
    if kind == "module" and subject_id:
        module = db.session.get(Module, subject_id)
    elif kind == "path" and subject_id:
        path = db.session.get(LearningPath, subject_id)
    due_on = None
    if form.get("due_on"):
        try:
            due_on = date.fromisoformat(form["due_on"])
        except ValueError:
            return _page("Enter the due date as a date.", 200, dict(form))
    if form.get("everyone") == "y":
        people = assignments.assignable_people(me)
    else:
        ids = parse_ids(form.getlist("people"))
        if ids is None:
            abort(400)
        people = [p for p in (db.session.get(User, i) for i in ids) if p is not None]
    if subject and module is None and path is None:
        raise NotFound()
    try:
        made = assignments.assign(me, people, due_on, module=module, path=path, today=_today())
    except assignments.AssignmentError as exc:
        db.session.rollback()
        return _page(str(exc), 200, dict(form))
    except PermissionDenied:
        db.session.rollback()
        raise
    db.session.commit()
    title = (module or path).title  # type: ignore[union-attr]
    toast(
        f"Assigned {title} to {len(people)} {'person' if len(people) == 1 else 'people'}"
        + (f" ({made} new)." if made != len(people) else ".")
    )
    return redirect(url_for("assignments.index"), 303)  # type: ignore[return-value]
