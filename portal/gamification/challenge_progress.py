"""How far each team is in a challenge, what is left, and the lists people see.

Progress counts the activity log: a team's `ActivityEntry` rows for the
metric within [starts_at, ends_at), an entry belonging to the team the person
was in when they did it (moving team later does not move it). For "points"
the ledger records no team, so a team's progress is the positive points its
current members earned within the window: someone who moves team takes their
points of that window along. Once a challenge is settled its final counts are
frozen (`ChallengeTeam.final_progress`), so later moves change nothing.
Every count is one indexed query per team.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select

from portal.accounts.models import Role, User
from portal.db import db
from portal.gamification.challenge_models import Challenge, ChallengeTeam
from portal.gamification.challenges import POINTS, WON_ACTION, metric_label
from portal.gamification.models import ActivityEntry, PointAward

TOP_CONTRIBUTORS = 5


# --- progress --------------------------------------------------------------------------------


def team_progress(challenge: Challenge, team_id: int) -> int:
    """The team's count for the challenge's metric within its window: one indexed query."""
    if challenge.metric == POINTS:
        stmt = (
            select(func.coalesce(func.sum(PointAward.points), 0))
            .join(User, User.id == PointAward.user_id)
            .where(User.team_id == team_id, *_points_window(challenge))
        )
    else:
        stmt = select(func.count()).select_from(ActivityEntry).where(*_entries(challenge, team_id))
    return int(db.session.scalar(stmt) or 0)


def _entries(challenge: Challenge, team_id: int) -> list[Any]:
    return [
        ActivityEntry.metric == challenge.metric,
        ActivityEntry.team_id == team_id,
        ActivityEntry.occurred_at >= challenge.starts_at,
        ActivityEntry.occurred_at < challenge.ends_at,
    ]


def _points_window(challenge: Challenge) -> list[Any]:
    # Points earned (positive rows; purchases are negative), but not other challenges' rewards.
    return [
        PointAward.points > 0,
        PointAward.action != WON_ACTION,
        PointAward.awarded_at >= challenge.starts_at,
        PointAward.awarded_at < challenge.ends_at,
    ]


@dataclass(frozen=True)
class Standing:
    """One team's progress towards the target (final once settled)."""

    team_id: int
    team_name: str
    value: int
    target: int
    won: bool | None = None

    @property
    def reached(self) -> bool:
        return self.value >= self.target

    @property
    def percent(self) -> int:
        return min(100, 100 * self.value // self.target) if self.target else 0

    @property
    def bar_step(self) -> int:
        """The percent rounded down to the 5 % steps the progress bar's classes come in."""
        return self.percent // 5 * 5


def standings(challenge: Challenge) -> list[Standing]:
    """Each team's progress: frozen once settled, else counted now (one query per team)."""
    return [
        Standing(
            side.team_id,
            side.team.name,
            side.final_progress
            if side.final_progress is not None
            else team_progress(challenge, side.team_id),
            challenge.target,
            side.won,
        )
        for side in challenge.sides
    ]


@dataclass(frozen=True)
class Contributor:
    name: str
    value: int
    is_viewer: bool


def top_contributors(
    challenge: Challenge, team_id: int, viewer: User, limit: int = TOP_CONTRIBUTORS
) -> list[Contributor]:
    """Who in the team counted most so far, named as boards name them (hidden people: Anonymous)."""
    if challenge.metric == POINTS:
        amount: Any = func.sum(PointAward.points)
        stmt: Select[Any] = (
            select(PointAward.user_id, amount)
            .join(User, User.id == PointAward.user_id)
            .where(User.team_id == team_id, *_points_window(challenge))
        )
        who: Any = PointAward.user_id
    else:
        amount = func.count()
        stmt = select(ActivityEntry.user_id, amount).where(*_entries(challenge, team_id))
        who = ActivityEntry.user_id
    rows: list[Any] = list(
        db.session.execute(stmt.group_by(who).order_by(amount.desc(), who).limit(limit))
    )
    people = {
        u.id: u for u in db.session.scalars(select(User).where(User.id.in_([r[0] for r in rows])))
    }
    return [
        Contributor(people[user_id].public_name(viewer), int(value), user_id == viewer.id)
        for user_id, value in rows
        if user_id in people
    ]


def state(challenge: Challenge, now: datetime) -> str:
    """Where it is: cancelled, settled, upcoming, active, or ending (over, being counted)."""
    if challenge.cancelled_at is not None:
        return "cancelled"
    if challenge.settled_at is not None:
        return "settled"
    if now < challenge.starts_at:
        return "upcoming"
    return "active" if now < challenge.ends_at else "ending"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, name: str) -> str:
        return f"{n} {name}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


