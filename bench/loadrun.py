"""Serving Beacon with gunicorn and loading it with wrk, for the load benchmarks. Not a test.

Shared by `bench.tracked_link` and `bench.load`. A load run is a set of kinds
of request (each a list of `Request`s written to a file that bench/load.lua
replays), loaded in the same run as the trivial route `/healthz` with the same
tool and concurrency, taking turns in a rotating order for a few rounds, so a
neighbour's load on the shared machine hits them alike; each kind's median
round is reported, with the server's CPU time per request (gunicorn workers,
plus PostgreSQL's backends), which such load disturbs far less than
requests/s.

The load tool is wrk (`apt-get install wrk`) when it is on PATH, else a
threaded http.client loop that replays the same requests (a fixed number per
round); the output says which. Every request goes to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
WRK = shutil.which("wrk")
LUA = Path(__file__).with_name("load.lua")
WRK_THREADS = 2
SETTLE = 2.0  # seconds of quiet before each run
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
)


@dataclass
class Request:
    """One request to replay; "{visitor}" in a header value becomes a fresh client address."""

    path: str
    method: str = "GET"
    body: str = ""
    headers: dict[str, str] = field(default_factory=dict)

    def all_headers(self) -> dict[str, str]:
        """The headers, with the form's content type when there is a body."""
        if self.body and "Content-Type" not in self.headers:
            return {"Content-Type": "application/x-www-form-urlencoded", **self.headers}
        return self.headers

    def line(self) -> str:
        """The request as a line of bench/load.lua's requests file."""
        fields = [
            self.method,
            self.path,
            self.body,
            *(f"{k}: {v}" for k, v in self.all_headers().items()),
        ]
        assert not any("\t" in f or "\n" in f for f in fields), fields
        return "\t".join(fields)


@dataclass
class Kind:
    """A kind of request under load: its requests (made per round) and the statuses expected.

    `requests(run)` returns the requests of run `run` (0 is the warm-up); a kind
    whose requests only work once (a quiz answer) returns fresh ones each run.
    """

    requests: Callable[[int], Sequence[Request]]
    expected: frozenset[int] = frozenset({200})
    once: bool = False  # each request works once (a quiz answer): say when any was sent twice


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(
    database_url: str, workdir: Path, redis_url: str, secret: str, **extra: str
) -> dict[str, str]:
    """The environment of a production server on a benchmark database (and of its bench)."""
    env = dict(os.environ)
    env.update(
        BEACON_ENV="production",
        SECRET_KEY=secret,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        BEACON_INSTANCE_DIR=str(workdir),
        TRUSTED_PROXIES="1",  # lets the bench vary the client address with X-Forwarded-For
        PYTHONPATH=str(ROOT),
        **extra,
    )
    return env


def procfile_threads() -> int:
    """Threads per gunicorn worker as the Procfile's web process runs it (1: the sync worker)."""
    web = next(
        line.split(":", 1)[1]
        for line in (ROOT / "Procfile").read_text().splitlines()
        if line.startswith("web:")
    )
    found = re.search(r"--threads[ =](\d+)", web)
    return int(found.group(1)) if found else 1


def serve(
    env: dict[str, str], workers: int = 2, threads: int = 1
) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn on a free port of 127.0.0.1 (the sync worker, or gthread with `threads` > 1)."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--workers", str(workers)]
    if threads > 1:
        command += ["--threads", str(threads), "--worker-class", "gthread"]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "wsgi:app"]
    proc = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def describe_server(threads: int) -> str:
    if threads > 1:
        return f"gunicorn 2 workers x {threads} threads (gthread, keep-alive)"
    return "gunicorn 2 sync workers (one request at a time each, a connection per request)"


def describe_tool(connections: int, seconds: int, requests: int) -> str:
    if WRK:
        return f"wrk, {WRK_THREADS} threads, {connections} connections, {seconds} s a round"
    return (
        f"threaded http.client (wrk not found), {connections} threads, "
        f"{requests:,} requests a round"
    )


def _wrk(port: int, path: Path, run: int, connections: int, seconds: int) -> dict[str, Any]:
    """One wrk run replaying `path`; requests/s, latency in ms, statuses and errors."""
    assert WRK is not None
    result = subprocess.run(
        [WRK, f"-t{WRK_THREADS}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
         "-s", str(LUA), f"http://127.0.0.1:{port}", "--", str(path), str(WRK_THREADS), str(run)],
        capture_output=True, text=True, timeout=seconds + 60, check=True,
    )  # fmt: skip
    line = next(x for x in result.stdout.splitlines() if x.startswith("WRKJSON "))
    data = json.loads(line.removeprefix("WRKJSON "))
    statuses: dict[int, int] = {}
    for status, count in data["statuses"]:
        statuses[status] = statuses.get(status, 0) + count
    return {
        "rps": data["requests"] / (data["duration_us"] / 1e6),
        "median": data["p50_us"] / 1000,
        "p95": data["p95_us"] / 1000,
        "p99": data["p99_us"] / 1000,
        "socket_errors": data["socket_errors"],
        "reused": data["reused"],
        "requests": data["requests"],
        "statuses": statuses,
    }


