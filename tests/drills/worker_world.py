"""The killed-worker drill's world: job kinds found in the code, workers forked on demand, checks.

`World` holds one drill's app, people, mail server and LRS, and drives its
workers: `crash()` starts a worker that dies in the middle of a job,
`later()` lets ten minutes pass for RQ's maintenance, `start_worker()` starts a
fresh `flask worker`, `tick()` is the scheduler's next run of a periodic job.
"""

from __future__ import annotations

import ast
import functools
import inspect
import json
import os
import pkgutil
import select
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from importlib import import_module
from pathlib import Path
from typing import Any, cast

from flask import Flask
from rq.cron import CronJob
from rq.job import Job, JobStatus
from rq.queue import Queue
from rq.registry import (
    FailedJobRegistry,
    FinishedJobRegistry,
    ScheduledJobRegistry,
    StartedJobRegistry,
)
from rq.worker import Worker
from sqlalchemy import func
from sqlalchemy import select as sql_select

import jobs
from jobs.cron import PERIODIC_JOBS
from portal.accounts.models import User
from portal.db import db, read_only_transactions
from portal.gamification import leaderboard
from portal.gamification.models import PointAward
from portal.gamification.points import SPEND_ACTIONS
from portal.insights.models import PersonDay, PersonPeriod, SegmentMember, TeamDay
from portal.notifications.models import DeliveryStatus, EmailDelivery, Notification
from portal.queue import PENDING, OutboxJob, get_queue
from portal.worker import log_job_failure
from tests.conftest import ROOT, Mailbox, People, free_port
from tests.drills.forked_workers import CRASHED_KEY

WAIT = 90.0  # seconds: a loaded CI machine starts workers slowly (as tests/notifications)
LATER = 600  # seconds: RQ's maintenance interval, well past a dead worker's heartbeat TTL

# --- every job kind, from the code ---------------------------------------------------------

# How a job reaches RQ, by the call that enqueues it.
ENQUEUE_CALLS = {
    "enqueue_after_commit": "outbox",
    "enqueue_once": "outbox",
    "enqueue_at": "scheduled",
    "enqueue_in": "scheduled",
    "enqueue": "chained",  # a job enqueueing more jobs (jobs/insights.py)
    "enqueue_call": "chained",
}


def job_functions() -> dict[str, Callable[..., Any]]:
    """Every public function defined in a module of the jobs package, by dotted path."""
    found: dict[str, Callable[..., Any]] = {}
    for info in pkgutil.iter_modules(jobs.__path__):
        module = import_module(f"jobs.{info.name}")
        for name, obj in vars(module).items():
            public = not name.startswith("_")
            if public and inspect.isfunction(obj) and obj.__module__ == module.__name__:
                found[f"{module.__name__}.{name}"] = obj
    return found


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted([*(ROOT / "portal").rglob("*.py"), *(ROOT / "jobs").glob("*.py")]):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        yield module, ast.parse(path.read_text(), str(path))


