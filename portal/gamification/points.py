"""Awarding points: once per event, within daily caps and cooldowns, totals kept in step.

`award_points` is the only way points are earned. It is one
`INSERT ... ON CONFLICT DO NOTHING RETURNING` into the ledger (the idempotency
key makes a repeated or concurrent report pay once) plus atomic upserts of the
person's totals, so its cost does not depend on how many people or awards
there are.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.accounts.models import User
from portal.accounts.services import local_date, lock_person
from portal.db import db, insert_ignore, utcnow
from portal.events import publish
from portal.gamification.events import PointsEarned
from portal.gamification.models import PointAward, PointRule, PointTotal

LEVELS: list[tuple[int, str]] = [
    (0, "Newcomer"),
    (100, "Explorer"),
    (300, "Contributor"),
    (700, "Advocate"),
    (1500, "Champion"),
    (3000, "Beacon"),
]


# Things bought with points. Spending lowers the balance, never the XP earned: levels,
# leaderboards and leagues count what was earned; the "spent" total counts what was spent.
SPEND_ACTIONS = frozenset({"streak_freeze"})
SPENT = "spent"


class PointsError(ValueError):
    """An award or adjustment that cannot be made; the message says why."""


@dataclass(frozen=True)
class Level:
    """A named level, the XP it starts at and the XP of the next one (None at the top)."""

    number: int
    name: str
    starts_at: int
    next_at: int | None

    def progress(self, points: int) -> int:
        """Percent of the way to the next level."""
        if self.next_at is None:
            return 100
        return round(100 * (points - self.starts_at) / (self.next_at - self.starts_at))


def level_for(points: int) -> Level:
    """The level `points` XP reach (adjustments can take a total below zero: still level 1)."""
    number = max(i for i, (threshold, _) in enumerate(LEVELS) if max(points, 0) >= threshold)
    threshold, name = LEVELS[number]
    next_at = LEVELS[number + 1][0] if number + 1 < len(LEVELS) else None
    return Level(number + 1, name, threshold, next_at)


def periods(moment: datetime) -> list[str]:
    """The leaderboard periods a moment counts in: all time, its ISO week and its month (UTC)."""
    year, week, _ = moment.isocalendar()
    return ["all", f"w{year}-{week:02d}", f"m{moment.year}-{moment.month:02d}"]


@dataclass
class Award:
    """Points just awarded, and whether they lifted the person to a new level."""

    user_id: int
    action: str
    points: int
    total: int
    level_before: Level
    level_after: Level

    @property
    def levelled_up(self) -> bool:
        return self.level_after.number > self.level_before.number


def total_points(user_id: int, period: str = "all") -> int:
    """A person's points in a period (0 when they have none)."""
    return (
        db.session.scalar(
            select(PointTotal.points).where(
                PointTotal.user_id == user_id, PointTotal.period == period
            )
        )
        or 0
    )


def balance(user_id: int) -> int:
    """Points a person can still spend: earned minus spent."""
    return total_points(user_id) - total_points(user_id, SPENT)


