"""Workers for the killed-worker drill, forked from one process that loaded the app once.

`python -m tests.drills.forked_workers LOG_DIR` imports the app as `flask --app
wsgi:app worker` does, prints "ready", then reads one command a line on stdin and
answers each with the pid of a new worker process:

    worker              the real `flask worker` command: its outbox sweep, its RQ
                        scheduler, its maintenance
    crash FUNC POINT    an AppWorker that runs every job as usual, except the job
                        FUNC: in that job's work horse, at POINT, it SIGKILLs its
                        worker and then itself, as an OOM kill or a lost machine would

POINT is where the job is killed:

    write    after the job's first INSERT, UPDATE or DELETE ran, before it commits
    commit   right after the job's first commit that wrote something, before anything
             the process does once a transaction commits (outbox pushes, leaderboards)
    smtp     as the job hands its first message to the mail server

Forking a loaded process takes milliseconds where starting `flask worker` takes a
second or more; that is what lets the drill start two workers for every job kind.
Each worker leads a session of its own, so the drill can stop it and its children.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import signal
import smtplib
import sys
import traceback
from pathlib import Path
from typing import Any

from flask import Flask
from redis import Redis
from rq.job import Job
from rq.queue import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from portal.db import db
from portal.worker import AppWorker

CRASHED_KEY = "beacon:drill:crashed"  # "FUNC POINT", set just before the kill
POINTS = ("write", "commit", "smtp")
_WRITES = ("INSERT", "UPDATE", "DELETE")


def _die(connection: Redis, what: str) -> None:
    """Say where the job died, then SIGKILL the worker and this work horse."""
    connection.set(CRASHED_KEY, what)
    os.kill(os.getppid(), signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def arm(point: str, connection: Redis, what: str) -> None:
    """In this work horse, kill the worker and the horse when the job reaches `point`."""
    if point == "smtp":

        def send_message(*args: Any, **kwargs: Any) -> Any:
            _die(connection, what)

        smtplib.SMTP.send_message = send_message  # type: ignore[method-assign]
        return
    wrote = False

    def after_cursor_execute(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        nonlocal wrote
        if statement.lstrip()[:6].upper() in _WRITES:
            wrote = True
            if point == "write":
                _die(connection, what)

    event.listen(Engine, "after_cursor_execute", after_cursor_execute)
    if point == "commit":

        def after_commit(session: Session) -> None:
            if wrote and session.get_nested_transaction() is None:
                _die(connection, what)

        # First in line: before the outbox push and the other after-commit callbacks.
        event.listen(Session, "after_commit", after_commit, insert=True)


class CrashingWorker(AppWorker):
    """An AppWorker whose work horse dies at `crash_point` when it runs a `crash_func` job."""

    def __init__(self, *args: Any, crash_func: str, crash_point: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crash_func, self.crash_point = crash_func, crash_point

    def perform_job(self, job: Job, queue: Queue) -> bool:
        if job.func_name == self.crash_func:
            arm(self.crash_point, self.connection, f"{job.func_name} {self.crash_point}")
        return super().perform_job(job, queue)


def run_flask_worker(app: Flask) -> None:
    """The `flask worker` command itself, as `flask --app wsgi:app worker` runs it."""
    from portal.cli import worker

    with app.app_context():
        worker.main(args=[], prog_name="flask worker", standalone_mode=False)


def run_crashing_worker(app: Flask, func: str, point: str) -> None:
    """A worker built like `make_worker` builds one, but crashing in `func` at `point`."""
    from portal.queue import get_queue, get_redis

    if point not in POINTS:
        raise ValueError(f"unknown crash point {point!r}")
    with app.app_context():
        engine = db.engine
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        queue, connection = get_queue(), get_redis()
        worker = CrashingWorker(
            [queue], connection=connection, app=app, crash_func=func, crash_point=point
        )
        # What a worker's scheduler does first: jobs whose time has come go to the queue.
        scheduler = RQScheduler([queue], connection=connection)
        if scheduler.acquire_locks():
            scheduler.enqueue_scheduled_jobs()
            scheduler.release_locks()
    worker.work(with_scheduler=False)


def _child(app: Flask, words: list[str], log_dir: Path) -> None:
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # RQ waits for its work horse
        os.setsid()
        log = os.open(log_dir / f"worker-{os.getpid()}.log", os.O_WRONLY | os.O_CREAT, 0o644)
        os.dup2(log, 1)
        os.dup2(log, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        if words == ["worker"]:
            run_flask_worker(app)
        elif len(words) == 3 and words[0] == "crash":
            run_crashing_worker(app, words[1], words[2])
        else:
            raise ValueError(f"unknown command {words!r}")
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _reap(signum: int, frame: Any) -> None:
    """Collect finished workers at once, so a dead one leaves no zombie behind."""
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def main() -> None:
    """Load the app and the job modules once, then fork a worker per command."""
    log_dir = Path(sys.argv[1])
    import jobs
    from wsgi import app

    for module in pkgutil.iter_modules(jobs.__path__):
        importlib.import_module(f"jobs.{module.name}")
    signal.signal(signal.SIGCHLD, _reap)
    print("ready", flush=True)
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        pid = os.fork()
        if pid == 0:
            _child(app, words, log_dir)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
