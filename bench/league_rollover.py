"""The weekly league rollover at scale: 10,000 people placed, then last week rolled over.

Places BENCH_PEOPLE people (default 10,000) in last week's leagues through the
real service (a fifth of them new, the rest spread over the five tiers by a
finished league the week before), then times `jobs.leagues.rollover_leagues`
and counts its SQL statements, and runs it a second time (which must find
nothing to do). SQLite in a temporary folder, then PostgreSQL database
`beacon_bench` on BENCH_PG_URL's server when it answers and nobody else is
using that database. Not a test.

    .venv/bin/python -m bench.league_rollover
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections import Counter
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))


def _postgres_url() -> str | None:
    """`beacon_bench` on the PostgreSQL server (created if missing), or None if unusable."""
    try:
        admin = sa.create_engine(
            PG, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            if not conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname='beacon_bench'")
            ).first():
                conn.execute(sa.text("CREATE DATABASE beacon_bench"))
            busy = conn.execute(
                sa.text("SELECT count(*) FROM pg_stat_activity WHERE datname='beacon_bench'")
            ).scalar_one()
        admin.dispose()
    except sa.exc.OperationalError as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipped")
        return None
    if busy:
        print(f"beacon_bench has {busy} other sessions (another benchmark?); skipped")
        return None
    return PG.rsplit("/", 1)[0] + "/beacon_bench"


def _load_people(db: Any, rng: random.Random, history_week: str) -> list[int]:
    """PEOPLE people; four in five with a finished league in `history_week` (tiers 1-5)."""
    from portal.gamification.league_models import LeagueCohort, LeagueMembership
    from portal.gamification.league_rules import week_end

    joined = (week_end(history_week) - timedelta(days=120)).date()
    db.session.execute(
        sa.insert(sa.table("users", *(sa.column(c) for c in (
            "id", "email", "display_name", "role", "timezone", "joined_on", "active",
            "session_version", "created_at", "hide_from_boards")))),
        [
            {"id": i, "email": f"p{i}@example.com", "display_name": f"Person {i}",
             "role": "employee", "timezone": "UTC", "joined_on": joined, "active": True,
             "session_version": 1, "created_at": week_end(history_week), "hide_from_boards": False}
            for i in range(1, PEOPLE + 1)
        ],
    )  # fmt: skip
    ended = week_end(history_week)
    cohorts = {}
    for tier in range(1, 6):
        cohort = LeagueCohort(
            week=history_week, tier=tier, newcomer=False, number=1, size=0, closed_at=ended
        )
        db.session.add(cohort)
        cohorts[tier] = cohort
    db.session.flush()
    veterans = [i for i in range(1, PEOPLE + 1) if i % 5]
    db.session.execute(
        sa.insert(LeagueMembership),
        [
            {"week": history_week, "user_id": i, "cohort_id": cohorts[1 + i % 5].id, "xp": 1,
             "xp_reached_at": ended, "joined_at": ended, "rank": 1, "outcome": "stayed",
             "next_tier": 1 + i % 5}
            for i in veterans
        ],
    )  # fmt: skip
    db.session.commit()
    ids = list(range(1, PEOPLE + 1))
    rng.shuffle(ids)
    return ids


def run(url: str, label: str) -> None:
    """Place PEOPLE people, then time the rollover twice on the database at `url`."""
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from portal.db import db, utcnow

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS})
    rng = random.Random(7)
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        from jobs.leagues import rollover_leagues
        from portal.accounts.models import User
        from portal.gamification import leagues
        from portal.gamification.league_models import LeagueCohort
        from portal.gamification.league_rules import previous_week, week_of, week_start

        week = previous_week(week_of(utcnow()))  # last week: the rollover job closes it
        ids = _load_people(db, rng, previous_week(week))
        start = week_start(week)
        placements: list[float] = []
        begun = time.perf_counter()
        for n, user_id in enumerate(ids, 1):
            user = db.session.get_one(User, user_id)
            moment = start + timedelta(seconds=rng.randrange(7 * 24 * 3600 - 1))
            t0 = time.perf_counter()
            leagues.add_league_xp(user, rng.randrange(5, 400, 5), moment, now=moment)
            db.session.commit()
            placements.append((time.perf_counter() - t0) * 1000)
            if n % 500 == 0:
                db.session.expunge_all()
        placing = time.perf_counter() - begun
        db.session.remove()
        cohorts = db.session.execute(
            sa.select(LeagueCohort.tier, LeagueCohort.newcomer, LeagueCohort.size).where(
                LeagueCohort.week == week
            )
        ).all()
        by_kind = Counter((t, n) for t, n, _ in cohorts)
        db.session.remove()

        statements: Counter[str] = Counter()

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            words = statement.split()
            table = next((w for w in words if w.startswith(("league_", "notifications"))), "other")
            statements[f"{words[0]} {table}"] += 1

        # Time spent in the notifications domain's `notify`, apart from the league's own work.
        notifying = [0.0]
        real_notify = leagues.notify

        def timed_notify(*args: Any, **kwargs: Any) -> list[int]:
            t = time.perf_counter()
            try:
                return real_notify(*args, **kwargs)
            finally:
                notifying[0] += time.perf_counter() - t

        leagues.notify = timed_notify  # type: ignore[assignment]
        sa.event.listen(db.engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        first = rollover_leagues()
        rollover = time.perf_counter() - t0
        leagues.notify = real_notify  # type: ignore[assignment]
        db.session.remove()
        sa.event.remove(db.engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        second = rollover_leagues()
        again = time.perf_counter() - t0
        db.session.remove()

    placements.sort()
    p95 = placements[int(len(placements) * 0.95)]
    total = sum(statements.values())
    league = sum(n for k, n in statements.items() if "league_" in k)
    print(f"\n{label}: {PEOPLE:,} people in week {week}")
    print(
        f"  placed + XP, one commit each: {placing:6.1f} s   median "
        f"{statistics.median(placements):.2f} ms   p95 {p95:.2f} ms"
    )
    print(
        f"  cohorts: {len(cohorts)} ({sum(1 for _, n, _ in cohorts if n)} newcomer), "
        f"sizes {min(s for *_, s in cohorts)}-{max(s for *_, s in cohorts)}; "
        f"per tier {dict(sorted(Counter(t for t, _ in by_kind.elements()).items()))}"
    )
    print(f"  rollover: {rollover:6.2f} s  {first}")
    own = rollover - notifying[0]
    print(
        f"    of which notify() {notifying[0]:6.2f} s, the league's own work {own:6.2f} s "
        f"({own / max(first['closed'], 1) * 1000:.1f} ms per cohort)"
    )
    print(
        f"    statements: {total:,} in all; on league tables {league:,} "
        f"({league / max(first['closed'], 1):.1f} per cohort); by kind: "
        f"{dict(statements.most_common(7))}"
    )
    print(f"  second run: {again * 1000:6.1f} ms  {second}")


def main() -> None:
    """SQLite, then PostgreSQL when available."""
    os.environ.setdefault("BEACON_INSTANCE_DIR", tempfile.mkdtemp(prefix="beacon-bench-"))
    folder = tempfile.mkdtemp(prefix="beacon-bench-leagues-")
    run(f"sqlite:///{folder}/bench.db", "SQLite")
    url = _postgres_url()
    if url:
        run(url, "PostgreSQL")


if __name__ == "__main__":
    main()
