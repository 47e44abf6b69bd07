"""Potential reach: declared followers added up for a person, a team and the company.

The benchmark is the source's average (US) internet user: 200 Facebook friends
and 61 Twitter (X) followers, 261 people in all. A person's, or a team's
per-person, total is shown as a multiple of it ("3.2× the average").
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from portal.accounts.models import Team, User
from portal.db import db
from portal.profiles.models import BrandProfile
from portal.profiles.services import NETWORKS, potential_reach

# The source's average internet user, per network (no figure for LinkedIn).
AVERAGE_USER: dict[str, int] = {"facebook": 200, "x": 61}
AVERAGE_REACH = sum(AVERAGE_USER.values())  # 261


def times_average(total: float, average: int = AVERAGE_REACH) -> str | None:
    """A total as a multiple of the average: "3.2×", "12×" (None for nothing declared)."""
    if total <= 0 or average <= 0:
        return None
    ratio = total / average
    return f"{ratio:,.0f}×" if ratio >= 10 else f"{ratio:.1f}×"


@dataclass(frozen=True)
class Reach:
    """Declared followers per network for some people, and how many people that is."""

    by_network: dict[str, int]
    people: int  # active people counted
    declared: int  # of whom declared at least one count

    @property
    def total(self) -> int:
        return sum(self.by_network.values())

    @property
    def per_person(self) -> int:
        """The average person's total (0 for nobody)."""
        return round(self.total / self.people) if self.people else 0

    @property
    def per_person_vs_average(self) -> str | None:
        return times_average(self.total / self.people) if self.people else None


def reach_of(team_id: int | None = None) -> Reach:
    """One team's potential reach (or the company's, for None): two queries."""
    declared_any = or_(
        BrandProfile.followers_linkedin > 0,
        BrandProfile.followers_x > 0,
        BrandProfile.followers_facebook > 0,
    )
    query = (
        select(func.count(User.id), func.count(BrandProfile.user_id).filter(declared_any))
        .select_from(User)
        .outerjoin(BrandProfile, BrandProfile.user_id == User.id)
        .where(User.active.is_(True))
    )
    if team_id is not None:
        query = query.where(User.team_id == team_id)
    people, declared = db.session.execute(query).one()
    return Reach(potential_reach(team_id), int(people), int(declared))


@dataclass(frozen=True)
class ReachRow:
    """One line of a reach table: whose reach, how many people, and the multiple of the average."""

    label: str
    total: int
    vs_average: str | None


def person_reach(profile: BrandProfile) -> dict[str, int]:
    """A person's declared followers per network."""
    return {n: profile.followers_on(n) for n in NETWORKS}


def profile_reach_rows(profile: BrandProfile, team: Team | None, label: str) -> list[ReachRow]:
    """The person (as `label`), their team and the company, each with its total."""
    mine = sum(person_reach(profile).values())
    rows = [ReachRow(label, mine, times_average(mine))]
    if team is not None:
        rows.append(ReachRow(f"Team {team.name}", reach_of(team.id).total, None))
    rows.append(ReachRow("Company", reach_of().total, None))
    return rows


def network_vs_average(profile: BrandProfile) -> dict[str, str | None]:
    """Per network with a benchmark, the person's count as a multiple of the average user's."""
    return {n: times_average(profile.followers_on(n), avg) for n, avg in AVERAGE_USER.items()}
