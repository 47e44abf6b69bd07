"""Points: the rules that pay them, the append-only ledger, and totals derived from it."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, UTCDateTime, utcnow


class PointRule(Model):
    """How many points an action pays, at most how often per day, and how soon again."""

    __tablename__ = "point_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(120))
    points: Mapped[int] = mapped_column(default=0)
    daily_cap: Mapped[int | None] = mapped_column()  # awards per person per day; None: no cap
    cooldown_seconds: Mapped[int] = mapped_column(default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PointAward(Model):
    """One row of the ledger: the truth from which every total and leaderboard is derived.

    `key` is unique: the same event can never pay twice, however often it is reported.
    """

    __tablename__ = "point_awards"
    __table_args__ = (
        Index("ix_point_awards_user_action_day", "user_id", "action", "day"),
        Index("ix_point_awards_user_awarded_at", "user_id", "awarded_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80), default="")
    points: Mapped[int] = mapped_column()
    day: Mapped[date] = mapped_column(Date)  # in the person's own time zone, for daily caps
    awarded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)  # admin adjustments must give one
    awarded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    awarded_by: Mapped[User | None] = relationship(foreign_keys=[awarded_by_id])


class PointTotal(Model):
    """A person's points in one period ("all", "w2026-48", "m2026-11"), kept up to date on award."""

    __tablename__ = "point_totals"
    __table_args__ = (Index("ix_point_totals_period_points", "period", "points"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    period: Mapped[str] = mapped_column(String(12), primary_key=True)
    points: Mapped[int] = mapped_column(default=0)


class ActivityEntry(Model):
    """One countable action by a person (a lesson completed, a share, an idea), logged once.

    Badges count a person's entries per metric; challenges count a team's
    entries per metric within their dates. `team_id` is the person's team at
    the time, so moving team later does not rewrite a finished challenge.
    """

    __tablename__ = "activity_entries"
    __table_args__ = (
        Index("ix_activity_entries_user_metric", "user_id", "metric"),
        Index("ix_activity_entries_metric_team_at", "metric", "team_id", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="SET NULL"))
    metric: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80), default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LeaderboardSnapshot(Model):
    """A finished period's final standings, frozen when the period ends.

    Later adjustments or people leaving do not rewrite a past board. Names are
    not copied: the page shows each person as they ask to be shown today.
    """

    __tablename__ = "leaderboard_snapshots"
    __table_args__ = (
        UniqueConstraint("period", "scope", "subject_id"),
        Index("ix_leaderboard_snapshots_period_scope_rank", "period", "scope", "rank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(12))
    scope: Mapped[str] = mapped_column(String(8))  # "people" or "teams"
    subject_id: Mapped[int] = mapped_column()  # a user id or a team id
    rank: Mapped[int] = mapped_column()
    points: Mapped[int] = mapped_column()
    score: Mapped[float | None] = mapped_column(Float)  # teams: points per active member
    members: Mapped[int | None] = mapped_column()
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
