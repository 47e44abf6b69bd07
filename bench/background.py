"""The background jobs on the generated company of 100,000 people: time, memory and statements.

Runs the real job functions of jobs/ in an app context against the company
`bench.generate` makes, in a schema of its own (`jobs_100k` of `beacon_bench`:
the same generator and seed as `scale_100k`, generated when missing, kept
otherwise), so a load test on `scale_100k` at the same time neither sees the
jobs' writes nor changes their input. The jobs: the reminder sweep (twice:
the second finds every key taken), the digests of a whole Monday (the 24
hourly runs, which between them build the digest of everyone who wants one),
the nightly leaderboard rebuild from the ledger (2,000,000 rows) into Redis,
and the weekly league rollover. Each job
runs in a fresh subprocess, so its peak memory (`ru_maxrss`) is its own;
`--tracemalloc` runs each a second time under tracemalloc for the peak of
Python allocations (slower, so not in the timed run). SQL statements are
counted with a `before_cursor_execute` listener.

Before each job the rows earlier runs wrote are removed (notifications the
jobs made, email deliveries, digest runs; last week's leagues are opened
again), so every run starts from the generated state. The clock is set to the
moment the data was generated (time-machine), so the results do not depend on
the day the benchmark runs. Redis: BENCH_REDIS_URL (default db 10); the RQ
queue "beacon-bench" is emptied after each job. Not a test.

    .venv/bin/python -m bench.background [--people 100000] [--tracemalloc] [job ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/10")
QUEUE = "beacon-bench"
JOBS = ("sweep", "digests", "leaderboards", "leagues")


def _rss_mib() -> float:
    """This process's resident memory now, in MiB (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def _hwm_mib() -> float:
    """This process's peak resident memory since exec (VmHWM), in MiB (Linux)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _monday_after(moment: datetime) -> datetime:
    """The Monday after `moment` (weekly digests go out on Mondays), at 00:00 UTC."""
    days = (7 - moment.weekday()) % 7 or 7
    return (moment + timedelta(days=days)).replace(hour=0, minute=0, second=0)


def schema_of(people: int) -> str:
    """`jobs_100k`: the generated world of `scale_100k`, in a schema of its own.

    A load test may be using `scale_100k` at the same time; the jobs write
    notifications and close leagues, which must not change what it sees.
    """
    from bench.generate import schema_for

    return "jobs_" + schema_for(people).removeprefix("scale_")


def child(job: str, people: int, trace: bool) -> dict[str, Any]:
    """Run one job in this (fresh) process and return its measurements."""
    import sqlalchemy as sa
    import time_machine

    from bench.generate import OUT_DIR

    info = json.loads((OUT_DIR / f"{schema_of(people)}.json").read_text())
    os.environ.setdefault("BEACON_INSTANCE_DIR", str(OUT_DIR))
    from portal import create_app
    from portal.db import db

    app = create_app(
        "test",
        {"SQLALCHEMY_DATABASE_URI": info["database_url"], "REDIS_URL": REDIS, "RQ_QUEUE": QUEUE},
    )
    generated = datetime.fromisoformat(info["generated_at"])
    statements: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements[statement.split(None, 1)[0].upper()] += 1

    with app.app_context():
        from jobs.gamification import rebuild_leaderboards
        from jobs.leagues import rollover_leagues
        from jobs.notifications import send_digests, sweep_reminders

        db.session.execute(sa.text("SELECT 1"))  # connect before measuring
        db.session.rollback()
        before = _rss_mib()
        if trace:
            import tracemalloc

            tracemalloc.start()
        sa.event.listen(db.engine, "before_cursor_execute", count)
        result: Any
        started = time.perf_counter()
        extra: dict[str, Any] = {}
        if job == "sweep":
            with time_machine.travel(generated + timedelta(minutes=5), tick=True):
                result = sweep_reminders()
                extra["first"] = round(time.perf_counter() - started, 2)
                again = time.perf_counter()
                second = sweep_reminders()
                extra["second"] = round(time.perf_counter() - again, 2)
                extra["second_result"] = second
        elif job == "digests":
            monday = _monday_after(generated)
            hours = []
            result = Counter()
            for hour in range(24):
                with time_machine.travel(monday + timedelta(hours=hour, minutes=2), tick=True):
                    t = time.perf_counter()
                    done = send_digests()
                    hours.append(round(time.perf_counter() - t, 2))
                    for key in ("due", "queued", "empty"):
                        result[key] += done[key]
            extra["monday"] = monday.date().isoformat()
            extra["slowest_hour"] = max(hours)
            extra["hours"] = hours
            result = dict(result)
        elif job == "leaderboards":
            with time_machine.travel(generated, tick=True):
                result = rebuild_leaderboards()
        elif job == "leagues":
            with time_machine.travel(generated + timedelta(minutes=1), tick=True):
                result = rollover_leagues()
        else:
            raise SystemExit(f"unknown job {job!r}")
        elapsed = time.perf_counter() - started
        sa.event.remove(db.engine, "before_cursor_execute", count)
        peak_traced = None
        if trace:
            import tracemalloc

            peak_traced = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        db.session.remove()
        from portal.queue import get_queue

        queued = get_queue().count
        get_queue().empty()
        db.engine.dispose()
    return {
        "job": job,
        "seconds": round(elapsed, 2),
        "rss_before_mib": round(before, 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "vm_hwm_mib": round(_hwm_mib(), 1),
        "tracemalloc_peak_mib": None if peak_traced is None else round(peak_traced, 1),
        "statements": sum(statements.values()),
        "by_kind": dict(statements.most_common()),
        "rq_jobs_queued": queued,
        "result": result,
        **extra,
    }


def reset(info: dict[str, Any], job: str) -> None:
    """Put back the generated state the job changes (not timed)."""
    import psycopg

    url = info["database_url"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as conn:
        # TRUNCATE, not DELETE: deleting notifications checks email_deliveries.notification_id
        # (no index) once per row, and a table full of dead rows makes that quadratic.
        conn.execute("TRUNCATE email_deliveries, digest_runs")
        conn.execute("DELETE FROM notifications WHERE key NOT LIKE 'bench:%'")
        conn.execute("UPDATE share_reminders SET sent_at = NULL WHERE sent_at IS NOT NULL")
        # The live sessions as generated (a kept schema's were moved to the real now).
        conn.execute(
            "UPDATE boards SET session_at = %s WHERE id IN (1, 2)",
            [datetime.fromisoformat(info["generated_at"]) - timedelta(minutes=10)],
        )
        if job == "leagues":
            week = info["league_last_week"]
            conn.execute(
                "UPDATE league_memberships SET rank = NULL, outcome = NULL, next_tier = NULL "
                "WHERE week = %s",
                [week],
            )
            conn.execute("UPDATE league_cohorts SET closed_at = NULL WHERE week = %s", [week])
        conn.commit()
        conn.autocommit = True
        conn.execute("VACUUM ANALYZE notifications, email_deliveries, digest_runs")
    import redis

    client = redis.Redis.from_url(REDIS)
    if job == "leaderboards":
        client.flushdb()  # the rebuild starts from no sorted sets, as after a Redis restart
    client.close()


def run_child(job: str, people: int, trace: bool) -> dict[str, Any]:
    """The job in a fresh interpreter; its last output line is the JSON result."""
    command = [sys.executable, "-m", "bench.background", "--child", job, "--people", str(people)]
    if trace:
        command.append("--tracemalloc")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise SystemExit(f"{job} failed ({done.returncode})")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    """Generate (or keep) the company, then run and report each job."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("jobs", nargs="*", default=list(JOBS), help=", ".join(JOBS))
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--tracemalloc", action="store_true", help="also a traced run per job")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.people, args.tracemalloc), default=str))
        return
    from bench.generate import OUT_DIR

    # Generated in a subprocess too: Linux hands a parent's peak RSS on to the children it
    # forks (ru_maxrss survives exec), and generating 100,000 people peaks at ~2 GiB.
    schema = schema_of(args.people)
    subprocess.run(
        [sys.executable, "-m", "bench.generate", "--people", str(args.people), "--keep",
         "--no-rollups", "--schema", schema],
        check=True,
    )  # fmt: skip
    info = json.loads((OUT_DIR / f"{schema}.json").read_text())
    print(f"\n{info['schema']}: {info['people']:,} people, clock at {info['generated_at']}")
    rows = []
    for job in args.jobs:
        reset(info, job)
        measured = run_child(job, args.people, trace=False)
        if args.tracemalloc:
            reset(info, job)
            measured["tracemalloc_peak_mib"] = run_child(job, args.people, trace=True)[
                "tracemalloc_peak_mib"
            ]
        rows.append(measured)
        print(json.dumps(measured, default=str))
    reset(info, "leagues")  # leave the schema as generated for the next user
    print(f"\n{'job':<14} {'wall s':>8} {'peak RSS MiB':>13} {'(before)':>9} "
          f"{'tracemalloc MiB':>16} {'SQL':>8}  result")  # fmt: skip
    for row in rows:
        traced = "-" if row["tracemalloc_peak_mib"] is None else f"{row['tracemalloc_peak_mib']}"
        print(
            f"{row['job']:<14} {row['seconds']:>8} {row['peak_rss_mib']:>13} "
            f"{row['rss_before_mib']:>9} {traced:>16} {row['statements']:>8}  {row['result']}"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
