"""Issuing badges: once each, when the rule is met, checking only the rules an event touches.

The subscribers in `badge_subscribers` call one `award_for_*` function per
event; each looks up only the active badges of that event's kind the person
does not hold yet (usually none, so usually one indexed query), and issues
those whose threshold is reached. `issue` is a single `INSERT ... ON CONFLICT
DO NOTHING` on the unique (badge, person) pair, so a repeated or concurrent
trigger issues once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, event, exists, select
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.db import db, insert_ignore, utcnow
from portal.events import publish
from portal.gamification.activity import METRICS, count_activity
from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.gamification.events import BadgeEarned
from portal.notifications.services import notify

# kind -> how admins pick it (the rule each kind checks is in Badge's docstring)
KINDS: dict[str, str] = {
    "metric": "Number of times someone did something (1 = the first time)",
    "path": "Completed a learning path",
    "streak": "Learning streak of at least N days",
    "points": "Points in all of at least N",
    "league": "Finished a league week ranked N or better",
    "challenge": "Awarded by a challenge",
}
PATH_METRIC = "paths_completed"
# The public page of an issued badge (services do not call url_for; a test checks it matches).
EARNED_PAGE = "/badges/earned/{uid}"
_NEW = "badge_awards"


@dataclass(frozen=True)
class NewBadge:
    """A badge issued in this session, for the toast of the request that earned it."""

    user_id: int
    badge_id: int
    name: str


def identity_hash(email: str, salt: str) -> str:
    """The Open Badges hashed identity: "sha256$" + hex sha256 of the email followed by the salt."""
    return "sha256$" + hashlib.sha256((email + salt).encode("utf-8")).hexdigest()


def issue(user: User, badge: Badge, now: datetime | None = None) -> BadgeAssertion | None:
    """Issue `badge` to `user` once; None if it is retired, they are inactive or hold it already.

    Publishes BadgeEarned and notifies the person (both only when issued).
    """
    if badge.retired or not user.active:
        return None
    now = now or utcnow()
    salt = secrets.token_hex(16)
    uid = secrets.token_urlsafe(16)
    new_id = insert_ignore(
        BadgeAssertion,
        uid=uid,
        badge_id=badge.id,
        user_id=user.id,
        issued_at=now,
        salt=salt,
        identity_hash=identity_hash(user.email, salt),
        revocation_reason="",
    )
    if new_id is None:
        return None
    db.session.info.setdefault(_NEW, []).append(NewBadge(user.id, badge.id, badge.name))
    notify(
        [user.id],
        "badge_earned",
        f"Badge earned: {badge.name}",
        EARNED_PAGE.format(uid=uid),
        subject=f"badge:{badge.id}",
        body=badge.description,
        now=now,
    )
    publish(BadgeEarned(user.id, now, badge.id, new_id))
    return db.session.get(BadgeAssertion, new_id)


def _not_held(user_id: int, kind: str, *rule: ColumnElement[bool]) -> list[Badge]:
    """Active badges of `kind` matching `rule` that the person does not hold yet."""
    held = exists().where(BadgeAssertion.badge_id == Badge.id, BadgeAssertion.user_id == user_id)
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.kind == kind, Badge.retired_at.is_(None), ~held, *rule)
            .order_by(Badge.threshold, Badge.id)
        )
    )


def _issue_all(user: User, badges: list[Badge], now: datetime) -> list[BadgeAssertion]:
    issued = [issue(user, badge, now) for badge in badges]
    return [a for a in issued if a is not None]


def award_for_activity(
    user: User, metric: str, subject: str, now: datetime
) -> list[BadgeAssertion]:
    """After `user` did `metric` on `subject`: the count badges reached, and a path's badges."""
    badges = _not_held(user.id, "metric", Badge.metric == metric)
    if badges:  # count only when some badge could be reached
        count = count_activity(user.id, metric)
        badges = [b for b in badges if b.threshold <= count]
    if metric == PATH_METRIC:
        badges += _not_held(user.id, "path", Badge.subject == subject)
    return _issue_all(user, badges, now)


def award_for_streak(user: User, days: int, now: datetime) -> list[BadgeAssertion]:
    """After the person's streak reached `days`: the streak badges it reaches."""
    return _issue_all(user, _not_held(user.id, "streak", Badge.threshold <= days), now)


def award_for_points(user: User, total: int, now: datetime) -> list[BadgeAssertion]:
    """After the person's all-time points reached `total`: the points badges it reaches."""
    return _issue_all(user, _not_held(user.id, "points", Badge.threshold <= total), now)


