"""Learning paths: ordered series of modules that admins put together and publish.

Only admins manage paths (`PermissionDenied` otherwise); bad input raises
`AuthoringError`. Functions flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.accounts.services import require_admin
from portal.db import db
from portal.learning.authoring_checks import (
    AuthoringError,
    check_summary,
    check_title,
    slugify,
    unique_slug,
)
from portal.learning.authoring_order import move_item, settle
from portal.learning.models import LearningPath, Module, PathModule, Status


def list_paths(actor: User) -> list[LearningPath]:
    """Every learning path, by title (admins only)."""
    require_admin(actor)
    return list(db.session.scalars(select(LearningPath).order_by(func.lower(LearningPath.title))))


def get_path(actor: User, path_id: int) -> LearningPath:
    """A learning path (admins only); NotFound for an unknown id."""
    require_admin(actor)
    path = db.session.get(LearningPath, path_id)
    if path is None:
        raise NotFound()
    return path


def create_path(
    actor: User, *, title: str, summary: str = "", module_ids: Sequence[int] = ()
) -> LearningPath:
    """Create a draft learning path of the given modules, in order (admins only)."""
    require_admin(actor)
    title = check_title(title)
    path = LearningPath(
        slug=unique_slug(LearningPath, slugify(title)),
        title=title,
        summary=check_summary(summary),
        status=Status.DRAFT,
    )
    db.session.add(path)
    db.session.flush()
    if module_ids:
        set_path_modules(actor, path, module_ids)
    return path


def update_path(actor: User, path: LearningPath, *, title: str, summary: str = "") -> None:
    """Rename a path and change its summary (admins only)."""
    require_admin(actor)
    path.title, path.summary = check_title(title), check_summary(summary)
    db.session.flush()


def set_path_modules(actor: User, path: LearningPath, module_ids: Sequence[int]) -> None:
    """Make the path's modules exactly `module_ids`, in that order (admins only)."""
    require_admin(actor)
    if len(set(module_ids)) != len(module_ids):
        raise AuthoringError("A module can appear only once in a path.", "module_id")
    known = set(db.session.scalars(select(Module.id).where(Module.id.in_(module_ids))))
    if known != set(module_ids):
        raise AuthoringError("Choose modules from the list.", "module_id")
    steps = {step.module_id: step for step in path.steps}
    for step in steps.values():
        if step.module_id not in module_ids:
            db.session.delete(step)
    db.session.flush()
    for position, module_id in enumerate(module_ids):
        step = steps.get(module_id) or PathModule(path=path, module_id=module_id)
        step.position = position
        db.session.add(step)
    settle(path, "steps")


def add_path_module(actor: User, path: LearningPath, module_id: int) -> None:
    """Append a module to a path."""
    ids = [step.module_id for step in path.steps]
    set_path_modules(actor, path, [*ids, module_id])


def remove_path_module(actor: User, path: LearningPath, module_id: int) -> None:
    """Take a module out of a path; NotFound if it is not in it."""
    ids = [step.module_id for step in path.steps]
    if module_id not in ids:
        raise NotFound()
    set_path_modules(actor, path, [i for i in ids if i != module_id])


def move_path_module(actor: User, path: LearningPath, module_id: int, direction: str) -> None:
    """Move a module one place "up" or "down" in a path; NotFound if it is not in it."""
    require_admin(actor)
    step = next((s for s in path.steps if s.module_id == module_id), None)
    if step is None:
        raise NotFound()
    move_item(path.steps, step, direction)
    settle(path, "steps")


def publish_path(actor: User, path: LearningPath) -> None:
    """Publish a path; its modules must be published first (AuthoringError otherwise)."""
    require_admin(actor)
    if not path.steps:
        raise AuthoringError("Add at least one module to the path first.")
    drafts = [step.module.title for step in path.steps if not step.module.is_published]
    if drafts:
        raise AuthoringError("Publish these modules first: " + ", ".join(drafts) + ".")
    path.status = Status.PUBLISHED
    db.session.flush()


def unpublish_path(actor: User, path: LearningPath) -> None:
    """Take a path back to draft."""
    require_admin(actor)
    path.status = Status.DRAFT
    db.session.flush()


def delete_path(actor: User, path: LearningPath) -> None:
    """Delete a path (its modules stay)."""
    require_admin(actor)
    db.session.delete(path)
    db.session.flush()
