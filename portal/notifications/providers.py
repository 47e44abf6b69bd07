"""Reminders and digest sections for learning and gamification: assignments, streaks, points.

Each provider answers for everyone in one or two queries (never one per
person) and works out each person's own day and hour in their time zone.
Imported at app start (portal/__init__.py) so the registries are full.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select

from portal.accounts.models import User
from portal.db import db
from portal.gamification.models import PointAward, PointTotal
from portal.gamification.streak_models import Streak
from portal.gamification.streaks import missed_days
from portal.learning.models import LearningPath, Module, Status
from portal.learning.records import Assignment
from portal.notifications.models import DigestRun
from portal.notifications.preferences import IN_CHUNKS, at_local, local
from portal.notifications.reminders import DigestItem, Due, digest_section, reminder

EVENING = (18, 22)  # a streak at risk is worth a word between 18:00 and 22:00, local
OVERDUE_FOR = timedelta(days=7)  # no reminders for assignments overdue longer than this
DUE_AHEAD = timedelta(days=7)  # the digest lists what is due within a week


# --- assignments --------------------------------------------------------------------------


def _open_assignments(first_day: date, last_day: date, user_ids: list[int] | None = None) -> Any:
    """Open assignments of active people due between two dates, with title, link and time zone."""
    title = func.coalesce(Module.title, LearningPath.title)
    stmt = (
        select(
            Assignment.id,
            Assignment.user_id,
            Assignment.due_on,
            Assignment.module_id,
            Assignment.path_id,
            title,
            User.timezone,
        )
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Module, Module.id == Assignment.module_id)
        .outerjoin(LearningPath, LearningPath.id == Assignment.path_id)
        .where(
            User.active.is_(True),
            Assignment.completed_at.is_(None),
            Assignment.due_on.is_not(None),
            Assignment.due_on >= first_day,
            Assignment.due_on <= last_day,
            or_(
                and_(Assignment.module_id.is_not(None), Module.status == Status.PUBLISHED),
                and_(Assignment.path_id.is_not(None), LearningPath.status == Status.PUBLISHED),
            ),
        )
        .order_by(Assignment.due_on, Assignment.id)
    )
    if user_ids is not None:
        stmt = stmt.where(Assignment.user_id.in_(user_ids))
    return db.session.execute(stmt)


def _assignment_url(module_id: int | None, path_id: int | None) -> str:
    return f"/learn/modules/{module_id}" if module_id else f"/learn/paths/{path_id}"


def _due_end(due_on: date, timezone: str) -> datetime:
    """The moment an assignment is late: the end of its due day, in the person's time zone."""
    return at_local(due_on + timedelta(days=1), 0, timezone)


def _day_label(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return day.strftime("%a %-d %b")


@reminder("assignment_due", "Assignments due within a day")
def assignments_due(now: datetime) -> Iterator[Due]:
    """Assignments whose due day ends within the next 24 hours (the person's own day)."""
    today = now.date()
    for row_id, user_id, due_on, module_id, path_id, title, timezone in _open_assignments(
        today - timedelta(days=1), today + timedelta(days=2)
    ):
        end = _due_end(due_on, timezone)
        if now < end <= now + timedelta(hours=24):
            when = _day_label(due_on, local(now, timezone).date())
            yield Due(
                user_id=user_id,
                subject=f"assignment:{row_id}",
                title=f"Due {when}: {title}",
                url=_assignment_url(module_id, path_id),
                period=due_on.isoformat(),
                body=f"“{title}” was assigned to you and is due {when}.",
            )


@reminder("assignment_overdue", "Overdue assignments")
def assignments_overdue(now: datetime) -> Iterator[Due]:
    """Assignments whose due day has ended (once per due date, for up to a week)."""
    today = now.date()
    for row_id, user_id, due_on, module_id, path_id, title, timezone in _open_assignments(
        today - OVERDUE_FOR - timedelta(days=2), today
    ):
        end = _due_end(due_on, timezone)
        if end <= now < end + OVERDUE_FOR:
            yield Due(
                user_id=user_id,
                subject=f"assignment:{row_id}",
                title=f"Overdue: {title}",
                url=_assignment_url(module_id, path_id),
                period=due_on.isoformat(),
                body=f"“{title}” was due on {due_on.strftime('%A %-d %B')}. "
                "It still counts when you finish it now.",
            )


# --- streaks ------------------------------------------------------------------------------


@reminder("streak_at_risk", "Streak at risk (in the evening)", stale_after=timedelta(hours=3))
def streak_at_risk(now: datetime) -> Iterator[Due]:
    """People with a live streak, no learning yet today, in their evening (18:00-22:00)."""
    rows = db.session.execute(
        select(
            Streak.user_id,
            Streak.current,
            Streak.last_day,
            Streak.freezes,
            Streak.weekday_only,
            User.timezone,
        )
        .join(User, User.id == Streak.user_id)
        .where(
            User.active.is_(True),
            Streak.current > 0,
            Streak.last_day.is_not(None),
            # Freezes cover at most a few days: older streaks are over anyway.
            Streak.last_day >= now.date() - timedelta(days=10),
        )
    )
    for user_id, current, last_day, freezes, weekday_only, timezone in rows:
        if last_day is None:
            continue
        here = local(now, timezone)
        today = here.date()
        if not (EVENING[0] <= here.hour < EVENING[1]) or last_day >= today:
            continue
        if weekday_only and today.weekday() >= 5:
            continue  # today is not a required day
        if missed_days(last_day, today, weekday_only) > freezes:
            continue  # already broken: nothing left to save
        days = f"{current}-day"
        yield Due(
            user_id=user_id,
            subject="streak",
            title=f"Keep your {days} streak going",
            url="/learn/",
            period=today.isoformat(),
            body="One short lesson before midnight keeps it alive.",
        )


# --- digest: points and rank --------------------------------------------------------------

# The all-time board (points of every active person, ascending), shared by every chunk
# of one digest run so it is read once per run rather than once per chunk.
_board: ContextVar[list[int] | None] = ContextVar("digest_board", default=None)


def load_board() -> list[int]:
    """The all-time points of every active person who has some, ascending."""
    return sorted(
        db.session.scalars(
            select(PointTotal.points)
            .join(User, User.id == PointTotal.user_id)
            .where(PointTotal.period == "all", PointTotal.points > 0, User.active.is_(True))
        )
    )


@contextmanager
def one_board(board: list[int]) -> Iterator[None]:
    """Within this block, ranks come from this one reading of the all-time board."""
    token = _board.set(board)
    try:
        yield
    finally:
        _board.reset(token)


def all_time_ranks(user_ids: list[int]) -> dict[int, tuple[int, int]]:
    """(points, rank) on the all-time board of the people who have points; rank 1 is the top."""
    board = _board.get()
    if board is None:
        board = load_board()
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(user_ids), IN_CHUNKS):
        for user_id, points in db.session.execute(
            select(PointTotal.user_id, PointTotal.points).where(
                PointTotal.period == "all",
                PointTotal.points > 0,
                PointTotal.user_id.in_(user_ids[start : start + IN_CHUNKS]),
            )
        ):
            above = len(board) - bisect.bisect_right(board, points)
            found[user_id] = (points, above + 1)
    return found