def _add_to_totals(user_id: int, points: int, moment: datetime, spend: bool = False) -> None:
    """Add an award to the person's period totals, or a purchase (points < 0) to "spent"."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    amounts = {SPENT: -points} if spend else dict.fromkeys(periods(moment), points)
    for period, amount in amounts.items():
        stmt = insert(PointTotal).values(user_id=user_id, period=period, points=amount)
        stmt = stmt.on_conflict_do_update(
            index_elements=["user_id", "period"],
            set_={"points": PointTotal.points + stmt.excluded.points},
        )
        db.session.execute(stmt)


def award_points(
    user: User, action: str, subject: str, now: datetime | None = None, key: str | None = None
) -> Award | None:
    """Pay `user` for `action` on `subject` once; return the award, or None if nothing is due.

    Nothing is paid for an unknown or inactive rule, a rule worth 0, past the
    rule's daily cap (days in the person's time zone), within its cooldown,
    or when this event (`key`, default "<action>:<user>:<subject>") paid already.
    """
    now = now or utcnow()
    rule = db.session.scalar(select(PointRule).where(PointRule.action == action))
    if rule is None or not rule.active or rule.points == 0:
        return None
    lock_person(user.id)
    day = local_date(user, now)
    if rule.daily_cap is not None:
        today = db.session.scalar(
            select(func.count())
            .select_from(PointAward)
            .where(
                PointAward.user_id == user.id, PointAward.action == action, PointAward.day == day
            )
        )
        if (today or 0) >= rule.daily_cap:
            return None
    if rule.cooldown_seconds:
        last = db.session.scalar(
            select(func.max(PointAward.awarded_at)).where(
                PointAward.user_id == user.id, PointAward.action == action
            )
        )
        if last is not None and now - last < timedelta(seconds=rule.cooldown_seconds):
            return None
    return _record(user, action, subject, rule.points, now, key or f"{action}:{user.id}:{subject}")


def award_fixed(
    user: User, action: str, subject: str, points: int, now: datetime | None = None
) -> Award | None:
    """Pay `user` a set amount for `action` on `subject` once; return the award, or None.

    For rewards whose amount is decided elsewhere (a challenge's own reward):
    the rule is only an on/off switch and a label, so its points, daily cap and
    cooldown do not apply. Nothing is paid for an unknown or inactive rule, for
    0 points or less, or when "<action>:<user>:<subject>" paid already.
    """
    now = now or utcnow()
    rule = db.session.scalar(select(PointRule).where(PointRule.action == action))
    if rule is None or not rule.active or points <= 0:
        return None
    lock_person(user.id)
    return _record(user, action, subject, points, now, f"{action}:{user.id}:{subject}")


def _record(
    user: User,
    action: str,
    subject: str,
    points: int,
    now: datetime,
    key: str,
    reason: str | None = None,
    by: User | None = None,
) -> Award | None:
    before = total_points(user.id)
    new = insert_ignore(
        PointAward,
        key=key,
        user_id=user.id,
        action=action,
        subject=subject,
        points=points,
        day=local_date(user, now),
        awarded_at=now,
        reason=reason,
        awarded_by_id=by.id if by else None,
    )
    if new is None:
        return None
    spend = action in SPEND_ACTIONS
    _add_to_totals(user.id, points, now, spend=spend)
    if spend:  # the balance goes down; XP, level and boards stay as they are
        return Award(user.id, action, points, before, level_for(before), level_for(before))
    award = Award(
        user.id, action, points, before + points, level_for(before), level_for(before + points)
    )
    db.session.info.setdefault("point_awards", []).append(award)
    publish(PointsEarned(user.id, now, action, points, award.total))
    from portal.gamification import leaderboard

    leaderboard.update_after_commit(user.id, points, now, award.total)
    return award


def adjust_points(actor: User, person: User, points: int, reason: str) -> Award:
    """An admin's correction (positive or negative), kept in the ledger with its reason.

    Raises PermissionDenied unless `actor` is an admin, PointsError without a reason or points.
    """
    from portal.accounts.services import require_admin

    require_admin(actor)
    reason = reason.strip()
    if not reason:
        raise PointsError("Give a reason: adjustments are kept in the audit trail.")
    if points == 0 or abs(points) > 100_000:
        raise PointsError("Adjust by a number of points between -100000 and 100000, not 0.")
    lock_person(person.id)
    award = _record(
        person, "adjustment", f"by:{actor.id}", points, utcnow(), f"adjust:{uuid.uuid4().hex}",
        reason=reason, by=actor,
    )  # fmt: skip
    if award is None:  # a fresh uuid key cannot collide
        raise PointsError("The adjustment could not be recorded; try again.")
    return award


def history(user: User, limit: int = 100) -> list[PointAward]:
    """A person's most recent awards, newest first."""
    return list(
        db.session.scalars(
            select(PointAward)
            .where(PointAward.user_id == user.id)
            .order_by(PointAward.awarded_at.desc(), PointAward.id.desc())
            .limit(limit)
        )
    )


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_awards(session: Session, previous_transaction: Any) -> None:
    session.info.pop("point_awards", None)


def pop_new_awards() -> list[Award]:
    """The awards made in this session since the last call (for the toasts of a request)."""
    return list(db.session.info.pop("point_awards", []))


def earned_for(user: User, subjects: list[str]) -> int:
    """Points `user` earned for these subjects ("lesson:3", "question:9", ...), all actions."""
    if not subjects:
        return 0
    return (
        db.session.scalar(
            select(func.coalesce(func.sum(PointAward.points), 0)).where(
                PointAward.user_id == user.id, PointAward.subject.in_(subjects)
            )
        )
        or 0
    )


def spend_points(user: User, action: str, subject: str, cost: int, key: str) -> Award | None:
    """Take `cost` points from `user`'s balance for something bought, as a negative ledger row.

    The row counts in the "spent" total, not in XP: levels and boards are
    unchanged. Returns None when the balance is below `cost` or `key` was
    spent already; raises PointsError for a cost that is not positive or an
    action that is not a purchase (SPEND_ACTIONS).
    """
    if cost <= 0:
        raise PointsError("A price must be a positive number of points.")
    if action not in SPEND_ACTIONS:
        raise PointsError(f"{action!r} is not something points can buy.")
    lock_person(user.id)
    if balance(user.id) < cost:
        return None
    return _record(user, action, subject, -cost, utcnow(), key)
