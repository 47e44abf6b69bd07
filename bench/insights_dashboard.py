"""Insights at scale: 10,000 people and 1,000,000 events, on SQLite and on PostgreSQL.

Loads 10,000 people in 20 teams and six months of activity: 250,000 shares
(with their tracked links), 500,000 counted clicks and 250,000 lesson
completions, each also in the activity log (1,000,000 entries), plus 100,000
quiz attempts, 20 bulletins with 80,000 acknowledgements and 4,000 profiles.
Then times the full roll-up, the nightly window, the segments, and the
dashboards, charts and an export through the Flask test client (server time
only), counting SQL statements; and, for contrast, the same headline figures
asked of the raw activity log. Not a test.

SQLite: a file under BENCH_DIR (default /tmp/beacon-bench-insights).
PostgreSQL: the schema `insights_bench` of the database `beacon_bench`
(BENCH_PG_DATABASE, created if missing) on BENCH_PG_URL's server (default: the
local one), dropped and made again each run; never the `test` database.
Redis: BENCH_REDIS_URL (default db 9 of the local Redis).
Run: .venv/bin/python -m bench.insights_dashboard [sqlite|postgresql]...
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "10000"))
SHARES = int(os.environ.get("BENCH_SHARES", "250000"))
CLICKS = int(os.environ.get("BENCH_CLICKS", "500000"))
COMPLETIONS = int(os.environ.get("BENCH_COMPLETIONS", "250000"))
TEAMS, ITEMS, LESSONS, BULLETINS, DAYS = 20, 200, 60, 20, 180
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_DATABASE = os.environ.get("BENCH_PG_DATABASE", "beacon_bench")
PG_SCHEMA = "insights_bench"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
BENCH_DIR = Path(os.environ.get("BENCH_DIR", "/tmp/beacon-bench-insights"))
NETWORKS = ["linkedin", "x", "facebook"]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))
CHARTS, WHOLE = "/insights/charts", "scope=company"


def _pg_url() -> str:
    """`beacon_bench` (created if missing), in a schema of its own, emptied first."""
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        found = conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": PG_DATABASE}
        ).first()
        if not found:
            conn.execute(sa.text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    url = PG.rsplit("/", 1)[0] + "/" + PG_DATABASE
    bench = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with bench.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {PG_SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {PG_SCHEMA}"))
    bench.dispose()
    return f"{url}?options=-csearch_path%3D{PG_SCHEMA}"


def _sqlite_url() -> str:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        (BENCH_DIR / f"bench.db{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{BENCH_DIR / 'bench.db'}"


# --- loading ----------------------------------------------------------------------------------


class Loader:
    """Bulk rows into a table: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect

    def value(self, v: Any) -> str | int | None:
        if v is None:
            return None
        if isinstance(v, bool):
            return ("t" if v else "f") if self.dialect == "postgresql" else int(v)
        if isinstance(v, datetime):
            if self.dialect == "postgresql":
                return v.isoformat()
            return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # SQLAlchemy's format
        if isinstance(v, date):
            return v.isoformat()
        return v  # type: ignore[no-any-return]

    def load(self, table: str, columns: list[str], rows: Iterable[tuple[Any, ...]]) -> int:
        from portal.db import db

        raw = db.session.connection().connection.dbapi_connection
        count = 0
        if self.dialect == "postgresql":
            with (
                raw.cursor() as cur,
                cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
            ):  # type: ignore[union-attr]
                for row in rows:
                    copy.write_row([self.value(v) for v in row])
                    count += 1
            return count
        assert isinstance(raw, sqlite3.Connection)
        marks = ", ".join("?" for _ in columns)
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
        batch: list[list[Any]] = []
        for row in rows:
            batch.append([self.value(v) for v in row])
            if len(batch) == 20_000:
                raw.executemany(sql, batch)
                count += len(batch)
                batch = []
        raw.executemany(sql, batch)
        return count + len(batch)


def _weights(rng: random.Random) -> list[float]:
    """How busy each person is: a quarter never do anything, the rest a long tail."""
    return [0.0 if rng.random() < 0.25 else rng.paretovariate(1.5) for _ in range(PEOPLE)]


def _moment(rng: random.Random, now: datetime) -> datetime:
    return now - timedelta(seconds=rng.randrange(DAYS * 86400))


