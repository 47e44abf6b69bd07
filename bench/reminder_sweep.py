"""The reminder sweep and the digests for 10,000 people, on SQLite and on PostgreSQL.

Loads 10,000 people in 24 time zones, with assignments (due within a day,
overdue, later), streaks and some saved preferences, then times one reminder
sweep (which notifies and queues emails), a second sweep (which finds every
key taken and does nothing) and one digest run, and counts the SQL statements
each issues with a SQLAlchemy `before_cursor_execute` listener. Not a test.

SQLite: a file under BENCH_DIR (default /tmp/beacon-bench-notifications).
PostgreSQL: the schema `notifications_bench` of the database `beacon_bench`
(BENCH_PG_DATABASE) on BENCH_PG_URL's server (default: the local one), dropped and
made again each run; never the `test` database. Redis: BENCH_REDIS_URL
(default db 6 of the local Redis; its RQ queue "beacon-bench" is emptied).
Run: .venv/bin/python -m bench.reminder_sweep [sqlite|postgresql]...
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "beacon_bench")
PG_SCHEMA = "notifications_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/beacon-bench-notifications"))
# 18:30 UTC on Monday 30 Nov 2026: evening in Europe, morning in the Pacific.
NOW = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
ZONES = [
    "UTC", "Europe/London", "Europe/Berlin", "Europe/Athens", "Europe/Moscow", "Asia/Dubai",
    "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Shanghai", "Asia/Tokyo",
    "Australia/Sydney", "Pacific/Auckland", "Pacific/Honolulu", "America/Anchorage",
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York",
    "America/Halifax", "America/Sao_Paulo", "Atlantic/Azores", "Pacific/Kiritimati",
]  # fmt: skip


def _pg_url() -> str:
    """`beacon_bench` (created if missing), in a schema of its own, emptied first.

    A schema of our own keeps this benchmark out of the way of other benchmarks
    that use the same database.
    """
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
        ).first()
        if not exists:
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    url = PG.rsplit("/", 1)[0] + "/" + PG_DATABASE
    bench = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with bench.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    bench.dispose()
    return f"{url}?options=-csearch_path%3D{PG_SCHEMA}"


def _load(rng: random.Random) -> dict[str, int]:
    """People, modules, assignments, streaks and preferences: bulk inserts, few statements."""
    from portal.accounts.models import User
    from portal.db import db
    from portal.gamification.streak_models import Streak
    from portal.learning.models import Module, Status
    from portal.learning.records import Assignment
    from portal.notifications.models import NotificationPreference

    created = NOW - timedelta(days=90)
    users = [
        {
            "id": i,
            "email": f"p{i}@example.com",
            "display_name": f"Person {i}",
            "role": "employee",
            "timezone": ZONES[i % len(ZONES)],
            "joined_on": date(2026, 1, 1),
            "active": True,
            "created_at": created,
        }
        for i in range(1, PEOPLE + 1)
    ]
    db.session.execute(sa.insert(User), users)
    modules = []
    for n in range(3):
        module = Module(
            slug=f"bench-{n}",
            title=f"Bench module {n}",
            summary="",
            minutes=5,
            tags=[],
            for_everyone=True,
            status=Status.PUBLISHED,
            published_at=created,
        )
        db.session.add(module)
        modules.append(module)
    db.session.flush()
    today = NOW.date()
    assignments = []
    for user in range(1, PEOPLE + 1):
        for module in modules:
            roll = rng.random()
            if roll < 0.15:
                due = today + timedelta(days=rng.choice([0, 1]))  # due within a day, or so
            elif roll < 0.25:
                due = today - timedelta(days=rng.randint(1, 5))  # overdue
            elif roll < 0.6:
                due = today + timedelta(days=rng.randint(2, 20))
            else:
                continue
            assignments.append({"user_id": user, "module_id": module.id, "due_on": due})
    db.session.execute(sa.insert(Assignment), assignments)
    streaks = [
        {
            "user_id": user,
            "current": rng.randint(1, 40),
            "longest": 40,
            "last_day": today - timedelta(days=rng.choice([1, 1, 1, 2])),
            "freezes": rng.choice([0, 0, 1]),
            "weekday_only": False,
            "updated_at": NOW,
        }
        for user in range(1, PEOPLE + 1)
        if rng.random() < 0.6
    ]
    db.session.execute(sa.insert(Streak), streaks)
    prefs = [
        {
            "user_id": user,
            "channels": {"streak_at_risk": {"email": True}},
            "digest": rng.choice(["daily", "weekly", "never"]),
            "quiet_hours": rng.random() < 0.5,
            "quiet_from": 22,
            "quiet_to": 7,
            "updated_at": NOW,
        }
        for user in range(1, PEOPLE + 1)
        if rng.random() < 0.2
    ]
    db.session.execute(sa.insert(NotificationPreference), prefs)
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("SELECT setval('users_id_seq', :n)"), {"n": PEOPLE})
    db.session.commit()
    return {"assignments": len(assignments), "streaks": len(streaks), "preferences": len(prefs)}


class Statements:
    """Counts SQL statements on an engine while active."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self.count = 0
        self.kinds: Counter[str] = Counter()

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.count += 1
        self.kinds[statement.split(None, 1)[0].upper()] += 1

    def __enter__(self) -> Statements:
        sa.event.listen(self.engine, "before_cursor_execute", self._on)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(self.engine, "before_cursor_execute", self._on)


