"""People and league weeks for league tests (committed, so threads and the worker see them)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from portal.accounts.models import Role, User
from portal.db import db
from portal.gamification import leagues
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.league_rules import week_end, week_start

WEEK = "2026-W10"  # Monday 2 March 2026 to Monday 9 March 2026, UTC
MID = week_start(WEEK) + timedelta(days=2, hours=12)
AFTER = week_end(WEEK) + timedelta(minutes=10)  # when the rollover runs
NEXT = AFTER + timedelta(hours=2)  # in the week after
LONG_AGO = date(2025, 1, 6)


def crowd(count: int, joined_on: date = LONG_AGO, prefix: str = "p") -> list[User]:
    """`count` people without passwords (fast), committed."""
    people = [
        User(
            email=f"{prefix}{i}@example.com",
            display_name=f"{prefix.upper()} Person {i}",
            password_hash=None,
            role=Role.EMPLOYEE,
            timezone="UTC",
            joined_on=joined_on,
        )
        for i in range(count)
    ]
    db.session.add_all(people)
    db.session.commit()
    return people


def play(user: User, xp: int, at: datetime = MID) -> LeagueMembership:
    """Earn `xp` league XP at `at`, as if `at` were now."""
    member = leagues.add_league_xp(user, xp, at, now=at)
    assert member is not None
    return member


def seat(user: User, tier: int, week: str = "2026-W09") -> None:
    """Give the person a finished league in `week` that sent them to `tier`."""
    ended = week_end(week)
    cohort = LeagueCohort(
        week=week, tier=tier, newcomer=False, number=1000 + user.id, size=1, closed_at=ended
    )
    db.session.add(cohort)
    db.session.flush()
    db.session.add(
        LeagueMembership(
            week=week, user_id=user.id, cohort_id=cohort.id, xp=1, rank=1,
            outcome="stayed", next_tier=tier, xp_reached_at=ended - timedelta(days=1),
            joined_at=ended - timedelta(days=1),
        )
    )  # fmt: skip
    db.session.flush()


def at_hour(hours: float, week: str = WEEK) -> datetime:
    """A moment `hours` after the start of `week`."""
    return week_start(week) + timedelta(hours=hours)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
