"""The tracked-link redirect `/s/<code>` under load, on SQLite and on PostgreSQL. Not a test.

Builds a database with the migrations, seeds people, items, tracked links and
past clicks, then:

1. counts the SQL statements of one request of each kind (Flask test client);
2. serves the app with gunicorn (2 workers x 4 threads, production config)
   and, in that same run, loads the trivial route `/healthz` (one `SELECT 1`)
   and the tracked link with the same load tool and concurrency: link-preview
   bots (lookup only), repeat visitors (lookup, insert that conflicts) and new
   visitors (a counted click: lookup, insert, the event's points and
   activity). The kinds take turns (in a rotating order, after a short
   pause) for BENCH_ROUNDS rounds of BENCH_SECONDS each, so a neighbour's
   load on the shared machine hits them alike; each
   kind's median round is reported with its ratio to `/healthz`, and the
   server's CPU time per request (gunicorn workers, plus PostgreSQL's
   backends), which such load disturbs far less than requests/s.

Serving and loading are bench/loadrun.py's, shared with `bench.load`. The
load tool is wrk (`apt-get install wrk`; bench/load.lua replays the requests
made here, which vary the link, user agent and client address) when it is on
PATH, else a threaded http.client loop (BENCH_REQUESTS requests a round); the
output says which. Every request is bounded in count or time and goes to
127.0.0.1 only.

SQLite: a throwaway file. PostgreSQL: the `beacon_bench` database of
BENCH_PG_URL, inside its own schema `bench_tracked_link` (dropped and made
again), never the `test` database. Redis: db 13 of BENCH_REDIS_URL.
Run: `python -m bench.tracked_link [sqlite|postgresql ...]`.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import loadrun
from bench.loadrun import CHROME, Kind, Request

ROOT = loadrun.ROOT
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SCHEMA = "bench_tracked_link"
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "2000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "100"))
LINKS = int(os.environ.get("BENCH_LINKS", "50000"))
PAST_CLICKS = int(os.environ.get("BENCH_PAST_CLICKS", "500000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))  # per round, without wrk
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))  # open connections
SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))  # per round, with wrk
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
THREADS = 4  # gunicorn threads per worker, as the published numbers were measured
BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
SECRET = "bench-secret-" + "x" * 40  # noqa: S105 - a throwaway key for a throwaway database


def _seed(database_url: str) -> list[str]:
    """Migrate and fill the database; return the link codes."""
    from flask_migrate import upgrade

    from portal import create_app
    from portal.db import db

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    now = datetime.now(UTC)
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        conn = db.session.connection()
        meta = db.metadata.tables
        conn.execute(meta["teams"].insert(), [{"name": "Bench", "created_at": now}])
        conn.execute(
            meta["users"].insert(),
            [
                {
                    "email": f"p{i}@bench.example", "display_name": f"Person {i}",
                    "role": "employee", "team_id": 1, "timezone": "UTC",
                    "joined_on": now.date(), "active": True, "session_version": 1,
                    "hide_from_boards": False, "created_at": now,
                }
                for i in range(PEOPLE)
            ],
        )  # fmt: skip
        conn.execute(
            meta["content_items"].insert(),
            [
                {
                    "url": f"https://example.com/news/{i}?ref=bench", "title": f"News {i}",
                    "summary": "", "tags": ["bench"], "campaign": "Bench campaign",
                    "caption_linkedin": "", "caption_x": "", "caption_facebook": "",
                    "for_everyone": True, "status": "published", "published_at": now,
                    "share_count": 0, "review_note": "", "created_at": now,
                }
                for i in range(ITEMS)
            ],
        )  # fmt: skip
        pairs = rng.sample(range(PEOPLE * ITEMS), LINKS)
        codes = [secrets.token_urlsafe(8) for _ in pairs]
        conn.execute(
            meta["tracked_links"].insert(),
            [
                {
                    "code": code, "user_id": pair // ITEMS + 1, "item_id": pair % ITEMS + 1,
                    "network": rng.choice(["linkedin", "x", "facebook"]), "created_at": now,
                }
                for code, pair in zip(codes, pairs, strict=True)
            ],
        )  # fmt: skip
        for start in range(0, PAST_CLICKS, 50_000):
            conn.execute(
                meta["share_clicks"].insert(),
                [
                    {
                        "link_id": rng.randint(1, LINKS),
                        "day": (now - timedelta(days=1 + n % 90)).date(),
                        "visitor": f"{n:032x}",
                        "clicked_at": now - timedelta(days=1 + n % 90),
                    }
                    for n in range(start, min(start + 50_000, PAST_CLICKS))
                ],
            )
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ANALYZE"))
            db.session.commit()
    return codes


def _statement_counts(database_url: str, codes: list[str]) -> dict[str, int]:
    """SQL statements of one request of each kind, through the Flask test client."""
    from portal import create_app
    from portal.db import db

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    counted: list[str] = []
    with app.app_context():
        engine = db.engine

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        counted.append(statement.split()[0].upper())

    client = app.test_client()
    result: dict[str, int] = {}
    kinds = [
        ("new visitor (counted click)", CHROME, "198.51.100.1"),
        ("same visitor again", CHROME, "198.51.100.1"),
        ("link-preview bot", BOT, "198.51.100.2"),
    ]
    for label, agent, address in kinds:
        counted.clear()
        response = client.get(
            f"/s/{codes[0]}", headers={"User-Agent": agent, "X-Forwarded-For": address}
        )
        assert response.status_code == 302, response.status_code
        result[label] = len([s for s in counted if s not in ("BEGIN", "COMMIT", "ROLLBACK")])
    return result


def _in_process(database_url: str, codes: list[str], rounds: int = 300) -> dict[str, float]:
    """Median server time per kind, one request at a time (Flask test client, no network).

    "counted click, without the event" runs with the ShareClicked subscribers
    detached, to show what the points and activity writes cost.
    """
    from portal import create_app
    from portal.advocacy.events import ShareClicked
    from portal.events import _subscribers

    app = create_app("production", {"SQLALCHEMY_DATABASE_URI": database_url})
    client = app.test_client()
    rng = random.Random(5)
    serial = iter(range(10**9))

    def new_visitor() -> dict[str, str]:
        n = next(serial)
        return {"User-Agent": CHROME, "X-Forwarded-For": f"172.{n >> 16}.{n >> 8 & 255}.{n & 255}"}

    kinds: dict[str, Callable[[], dict[str, str]]] = {
        "counted click": new_visitor,
        "counted click, without the event": new_visitor,
        "same visitor again": lambda: {"User-Agent": CHROME, "X-Forwarded-For": "192.0.2.3"},
        "link-preview bot": lambda: {"User-Agent": BOT, "X-Forwarded-For": "192.0.2.4"},
    }
    result: dict[str, float] = {}
    for label, headers in kinds.items():
        detached = _subscribers.pop(ShareClicked, []) if "without" in label else None
        samples = []
        try:
            for _ in range(rounds):
                code = codes[0] if "same" in label else rng.choice(codes)
                start = time.perf_counter()
                response = client.get(f"/s/{code}", headers=headers())
                samples.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 302, response.status_code
        finally:
            if detached is not None:
                _subscribers[ShareClicked] = detached
        result[label] = statistics.median(samples)
    return result


def _kinds(codes: list[str]) -> dict[str, Kind]:
    """The four kinds, as requests for bench/load.lua (or the http.client fallback)."""
    rng = random.Random(11)
    sample = rng.sample(codes, min(len(codes), 20_000))

    def link(code: str, agent: str, address: str) -> Request:
        return Request(f"/s/{code}", headers={"User-Agent": agent, "X-Forwarded-For": address})

    bots = [link(code, BOT, "192.0.2.9") for code in sample]  # the lookup only
    repeat = [link(code, CHROME, "192.0.2.1") for code in codes[:20]]  # the insert conflicts
    new = [link(code, CHROME, "{visitor}") for code in sample]  # a counted click every time
    redirect = frozenset({302})
    return {
        "/healthz (trivial route)": Kind(lambda run: [Request("/healthz")]),
        "/s/ link-preview bots": Kind(lambda run: bots, redirect),
        "/s/ repeat visitors": Kind(lambda run: repeat, redirect),
        "/s/ new visitors (counted)": Kind(lambda run: new, redirect),
    }


def run(kind: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="beacon-bench-links-"))
    url = (
        f"sqlite:///{workdir / 'bench.db'}"
        if kind == "sqlite"
        else loadrun.postgres_schema_url(PG, "beacon_bench", SCHEMA)
    )
    env = loadrun.environment(url, workdir, REDIS, SECRET)
    os.environ.update({k: env[k] for k in ("BEACON_INSTANCE_DIR", "REDIS_URL", "SECRET_KEY")})
    started = time.perf_counter()
    codes = _seed(url)
    seeded = time.perf_counter() - started
    print(f"\n{kind}: {PEOPLE:,} people, {ITEMS} items, {LINKS:,} links, "
          f"{PAST_CLICKS:,} past clicks (seeded in {seeded:.0f} s)")  # fmt: skip
    for label, count in _statement_counts(url, codes).items():
        print(f"  statements, {label:<28} {count}")
    for label, median in _in_process(url, codes).items():
        print(f"  one at a time, {label:<34} median {median:6.2f} ms")
    proc, port = loadrun.serve(env, threads=THREADS)
    target = loadrun.Target(port, proc.pid, url, SCHEMA, workdir)
    try:
        print(f"  {loadrun.describe_server(THREADS)}; "
              f"{loadrun.describe_tool(CLIENTS, SECONDS, REQUESTS)}; "
              f"{ROUNDS} rounds, median round shown")  # fmt: skip
        load_before = os.getloadavg()[0]
        results = loadrun.under_load(
            target, _kinds(codes), ROUNDS, SECONDS, connections=CLIENTS, fallback_requests=REQUESTS
        )
        measured = len(loadrun.server_pids(proc.pid, url, SCHEMA))
        print(f"  machine load average (1 min): {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores; "
              f"server CPU measured over {measured} processes")  # fmt: skip
    finally:
        loadrun.stop(proc)
    base = results["/healthz (trivial route)"]
    for label, r in results.items():
        print(f"  {label:<27} {r['rps']:7.0f} req/s ({r['rps'] / base['rps']:4.2f} of /healthz)  "
              f"median {r['median']:6.1f} ms ({r['median'] / base['median']:4.1f}x)  "
              f"p95 {r['p95']:6.1f} ms  p99 {r['p99']:6.1f} ms  "
              f"server CPU {r['cpu']:5.2f} ms/req ({r['cpu'] / base['cpu']:4.1f}x)  "
              f"errors {r['errors']:.0f}")  # fmt: skip
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        clicks = conn.execute(sa.text("SELECT count(*) FROM share_clicks")).scalar_one()
        awards = conn.execute(
            sa.text("SELECT count(*) FROM point_awards WHERE action = 'share_clicked'")
        ).scalar_one()
    engine.dispose()
    print(f"  afterwards: {clicks:,} clicks stored, {awards:,} click awards paid (capped per day)")


def main() -> None:
    sys.path.insert(0, str(ROOT))
    for kind in sys.argv[1:] or ["sqlite", "postgresql"]:
        run(kind)


if __name__ == "__main__":
    main()
