"""Leaderboards: Redis sorted sets kept in step after each commit, SQL totals when Redis is down.

The ledger is the truth; `point_totals` is kept in step in the same transaction
as each award, and the sorted sets are a fast copy of it, updated after commit
and rebuilt by a job: nightly, and through the outbox as soon as Redis is back
after an award could not reach it. A page never ranks from the ledger itself.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import redis
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.db import db, run_after_commit
from portal.gamification.models import PointAward, PointTotal
from portal.queue import enqueue_once, get_redis

log = logging.getLogger(__name__)

KEY = "beacon:leaderboard:{period}"
REBUILD_JOB = "jobs.gamification.rebuild_leaderboards"
PERIOD_TTL_SECONDS = 120 * 24 * 3600  # weeks and months stay around for a season


def key(period: str) -> str:
    """The Redis key of a period's sorted set."""
    return KEY.format(period=period)


def update_after_commit(user_id: int, points: int, moment: datetime, total: int = 0) -> None:
    """Add `points` to the person's score in every period of `moment`, once the award commits.

    `total` is the person's all-time points with this award. When Redis cannot be
    reached, or has come back empty (no all-time board although this person or
    someone else had points before), the sorted sets are rebuilt from the ledger
    through the outbox:
    a board holding only the people who earned since the restart must not wait
    for the nightly rebuild.
    """
    from portal.gamification.points import periods

    def push() -> None:
        try:
            pipe = get_redis().pipeline()
            pipe.exists(key("all"))
            for period in periods(moment):
                pipe.zincrby(key(period), points, str(user_id))
                if period != "all":
                    pipe.expire(key(period), PERIOD_TTL_SECONDS)
            had_board = pipe.execute()[0]
        except redis.RedisError as exc:
            log.warning("leaderboard not updated (Redis unavailable): %s", exc)
            enqueue_once(REBUILD_JOB)
            return
        if not had_board and (total > points or _others_earned_before(user_id, moment)):
            log.warning("leaderboards missing from Redis (restarted empty?): rebuilding them")
            enqueue_once(REBUILD_JOB)

    run_after_commit(push)


def _others_earned_before(user_id: int, moment: datetime) -> bool:
    """Whether anyone but `user_id` earned points before `moment` (the board should not be empty).

    Awards of the same transaction share its moment and are not counted: their
    own after-commit updates (run next) put them on the board. Asked only when
    the all-time board is missing, which is rare; on a connection of its own,
    since the award's transaction has just committed.
    """
    query = (
        select(PointAward.id)
        .where(
            PointAward.user_id != user_id,
            PointAward.points > 0,
            PointAward.awarded_at < moment,
        )
        .limit(1)
    )
    with db.engine.connect() as conn:
        return conn.execute(query).first() is not None


@dataclass
class Standing:
    """A person's place on a board."""

    user_id: int
    points: int
    rank: int


def top(period: str, count: int = 20) -> list[Standing]:
    """The best `count` people of a period, from Redis, or from SQL when Redis is down."""
    try:
        rows = cast(
            list[tuple[bytes, float]],
            get_redis().zrevrange(key(period), 0, count - 1, withscores=True),
        )
        if rows or get_redis().exists(key(period)):
            return [Standing(int(m), int(s), i + 1) for i, (m, s) in enumerate(rows)]
    except redis.RedisError as exc:
        log.warning("leaderboard from SQL (Redis unavailable): %s", exc)
    result = db.session.execute(
        select(PointTotal.user_id, PointTotal.points)
        .where(PointTotal.period == period, PointTotal.points > 0)
        .order_by(PointTotal.points.desc(), PointTotal.user_id)
        .limit(count)
    ).all()
    return [Standing(user_id, points, i + 1) for i, (user_id, points) in enumerate(result)]


def standing(user_id: int, period: str) -> Standing | None:
    """One person's rank in a period (None with no points), from Redis or SQL."""
    try:
        score = cast(float | None, get_redis().zscore(key(period), str(user_id)))
        if score is not None:
            higher = cast(int, get_redis().zcount(key(period), f"({score}", "+inf"))
            return Standing(user_id, int(score), higher + 1)
    except redis.RedisError as exc:
        log.warning("rank from SQL (Redis unavailable): %s", exc)
    points = db.session.scalar(
        select(PointTotal.points).where(PointTotal.user_id == user_id, PointTotal.period == period)
    )
    if not points:
        return None
    above = db.session.scalar(
        select(func.count())
        .select_from(PointTotal)
        .where(PointTotal.period == period, PointTotal.points > points)
    )
    return Standing(user_id, points, (above or 0) + 1)


def around(user_id: int, period: str, above: int = 2, below: int = 2) -> list[Standing]:
    """The person and their neighbours (`above` ahead, `below` behind), from Redis or SQL.

    Empty when the person has no points in the period. Ranks are positions on
    the board, as in `top`.
    """
    try:
        client = get_redis()
        position = cast(int | None, client.zrevrank(key(period), str(user_id)))
        if position is not None:
            start = max(position - above, 0)
            rows = cast(
                list[tuple[bytes, float]],
                client.zrevrange(key(period), start, position + below, withscores=True),
            )
            return [Standing(int(m), int(s), start + i + 1) for i, (m, s) in enumerate(rows)]
    except redis.RedisError as exc:
        log.warning("neighbours from SQL (Redis unavailable): %s", exc)
    points = db.session.scalar(
        select(PointTotal.points).where(PointTotal.user_id == user_id, PointTotal.period == period)
    )
    if not points:
        return []
    # The same order as `top` from SQL: points, then user id.
    ahead = (
        db.session.scalar(
            select(func.count())
            .select_from(PointTotal)
            .where(
                PointTotal.period == period,
                (PointTotal.points > points)
                | ((PointTotal.points == points) & (PointTotal.user_id < user_id)),
            )
        )
        or 0
    )
    start = max(ahead - above, 0)
    result = db.session.execute(
        select(PointTotal.user_id, PointTotal.points)
        .where(PointTotal.period == period, PointTotal.points > 0)
        .order_by(PointTotal.points.desc(), PointTotal.user_id)
        .offset(start)
        .limit(ahead - start + 1 + below)
    ).all()
    return [Standing(uid, pts, start + i + 1) for i, (uid, pts) in enumerate(result)]


