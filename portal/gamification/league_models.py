"""Weekly leagues: cohorts of about 30 people within a tier, and each person's week in one.

A league week is the ISO week in UTC ("2026-W48": Monday 00:00 UTC to the
next Monday 00:00 UTC). The rules live in `portal.gamification.leagues`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, UTCDateTime, utcnow


class LeagueCohort(Model):
    """One group of up to 30 people competing in one tier for one week.

    `number` counts the cohorts of a (week, tier, newcomer) kind, and is unique
    with them, so two people opening "the next cohort" at once open one.
    `size` is kept in step with the memberships by a conditional UPDATE, so a
    cohort never takes more than its seats. `closed_at` is set by the rollover.
    """

    __tablename__ = "league_cohorts"
    __table_args__ = (
        UniqueConstraint("week", "tier", "newcomer", "number"),
        Index("ix_league_cohorts_closed_at_week", "closed_at", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8))  # ISO week in UTC, "2026-W48"
    tier: Mapped[int] = mapped_column()  # 1 = the lowest
    newcomer: Mapped[bool] = mapped_column(Boolean, default=False)
    number: Mapped[int] = mapped_column()
    size: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LeagueMembership(Model):
    """A person's week in a cohort: their week XP, and after the rollover their result.

    One per person and week (unique), created when they first earn points in
    the week. `xp_reached_at` is when they reached their XP: of two people
    with the same XP, the one who got there first ranks higher. `rank`,
    `outcome` and `next_tier` (the tier they play in next) are written once,
    when the cohort closes.
    """

    __tablename__ = "league_memberships"
    __table_args__ = (
        UniqueConstraint("week", "user_id"),
        Index("ix_league_memberships_user_week", "user_id", "week"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    cohort_id: Mapped[int] = mapped_column(
        ForeignKey("league_cohorts.id", ondelete="CASCADE"), index=True
    )
    xp: Mapped[int] = mapped_column(default=0)
    xp_reached_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    rank: Mapped[int | None] = mapped_column()
    outcome: Mapped[str | None] = mapped_column(String(10))  # promoted, stayed, demoted
    next_tier: Mapped[int | None] = mapped_column()

    user: Mapped[User] = relationship()
    cohort: Mapped[LeagueCohort] = relationship()
