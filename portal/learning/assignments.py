"""Assignments: a leader gives their team a module or a path to do by a date; an admin, anyone.

Completion is recorded when the module or path completes (see player.py);
lateness is a completion after the due date, or none by then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db, insert_ignore
from portal.learning import catalogue
from portal.learning.models import LearningPath, Module, Status
from portal.learning.records import Assignment, ModuleCompletion, PathCompletion


class AssignmentError(ValueError):
    """An assignment that cannot be made; the message says why."""


def assignable_people(actor: User) -> list[User]:
    """Active people `actor` may assign to: a leader's team, or everyone for an admin."""
    stmt = select(User).where(User.active.is_(True)).order_by(User.display_name)
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(stmt))
    if actor.role == Role.LEADER and actor.team_id is not None:
        return list(db.session.scalars(stmt.where(User.team_id == actor.team_id)))
    return []


def assignable_modules(actor: User) -> list[Module]:
    """Published modules: all for admins; for a leader, those their team can see."""
    if actor.role == Role.ADMIN:
        return list(
            db.session.scalars(
                select(Module).where(Module.status == Status.PUBLISHED).order_by(Module.title)
            )
        )
    return sorted(catalogue.catalogue(actor), key=lambda m: m.title.lower())


def assignable_paths(actor: User) -> list[LearningPath]:
    """Published paths `actor` may assign."""
    if actor.role == Role.ADMIN:
        return list(
            db.session.scalars(
                select(LearningPath)
                .where(LearningPath.status == Status.PUBLISHED)
                .order_by(LearningPath.title)
            )
        )
    return catalogue.visible_paths(actor)


def assign(
    actor: User,
    people: list[User],
    due_on: date | None,
    module: Module | None = None,
    path: LearningPath | None = None,
    today: date | None = None,
) -> int:
    """Assign a module or a path to `people`; return how many new assignments were made.

    Raises PermissionDenied when `actor` may not assign to one of them, and
    AssignmentError for a missing subject, nobody chosen, or a past due date.
    Assigning again updates the due date; people who completed it already
    get it marked done.
    """
    if actor.role not in (Role.ADMIN, Role.LEADER) or not actor.active:
        raise PermissionDenied("Only leaders and admins assign learning.")
    if (module is None) == (path is None):
        raise AssignmentError("Choose a module or a path.")
    if not people:
        raise AssignmentError("Choose at least one person.")
    if due_on is not None and today is not None and due_on < today:
        raise AssignmentError("The due date is in the past.")
    allowed = {p.id for p in assignable_people(actor)}
    if any(p.id not in allowed for p in people):
        raise PermissionDenied("You can only assign learning to people in your team.")
    if module is not None and module.id not in {m.id for m in assignable_modules(actor)}:
        raise NotFound()
    if path is not None and path.id not in {p.id for p in assignable_paths(actor)}:
        raise NotFound()
    blind = [p.display_name for p in people if not _can_take(p, module, path)]
    if blind:
        raise AssignmentError(
            f"Not published for {', '.join(blind[:3])}{' and others' if len(blind) > 3 else ''}: "
            "choose learning their team can see."
        )
    made = 0
    for person in people:
        key = {"module_id": module.id} if module else {"path_id": path.id}  # type: ignore[union-attr]
        new = insert_ignore(
            Assignment, user_id=person.id, assigned_by_id=actor.id, due_on=due_on, **key
        )
        if new is None:
            existing = db.session.scalar(select(Assignment).filter_by(user_id=person.id, **key))
            if existing is not None:
                existing.due_on = due_on
        else:
            made += 1
    db.session.flush()
    _mark_already_done(people, module, path)
    return made


def _can_take(person: User, module: Module | None, path: LearningPath | None) -> bool:
    """True when `person` can see the module, or the path."""
    if module is not None:
        return (
            db.session.scalar(
                select(Module.id).where(Module.id == module.id, catalogue.audience_filter(person))
            )
            is not None
        )
    return path is not None and path.id in {p.id for p in catalogue.visible_paths(person)}


def _mark_already_done(
    people: list[User], module: Module | None, path: LearningPath | None
) -> None:
    ids = [p.id for p in people]
    if module is not None:
        done = db.session.execute(
            select(ModuleCompletion.user_id, ModuleCompletion.completed_at).where(
                ModuleCompletion.module_id == module.id, ModuleCompletion.user_id.in_(ids)
            )
        ).all()
        key = {"module_id": module.id}
    else:
        assert path is not None  # noqa: S101 - assign() checked that one of them is given
        done = db.session.execute(
            select(PathCompletion.user_id, PathCompletion.completed_at).where(
                PathCompletion.path_id == path.id, PathCompletion.user_id.in_(ids)
            )
        ).all()
        key = {"path_id": path.id}
    for user_id, completed_at in done:
        assignment = db.session.scalar(select(Assignment).filter_by(user_id=user_id, **key))
        if assignment is not None and assignment.completed_at is None:
            assignment.completed_at = completed_at
    db.session.flush()


@dataclass
class AssignmentRow:
    """One assignment with its state, for the leader's report."""

    assignment: Assignment
    state: str  # "done", "late", "overdue", "open", "unavailable"


def report(actor: User, today: date) -> list[AssignmentRow]:
    """Every assignment of the people `actor` manages, with done / late / overdue / open."""
    people = {p.id for p in assignable_people(actor)}
    if not people:
        return []
    rows = db.session.scalars(
        select(Assignment)
        .where(Assignment.user_id.in_(people))
        .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
    )
    result = []
    for a in rows:
        if not _can_take(a.user, a.module, a.path):
            state = "unavailable"  # unpublished, or the person moved to another team
        elif a.completed_at is not None:
            state = "late" if a.was_late() else "done"
        elif a.is_overdue(today):
            state = "overdue"
        else:
            state = "open"
        result.append(AssignmentRow(a, state))
    return result
