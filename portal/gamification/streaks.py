"""Learning streaks: days in a row with learning, in the person's own time zone.

A missed required day breaks the streak unless the person holds a freeze for
it (bought with points). With `weekday_only`, Saturdays and Sundays are never
required, so Friday -> Monday continues the streak; learning at a weekend
still counts as an active day.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import User
from portal.accounts.services import local_date as accounts_local_date
from portal.db import db, utcnow
from portal.events import publish
from portal.gamification import points
from portal.gamification.events import StreakExtended
from portal.gamification.streak_models import Streak

FREEZE_COST = 50
MAX_FREEZES = 2


class StreakError(ValueError):
    """A streak change that cannot be made; the message says why."""


def local_day(user: User, moment: datetime) -> date:
    """The calendar day `moment` falls on in the person's time zone."""
    return accounts_local_date(user, moment)


def _weekdays_before(day: date) -> int:
    # Monday-to-Friday days from a fixed Monday up to (not including) `day`.
    days = day.toordinal() - 1  # date(1, 1, 1) is a Monday
    weeks, rest = divmod(days, 7)
    return weeks * 5 + min(rest, 5)


def missed_days(last_day: date, day: date, weekday_only: bool) -> int:
    """The required days strictly between `last_day` and `day` (0 when `day` follows on)."""
    if day <= last_day:
        return 0
    if weekday_only:
        return _weekdays_before(day) - _weekdays_before(last_day) - (last_day.weekday() < 5)
    return (day - last_day).days - 1


def get_streak(user: User) -> Streak | None:
    """The person's streak row, or None before their first learning activity."""
    return db.session.get(Streak, user.id)


def _locked_streak(user: User) -> Streak:
    # Create the row if missing (one statement, safe under concurrency), then lock it so
    # that two activities or purchases of one person are applied one after the other.
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(Streak)
        .values(user_id=user.id, current=0, longest=0, freezes=0, weekday_only=False,
                updated_at=utcnow())
        .on_conflict_do_nothing()
    )  # fmt: skip
    return db.session.scalars(
        select(Streak)
        .where(Streak.user_id == user.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def record_activity(user: User, moment: datetime) -> Streak:
    """Count learning at `moment` towards the person's streak (flushes; the caller commits).

    The same day again changes nothing, as does an activity reported for an
    earlier day than the last one counted.
    """
    streak = _locked_streak(user)
    day = local_day(user, moment)
    if streak.last_day is None:
        streak.current = 1
    elif day <= streak.last_day:
        return streak
    else:
        missed = missed_days(streak.last_day, day, streak.weekday_only)
        if missed == 0:
            streak.current += 1
        elif streak.freezes >= missed:
            streak.freezes -= missed
            streak.current += 1
        else:
            streak.current = 1
    streak.last_day = day
    streak.longest = max(streak.longest, streak.current)
    db.session.flush()
    publish(StreakExtended(user.id, moment, streak.current))
    return streak


def streak_for(user: User, today: date | None = None) -> int:
    """The person's streak still alive on `today` (their local today by default); never writes.

    0 when the days missed since the last activity are more than the freezes held;
    today itself is not missed yet.
    """
    streak = get_streak(user)
    if streak is None or streak.last_day is None:
        return 0
    today = today or local_day(user, utcnow())
    if missed_days(streak.last_day, today, streak.weekday_only) > streak.freezes:
        return 0
    return streak.current


def buy_freeze(user: User) -> Streak:
    """Spend FREEZE_COST points on a streak freeze (flushes; the caller commits).

    Raises StreakError when the person already holds MAX_FREEZES or has too few points.
    """
    streak = _locked_streak(user)
    if streak.freezes >= MAX_FREEZES:
        raise StreakError(f"You already hold {MAX_FREEZES} streak freezes, the most you can.")
    spent = points.spend_points(
        user, "streak_freeze", "streak", FREEZE_COST, f"freeze:{user.id}:{uuid.uuid4().hex}"
    )
    if spent is None:
        raise StreakError(f"A streak freeze costs {FREEZE_COST} points; you have fewer.")
    streak.freezes += 1
    db.session.flush()
    return streak


def set_weekday_only(user: User, on: bool) -> Streak:
    """Choose whether weekends are required days of the person's streak (flushes)."""
    streak = _locked_streak(user)
    streak.weekday_only = on
    db.session.flush()
    return streak