def _measure(label: str, func: Any, engine: sa.Engine) -> Any:
    with Statements(engine) as counted:
        start = time.perf_counter()
        result = func()
        elapsed = time.perf_counter() - start
    kinds = ", ".join(f"{k} {v}" for k, v in sorted(counted.kinds.items()))
    print(f"  {label:<34} {elapsed:7.2f} s  {counted.count:5d} SQL statements ({kinds})")
    return result


def run(dialect: str) -> None:
    """Build the schema on `dialect`, load the people, time the sweep and the digests."""
    import redis
    import time_machine

    if dialect == "postgresql":
        url = _pg_url()
    else:
        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        for leftover in BENCH_DIR.glob("bench.db*"):
            leftover.unlink()
        url = f"sqlite:///{BENCH_DIR / 'bench.db'}"
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(BENCH_DIR))
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db import db

    app = create_app(
        "test", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS, "RQ_QUEUE": "beacon-bench"}
    )
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        loaded = _load(rng)
        host = url.rsplit("@", 1)[-1] if dialect == "postgresql" else url
        print(f"{dialect} ({host}): {PEOPLE:,} people, {loaded}")
        from jobs.notifications import send_digests, sweep_reminders
        from portal.notifications.models import EmailDelivery, Notification
        from portal.queue import get_queue

        with time_machine.travel(NOW, tick=True):
            first = _measure("sweep 1 (notifies, queues email)", sweep_reminders, db.engine)
            print(f"    found {first['found']}, notified {first['notified']}")
            _measure("sweep 2 (every key taken)", sweep_reminders, db.engine)
        with time_machine.travel(NOW.replace(hour=23, minute=5), tick=True):
            digests = _measure("digests (hourly run)", send_digests, db.engine)
            print(f"    {digests}")
        notifications = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
        emails = db.session.scalar(sa.select(sa.func.count()).select_from(EmailDelivery))
        print(f"    rows: {notifications:,} notifications, {emails:,} email deliveries")
        get_queue().empty()
        redis.Redis.from_url(REDIS).close()
        db.session.remove()
        db.engine.dispose()


def main() -> None:
    """Run the benchmark on each database named on the command line (default: both)."""
    for dialect in sys.argv[1:] or ["sqlite", "postgresql"]:
        run(dialect)


if __name__ == "__main__":
    main()