def _previous_ranks(user_ids: list[int], before: datetime) -> dict[int, int]:
    latest = (
        select(func.max(DigestRun.id))
        .where(
            DigestRun.user_id.in_(user_ids),
            DigestRun.created_at < before,
            DigestRun.rank.is_not(None),
        )
        .group_by(DigestRun.user_id)
    )
    return dict(
        db.session.execute(
            select(DigestRun.user_id, DigestRun.rank).where(DigestRun.id.in_(latest))
        ).all()  # type: ignore[arg-type]
    )


@digest_section("points", "Your points")
def points_section(
    user_ids: list[int], since: datetime, now: datetime
) -> dict[int, list[DigestItem]]:
    """Points earned since the last digest period, and the move on the all-time board."""
    earned = dict(
        db.session.execute(
            select(PointAward.user_id, func.sum(PointAward.points))
            .where(
                PointAward.user_id.in_(user_ids),
                PointAward.awarded_at >= since,
                PointAward.awarded_at < now,
            )
            .group_by(PointAward.user_id)
        ).all()
    )
    ranks = all_time_ranks(user_ids)
    before = _previous_ranks(user_ids, now)
    items: dict[int, list[DigestItem]] = defaultdict(list)
    for user_id in user_ids:
        gained = int(earned.get(user_id) or 0)
        total, rank = ranks.get(user_id, (0, 0))
        if gained > 0:
            items[user_id].append(
                DigestItem(f"You earned {gained} points", "/points", f"{total} in all")
            )
        was = before.get(user_id)
        if rank and was and was != rank:
            moved = "up" if rank < was else "down"
            items[user_id].append(
                DigestItem(
                    f"You moved {moved} to #{rank} on the leaderboard",
                    "/leaderboard?period=all",
                    f"from #{was}",
                )
            )
        elif rank and gained > 0:
            items[user_id].append(
                DigestItem(f"You are #{rank} on the leaderboard", "/leaderboard?period=all")
            )
    return dict(items)


@digest_section("due", "What is due")
def due_section(user_ids: list[int], since: datetime, now: datetime) -> dict[int, list[DigestItem]]:
    """Open assignments due within a week, or overdue, soonest first."""
    today = now.date()
    items: dict[int, list[DigestItem]] = defaultdict(list)
    for _, user_id, due_on, module_id, path_id, title, timezone in _open_assignments(
        today - timedelta(days=30), today + DUE_AHEAD, user_ids
    ):
        local_today = local(now, timezone).date()
        if due_on < local_today:
            detail = f"overdue since {due_on.strftime('%a %-d %b')}"
        else:
            detail = f"due {_day_label(due_on, local_today)}"
        items[user_id].append(DigestItem(title, _assignment_url(module_id, path_id), detail))
    return dict(items)
