"""The tracked-link redirect `/s/<code>` under load, on SQLite and on PostgreSQL. Not a test.

Builds a database with the migrations, seeds people, items, tracked links and
past clicks, then:

1. counts the SQL statements of one request of each kind (Flask test client);
2. serves the app with gunicorn (2 workers x 4 threads, production config)
   and sends bounded bursts of requests from client threads on this machine:
   new visitors (a counted click: lookup, insert, the event's points and
   activity), repeat visitors (lookup, insert that conflicts) and link-preview
   bots (lookup only).

SQLite: a throwaway file. PostgreSQL: the `beacon_bench` database of
BENCH_PG_URL, inside its own schema `bench_tracked_link` (dropped and made
again), never the `test` database. Redis: db 13 of BENCH_REDIS_URL.
Run: `python -m bench.tracked_link [sqlite|postgresql ...]`.
"""

from __future__ import annotations

import http.client
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SCHEMA = "bench_tracked_link"
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "2000"))
ITEMS = int(os.environ.get("BENCH_ITEMS", "100"))
LINKS = int(os.environ.get("BENCH_LINKS", "50000"))
PAST_CLICKS = int(os.environ.get("BENCH_PAST_CLICKS", "500000"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))  # per scenario
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)
BOT = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
SECRET = "bench-secret-" + "x" * 40  # noqa: S105 - a throwaway key for a throwaway database


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _postgres_url() -> str:
    admin = sa.create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname='beacon_bench'")
        ).first():
            conn.execute(sa.text("CREATE DATABASE beacon_bench"))
    admin.dispose()
    url = PG.rsplit("/", 1)[0] + "/beacon_bench"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {SCHEMA}"))
    engine.dispose()
    return f"{url}?options=-csearch_path%3D{SCHEMA}"


def _environment(database_url: str, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        BEACON_ENV="production",
        SECRET_KEY=SECRET,
        DATABASE_URL=database_url,
        REDIS_URL=REDIS,
        BEACON_INSTANCE_DIR=str(workdir),
        TRUSTED_PROXIES="1",  # lets the bench vary the client address with X-Forwarded-For
        PYTHONPATH=str(ROOT),
    )
    return env


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


def _serve(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4",
         "--worker-class", "gthread", "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "wsgi:app"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/healthz")
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def _burst(
    port: int, make_request: Callable[[int], tuple[str, dict[str, str]]]
) -> dict[str, float]:
    """REQUESTS requests from CLIENTS threads (keep-alive); requests/s and latency in ms."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(REQUESTS))

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path, headers = make_request(n)
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append((time.perf_counter() - start) * 1000)
            if status != 302:
                with lock:
                    errors.append(status)
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "median": statistics.median(latencies),
        "p95": latencies[int(len(latencies) * 0.95) - 1],
        "p99": latencies[int(len(latencies) * 0.99) - 1],
        "errors": len(errors),
    }


def run(kind: str) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="beacon-bench-links-"))
    url = f"sqlite:///{workdir / 'bench.db'}" if kind == "sqlite" else _postgres_url()
    env = _environment(url, workdir)
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
    rng = random.Random(11)
    scenarios: dict[str, Callable[[int], tuple[str, dict[str, str]]]] = {
        # Every request a new visitor on a random link: a counted click each time.
        "new visitors": lambda n: (
            f"/s/{rng.choice(codes)}",
            {"User-Agent": CHROME, "X-Forwarded-For": f"10.{n >> 16}.{n >> 8 & 255}.{n & 255}"},
        ),
        # One visitor reloading a few links: the insert conflicts, nothing else is written.
        "repeat visitors": lambda n: (
            f"/s/{codes[n % 20]}", {"User-Agent": CHROME, "X-Forwarded-For": "192.0.2.1"},
        ),
        # Link-preview crawlers: the lookup only.
        "bots": lambda n: (
            f"/s/{rng.choice(codes)}", {"User-Agent": BOT, "X-Forwarded-For": "192.0.2.9"},
        ),
    }  # fmt: skip
    proc, port = _serve(env)
    try:
        _burst(port, scenarios["bots"])  # warm up both workers
        print(f"  gunicorn 2 workers x 4 threads, {CLIENTS} client threads, {REQUESTS:,} requests")
        for label, scenario in scenarios.items():
            r = _burst(port, scenario)
            print(f"  {label:<16} {r['rps']:7.0f} req/s   median {r['median']:6.1f} ms   "
                  f"p95 {r['p95']:6.1f} ms   p99 {r['p99']:6.1f} ms   "
                  f"errors {r['errors']:.0f}")  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
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
