"""Points at scale on PostgreSQL: 100,000 people, 2,000,000 ledger rows.

Measures the award path, the leaderboard reads (Redis, and the SQL fallback)
and a full rebuild of totals and sorted sets from the ledger. Not a test.
Uses its own database, `beacon_bench`, on the PostgreSQL of BENCH_PG_URL
(default: the local server), and Redis db 13 of BENCH_REDIS_URL.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import redis
import sqlalchemy as sa

PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "100000"))
AWARDS = int(os.environ.get("BENCH_AWARDS", "2000000"))
START = datetime(2026, 6, 1, tzinfo=UTC)


def _database_url() -> str:
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname='beacon_bench'")
        ).first():
            conn.execute(sa.text("CREATE DATABASE beacon_bench"))
    admin.dispose()
    return PG.rsplit("/", 1)[0] + "/beacon_bench"


def _copy(conn, table: str, columns: str, rows) -> None:  # type: ignore[no-untyped-def]
    raw = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for n, row in enumerate(rows, 1):
            buffer.write("\t".join(row) + "\n")
            if n % 50_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def _timed(label: str, func, rounds: int = 1) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    median = statistics.median(samples)
    if rounds > 1:
        samples.sort()
        p95 = samples[int(len(samples) * 0.95) - 1]
        print(f"{label:<46} median {median:9.3f} ms   p95 {p95:9.3f} ms   ({rounds} rounds)")
    else:
        print(f"{label:<46} {median / 1000:9.1f} s")
    return median


def main() -> None:
    """Load the data, then time the award path, the boards and the rebuild."""
    url = _database_url()
    os.environ.setdefault("BEACON_INSTANCE_DIR", "/tmp/beacon-bench")
    from flask_migrate import downgrade, upgrade

    from portal import create_app
    from portal.db import db

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS})
    rng = random.Random(7)
    with app.app_context():
        downgrade(revision="base")
        upgrade()
        engine = db.engine
        print(f"PostgreSQL {url.rsplit('@', 1)[-1]}: {PEOPLE:,} people, {AWARDS:,} ledger rows")

        def load() -> None:
            with engine.begin() as conn:
                _copy(
                    conn,
                    "users",
                    "id, email, display_name, role, timezone, joined_on, active, "
                    "session_version, created_at",
                    (
                        (str(i), f"p{i}@example.com", f"Person {i}", "employee", "UTC",
                         "2026-01-01", "t", "1", "2026-01-01 00:00:00+00")
                        for i in range(1, PEOPLE + 1)
                    ),
                )  # fmt: skip
                span = 180 * 24 * 3600

                def awards():  # type: ignore[no-untyped-def]
                    for i in range(1, AWARDS + 1):
                        when = START + timedelta(seconds=rng.randrange(span))
                        user = rng.randrange(1, PEOPLE + 1)
                        yield (str(i), f"bench:{i}", str(user), "lesson_completed", f"lesson:{i}",
                               "20", when.date().isoformat(), when.isoformat())  # fmt: skip

                _copy(
                    conn,
                    "point_awards",
                    "id, key, user_id, action, subject, points, day, awarded_at",
                    awards(),
                )
                conn.execute(sa.text("SELECT setval('users_id_seq', :n)"), {"n": PEOPLE})
                conn.execute(sa.text("SELECT setval('point_awards_id_seq', :n)"), {"n": AWARDS})
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE point_awards")

        _timed("load (COPY) people and ledger", load)

        from jobs.gamification import rebuild_leaderboards

        _timed("full rebuild: totals + sorted sets from ledger", rebuild_leaderboards)
        db.session.remove()

        from portal.accounts.models import User
        from portal.gamification import leaderboard, points

        people = [rng.randrange(1, PEOPLE + 1) for _ in range(500)]
        counter = iter(range(10**9))

        def award() -> None:
            user = db.session.get(User, rng.choice(people))
            points.award_points(user, "lesson_completed", f"bench-new:{next(counter)}")
            db.session.commit()

        _timed("award_points (ledger insert + 3 totals + commit)", award, rounds=500)
        viewer = people[0]

        def board() -> None:
            leaderboard.top("all", 20)
            leaderboard.standing(viewer, "all")

        _timed("leaderboard top 20 + viewer rank (Redis)", board, rounds=500)
        app.extensions["redis"] = redis.Redis.from_url("redis://127.0.0.1:1/0")
        _timed("leaderboard top 20 + viewer rank (SQL fallback)", board, rounds=100)


if __name__ == "__main__":
    main()
