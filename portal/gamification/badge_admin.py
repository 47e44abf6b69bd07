"""The admin's side of badges: defining, editing and retiring them, and revoking one issued.

A new badge (or a changed rule) reaches the people who already meet it through
the `jobs.badges.backfill_badge` job, queued after commit. A rule cannot change
once the badge has been issued: what an issued badge means must not move under
it (retire it and define a new one instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.accounts.services import require_admin
from portal.db import db, insert_ignore, utcnow
from portal.gamification.activity import METRICS
from portal.gamification.badge_art import ICONS, PALETTE
from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.gamification.badges import KINDS, PATH_METRIC
from portal.gamification.models import ActivityEntry, PointTotal
from portal.gamification.streak_models import Streak
from portal.queue import enqueue_after_commit

MAX_THRESHOLD = 1_000_000
_PATH_SUBJECT = re.compile(r"path:[1-9][0-9]{0,9}")


class BadgeError(ValueError):
    """A badge change that cannot be made; `field` names the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class BadgeSpec:
    """What an admin fills in for a badge."""

    name: str
    description: str
    criteria_text: str
    icon: str
    colour: str
    kind: str
    metric: str = ""
    subject: str = ""
    threshold: int = 1

    @property
    def rule(self) -> tuple[str, str, str, int]:
        return (self.kind, self.metric, self.subject, self.threshold)


def _rule_of(badge: Badge) -> tuple[str, str, str, int]:
    return (badge.kind, badge.metric, badge.subject, badge.threshold)


def _clean(spec: BadgeSpec, badge_id: int | None = None) -> BadgeSpec:
    """The spec with its text trimmed and the rule's unused parts cleared; BadgeError if invalid."""
    spec.name = " ".join(spec.name.split())
    spec.description = spec.description.strip()
    spec.criteria_text = spec.criteria_text.strip()
    if not 1 <= len(spec.name) <= 80:
        raise BadgeError("Give the badge a name of up to 80 characters.", "name")
    same_name = select(Badge.id).where(func.lower(Badge.name) == spec.name.lower())
    if db.session.scalar(same_name.where(Badge.id != (badge_id or 0))) is not None:
        raise BadgeError("Another badge has that name: pick one people can tell apart.", "name")
    if not 1 <= len(spec.description) <= 500:
        raise BadgeError("Describe the badge in up to 500 characters.", "description")
    if len(spec.criteria_text) > 1000:
        raise BadgeError("Keep the criteria to 1000 characters.", "criteria_text")
    if spec.icon not in ICONS:
        raise BadgeError("Pick one of the icons.", "icon")
    if spec.colour not in PALETTE:
        raise BadgeError("Pick one of the colours.", "colour")
    if spec.kind not in KINDS:
        raise BadgeError("Pick how the badge is earned.", "kind")
    if spec.kind == "metric" and spec.metric not in METRICS:
        raise BadgeError("Pick what is counted.", "metric")
    if spec.kind == "path" and (
        not _PATH_SUBJECT.fullmatch(spec.subject) or _path_title(spec.subject) is None
    ):
        raise BadgeError("Pick a learning path.", "path_id")
    limit = 100 if spec.kind == "league" else MAX_THRESHOLD
    if spec.kind in ("metric", "streak", "points", "league") and not 1 <= spec.threshold <= limit:
        raise BadgeError(f"Give a number from 1 to {limit}.", "threshold")
    if spec.kind != "metric":
        spec.metric = PATH_METRIC if spec.kind == "path" else ""
    if spec.kind != "path":
        spec.subject = ""
    if spec.kind in ("path", "challenge"):
        spec.threshold = 1
    return spec


def _path_title(subject: str) -> str | None:
    from portal.learning.models import LearningPath

    path = db.session.get(LearningPath, int(subject.split(":", 1)[1]))
    return path.title if path is not None else None


def path_titles() -> dict[str, str]:
    """Path subject ("path:<id>") -> title, for every learning path (to word path badges' rules)."""
    from portal.learning.models import LearningPath

    rows = db.session.execute(select(LearningPath.id, LearningPath.title))
    return {f"path:{path_id}": title for path_id, title in rows}


