"""Past leaderboards: each finished week and month frozen as it ended.

A job (`jobs.gamification.snapshot_leaderboards`, daily) takes the snapshot of
the week and the month that just ended from the SQL totals, once: a period
already snapshotted is left alone, so running it twice changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal.accounts.models import Team, User
from portal.db import db, insert_ignore
from portal.gamification import leaderboard
from portal.gamification.models import LeaderboardSnapshot, PointTotal
from portal.gamification.points import periods

PEOPLE_KEPT = 100  # places kept per finished period
TEAMS_KEPT = 50
PERIOD_KEY = re.compile(r"^(w\d{4}-(0[1-9]|[1-4]\d|5[0-3])|m\d{4}-(0[1-9]|1[0-2]))$")


def finished_periods(now: datetime, weeks: int = 4, months: int = 2) -> list[str]:
    """The last few weeks and months that ended before `now` (UTC), most recent first.

    More than one of each, so a day the scheduler was down is caught up the next day.
    """
    found = [periods(now - timedelta(days=7 * n))[1] for n in range(1, weeks + 1)]
    month_start = now.replace(day=1)
    for _ in range(months):
        month_start = (month_start - timedelta(days=1)).replace(day=1)
        found.append(periods(month_start)[2])
    return found


def is_snapshotted(period: str) -> bool:
    return (
        db.session.scalar(
            select(LeaderboardSnapshot.id).where(LeaderboardSnapshot.period == period).limit(1)
        )
        is not None
    )


def take_snapshot(period: str) -> int:
    """Freeze a finished period's top people and teams (flushes); return rows written.

    Only active people are kept and ties share a rank, as on the live board.
    A period that already has a snapshot is left as it is.
    """
    if is_snapshotted(period):
        return 0
    rows = db.session.execute(
        select(PointTotal.user_id, PointTotal.points)
        .join(User, User.id == PointTotal.user_id)
        .where(PointTotal.period == period, PointTotal.points > 0, User.active.is_(True))
        .order_by(PointTotal.points.desc(), PointTotal.user_id)
        .limit(PEOPLE_KEPT)
    ).all()
    written = 0
    rank, previous = 0, None
    for position, (user_id, points) in enumerate(rows, start=1):
        rank = rank if points == previous else position
        previous = points
        values = dict(period=period, scope="people", subject_id=user_id, rank=rank, points=points)
        written += insert_ignore(LeaderboardSnapshot, **values) is not None
    for team in leaderboard.team_scores(period, TEAMS_KEPT):
        values = dict(
            period=period, scope="teams", subject_id=team.team_id, rank=team.rank,
            points=team.points, score=team.score, members=team.members,
        )  # fmt: skip
        written += insert_ignore(LeaderboardSnapshot, **values) is not None
    return written


def past_periods(limit: int = 24) -> list[str]:
    """Periods with a snapshot, newest first (weeks and months)."""
    found = db.session.scalars(
        select(LeaderboardSnapshot.period)
        .group_by(LeaderboardSnapshot.period)
        .order_by(func.max(LeaderboardSnapshot.taken_at).desc(), LeaderboardSnapshot.period.desc())
        .limit(limit)
    )
    return list(found)


def period_label(period: str) -> str:
    """ "w2026-47" -> "Week 47, 2026 (16–22 Nov)"; "m2026-11" -> "November 2026"."""
    year = int(period[1:5])
    number = int(period[6:8])
    if period.startswith("m"):
        return date(year, number, 1).strftime("%B %Y")
    monday = date.fromisocalendar(year, number, 1)
    sunday = monday + timedelta(days=6)
    span = (
        f"{monday.day}–{sunday.day} {sunday:%b}"
        if monday.month == sunday.month
        else f"{monday.day} {monday:%b} – {sunday.day} {sunday:%b}"
    )
    return f"Week {number}, {year} ({span})"


@dataclass
class PastPerson:
    rank: int
    user: User
    points: int


@dataclass
class PastTeam:
    rank: int
    name: str
    points: int
    score: float
    members: int
    team_id: int


def past_people(period: str) -> list[PastPerson]:
    """A snapshot's people, in rank order (people since deleted are left out)."""
    rows = db.session.execute(
        select(LeaderboardSnapshot, User)
        .join(User, User.id == LeaderboardSnapshot.subject_id)
        .where(LeaderboardSnapshot.period == period, LeaderboardSnapshot.scope == "people")
        .order_by(LeaderboardSnapshot.rank, LeaderboardSnapshot.subject_id)
    ).all()
    return [PastPerson(snap.rank, user, snap.points) for snap, user in rows]


def past_teams(period: str) -> list[PastTeam]:
    """A snapshot's teams, in rank order."""
    rows = db.session.execute(
        select(LeaderboardSnapshot, Team.name)
        .join(Team, Team.id == LeaderboardSnapshot.subject_id)
        .where(LeaderboardSnapshot.period == period, LeaderboardSnapshot.scope == "teams")
        .order_by(LeaderboardSnapshot.rank, Team.name)
    ).all()
    return [
        PastTeam(
            snap.rank, str(name), snap.points, snap.score or 0.0, snap.members or 0, snap.subject_id
        )
        for snap, name in rows
    ]
