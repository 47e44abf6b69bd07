"""Jobs of the gamification domain: rebuilding totals and leaderboards from the ledger."""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import UTC, date, datetime
from itertools import islice
from typing import Any, cast

import redis
from sqlalchemy import delete, func, insert, select, text

from portal.db import db
from portal.gamification import leaderboard
from portal.gamification.models import PointAward, PointTotal
from portal.gamification.points import SPEND_ACTIONS, SPENT, periods
from portal.queue import get_redis

log = logging.getLogger(__name__)

ZADD_CHUNK = 10_000
CHUNK = 10_000  # ledger groups fetched, and totals inserted, at a time


def _utc_day() -> Any:
    """The SQL expression of an award's day in UTC (not the person's `day` column)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", PointAward.awarded_at))
    return func.date(PointAward.awarded_at)  # SQLite stores UTC text: "YYYY-MM-DD HH:MM:SS..."


def _totals_from_ledger() -> dict[tuple[int, str], int]:
    """(user, period) -> points, from the ledger grouped by person and UTC day.

    Purchases (SPEND_ACTIONS) go to the "spent" total only, as when they were made.
    """
    day = _utc_day()
    spend = PointAward.action.in_(SPEND_ACTIONS)
    spent = db.session.execute(
        select(PointAward.user_id, func.sum(PointAward.points))
        .where(spend)
        .group_by(PointAward.user_id)
    )
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for buyer, amount in spent:
        totals[(cast(int, buyer), SPENT)] = -cast(int, amount)
    # Streamed (a server-side cursor on PostgreSQL): a person-day per row, 1.5 million rows
    # for 2 million awards, which held at once took more memory than the totals themselves.
    rows = db.session.execute(
        select(PointAward.user_id, day, func.sum(PointAward.points))
        .where(~spend)
        .group_by(PointAward.user_id, day)
        .execution_options(yield_per=CHUNK)
    )
    periods_of: dict[date, list[str]] = {}
    for user_id, value, points in rows:
        on = value if isinstance(value, date) else date.fromisoformat(str(value))
        if on not in periods_of:
            periods_of[on] = periods(datetime(on.year, on.month, on.day, tzinfo=UTC))
        for period in periods_of[on]:
            totals[(cast(int, user_id), period)] += cast(int, points)
    return totals


def _lock_totals() -> None:
    # Awards upsert point_totals: make them wait until the new totals are in, so
    # none is counted twice or lost. SQLite already runs one writer at a time.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("LOCK TABLE point_totals IN EXCLUSIVE MODE"))


def _rewrite_redis(totals: dict[tuple[int, str], int]) -> bool:
    """Replace every leaderboard sorted set with the totals; False if Redis is down."""
    by_period: dict[str, dict[str, int]] = defaultdict(dict)
    for (user_id, period), points in totals.items():
        if period != SPENT:
            by_period[period][str(user_id)] = points
    try:
        client = get_redis()
        stale = {
            k.decode() if isinstance(k, bytes) else str(k)
            for k in client.scan_iter(match=leaderboard.key("*"), count=1000)
        } - {leaderboard.key(p) for p in by_period}
        if stale:
            client.delete(*stale)
        for period, scores in by_period.items():
            pipe = client.pipeline(transaction=True)
            pipe.delete(leaderboard.key(period))
            members = list(scores.items())
            for start in range(0, len(members), ZADD_CHUNK):
                pipe.zadd(leaderboard.key(period), dict(members[start : start + ZADD_CHUNK]))
            if period != "all":
                pipe.expire(leaderboard.key(period), leaderboard.PERIOD_TTL_SECONDS)
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("leaderboards not rewritten (Redis unavailable): %s", exc)
        return False
    return True


def rebuild_leaderboards() -> dict[str, int]:
    """Recompute `point_totals` from the ledger in one transaction, then rewrite Redis.

    Idempotent: a second run writes the same rows and sets. Redis being down is
    logged and skipped (the SQL totals are still rebuilt). Returns counts.
    """
    _lock_totals()
    totals = _totals_from_ledger()
    db.session.execute(delete(PointTotal))
    # In chunks: one list of parameters for every total (700,000 for 100,000 people) cost
    # several times the memory of the totals.
    items = iter(totals.items())
    while chunk := [
        {"user_id": u, "period": p, "points": pts} for (u, p), pts in islice(items, CHUNK)
    ]:
        db.session.execute(insert(PointTotal), chunk)
    db.session.commit()
    rewritten = _rewrite_redis(totals)
    counts = {
        "totals": len(totals),
        "people": len({user_id for user_id, _ in totals}),
        "periods": len({period for _, period in totals if period != SPENT}),
        "redis": int(rewritten),
    }
    log.info("leaderboards rebuilt: %s", counts)
    return counts


def snapshot_leaderboards() -> list[str]:
    """Freeze the week and month that just ended (daily; a second run changes nothing)."""
    from portal.db import utcnow
    from portal.gamification.snapshots import finished_periods, take_snapshot

    taken = [period for period in finished_periods(utcnow()) if take_snapshot(period)]
    db.session.commit()
    if taken:
        log.info("leaderboard snapshots taken: %s", ", ".join(taken))
    return taken
