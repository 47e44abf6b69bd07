"""What the leagues page shows: the viewer's cohort this week, their last result, their tier.

Only names (as `public_name` shows them to the viewer) and week XP of other
members leave this module: no ids, addresses or teams.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification.league_models import LeagueMembership
from portal.gamification.league_rules import (
    TOP_TIER,
    Result,
    Tier,
    tier,
    week_end,
    week_of,
    zone,
    zone_sizes,
)
from portal.gamification.leagues import latest_before, membership, result_of, tier_for_week


@dataclass(frozen=True)
class StandingRow:
    """A line of a cohort's table: only what other members may see (name, XP, place)."""

    rank: int
    name: str
    initials: str
    xp: int
    zone: str | None
    is_viewer: bool


@dataclass(frozen=True)
class Standings:
    """The viewer's cohort this week, ranked, with its zones and when the week ends."""

    week: str
    tier: Tier
    newcomer: bool
    rows: list[StandingRow]
    promote: int
    demote: int
    ends_at: datetime

    @property
    def me(self) -> StandingRow | None:
        return next((row for row in self.rows if row.is_viewer), None)


def standings(viewer: User, now: datetime | None = None) -> Standings | None:
    """The viewer's cohort this week (None if they have not joined this week's league).

    People who hide from boards show as "Anonymous" to everyone but themselves.
    """
    now = now or utcnow()
    week = week_of(now)
    mine = membership(viewer.id, week)
    if mine is None:
        return None
    cohort = mine.cohort
    rows = db.session.execute(
        select(LeagueMembership.xp, User)
        .join(User, User.id == LeagueMembership.user_id)
        .where(LeagueMembership.cohort_id == cohort.id)
        .order_by(LeagueMembership.xp.desc(), LeagueMembership.xp_reached_at, LeagueMembership.id)
    ).all()
    size = len(rows)
    table = []
    for rank, (xp, person) in enumerate(rows, start=1):
        hidden = person.hide_from_boards and person.id != viewer.id
        table.append(
            StandingRow(
                rank, person.public_name(viewer), "?" if hidden else person.initials, int(xp),
                zone(cohort.tier, rank, size), person.id == viewer.id,
            )
        )  # fmt: skip
    up, down = zone_sizes(size)
    return Standings(
        week, tier(cohort.tier), cohort.newcomer, table,
        up if cohort.tier < TOP_TIER else 0, down if cohort.tier > 1 else 0, week_end(week),
    )  # fmt: skip


@dataclass(frozen=True)
class LastLeague:
    """How the viewer's most recent finished league went."""

    week: str
    played: Tier
    result: Result

    @property
    def next_tier(self) -> Tier:
        return tier(self.result.next_tier)


def last_league(viewer: User, now: datetime | None = None) -> LastLeague | None:
    """The viewer's latest league before this week and its result (None if they never played)."""
    now = now or utcnow()
    last = latest_before(viewer.id, week_of(now))
    if last is None:
        return None
    result = result_of(last, now)
    if result is None:
        return None
    return LastLeague(last.week, tier(last.cohort.tier), result)


def starting_tier(viewer: User, now: datetime | None = None) -> Tier:
    """The tier the viewer would join this week's league in."""
    return tier(tier_for_week(viewer, week_of(now or utcnow()))[0])