def inactive_ahead(points: list[int], period: str) -> list[int]:
    """For each of `points`, how many deactivated people have more in a period (to correct ranks).

    One query for all of a viewer's neighbours: a count per neighbour scanned the
    people ahead five times over (about 60 ms each at 100,000 people).
    """
    if not points:
        return []
    above = list(
        db.session.scalars(
            select(PointTotal.points)
            .join(User, User.id == PointTotal.user_id)
            .where(
                PointTotal.period == period,
                PointTotal.points > min(points),
                User.active.is_(False),
            )
        )
    )
    return [sum(1 for theirs in above if theirs > mine) for mine in points]


@dataclass
class TeamScore:
    """A team's points in a period, per active member, and its place."""

    team_id: int
    name: str
    members: int
    points: int
    score: float
    rank: int


def team_scores(period: str, count: int = 20) -> list[TeamScore]:
    """Teams by points per active member in a period: one GROUP BY over `point_totals`.

    Only active members count, for the points and for the head count, so a
    small team can beat a big one.
    """
    from sqlalchemy import Float
    from sqlalchemy import cast as sql_cast

    from portal.accounts.models import Team

    members = (
        select(User.team_id.label("team_id"), func.count().label("members"))
        .where(User.active.is_(True), User.team_id.is_not(None))
        .group_by(User.team_id)
        .subquery()
    )
    earned = (
        select(User.team_id.label("team_id"), func.sum(PointTotal.points).label("points"))
        .join(User, User.id == PointTotal.user_id)
        .where(PointTotal.period == period, User.active.is_(True), User.team_id.is_not(None))
        .group_by(User.team_id)
        .subquery()
    )
    score = sql_cast(earned.c.points, Float) / members.c.members
    rows = db.session.execute(
        select(Team.id, Team.name, members.c.members, earned.c.points, score)
        .join(members, members.c.team_id == Team.id)
        .join(earned, earned.c.team_id == Team.id)
        .where(earned.c.points > 0)
        .order_by(score.desc(), Team.name)
        .limit(count)
    ).all()
    return [
        TeamScore(row[0], str(row[1]), int(row[2]), int(row[3]), float(row[4]), i + 1)
        for i, row in enumerate(rows)
    ]


@dataclass
class BoardRow:
    """A line of the people board: rank among active people, the person, their points."""

    rank: int
    user: User
    points: int


@dataclass
class PeopleBoard:
    """The top of a period's board and, when the viewer is not in it, their neighbourhood."""

    top: list[BoardRow]
    me: BoardRow | None
    neighbours: list[BoardRow]

    @property
    def viewer_in_top(self) -> bool:
        return self.me is not None and any(row.user.id == self.me.user.id for row in self.top)


def _active_people(ids: list[int]) -> dict[int, User]:
    from sqlalchemy.orm import selectinload

    if not ids:
        return {}
    found = db.session.scalars(
        select(User).where(User.id.in_(ids), User.active.is_(True)).options(selectinload(User.team))
    )
    return {user.id: user for user in found}


def _ranks_among_active(entries: list[Standing], period: str) -> list[int]:
    ranks = []
    for entry, inactive in zip(
        entries, inactive_ahead([e.points for e in entries], period), strict=True
    ):
        ranked = standing(entry.user_id, period)
        ranks.append((ranked.rank if ranked is not None else entry.rank) - inactive)
    return ranks


def people_board(viewer: User, period: str, count: int = 20) -> PeopleBoard:
    """The best `count` active people of a period, and the viewer's own place and neighbours.

    Deactivated people are left out and do not take a rank. Works from Redis,
    or from the SQL totals when Redis is down.
    """
    fetch = count + 10
    while True:
        entries = top(period, fetch)
        people = _active_people([e.user_id for e in entries])
        kept = [e for e in entries if e.user_id in people]
        if len(kept) >= count or len(entries) < fetch or fetch >= count * 16:
            break
        fetch *= 2
    kept = kept[:count]
    rows: list[BoardRow] = []
    for i, entry in enumerate(kept):
        # Ties share a rank: 1 + how many active people have more points.
        rank = rows[-1].rank if rows and rows[-1].points == entry.points else i + 1
        rows.append(BoardRow(rank, people[entry.user_id], entry.points))
    me = next((row for row in rows if row.user.id == viewer.id), None)
    neighbours: list[BoardRow] = []
    if me is None and viewer.active:
        nearby = around(viewer.id, period)
        people = _active_people([e.user_id for e in nearby])
        active = [e for e in nearby if e.user_id in people]
        for entry, rank in zip(active, _ranks_among_active(active, period), strict=True):
            row = BoardRow(rank, people[entry.user_id], entry.points)
            neighbours.append(row)
            if entry.user_id == viewer.id:
                me = row
    return PeopleBoard(rows, me, neighbours)