def list_badges(actor: User) -> list[tuple[Badge, int]]:
    """Every badge with how many people hold it (revoked ones not counted), active first."""
    require_admin(actor)
    issued = (
        select(BadgeAssertion.badge_id, func.count().label("n"))
        .where(BadgeAssertion.revoked_at.is_(None))
        .group_by(BadgeAssertion.badge_id)
        .subquery()
    )
    rows = db.session.execute(
        select(Badge, func.coalesce(issued.c.n, 0).label("held"))
        .outerjoin(issued, issued.c.badge_id == Badge.id)
        .order_by(Badge.retired_at.is_not(None), func.lower(Badge.name))
    )
    return [(row.Badge, int(row.held)) for row in rows]


def get_badge(badge_id: int) -> Badge:
    """A badge by id; NotFound if there is none."""
    badge = db.session.get(Badge, badge_id)
    if badge is None:
        raise NotFound()
    return badge


def issued_count(badge: Badge) -> int:
    """How many times the badge was issued, revoked ones included."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(BadgeAssertion)
            .where(BadgeAssertion.badge_id == badge.id)
        )
        or 0
    )


def _backfill_later(badge: Badge) -> None:
    if badge.kind not in ("league", "challenge"):  # those are only given by their event
        enqueue_after_commit("jobs.badges.backfill_badge", badge.id)


def create_badge(actor: User, spec: BadgeSpec) -> Badge:
    """Define a badge; people who already meet its rule get it from a job after commit.

    Raises PermissionDenied for non-admins, BadgeError for an invalid spec.
    """
    require_admin(actor)
    spec = _clean(spec)
    badge = Badge(created_by_id=actor.id, created_at=utcnow())
    for f in fields(spec):
        setattr(badge, f.name, getattr(spec, f.name))
    db.session.add(badge)
    db.session.flush()
    _backfill_later(badge)
    return badge


def update_badge(actor: User, badge: Badge, spec: BadgeSpec) -> None:
    """Change a badge's words and look, and its rule while nobody holds it yet.

    Raises PermissionDenied for non-admins, BadgeError for an invalid spec or a
    rule change on a badge already issued.
    """
    require_admin(actor)
    spec = _clean(spec, badge.id)
    rule_changed = spec.rule != _rule_of(badge)
    if rule_changed and (count := issued_count(badge)):
        raise BadgeError(
            f"This badge was issued {count} time{'s' if count != 1 else ''}, so its rule is "
            "fixed. Retire it and define a new badge to change how it is earned.",
            "kind",
        )
    for f in fields(spec):
        setattr(badge, f.name, getattr(spec, f.name))
    db.session.flush()
    if rule_changed and not badge.retired:
        _backfill_later(badge)


def retire_badge(actor: User, badge: Badge, now: datetime | None = None) -> None:
    """Stop awarding a badge; the ones issued stay valid. Raises PermissionDenied."""
    require_admin(actor)
    if badge.retired_at is None:
        badge.retired_at = now or utcnow()
        db.session.flush()


def reactivate_badge(actor: User, badge: Badge) -> None:
    """Award a retired badge again (those who meet its rule meanwhile get it from the job)."""
    require_admin(actor)
    if badge.retired_at is not None:
        badge.retired_at = None
        db.session.flush()
        _backfill_later(badge)


def list_assertions(actor: User, badge: Badge, limit: int = 500) -> list[BadgeAssertion]:
    """The latest issues of a badge, newest first, with their recipients (admins only)."""
    require_admin(actor)
    return list(
        db.session.scalars(
            select(BadgeAssertion)
            .where(BadgeAssertion.badge_id == badge.id)
            .options(selectinload(BadgeAssertion.user))
            .order_by(BadgeAssertion.issued_at.desc(), BadgeAssertion.id.desc())
            .limit(limit)
        )
    )


def get_assertion(uid: str) -> BadgeAssertion | None:
    """An issued badge by its public uid, or None."""
    if not 1 <= len(uid) <= 32:
        return None
    return db.session.scalar(select(BadgeAssertion).where(BadgeAssertion.uid == uid))


def revoke(
    actor: User, assertion: BadgeAssertion, reason: str, now: datetime | None = None
) -> None:
    """Revoke one issued badge with a published reason (its assertion then says so).

    Raises PermissionDenied for non-admins, BadgeError without a reason or when already revoked.
    """
    require_admin(actor)
    reason = " ".join(reason.split())
    if not 1 <= len(reason) <= 500:
        raise BadgeError("Give a reason (up to 500 characters): it is published.", "reason")
    if assertion.revoked_at is not None:
        raise BadgeError("That badge was revoked already.", "reason")
    assertion.revoked_at = now or utcnow()
    assertion.revocation_reason = reason
    assertion.revoked_by_id = actor.id
    db.session.flush()


# seed key -> the suggested badge (a path badge names its path by slug)
DEFAULT_BADGES: dict[str, dict[str, str | int]] = {
    "first-lesson": {
        "name": "First lesson",
        "description": "Finished a first Beacon lesson: the start of the journey.",
        "icon": "book", "colour": "teal", "kind": "metric",
        "metric": "lessons_completed", "threshold": 1,
    },
    "week-streak": {
        "name": "Week-long streak",
        "description": "Learned something on seven days in a row.",
        "icon": "flame", "colour": "orange", "kind": "streak", "threshold": 7,
    },
    "500-club": {
        "name": "500 club",
        "description": "Earned 500 points by learning and sharing.",
        "icon": "star", "colour": "amber", "kind": "points", "threshold": 500,
    },
    "social-media-starter": {
        "name": "Social media starter",
        "description": "Completed the Social media starter path: profile, following, guidelines.",
        "icon": "path", "colour": "blue", "kind": "path", "path_slug": "social-media-starter",
    },
    "league-champion": {
        "name": "League champion",
        "description": "Finished a league week in first place.",
        "icon": "crown", "colour": "violet", "kind": "league", "threshold": 1,
    },
    "challenge-winner": {
        "name": "Challenge winner",
        "description": "Was part of a team that won a challenge.",
        "icon": "trophy", "colour": "rose", "kind": "challenge",
    },
}  # fmt: skip


def ensure_default_badges() -> int:
    """Add the suggested badges that are missing (a path badge once its path exists).

    Idempotent: each has a seed key, so running it again adds nothing. Queues
    the backfill of each badge added. Returns how many were added.
    """
    from portal.learning.models import LearningPath

    added = 0
    for key, values in DEFAULT_BADGES.items():
        row = {k: v for k, v in values.items() if k != "path_slug"}
        if "path_slug" in values:
            path_id = db.session.scalar(
                select(LearningPath.id).where(LearningPath.slug == values["path_slug"])
            )
            if path_id is None:
                continue
            row |= {"subject": f"path:{path_id}", "metric": PATH_METRIC}
        new_id = insert_ignore(
            Badge,
            seed_key=key,
            criteria_text="",
            metric=row.pop("metric", ""),
            subject=row.pop("subject", ""),
            threshold=row.pop("threshold", 1),
            created_at=utcnow(),
            **row,
        )
        if new_id is not None:
            added += 1
            _backfill_later(get_badge(new_id))
    return added


def load_demo_badges() -> int:
    """The demo's badges: the suggested ones (for `flask demo-data`; idempotent)."""
    return ensure_default_badges()


def qualifying_user_ids(badge: Badge) -> list[int]:
    """Active people who meet the badge's rule now and do not hold it (for the backfill job).

    League and challenge badges are only given by their event: none here.
    """
    n = badge.threshold
    if badge.kind == "metric":
        who = (
            select(ActivityEntry.user_id)
            .where(ActivityEntry.metric == badge.metric)
            .group_by(ActivityEntry.user_id)
            .having(func.count() >= n)
        )
    elif badge.kind == "path":
        who = select(ActivityEntry.user_id).where(
            ActivityEntry.metric == PATH_METRIC, ActivityEntry.subject == badge.subject
        )
    elif badge.kind == "streak":
        who = select(Streak.user_id).where(Streak.longest >= n)
    elif badge.kind == "points":
        who = select(PointTotal.user_id).where(PointTotal.period == "all", PointTotal.points >= n)
    else:
        return []
    held = select(BadgeAssertion.user_id).where(BadgeAssertion.badge_id == badge.id)
    return list(
        db.session.scalars(
            select(User.id)
            .where(User.id.in_(who), User.active.is_(True), User.id.not_in(held))
            .order_by(User.id)
        )
    )
