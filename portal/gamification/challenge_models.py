"""Team challenges: a target for one team, or a race between two, within dates.

A challenge belongs to the team that set it (`team_id`: its leaders manage
it); every team taking part, that one included, has a `ChallengeTeam` row
where its final count and result are written when the challenge is settled.
`settled_at` is the settlement marker: it is claimed by one atomic
`UPDATE ... WHERE settled_at IS NULL`, so the rewards are paid once however
often, or however concurrently, the settlement job runs.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Team, User
from portal.db import Model, TimestampMixin, UTCDateTime
from portal.gamification.badge_models import Badge


class Challenge(TimestampMixin, Model):
    """A metric, a target and a window [starts_at, ends_at) for one team or two; times in UTC."""

    __tablename__ = "challenges"
    __table_args__ = (Index("ix_challenges_ends_at", "ends_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown
    metric: Mapped[str] = mapped_column(String(40))  # an activity metric, or "points"
    target: Mapped[int] = mapped_column()
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The team that set it; with `versus`, a second team races it to the target.
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    versus: Mapped[bool] = mapped_column(Boolean, default=False)
    reward_points: Mapped[int] = mapped_column(default=0)
    # A "challenge" badge; the badges domain issues it when it hears of ChallengeWon.
    reward_badge_id: Mapped[int | None] = mapped_column(
        ForeignKey("badges.id", ondelete="SET NULL")
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    team: Mapped[Team] = relationship()
    created_by: Mapped[User | None] = relationship()
    reward_badge: Mapped[Badge | None] = relationship()
    sides: Mapped[list[ChallengeTeam]] = relationship(
        back_populates="challenge",
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ChallengeTeam.position",
    )

    @property
    def team_ids(self) -> list[int]:
        return [side.team_id for side in self.sides]

    @property
    def finished(self) -> bool:
        """Settled or cancelled: nothing about it changes any more."""
        return self.settled_at is not None or self.cancelled_at is not None


class ChallengeTeam(Model):
    """A team taking part in a challenge, and (once settled) its final count and result."""

    __tablename__ = "challenge_teams"
    __table_args__ = (Index("ix_challenge_teams_team_id", "team_id"),)

    challenge_id: Mapped[int] = mapped_column(
        ForeignKey("challenges.id", ondelete="CASCADE"), primary_key=True
    )
    team_id: Mapped[int] = mapped_column(
        ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(default=0)  # 0: the team that set it; 1: its opponent
    final_progress: Mapped[int | None] = mapped_column()
    won: Mapped[bool | None] = mapped_column(Boolean)

    challenge: Mapped[Challenge] = relationship(back_populates="sides")
    team: Mapped[Team] = relationship(lazy="joined")
