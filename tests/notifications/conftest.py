"""Notification test helpers: data builders, in-process mail, extra workers, a slow SMTP server."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification.streak_models import Streak
from portal.learning.records import Assignment
from portal.notifications.models import EmailDelivery
from tests.conftest import _TMP, ROOT, Mailbox, free_port
from tests.learning.factories import build_module


@pytest.fixture
def mail_in_process(app, mailbox: Mailbox) -> Iterator[Mailbox]:  # type: ignore[no-untyped-def]
    """Jobs run in this process send through the real local SMTP server."""
    previous = app.config["MAIL_URL"]
    app.config["MAIL_URL"] = mailbox.url
    yield mailbox
    app.config["MAIL_URL"] = previous


def set_timezone(app, user: User, timezone: str) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.get(User, user.id).timezone = timezone  # type: ignore[union-attr]
        db.session.commit()


def assign(app, user: User, due_on: date | None, title: str = "Personal brand basics") -> int:  # type: ignore[no-untyped-def]
    """Assign a fresh published module to `user`; return the assignment's id."""
    built = build_module(app, title=title, lessons=1, cards=1, questions=0)
    with app.app_context():
        row = Assignment(user_id=user.id, module_id=built.module_id, due_on=due_on)
        db.session.add(row)
        db.session.commit()
        return row.id


def give_streak(app, user: User, current: int, last_day: date, freezes: int = 0) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        db.session.add(
            Streak(
                user_id=user.id,
                current=current,
                longest=current,
                last_day=last_day,
                freezes=freezes,
                weekday_only=False,
                updated_at=utcnow(),
            )
        )
        db.session.commit()


def deliveries(app, **filters: Any) -> list[EmailDelivery]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.query(EmailDelivery).filter_by(**filters).order_by(EmailDelivery.id).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def to(box: Mailbox, address: str) -> list[Message]:
    return [m for m in box.messages if address in (m["To"] or "")]


def wait_until(check: Callable[[], Any], timeout: float = 90.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what or check}")


# --- real worker processes --------------------------------------------------------------


@dataclass
class Workers:
    """Start extra `flask worker` processes (each with its own SMTP server URL)."""

    app: Any
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def start(self, mail_url: str) -> subprocess.Popen[bytes]:
        from rq import Worker

        from portal.queue import get_queue

        env = dict(os.environ)
        env["BEACON_TEST_MAIL_URL"] = mail_url
        log = open(_TMP / f"worker-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi:app", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(proc)
        with self.app.app_context():
            deadline = time.monotonic() + 30
            while not any(w.pid == proc.pid for w in Worker.all(queue=get_queue())):
                assert proc.poll() is None, "the worker died on start"
                assert time.monotonic() < deadline, "the worker did not start"
                time.sleep(0.05)
        return proc

    def start_process(self, *args: str) -> subprocess.Popen[bytes]:
        log = open(_TMP / f"process-{len(self.started)}.log", "wb")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "wsgi:app", *args],
            cwd=ROOT,
            env=dict(os.environ),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.started.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in self.started:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.started:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def workers(app) -> Iterator[Workers]:  # type: ignore[no-untyped-def]
    started = Workers(app)
    yield started
    started.stop_all()


def children_of(pid: int) -> list[int]:
    """Process ids whose parent is `pid` (the RQ work horse of a worker)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            found.append(int(entry.name))
    return found


def kill_hard(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL a worker and its work horse, as a crash or an OOM kill would."""
    for child in children_of(proc.pid):
        os.kill(child, signal.SIGKILL)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


# --- an SMTP server that stalls the first message -------------------------------------


@dataclass
class SlowMailbox(Mailbox):
    """A real SMTP server whose first MAIL FROM hangs (a slow or stuck server)."""

    stall_seconds: float = 60.0
    stalled: threading.Event = field(default_factory=threading.Event)
    sessions: int = 0


@pytest.fixture
def slow_smtp() -> Iterator[SlowMailbox]:
    from aiosmtpd.controller import Controller

    box = SlowMailbox(port=free_port())

    class Handler:
        async def handle_MAIL(self, server, session, envelope, address, options):  # type: ignore[no-untyped-def] # noqa: N802
            box.sessions += 1
            if box.sessions == 1:
                box.stalled.set()
                await asyncio.sleep(box.stall_seconds)
            envelope.mail_from = address
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def refusing_smtp() -> Iterator[Mailbox]:
    """A real SMTP server that answers every message with a temporary 451 error."""
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
            return "451 4.3.0 Mail server temporarily rejected message"

        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # type: ignore[no-untyped-def] # noqa: N802
            if address.startswith("nobody@"):
                return "550 5.1.1 No such user here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


def utc(*args: int) -> datetime:
    from datetime import UTC

    return datetime(*args, tzinfo=UTC)  # type: ignore[misc]