def load(rng: random.Random, now: datetime, dialect: str) -> dict[str, int]:
    """Every row of the world; returns counts per table."""
    from portal.db import db
    from portal.learning.models import Lesson, Module, Status

    loader = Loader(dialect)
    counts: dict[str, int] = {}
    created = now - timedelta(days=DAYS + 30)
    counts["teams"] = loader.load(
        "teams",
        ["id", "name", "created_at"],
        ((t, f"Team {t:02d}", created) for t in range(1, TEAMS + 1)),
    )
    team_of = {u: 1 + (u - 1) % TEAMS for u in range(1, PEOPLE + 1)}
    counts["users"] = loader.load(
        "users",
        ["id", "email", "display_name", "password_hash", "role", "team_id", "timezone",
         "joined_on", "active", "session_version", "hide_from_boards", "created_at"],
        (
            (u, f"p{u}@example.com", f"Person {u}", None,
             "admin" if u == 1 else "leader" if u <= TEAMS + 1 else "employee",
             team_of[u], "UTC", created.date(), True, 1, False, created)
            for u in range(1, PEOPLE + 1)
        ),
    )  # fmt: skip
    counts["content_items"] = loader.load(
        "content_items",
        ["id", "url", "title", "summary", "tags", "campaign", "caption_linkedin", "caption_x",
         "caption_facebook", "for_everyone", "status", "published_at", "share_count",
         "review_note", "created_at"],
        (
            (i, f"https://example.com/{i}", f"Item {i}", "", "[]", "", "", "", "", True,
             "published", created, 0, "", created)
            for i in range(1, ITEMS + 1)
        ),
    )  # fmt: skip
    module = Module(slug="bench", title="Bench", summary="", minutes=5, tags=[],
                    for_everyone=True, status=Status.PUBLISHED)  # fmt: skip
    module.lessons = [Lesson(position=n, title=f"Lesson {n}", pass_mark=50) for n in range(LESSONS)]
    db.session.add(module)
    db.session.flush()
    lessons = [lesson.id for lesson in module.lessons]
    weights = _weights(rng)
    people = list(range(1, PEOPLE + 1))

    def busy(k: int) -> list[int]:
        return rng.choices(people, weights=weights, k=k)

    # Shares: distinct (person, item, network), each with its tracked link and one share.
    triples: dict[tuple[int, int, str], datetime] = {}
    while len(triples) < SHARES:
        for user in busy(SHARES):
            triples.setdefault(
                (user, rng.randrange(1, ITEMS + 1), rng.choice(NETWORKS)), _moment(rng, now)
            )
            if len(triples) >= SHARES:
                break
    shares = list(triples.items())
    counts["tracked_links"] = loader.load(
        "tracked_links",
        ["id", "code", "user_id", "item_id", "network", "created_at"],
        ((n, f"c{n}", u, i, net, at) for n, ((u, i, net), at) in enumerate(shares, 1)),
    )
    counts["content_shares"] = loader.load(
        "content_shares",
        ["id", "user_id", "item_id", "link_id", "network", "caption", "created_at"],
        ((n, u, i, n, net, "", at) for n, ((u, i, net), at) in enumerate(shares, 1)),
    )
    clicks: list[tuple[int, int, datetime]] = []  # (click id, link id, when)
    for n in range(1, CLICKS + 1):
        link = rng.randrange(1, len(shares) + 1)
        when = min(now, shares[link - 1][1] + timedelta(minutes=rng.randrange(72 * 60)))
        clicks.append((n, link, when))
    counts["share_clicks"] = loader.load(
        "share_clicks",
        ["id", "link_id", "day", "visitor", "clicked_at"],
        ((n, link, when.date(), f"v{n}", when) for n, link, when in clicks),
    )
    done: dict[tuple[int, int], datetime] = {}
    while len(done) < COMPLETIONS:
        for user in busy(COMPLETIONS):
            done.setdefault((user, rng.choice(lessons)), _moment(rng, now))
            if len(done) >= COMPLETIONS:
                break
    completions = list(done.items())
    counts["lesson_completions"] = loader.load(
        "lesson_completions",
        ["id", "user_id", "lesson_id", "score", "completed_at"],
        ((n, u, lesson, 80, at) for n, ((u, lesson), at) in enumerate(completions, 1)),
    )
    counts["quiz_attempts"] = loader.load(
        "quiz_attempts",
        ["id", "user_id", "lesson_id", "number", "started_at", "finished_at", "score", "passed"],
        (
            (n, u, lesson, 1, at - timedelta(minutes=4), at, s, s >= 50)
            for n, ((u, lesson), at) in enumerate(completions[: COMPLETIONS * 2 // 5], 1)
            for s in [rng.choice([40, 60, 70, 80, 90, 100])]
        ),
    )

    def activity() -> Iterator[tuple[Any, ...]]:
        n = 0
        for (u, i, net), at in shares:
            n += 1
            subject = f"content:{i}:{net}"
            yield n, f"shares:{u}:{subject}", u, team_of[u], "shares", subject, at
        for click_id, link, when in clicks:
            n += 1
            u = shares[link - 1][0][0]
            yield (
                n,
                f"clicks:{u}:click:{click_id}",
                u,
                team_of[u],
                "clicks",
                f"click:{click_id}",
                when,
            )
        for (u, lesson), at in completions:
            n += 1
            subject = f"lesson:{lesson}"
            yield (
                n,
                f"lessons_completed:{u}:{subject}",
                u,
                team_of[u],
                "lessons_completed",
                subject,
                at,
            )

    counts["activity_entries"] = loader.load(
        "activity_entries",
        ["id", "key", "user_id", "team_id", "metric", "subject", "occurred_at"],
        activity(),
    )
    counts["bulletins"] = loader.load(
        "bulletins",
        ["id", "title", "summary", "body", "category", "action_items", "for_everyone", "pinned",
         "status", "publish_at", "published_at", "updated_at", "created_at"],
        (
            (b, f"Bulletin {b}", "", "", "best_practice", "[]", True, False, "published",
             now - timedelta(days=9 * b), now - timedelta(days=9 * b), now, now)
            for b in range(1, BULLETINS + 1)
        ),
    )  # fmt: skip
    readers = rng.sample(people, PEOPLE * 2 // 5)
    counts["bulletin_reads"] = loader.load(
        "bulletin_reads",
        ["id", "bulletin_id", "user_id", "read_at", "acknowledged_at"],
        (
            (n, b, u, now - timedelta(days=9 * b - 1), now - timedelta(days=9 * b - 1))
            for n, (b, u) in enumerate(
                ((b, u) for b in range(1, BULLETINS + 1) for u in readers), 1
            )
        ),
    )
    counts["brand_profiles"] = loader.load(
        "brand_profiles",
        ["user_id", "headline", "bio", "expertise", "linkedin_url", "x_url", "facebook_url",
         "followers_linkedin", "followers_x", "followers_facebook", "updated_at"],
        (
            (u, "", "", "[]", "", "", "", rng.randrange(5000), rng.randrange(800),
             rng.randrange(400), now)
            for u in rng.sample(people, PEOPLE * 2 // 5)
        ),
    )  # fmt: skip
    if dialect == "postgresql":
        for table in counts:  # COPY with explicit ids: move the sequences past them
            if table != "brand_profiles":
                db.session.execute(
                    sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
                )
        db.session.execute(sa.text("ANALYZE"))
    db.session.commit()
    return counts


# --- timing -----------------------------------------------------------------------------------


def timed(call: Callable[[], Any], rounds: int = 1) -> tuple[float, float, Any]:
    """(median ms, p95 ms, last result)."""
    samples, result = [], None
    for _ in range(rounds):
        start = time.perf_counter()
        result = call()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)], result


def statements(app: Any, call: Callable[[], Any]) -> int:
    """How many SQL statements `call` runs."""
    from sqlalchemy import event

    from portal.db import db

    seen: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            seen.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return len(seen)


def raw_figures(today: date) -> tuple[int, dict[str, int]]:
    """What the dashboards would cost without roll-ups: the raw activity log, last 30 days."""
    from portal.db import db
    from portal.gamification.models import ActivityEntry as A
    from portal.insights.rollups import start_of

    since = start_of(today - timedelta(days=29))
    active = db.session.scalar(
        sa.select(sa.func.count(sa.func.distinct(A.user_id))).where(A.occurred_at >= since)
    )
    network = sa.case(*[(A.subject.like(f"%:{n}"), n) for n in NETWORKS])
    shares = dict(
        db.session.execute(
            sa.select(network, sa.func.count())
            .where(A.metric == "shares", A.occurred_at >= since)
            .group_by(network)
        ).all()
    )
    db.session.rollback()
    return int(active or 0), {str(k): int(v) for k, v in shares.items()}


def run(dialect: str) -> None:
    url = _pg_url() if dialect == "postgresql" else _sqlite_url()
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(BENCH_DIR))
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db import db, utcnow

    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": REDIS})
    rng = random.Random(25)
    now = utcnow().replace(microsecond=0)
    today = now.date()
    print(f"\n== {dialect}: {PEOPLE:,} people, {SHARES + CLICKS + COMPLETIONS:,} events ==")
    with app.app_context():
        upgrade()
        ms, _, counts = timed(lambda: load(rng, now, dialect))
        print(f"load                                   {ms / 1000:8.1f} s   {counts}")
        from portal.insights import rollups, segments

        first = today - timedelta(days=DAYS)
        ms, _, result = timed(
            lambda: (rollups.recompute(first, today, now=now), db.session.commit())[0]
        )
        print(
            f"full roll-up, {DAYS + 1} days                  {ms / 1000:8.1f} s   "
            f"{result.person_rows:,} person-day rows, {result.team_rows:,} team-day rows"
        )
        ms, _, _ = timed(lambda: (rollups.recompute(first, today, now=now), db.session.commit()))
        print(f"full roll-up again (same rows)         {ms / 1000:8.1f} s")
        if dialect == "postgresql":
            db.session.execute(sa.text("ANALYZE"))  # what autovacuum does after a bulk load
            db.session.commit()
        ms, _, result = timed(lambda: (rollups.recompute_recent(now), db.session.commit())[0])
        print(
            f"nightly window (3 days, bulletins 30)  {ms / 1000:8.2f} s   "
            f"{result.person_rows:,} rows"
        )
        ms, _, found = timed(lambda: (segments.compute(now), db.session.commit())[0])
        print(f"segments for everyone                  {ms / 1000:8.2f} s   "
              f"{ {s.value: n for s, n in found.items()} }")  # fmt: skip
        ms, p95, raw = timed(lambda: raw_figures(today), rounds=5)
        print(f"raw log: 30-day active people + shares by network  median {ms:8.1f} ms  {raw}")

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"  # the admin (person 1), session version 1
        session["_fresh"] = True
    busiest = max(range(1, PEOPLE + 1), key=lambda u: (u % 97 == 3, -u))  # an ordinary person
    pages = [
        ("GET /insights/company (30 days)", "/insights/company?days=30"),
        ("GET /insights/company (12 months)", "/insights/company?days=365"),
        ("GET /insights/teams/3 (30 days)", "/insights/teams/3?days=30"),
        ("GET /insights/segments", "/insights/segments"),
        ("GET chart shares.svg, company, 30 days", f"{CHARTS}/shares.svg?{WHOLE}&days=30"),
        ("GET chart participation.svg, 1 year", f"{CHARTS}/participation.svg?{WHOLE}&days=365"),
        ("GET chart reach.svg, team", f"{CHARTS}/reach.svg?scope=team&team=3&days=30"),
        ("GET export shares.csv, team, 30 days", "/insights/exports/shares.csv?team=3&days=30"),
    ]  # fmt: skip
    for label, path in pages:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.get_data())
        ms, p95, _ = timed(lambda p=path: client.get(p).get_data(), rounds=ROUNDS)
        count = statements(app, lambda p=path: client.get(p).get_data())
        print(f"{label:<46} median {ms:7.1f} ms  p95 {p95:7.1f} ms  {count:3d} SQL  {size:,} B")
    with client.session_transaction() as session:
        session["_user_id"] = f"{busiest}:1"
    ms, p95, _ = timed(lambda: client.get("/insights/me?days=30").get_data(), rounds=ROUNDS)
    count = statements(app, lambda: client.get("/insights/me?days=30"))
    print(
        f"{'GET /insights/me (30 days)':<46} median {ms:7.1f} ms  p95 {p95:7.1f} ms  {count:3d} SQL"
    )


def main() -> None:
    """Load, roll up and time, on each database named on the command line (default: both)."""
    for dialect in sys.argv[1:] or ["sqlite", "postgresql"]:
        run(dialect)


if __name__ == "__main__":
    main()