def time_left(challenge: Challenge, now: datetime) -> str:
    """What is left, in words: "3 days 4 hours left", "Starts in 2 days", "Finished"..."""
    current = state(challenge, now)
    if current == "upcoming":
        return f"Starts in {_span(challenge.starts_at - now)}"
    if current == "active":
        return f"{_span(challenge.ends_at - now)} left"
    if current == "settled":
        return "Finished"
    return "Cancelled" if current == "cancelled" else "Ended"


def progress_digest(*parts: object) -> str:
    """A short fingerprint of what the progress fragment shows (unchanged: the poll gets 204)."""
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


# --- lists -----------------------------------------------------------------------------------


@dataclass
class ChallengeCard:
    """A challenge as lists show it."""

    challenge: Challenge
    state: str
    time_left: str
    metric: str
    standings: list[Standing] = field(default_factory=list)


@dataclass
class ChallengeListing:
    active: list[ChallengeCard]
    upcoming: list[ChallengeCard]
    finished: list[ChallengeCard]


def _visible_to(viewer: User, stmt: Select[Any]) -> Select[Any] | None:
    if viewer.role == Role.ADMIN:
        return stmt
    if viewer.team_id is None:
        return None
    takes_part = select(ChallengeTeam.challenge_id).where(ChallengeTeam.team_id == viewer.team_id)
    return stmt.where(Challenge.id.in_(takes_part))


def _cards(challenges: Sequence[Challenge], now: datetime) -> list[ChallengeCard]:
    cards = []
    for challenge in challenges:
        current = state(challenge, now)
        shown = standings(challenge) if current in ("active", "ending", "settled") else []
        cards.append(
            ChallengeCard(
                challenge, current, time_left(challenge, now), metric_label(challenge.metric), shown
            )
        )
    return cards


def list_challenges(viewer: User, now: datetime, finished_limit: int = 20) -> ChallengeListing:
    """The viewer's team's challenges (all, for admins): running, upcoming, latest finished."""
    open_stmt = _visible_to(
        viewer,
        select(Challenge)
        .where(Challenge.settled_at.is_(None), Challenge.cancelled_at.is_(None))
        .order_by(Challenge.ends_at, Challenge.id),
    )
    done_stmt = _visible_to(
        viewer,
        select(Challenge)
        .where(or_(Challenge.settled_at.is_not(None), Challenge.cancelled_at.is_not(None)))
        .order_by(Challenge.ends_at.desc(), Challenge.id.desc())
        .limit(finished_limit),
    )
    if open_stmt is None or done_stmt is None:
        return ChallengeListing([], [], [])
    open_ones = list(db.session.scalars(open_stmt))
    return ChallengeListing(
        active=_cards([c for c in open_ones if c.starts_at <= now], now),
        upcoming=_cards([c for c in open_ones if c.starts_at > now], now),
        finished=_cards(list(db.session.scalars(done_stmt)), now),
    )


def team_challenges_summary(viewer: User, now: datetime, limit: int = 3) -> list[ChallengeCard]:
    """The viewer's own team's running challenges, soonest end first (for the home page)."""
    if viewer.team_id is None:
        return []
    takes_part = select(ChallengeTeam.challenge_id).where(ChallengeTeam.team_id == viewer.team_id)
    running = db.session.scalars(
        select(Challenge)
        .where(
            Challenge.id.in_(takes_part),
            Challenge.settled_at.is_(None),
            Challenge.cancelled_at.is_(None),
            Challenge.starts_at <= now,
            Challenge.ends_at > now,
        )
        .order_by(Challenge.ends_at, Challenge.id)
        .limit(limit)
    )
    return _cards(list(running), now)
