"""Daily roll-ups, segments, KPI goals and the insights settings.

The roll-up tables are derived: a job rebuilds any range of days from the
activity log, quiz attempts and bulletins (delete + insert in one
transaction), so they carry no foreign keys that a deletion could break and
keep their counts when a person's account is deleted. `team_id` 0 stands
for "no team".
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, Enum, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Team, User
from portal.db import Model, TimestampMixin, UTCDateTime

NO_TEAM = 0


class PersonDay(Model):
    """How often one person did one thing on one day (UTC), in the team they were in then.

    Metric "active" has value 1 for every day the person did anything
    countable, so participation over any range is a distinct count of
    people over this table. `week` (its Monday) and `month` (its first day)
    let charts group by either without date functions that differ between
    databases.
    """

    __tablename__ = "insights_person_days"
    __table_args__ = (
        Index("ix_insights_person_days_metric_day_user", "metric", "day", "user_id"),
        Index("ix_insights_person_days_day", "day"),
    )

    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True, default=NO_TEAM)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(default=0)


class PersonPeriod(Model):
    """On how many days of a week ("w") or month ("m") a person was active, or shared.

    Derived from `PersonDay` by the same job. People figures over long ranges
    count distinct people over whole weeks and months here, and only the
    days at the edges of a range over `PersonDay`: far fewer rows to scan.
    """

    __tablename__ = "insights_person_periods"

    kind: Mapped[str] = mapped_column(String(1), primary_key=True)  # "w" or "m"
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    days: Mapped[int] = mapped_column(default=0)


class TeamDay(Model):
    """One team's total of one metric on one day: what the company and team dashboards read."""

    __tablename__ = "insights_team_days"
    __table_args__ = (Index("ix_insights_team_days_team_metric_day", "team_id", "metric", "day"),)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    metric: Mapped[str] = mapped_column(String(40), primary_key=True)
    week: Mapped[date] = mapped_column(Date)
    month: Mapped[date] = mapped_column(Date)
    value: Mapped[int] = mapped_column(default=0)


class Segment(enum.StrEnum):
    """Where a person's recent behaviour puts them (recomputed nightly)."""

    CHAMPION = "champion"
    ENGAGED = "engaged"
    EMERGING = "emerging"
    NOT_ENGAGED = "not_engaged"

    @property
    def label(self) -> str:
        return {
            "champion": "Champions",
            "engaged": "Getting involved",
            "emerging": "Emerging",
            "not_engaged": "Not yet engaged",
        }[self.value]

    @property
    def description(self) -> str:
        return {
            "champion": "Share and take part often.",
            "engaged": "Active, sharing now and then.",
            "emerging": "Learning, but not sharing yet.",
            "not_engaged": "Nothing counted in the last 30 days.",
        }[self.value]


def _enum(enum_type: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(
        enum_type, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


class SegmentMember(Model):
    """A person's current segment, with the figures that put them there."""

    __tablename__ = "insights_segment_members"
    __table_args__ = (Index("ix_insights_segment_members_team_segment", "team_id", "segment"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(Integer, default=NO_TEAM)
    segment: Mapped[Segment] = mapped_column(_enum(Segment))
    shares: Mapped[int] = mapped_column(default=0)
    active_days: Mapped[int] = mapped_column(default=0)
    learning: Mapped[int] = mapped_column(default=0)
    computed_on: Mapped[date] = mapped_column(Date)

    user: Mapped[User] = relationship()


class SegmentDay(Model):
    """How many people of a team were in a segment on a day: the segments' trend."""

    __tablename__ = "insights_segment_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    segment: Mapped[Segment] = mapped_column(_enum(Segment), primary_key=True)
    people: Mapped[int] = mapped_column(default=0)


class GoalPeriod(enum.StrEnum):
    """How often a goal starts again: its progress counts from the start of the period."""

    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"

    @property
    def label(self) -> str:
        return {"week": "Each week", "month": "Each month", "quarter": "Each quarter"}[self.value]

    @property
    def noun(self) -> str:
        return {"week": "this week", "month": "this month", "quarter": "this quarter"}[self.value]


class Goal(TimestampMixin, Model):
    """A KPI target for the company (no team) or one team, for each week, month or quarter."""

    __tablename__ = "insights_goals"
    __table_args__ = (CheckConstraint("target > 0", name="target_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    metric: Mapped[str] = mapped_column(String(40))
    period: Mapped[GoalPeriod] = mapped_column(_enum(GoalPeriod, 8))
    target: Mapped[int] = mapped_column()
    team_id: Mapped[int | None] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    team: Mapped[Team | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class InsightsSettings(Model):
    """The one row of insights settings: the value of a click, the starter path, the last runs."""

    __tablename__ = "insights_settings"

    id: Mapped[int] = mapped_column(primary_key=True)  # always 1
    click_value_cents: Mapped[int] = mapped_column(default=100)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    starter_path_id: Mapped[int | None] = mapped_column(
        ForeignKey("learning_paths.id", ondelete="SET NULL")
    )
    rolled_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    segmented_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
