"""Events of the gamification domain (badges, challenges and notifications subscribe to them)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class PointsEarned(Event):
    """A ledger row was written for the person; `total` is their all-time total after it."""

    action: str
    points: int
    total: int


@dataclass(frozen=True)
class ActivityRecorded(Event):
    """A countable action (a metric such as "lessons_completed") was logged for the person."""

    metric: str
    subject: str
    team_id: int | None


@dataclass(frozen=True)
class StreakExtended(Event):
    """The person's learning streak reached `days` consecutive days."""

    days: int


@dataclass(frozen=True)
class LeagueWeekFinished(Event):
    """A league week closed for the person: their tier, final rank and what happened next."""

    week: str  # ISO week, "2026-W48"
    tier: int  # 1 = the lowest tier
    rank: int
    outcome: str  # "promoted", "stayed" or "demoted"


@dataclass(frozen=True)
class ChallengeWon(Event):
    """A challenge the person took part in reached its target."""

    challenge_id: int
    reward_badge_id: int | None


@dataclass(frozen=True)
class BadgeEarned(Event):
    """A badge was issued to the person."""

    badge_id: int
    assertion_id: int