def award_for_league_week(user: User, rank: int, now: datetime) -> list[BadgeAssertion]:
    """After the person finished a league week at `rank`: the league badges it earns."""
    return _issue_all(user, _not_held(user.id, "league", Badge.threshold >= rank), now)


def award_for_challenge(user: User, badge_id: int, now: datetime) -> BadgeAssertion | None:
    """After the person won a challenge whose reward is `badge_id` (a "challenge" badge)."""
    badge = db.session.get(Badge, badge_id)
    if badge is None or badge.kind != "challenge":
        return None
    return issue(user, badge, now)


def challenge_rewards() -> list[Badge]:
    """The active badges a challenge may give as its reward (for the challenge form)."""
    return list(
        db.session.scalars(
            select(Badge)
            .where(Badge.kind == "challenge", Badge.retired_at.is_(None))
            .order_by(Badge.name)
        )
    )


def rule_text(badge: Badge, path_title: str | None = None) -> str:
    """The rule of a badge in words ("Learn 7 days in a row")."""
    n = badge.threshold
    if badge.kind == "metric":
        label = METRICS.get(badge.metric, badge.metric.replace("_", " ").capitalize())
        return f"{label}: the first one" if n == 1 else f"{label}: {n} or more"
    if badge.kind == "path":
        return f"Complete the learning path “{path_title or badge.subject}”"
    if badge.kind == "streak":
        return f"Learn {n} day{'s' if n != 1 else ''} in a row"
    if badge.kind == "points":
        return f"Earn {n} points in all"
    if badge.kind == "league" and n == 1:
        return "Finish a league week in first place"
    if badge.kind == "league":
        return f"Finish a league week in the top {n}"
    return "Win a challenge that awards this badge"


def pop_new_badges() -> list[NewBadge]:
    """The badges issued in this session since the last call (for the toasts of a request)."""
    return list(db.session.info.pop(_NEW, []))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_badges(session: Session, previous_transaction: Any) -> None:
    session.info.pop(_NEW, None)


@dataclass
class BadgeStatus:
    """One active badge as a person sees it: its rule, whether they hold it, how far they are."""

    badge: Badge
    rule: str
    assertion: BadgeAssertion | None
    current: int | None = None  # None: no progress to show (league and challenge badges)
    target: int | None = None


def earned_badges(user: User) -> list[BadgeAssertion]:
    """The badges issued to the person, newest first (revoked ones included, marked as such)."""
    from sqlalchemy.orm import selectinload

    return list(
        db.session.scalars(
            select(BadgeAssertion)
            .where(BadgeAssertion.user_id == user.id)
            .options(selectinload(BadgeAssertion.badge))
            .order_by(BadgeAssertion.issued_at.desc(), BadgeAssertion.id.desc())
        )
    )


def badge_statuses(user: User, earned: list[BadgeAssertion]) -> list[BadgeStatus]:
    """Every active badge with the person's progress towards it, the nearest to earned first."""
    from portal.gamification import streaks
    from portal.gamification.points import total_points
    from portal.learning.catalogue import completed_module_ids, visible_paths

    held = {a.badge_id: a for a in earned}
    active = db.session.scalars(
        select(Badge).where(Badge.retired_at.is_(None)).order_by(Badge.kind, Badge.threshold)
    ).all()
    paths = {f"path:{p.id}": p for p in visible_paths(user)} if active else {}
    counts: dict[str, int] = {}
    done_modules: set[int] | None = None
    statuses: list[BadgeStatus] = []
    for badge in active:
        path = paths.get(badge.subject)
        status = BadgeStatus(badge, rule_text(badge, path.title if path else None),
                             held.get(badge.id))  # fmt: skip
        if badge.kind == "metric":
            if badge.metric not in counts:
                counts[badge.metric] = count_activity(user.id, badge.metric)
            status.current, status.target = counts[badge.metric], badge.threshold
        elif badge.kind == "streak":
            status.current, status.target = streaks.streak_for(user), badge.threshold
        elif badge.kind == "points":
            status.current, status.target = total_points(user.id), badge.threshold
        elif badge.kind == "path" and path is not None:
            if done_modules is None:
                done_modules = completed_module_ids(user)
            module_ids = {step.module_id for step in path.steps}
            status.current, status.target = len(module_ids & done_modules), len(module_ids)
        if status.current is not None and status.target:
            status.current = min(status.current, status.target)
        statuses.append(status)
    statuses.sort(key=_closest_first)
    return statuses


def _closest_first(status: BadgeStatus) -> tuple[bool, bool, float]:
    # Unearned before earned; of those, the ones with progress, the nearest to done first.
    share = status.current / status.target if status.current is not None and status.target else 0
    return (status.assertion is not None, status.current is None, -share)