@functools.cache
def enqueued_kinds() -> frozenset[tuple[str, str]]:
    """(job, how) for every job the code enqueues: by name, by constant or by function."""
    known = job_functions()
    found: set[tuple[str, str]] = set()
    for module, tree in _sources():
        # Names that stand for a job: string constants, and functions imported from jobs.
        names = {
            target.id: node.value.value
            for node in tree.body
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
            for target in node.targets
            if isinstance(target, ast.Name) and isinstance(node.value.value, str)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("jobs."):
                names.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            callee = node.func
            name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", "")
            if name not in ENQUEUE_CALLS:
                continue
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                path = None
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    path = arg.value
                elif isinstance(arg, ast.Name):
                    path = names.get(arg.id) or f"{module}.{arg.id}"
                if path in known:
                    found.add((path, ENQUEUE_CALLS[name]))
    for job, _ in PERIODIC_JOBS:
        found.add((f"{job.__module__}.{job.__name__}", "periodic"))
    return frozenset(found)


# --- the drill's world: workers, mail, an LRS ------------------------------------------------


@dataclass
class FakeLRS:
    """A learning record store that keeps one statement per id and answers 409 to a known id."""

    port: int = field(default_factory=free_port)
    stored: dict[str, int] = field(default_factory=dict)  # statement id -> times stored
    posts: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xapi"

    def handle(self, body: bytes) -> int:
        with self.lock:
            self.posts += 1
            ids = [s["id"] for s in json.loads(body)]
            if any(i in self.stored for i in ids):
                return 409
            for i in ids:
                self.stored[i] = self.stored.get(i, 0) + 1
            return 200


@dataclass
class ForkServer:
    """tests/drills/forked_workers.py running: it forks a worker in milliseconds."""

    proc: subprocess.Popen[str]
    log_dir: Path

    def fork(self, command: str) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        ready, _, _ = select.select([self.proc.stdout], [], [], WAIT)
        assert ready, "the fork server did not answer"
        return int(self.proc.stdout.readline())

    def log(self, pid: int) -> str:
        path = self.log_dir / f"worker-{pid}.log"
        return path.read_text()[-4000:] if path.exists() else "(no log)"


def alive(pid: int) -> bool:
    """Whether the process runs (a zombie does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in {"Z", "X"}


def wait_until(check: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


@dataclass
class World:
    """The app, people, mail and LRS of one drill, and its worker processes."""

    app: Flask
    people: People
    mailbox: Mailbox
    lrs: FakeLRS
    server: ForkServer
    pids: list[int] = field(default_factory=list)

    # -- reading and writing the database from the test --------------------------------------

    def read(self, query: Callable[[], Any]) -> Any:
        """Run `query` in a transaction that never holds SQLite's write lock."""
        with self.app.app_context(), read_only_transactions():
            try:
                return query()
            finally:
                db.session.rollback()

    def write(self, change: Callable[[], Any]) -> Any:
        """Run `change` and commit."""
        with self.app.app_context():
            result = change()
            db.session.commit()
            return result

    def user(self, person: User) -> User:
        return db.session.get_one(User, person.id)

    def mail_to(self, address: str) -> list[Message]:
        return [m for m in self.mailbox.messages if address in (m["To"] or "")]

    # -- RQ -------------------------------------------------------------------------------------

    def queue(self) -> Queue:
        with self.app.app_context():
            return get_queue()

    def tick(self, path: str) -> str:
        """The scheduler's next tick of a periodic job: enqueued as `flask scheduler` does."""
        [(job, options)] = [
            (j, o) for j, o in PERIODIC_JOBS if f"{j.__module__}.{j.__name__}" == path
        ]
        queue = self.queue()
        return str(CronJob(queue.name, func=job, **options).enqueue(queue.connection).id)

    def later(self) -> list[Job]:
        """Ten minutes pass: RQ's maintenance handles abandoned jobs, due retries become due.

        The maintenance is the one a worker runs every 10 minutes
        (StartedJobRegistry.cleanup with the worker's exception handlers), run here with
        its clock moved on. Returns the jobs it found abandoned.
        """
        queue = self.queue()
        moment = time.time() + LATER
        started = StartedJobRegistry(queue=queue)
        abandoned = [
            j for j in Job.fetch_many(started.get_expired_job_ids(moment), queue.connection) if j
        ]
        started.cleanup(timestamp=moment, exception_handlers=[log_job_failure])
        scheduled = ScheduledJobRegistry(queue=queue)
        now = int(time.time()) - 1  # RQ's scheduler compares whole seconds
        entries = cast(
            list[tuple[bytes, float]],
            queue.connection.zrange(scheduled.key, 0, -1, withscores=True),
        )
        for job_id, at in entries:
            if at <= moment:
                queue.connection.zadd(scheduled.key, {job_id: now})
        return abandoned

    # -- workers --------------------------------------------------------------------------------

    def crash(self, path: str, point: str) -> None:
        """Start a worker that dies at `point` of the next `path` job; wait until it is dead."""
        queue = self.queue()
        connection = queue.connection
        connection.delete(CRASHED_KEY)
        pid = self.server.fork(f"crash {path} {point}")
        self.pids.append(pid)

        def done() -> bool:
            if connection.get(CRASHED_KEY) is not None or not alive(pid):
                return True
            # The job ended without reaching the point: no need to wait any longer.
            ended = [*FinishedJobRegistry(queue=queue).get_job_ids(),
                     *FailedJobRegistry(queue=queue).get_job_ids()]  # fmt: skip
            return any(j and j.func_name == path for j in Job.fetch_many(ended, connection))

        wait_until(done, f"the worker to reach {point} in {path}")
        wait_until(lambda: not alive(pid), "the killed worker to be gone")
        crashed = connection.get(CRASHED_KEY)
        assert crashed == f"{path} {point}".encode(), (
            f"the worker died without reaching {point}: {crashed!r}\n{self.server.log(pid)}"
        )

    def start_worker(self) -> int:
        """A fresh `flask worker`; waits until it has registered."""
        pid = self.server.fork("worker")
        self.pids.append(pid)
        queue = self.queue()

        def registered() -> bool:
            assert alive(pid), self.server.log(pid)
            return any(w.pid == pid for w in Worker.all(queue=queue))

        wait_until(registered, "the fresh worker to start")
        return pid

    def stop_workers(self) -> None:
        """Stop the drill's workers and their scheduler processes (idle by now: no need to wait)."""
        for pid in self.pids:
            if alive(pid):
                os.killpg(pid, signal.SIGKILL)
        for pid in self.pids:
            wait_until(lambda p=pid: not alive(p), "a worker to stop", timeout=10)  # type: ignore[misc]

    def finished(self, job_id: str) -> bool:
        """Whether the job finished; fails at once if it failed."""
        job = Job.fetch(job_id, connection=self.queue().connection)
        status = job.get_status()
        assert status != JobStatus.FAILED, f"{job.func_name} failed: {job.latest_result()}"
        return status == JobStatus.FINISHED

    def quiet(self, worker_pid: int) -> bool:
        """Nothing queued, running, due or waiting in the outbox, twice in a row."""
        queue = self.queue()
        connection = queue.connection

        def once() -> bool:
            due = connection.zcount(ScheduledJobRegistry(queue=queue).key, 0, time.time() + 1)
            busy = connection.zcard(StartedJobRegistry(queue=queue).key)
            workers = [w for w in Worker.all(queue=queue) if w.pid == worker_pid]
            idle = bool(workers) and workers[0].get_state() == "idle"
            pending = self.read(
                lambda: db.session.scalar(
                    sql_select(func.count())
                    .select_from(OutboxJob)
                    .where(OutboxJob.status == PENDING)
                )
            )
            return queue.count == 0 and due == 0 and busy == 0 and idle and pending == 0

        if not once():
            return False
        time.sleep(0.15)  # between dequeue and start a job is in neither place: look twice
        return once()


# --- checks shared by the drills ---------------------------------------------------------------


def board_matches_ledger(w: World) -> None:
    """The all-time leaderboard in Redis holds exactly what the ledger says."""

    def ledger() -> dict[int, int]:
        rows = db.session.execute(
            sql_select(PointAward.user_id, func.sum(PointAward.points))
            .where(~PointAward.action.in_(SPEND_ACTIONS))
            .group_by(PointAward.user_id)
        )
        return {int(u): int(p) for u, p in rows if p}

    expected = w.read(ledger)
    board = cast(
        list[tuple[bytes, float]],
        w.queue().connection.zrange(leaderboard.key("all"), 0, -1, withscores=True),
    )
    assert {int(m): int(s) for m, s in board if s} == expected


def notices(w: World, kind: str) -> Counter[int]:
    """How many notifications of `kind` each person got."""
    return Counter(
        w.read(
            lambda: list(
                db.session.scalars(
                    sql_select(Notification.user_id).where(Notification.kind == kind)
                )
            )
        )
    )


def no_duplicate_mail(w: World) -> None:
    seen = Counter((m["To"], m["Subject"]) for m in w.mailbox.messages)
    assert all(n == 1 for n in seen.values()), seen


def nothing_left_behind(w: World) -> None:
    """No email waiting or claimed, and no outbox row waiting for Redis."""

    def rows() -> tuple[int, int]:
        emails = db.session.scalar(
            sql_select(func.count())
            .select_from(EmailDelivery)
            .where(EmailDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
        )
        outbox = db.session.scalar(
            sql_select(func.count()).select_from(OutboxJob).where(OutboxJob.status == PENDING)
        )
        return emails or 0, outbox or 0

    assert w.read(rows) == (0, 0)


INSIGHT_TABLES = (PersonDay, PersonPeriod, TeamDay, SegmentMember)


def insight_rows(w: World) -> dict[str, list[tuple[Any, ...]]]:
    def rows() -> dict[str, list[tuple[Any, ...]]]:
        found = {}
        for model in INSIGHT_TABLES:
            columns = list(model.__table__.columns)
            result = db.session.execute(sql_select(*columns).order_by(*columns))
            found[model.__tablename__] = [tuple(r) for r in result]
        return found

    return w.read(rows)


def same_as_a_clean_run(run: Callable[[], Any], *tables: str) -> Callable[[World, Any], None]:
    """A check: the rows equal what one more, uninterrupted run of the job leaves."""

    def check(w: World, state: Any) -> None:
        after_recovery = insight_rows(w)
        for table in tables:
            assert after_recovery[table], f"the job left {table} empty"
        w.write(run)
        assert insight_rows(w) == after_recovery

    return check
