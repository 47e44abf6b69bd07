"""Nudges: a leader reminds one person in their team about one thing, at most once a day.

The limit is per person, whoever sends it: a person gets at most one nudge a
day (their own day), so two leaders cannot double up on them. The nudge is a
notification like any other, so the person's preferences decide whether it
also comes by email.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.accounts.services import PermissionDenied, local_date, require_manager_of
from portal.db import db, insert_ignore, utcnow
from portal.learning.models import LearningPath, Module
from portal.learning.records import Assignment
from portal.notifications.models import Nudge
from portal.notifications.preferences import NUDGE
from portal.notifications.services import notify

GENERAL = "learning"


class NudgeError(ValueError):
    """A nudge that cannot be sent; the message says why."""


class AlreadyNudged(NudgeError):
    """This person was nudged today already."""


@dataclass(frozen=True)
class NudgeOption:
    """Something a person can be nudged about."""

    subject: str  # "learning", "assignment:12"
    label: str  # what the leader picks: "Finish “Personal brand basics”"
    title: str  # what the person reads under the bell
    url: str


def options_for(person: User) -> list[NudgeOption]:
    """What `person` can be nudged about: their open assignments, or learning in general."""
    rows = db.session.execute(
        select(
            Assignment.id,
            Assignment.module_id,
            Assignment.path_id,
            Module.title,
            LearningPath.title,
        )
        .outerjoin(Module, Module.id == Assignment.module_id)
        .outerjoin(LearningPath, LearningPath.id == Assignment.path_id)
        .where(Assignment.user_id == person.id, Assignment.completed_at.is_(None))
        .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
    ).all()
    found = [
        NudgeOption(
            f"assignment:{row_id}",
            f"Finish “{module_title or path_title}”",
            f"Time to finish “{module_title or path_title}”",
            f"/learn/modules/{module_id}" if module_id else f"/learn/paths/{path_id}",
        )
        for row_id, module_id, path_id, module_title, path_title in rows
    ]
    found.append(NudgeOption(GENERAL, "Keep learning", "Time for a short lesson", "/learn/"))
    return found


def nudged_today(person: User, now: datetime | None = None) -> bool:
    """Whether the person has been nudged already on their current day."""
    day = local_date(person, now or utcnow())
    return (
        db.session.scalar(select(Nudge.id).where(Nudge.user_id == person.id, Nudge.day == day))
        is not None
    )


def nudge(actor: User, person: User, subject: str, now: datetime | None = None) -> Nudge:
    """Nudge `person` about `subject` (flushes). The nudge reaches them as a notification.

    Raises PermissionDenied unless `actor` leads the person's team (or is an
    admin), NudgeError for oneself, a deactivated person or an unknown subject,
    and AlreadyNudged when they were nudged today (their own day) already.
    """
    require_manager_of(actor, person)
    if person.id == actor.id:
        raise NudgeError("You cannot nudge yourself.")
    if not person.active:
        raise PermissionDenied("That person's account is deactivated.")
    option = next((o for o in options_for(person) if o.subject == subject), None)
    if option is None:
        raise NudgeError("Choose something from the list to nudge them about.")
    now = now or utcnow()
    day = local_date(person, now)
    new = insert_ignore(
        Nudge, user_id=person.id, sender_id=actor.id, subject=subject, day=day, created_at=now
    )
    if new is None:
        raise AlreadyNudged(
            f"{person.display_name} already got a nudge today. You can nudge them again tomorrow."
        )
    notify(
        [person.id],
        NUDGE,
        option.title,
        option.url,
        subject=subject,
        period=day.isoformat(),
        body=f"A nudge from {actor.display_name}.",
        now=now,
    )
    found = db.session.get(Nudge, new)
    assert found is not None  # noqa: S101 - inserted just now
    return found