def _burst(
    port: int, requests: Sequence[Request], run: int, connections: int, count: int
) -> dict[str, Any]:
    """`count` requests from `connections` threads (keep-alive), replaying `requests` in turn."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(count))
    socket_errors = 0

    def worker() -> None:
        nonlocal socket_errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            r = requests[n % len(requests)]
            address = f"10.{run % 256}.{n >> 8 & 255}.{n & 255}"
            headers = {k: v.replace("{visitor}", address) for k, v in r.all_headers().items()}
            start = time.perf_counter()
            try:
                conn.request(r.method, r.path, body=r.body or None, headers=headers)
                response = conn.getresponse()
                response.read()
                status = response.status
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (http.client.HTTPException, OSError):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                status = 0
            mine.append((time.perf_counter() - start) * 1000)
            with lock:
                if status:
                    statuses[status] = statuses.get(status, 0) + 1
                else:
                    socket_errors += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
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
        "socket_errors": socket_errors,
        "reused": max(count - len(requests), 0),
        "requests": len(latencies),
        "statuses": statuses,
    }


def server_pids(master: int, database_url: str, application_name: str) -> list[int]:
    """The gunicorn workers, and for PostgreSQL the backends with `application_name`."""
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
                {"name": application_name},
            ).scalars()
        engine.dispose()
    return pids


def cpu_seconds(pids: list[int]) -> dict[int, float]:
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


@dataclass
class Target:
    """The server under load: its port, gunicorn's pid, and how to find its database backends."""

    port: int
    master: int
    database_url: str
    application_name: str
    workdir: Path


def wait_idle(target: Target, limit: float = 180.0) -> float:
    """Wait until the server has been idle for half a second; return the seconds waited.

    When a run ends, the requests it left queued are still served (a slow page
    on sync workers can keep them busy for tens of seconds): the next kind must
    not pay for them. Idle: under 5 % of a core for the gunicorn workers and
    their database backends together.
    """
    began = time.monotonic()
    before = cpu_seconds(server_pids(target.master, target.database_url, target.application_name))
    while time.monotonic() - began < limit:
        time.sleep(0.5)
        after = cpu_seconds(
            server_pids(target.master, target.database_url, target.application_name)
        )
        if sum(t - before.get(pid, 0.0) for pid, t in after.items()) < 0.025:
            break
        before = after
    return time.monotonic() - began


def under_load(
    target: Target,
    kinds: dict[str, Kind],
    rounds: int,
    seconds: int,
    connections: int = 8,
    fallback_requests: int = 3000,
) -> dict[str, dict[str, Any]]:
    """Every kind, taking turns for `rounds` rounds; each kind's median round by requests/s.

    After a short warm-up of every kind, each round runs the kinds in an order
    rotated by one, each once the server is idle and after SETTLE seconds more,
    so no kind always follows another's writes (PostgreSQL's background work
    after them lands on whoever comes next) or its queued requests. "errors"
    counts socket errors and responses whose status the kind does not expect;
    "cpu" is the server's CPU time per request, the median over the rounds.
    """

    def once(label: str, kind: Kind, run: int, warm_up: bool = False) -> dict[str, Any]:
        waited = wait_idle(target)
        if waited > 5:
            print(f"    (waited {waited:.0f} s for the server to finish the previous run)")
        time.sleep(SETTLE)
        requests = kind.requests(run)
        path = target.workdir / f"requests-{re.sub(r'[^a-z0-9]+', '-', label.lower())}-{run}.txt"
        path.write_text("".join(r.line() + "\n" for r in requests))
        pids = server_pids(target.master, target.database_url, target.application_name)
        before = cpu_seconds(pids)
        if WRK:
            result = _wrk(target.port, path, run, connections, 3 if warm_up else seconds)
        else:
            count = 200 if warm_up else fallback_requests
            result = _burst(target.port, requests, run, connections, count)
        after = cpu_seconds(
            server_pids(target.master, target.database_url, target.application_name)
        )
        used = sum(t - before.get(pid, 0.0) for pid, t in after.items())
        result["cpu"] = 1000 * used / max(result["requests"], 1)
        statuses: dict[int, int] = result["statuses"]
        unexpected = sum(n for status, n in statuses.items() if status not in kind.expected)
        result["errors"] = result["socket_errors"] + unexpected
        return result

    for label, kind in kinds.items():
        once(label, kind, 0, warm_up=True)
    results: dict[str, list[dict[str, Any]]] = {label: [] for label in kinds}
    order = list(kinds.items())
    for run in range(1, rounds + 1):
        shift = run % len(order)
        for label, kind in order[shift:] + order[:shift]:
            results[label].append(once(label, kind, run))
    medians = {}
    for label, runs in results.items():
        median = dict(sorted(runs, key=lambda r: r["rps"])[len(runs) // 2])
        median["cpu"] = statistics.median(r["cpu"] for r in runs)
        median["errors_all_rounds"] = sum(r["errors"] for r in runs)
        median["reused_all_rounds"] = sum(r["reused"] for r in runs)
        medians[label] = median
    return medians


def postgres_schema_url(base: str, database: str, schema: str) -> str:
    """A URL of `database` on `base`'s server (created if missing) with its own empty `schema`."""
    admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(
            sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": database}
        ).first():
            conn.execute(sa.text(f'CREATE DATABASE "{database}"'))
    admin.dispose()
    url = base.rsplit("/", 1)[0] + "/" + database
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    return f"{url}?options=-csearch_path%3D{schema}&application_name={schema}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn (SIGTERM lets the workers finish their requests)."""
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
