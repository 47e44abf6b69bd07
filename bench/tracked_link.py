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

The load tool is wrk (`apt-get install wrk`; bench/tracked_link.lua varies
the link, user agent and client address per request) when it is on PATH,
else a threaded http.client loop (BENCH_REQUESTS requests a round); the
output says which. Every request is bounded in count or time and goes to
127.0.0.1 only.

SQLite: a throwaway file. PostgreSQL: the `beacon_bench` database of
BENCH_PG_URL, inside its own schema `bench_tracked_link` (dropped and made
again), never the `test` database. Redis: db 13 of BENCH_REDIS_URL.
Run: `python -m bench.tracked_link [sqlite|postgresql ...]`.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import secrets
import shutil
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
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "3000"))  # per round, without wrk
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))  # open connections
SECONDS = int(os.environ.get("BENCH_SECONDS", "6"))  # per round, with wrk
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SETTLE = 2.0  # seconds of quiet before each run
WRK = shutil.which("wrk")
LUA = Path(__file__).with_suffix(".lua")
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
    return f"{url}?options=-csearch_path%3D{SCHEMA}&application_name={SCHEMA}"


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
    port: int,
    make_request: Callable[[int], tuple[str, dict[str, str]]],
    expected: int = 302,
    requests: int = REQUESTS,
) -> dict[str, float]:
    """`requests` requests from CLIENTS threads (keep-alive); requests/s and latency in ms."""
    latencies: list[float] = []
    errors: list[int] = []
    lock = threading.Lock()
    counter = iter(range(requests))

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
            if status != expected:
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
        "requests": len(latencies),
    }


def _wrk(
    port: int, mode: str, codes_file: Path, run: int, seconds: int = SECONDS
) -> dict[str, float]:
    """One wrk run on CLIENTS connections (2 threads); requests/s and latency in ms."""
    assert WRK is not None
    result = subprocess.run(
        [WRK, "-t2", f"-c{CLIENTS}", f"-d{seconds}s", "--timeout", "10s", "-s", str(LUA),
         f"http://127.0.0.1:{port}", "--", mode, str(codes_file), str(run)],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "median": data["p50_us"] / 1000,
        "p95": data["p95_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "errors": data["errors"],
        "requests": data["requests"],
    }


KINDS = {  # label: the wrk script's mode
    "/healthz (trivial route)": "healthz",
    "/s/ link-preview bots": "bots",
    "/s/ repeat visitors": "repeat",
    "/s/ new visitors (counted)": "new",
}


def _threaded(codes: list[str]) -> dict[str, Callable[[int], tuple[str, dict[str, str]]]]:
    """The same kinds for the http.client fallback (addresses unique across rounds)."""
    rng = random.Random(11)
    serial = iter(range(10**9))

    def new_visitor(_: int) -> tuple[str, dict[str, str]]:
        n = next(serial)
        address = f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}"
        return f"/s/{rng.choice(codes)}", {"User-Agent": CHROME, "X-Forwarded-For": address}

    return {
        "healthz": lambda n: ("/healthz", {}),
        "bots": lambda n: (
            f"/s/{rng.choice(codes)}", {"User-Agent": BOT, "X-Forwarded-For": "192.0.2.9"},
        ),
        "repeat": lambda n: (
            f"/s/{codes[n % 20]}", {"User-Agent": CHROME, "X-Forwarded-For": "192.0.2.1"},
        ),
        "new": new_visitor,
    }  # fmt: skip


def _server_pids(master: int, database_url: str) -> list[int]:
    """The gunicorn workers, and for PostgreSQL the backends serving the bench database."""
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    pids = [int(pid) for pid in children]
    if database_url.startswith("postgresql"):
        engine = sa.create_engine(database_url)
        with engine.connect() as conn:
            pids += conn.execute(
                sa.text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": SCHEMA},
            ).scalars()
        engine.dispose()
    return pids


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time of each live process (from /proc/<pid>/stat)."""
    tick = os.sysconf("SC_CLK_TCK")
    result: dict[int, float] = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        result[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return result


def _under_load(
    port: int, codes: list[str], workdir: Path, master: int, database_url: str
) -> dict[str, dict[str, float]]:
    """Every kind, taking turns for ROUNDS rounds; each kind's median round by requests/s.

    Each round also measures the server's CPU time per request (gunicorn workers,
    plus PostgreSQL's backends), which a neighbour's load on the machine
    disturbs far less than requests/s; its median over the rounds is "cpu".
    """
    codes_file = workdir / "codes.txt"
    codes_file.write_text("\n".join(codes[:20_000]) + "\n")
    threaded = _threaded(codes)

    def once(mode: str, run: int, warm_up: bool = False) -> dict[str, float]:
        pids = _server_pids(master, database_url)
        before = _cpu_seconds(pids)
        if WRK:
            result = _wrk(port, mode, codes_file, run, 3 if warm_up else SECONDS)
        else:
            expected = 200 if mode == "healthz" else 302
            result = _burst(port, threaded[mode], expected, 200 if warm_up else REQUESTS)
        after = _cpu_seconds(_server_pids(master, database_url))
        used = sum(t - before.get(pid, 0.0) for pid, t in after.items())
        result["cpu"] = 1000 * used / max(result["requests"], 1)
        return result

    # Warm up both workers on every path first: a worker's first counted clicks are slow.
    for mode in KINDS.values():
        once(mode, 0, warm_up=True)
    rounds: dict[str, list[dict[str, float]]] = {label: [] for label in KINDS}
    kinds = list(KINDS.items())
    for run in range(1, ROUNDS + 1):
        # Each round starts one kind later, so no kind always follows the counted clicks'
        # writes (PostgreSQL's background work after them lands on whoever comes next).
        for label, mode in kinds[run % len(kinds) :] + kinds[: run % len(kinds)]:
            time.sleep(SETTLE)
            rounds[label].append(once(mode, run))
    medians = {}
    for label, results in rounds.items():
        median = dict(sorted(results, key=lambda r: r["rps"])[len(results) // 2])
        median["cpu"] = statistics.median(r["cpu"] for r in results)
        medians[label] = median
    return medians


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
    proc, port = _serve(env)
    try:
        tool = (
            f"wrk, 2 threads, {CLIENTS} connections, {SECONDS} s a round"
            if WRK
            else f"threaded http.client (wrk not found), {CLIENTS} threads, {REQUESTS:,} a round"
        )
        print(f"  gunicorn 2 workers x 4 threads; {tool}; {ROUNDS} rounds, median round shown")
        load_before = os.getloadavg()[0]
        results = _under_load(port, codes, workdir, proc.pid, url)
        measured = len(_server_pids(proc.pid, url))
        print(f"  machine load average (1 min): {load_before:.1f} before, "
              f"{os.getloadavg()[0]:.1f} after, on {os.cpu_count()} cores; "
              f"server CPU measured over {measured} processes")  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
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
