"""Drill: PostgreSQL restarts (fast and immediate) and stops, and the app recovers by itself.

The drill runs its own PostgreSQL 15 cluster (never the shared server), builds
the schema with the migrations as a deployment does, and serves people from an
app bound to it. After each restart the very next requests must succeed
without restarting the app; while the server is down a request must come back
quickly with a polite error page instead of hanging.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from portal import create_app
from portal.accounts import services as accounts
from portal.db import db
from portal.gamification.models import PointAward
from portal.gamification.subscribers import ensure_default_rules
from portal.learning.records import LessonCompletion
from tests.conftest import PASSWORD, CSRFClient
from tests.drills.conftest import PrivateCluster, PrivateRedis
from tests.learning.factories import build_module

pytestmark = [
    pytest.mark.drill,
    pytest.mark.skipif(
        not os.environ.get("BEACON_TEST_DATABASE_URL", "").startswith("postgresql"),
        reason="PostgreSQL drill: runs in the suite's PostgreSQL pass",
    ),
]

# A request that has not answered by then is hung (no request here takes a second).
HANG = 30.0


@pytest.fixture
def pg_app(private_cluster: PrivateCluster, private_redis: PrivateRedis) -> Iterator[Flask]:
    """An app on the private cluster, schema built by the migrations, errors as pages.

    Its leaderboards go to a private Redis too, so the suite's Redis never sees its people.
    """
    from flask_migrate import upgrade

    app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": private_cluster.url,
            "REDIS_URL": private_redis.url,
            "PROPAGATE_EXCEPTIONS": False,  # a failed request gets the error page, as in production
        },
    )
    with app.app_context():
        upgrade()
        ensure_default_rules()
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def _timed(call: Any) -> tuple[Any, float]:
    """Run `call` in a thread; fail if it hangs, else return its result and how long it took."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            outcome["error"] = exc

    started = time.monotonic()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), f"the request hung for more than {HANG:.0f} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"], time.monotonic() - started


def _learner(app: Flask) -> tuple[CSRFClient, int, list[int]]:
    """A person logged in, and a module of four one-card lessons without a quiz."""
    with app.app_context():
        person = accounts.create_user("pat@example.com", "Pat Postgres", PASSWORD)
        db.session.commit()
        person_id = person.id
    lessons = build_module(app, "Restart drill", lessons=4, cards=1, questions=0).lesson_ids
    app.test_client_class = CSRFClient
    client: CSRFClient = app.test_client()
    assert (
        client.post("/login", data={"email": "pat@example.com", "password": PASSWORD}).status_code
        == 303
    )
    return client, person_id, lessons


def _works(client: CSRFClient, lesson_id: int) -> None:
    """The home page, a lesson, completing it and its done page: all through the database."""
    assert client.get("/").status_code == 200
    assert client.get(f"/learn/lessons/{lesson_id}").status_code == 200
    done = client.post(f"/learn/lessons/{lesson_id}/complete")
    assert done.status_code == 303, done.status_code
    assert client.get(done.headers["Location"]).status_code == 200


def _counts(app: Flask, person_id: int) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count())
                .select_from(LessonCompletion)
                .where(LessonCompletion.user_id == person_id)
            )
            or 0,
            db.session.scalar(
                select(func.coalesce(func.sum(PointAward.points), 0)).where(
                    PointAward.user_id == person_id
                )
            )
            or 0,
        )


def _backends(app: Flask) -> int:
    """How many connections the app's pool holds open."""
    with app.app_context():
        return int(db.engine.pool.checkedin())


def test_the_app_recovers_from_restarts_and_answers_politely_while_postgres_is_down(
    pg_app: Flask, private_cluster: PrivateCluster
) -> None:
    app = pg_app
    client, person_id, lessons = _learner(app)
    _works(client, lessons[0])
    assert _counts(app, person_id) == (1, 20)
    assert _backends(app) >= 1  # pooled connections that each restart will break

    timings: dict[str, float] = {}
    for n, mode in enumerate(("fast", "immediate"), start=1):
        private_cluster.restart(mode)
        _, timings[mode] = _timed(lambda n=n: _works(client, lessons[n]))
        assert _counts(app, person_id) == (n + 1, 20 * (n + 1))

    # Down: a request gets the error page quickly, the health check says so, nothing hangs.
    private_cluster.stop("fast")
    page, timings["down"] = _timed(lambda: client.get("/"))
    assert page.status_code == 503, page.status_code
    assert page.headers["Retry-After"] == "30"
    html = page.get_data(as_text=True)
    assert "<html" in html and "Beacon is briefly unavailable" in html
    assert "Traceback" not in html and "psycopg" not in html
    health, _ = _timed(lambda: client.get("/healthz"))
    assert health.status_code == 503
    posted, _ = _timed(lambda: client.post(f"/learn/lessons/{lessons[3]}/complete"))
    assert posted.status_code == 503
    fragment, _ = _timed(lambda: client.get("/learn/", headers={"HX-Request": "true"}))
    assert fragment.status_code == 503
    assert "<html" not in fragment.get_data(as_text=True)

    # Back: the same app serves again, and the failed post changed nothing.
    private_cluster.start()
    assert _counts(app, person_id) == (3, 60)
    _, timings["back"] = _timed(lambda: _works(client, lessons[3]))
    # The last lesson also completes the module.
    assert _counts(app, person_id) == (4, 4 * 20 + 50)
    assert client.get("/healthz").status_code == 200
    print(
        "\npostgres restart drill: first requests after restart -m fast "
        f"{timings['fast']:.2f} s, -m immediate {timings['immediate']:.2f} s; "
        f"error page while down in {timings['down']:.2f} s; back in {timings['back']:.2f} s"
    )


def test_a_database_that_accepts_but_never_answers_gives_an_error_not_a_hang() -> None:
    """A hung server (the port answers, PostgreSQL does not): new connections give up."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # the kernel completes the handshakes; nobody ever reads
        port = hung.getsockname()[1]
        stuck = create_app(
            "test",
            {
                "SQLALCHEMY_DATABASE_URI": f"postgresql+psycopg://postgres@127.0.0.1:{port}/x",
                "DATABASE_CONNECT_TIMEOUT": 2,
                "PROPAGATE_EXCEPTIONS": False,
            },
        )
        page, seconds = _timed(lambda: stuck.test_client().get("/healthz"))
    assert page.status_code == 503
    print(f"\nhung database: the health check gave up after {seconds:.1f} s")
