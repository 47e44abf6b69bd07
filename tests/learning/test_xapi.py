"""xAPI learning records: statements built from learning events, stored, downloaded, forwarded."""

from __future__ import annotations

import base64
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

import portal.learning.xapi as xapi  # registers the subscribers
from jobs.learning import forward_xapi_statements
from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.events import publish, subscribers_of
from portal.learning.events import (
    LessonCompleted,
    ModuleCompleted,
    PathCompleted,
    QuizAnswered,
    QuizPassed,
)
from portal.learning.models import LearningPath, Lesson, Module, Option, PathModule, Question
from portal.learning.records import LessonCompletion, QuizAnswer, QuizAttempt, XapiStatement
from portal.queue import OutboxJob
from tests.conftest import HTMX, free_port

BASE = "http://localhost"  # TestConfig.BASE_URL
LRS_USER, LRS_PASSWORD = "lrs-user", "lrs-secret"  # noqa: S105


# --- content and events -----------------------------------------------------------------------


@dataclass
class Content:
    """Ids of a tiny catalogue: a path with one module, one lesson, one two-option question."""

    path_id: int
    module_id: int
    lesson_id: int
    question_id: int
    right_id: int
    wrong_id: int


@pytest.fixture
def content(app) -> Content:  # type: ignore[no-untyped-def]
    with app.app_context():
        module = Module(slug="find-followers", title="Find followers")
        lesson = Lesson(module=module, title="Post at the right time")
        question = Question(lesson=lesson, prompt="When do most people read LinkedIn?")
        right = Option(question=question, position=0, text="Tuesday morning", correct=True)
        wrong = Option(question=question, position=1, text="Sunday night", correct=False)
        path = LearningPath(slug="starter", title="Social media starter")
        path.steps.append(PathModule(module=module))
        db.session.add_all([module, path])
        db.session.commit()
        return Content(path.id, module.id, lesson.id, question.id, right.id, wrong.id)


@pytest.fixture
def learner(people) -> User:  # type: ignore[no-untyped-def]
    return people.person(email="ada@example.com", name="Ada Lovelace")


def _answer(user_id: int, c: Content, option_ids: list[int], correct: bool) -> QuizAnswered:
    """Record an attempt with one answer (as the player would) and return its event."""
    attempt = QuizAttempt(user_id=user_id, lesson_id=c.lesson_id)
    db.session.add(attempt)
    db.session.flush()
    db.session.add(
        QuizAnswer(
            attempt_id=attempt.id,
            question_id=c.question_id,
            option_ids=option_ids,
            correct=correct,
        )
    )
    db.session.flush()
    return QuizAnswered(
        user_id=user_id,
        occurred_at=utcnow(),
        lesson_id=c.lesson_id,
        question_id=c.question_id,
        correct=correct,
        attempt_id=attempt.id,
    )


def _publish_all(user_id: int, c: Content) -> None:
    """One event of each kind, in the current transaction."""
    answered = _answer(user_id, c, [c.right_id], correct=True)
    now = answered.occurred_at
    publish(answered)
    publish(QuizPassed(user_id, now, c.lesson_id, answered.attempt_id, score=100))
    publish(LessonCompleted(user_id, now, c.lesson_id, c.module_id, score=100))
    publish(ModuleCompleted(user_id, now, c.module_id))
    publish(PathCompleted(user_id, now, c.path_id))


def _stored(verb: str | None = None) -> list[dict[str, Any]]:
    query = select(XapiStatement.statement).order_by(XapiStatement.stored_at)
    if verb:
        query = query.where(XapiStatement.verb == verb)
    return list(db.session.scalars(query))


def _parse_timestamp(value: str) -> datetime:
    assert value.endswith("Z"), value
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert moment.tzinfo is not None
    return moment


def _assert_common(statement: dict[str, Any], occurred_at: datetime, verb: str) -> None:
    assert uuid.UUID(statement["id"]).version == 4
    assert statement["version"] == "1.0.0"
    assert statement["actor"] == {
        "objectType": "Agent",
        "name": "Ada Lovelace",
        "mbox": "mailto:ada@example.com",
    }
    assert statement["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"
    assert statement["verb"]["display"] == {"en-US": verb}
    assert statement["object"]["objectType"] == "Activity"
    assert abs(_parse_timestamp(statement["timestamp"]) - occurred_at) < timedelta(milliseconds=1)


# --- building and storing -----------------------------------------------------------------


def test_subscribers_are_registered_for_every_learning_event():
    for event_type in (QuizAnswered, QuizPassed, LessonCompleted, ModuleCompleted, PathCompleted):
        assert xapi.record_statement in subscribers_of(event_type)


def test_lesson_completed(app_ctx, learner, content):
    occurred_at = datetime(2025, 3, 4, 9, 30, 15, 123456, tzinfo=UTC)
    publish(LessonCompleted(learner.id, occurred_at, content.lesson_id, content.module_id, 80))
    (statement,) = _stored("completed")
    _assert_common(statement, occurred_at, "completed")
    assert statement["timestamp"] == "2025-03-04T09:30:15.123Z"
    assert statement["object"]["id"] == f"{BASE}/learn/lessons/{content.lesson_id}"
    assert statement["object"]["definition"] == {
        "name": {"en": "Post at the right time"},
        "type": "http://adlnet.gov/expapi/activities/lesson",
    }
    assert statement["result"] == {
        "completion": True,
        "success": True,
        "score": {"scaled": 0.8, "raw": 80, "min": 0, "max": 100},
    }
    parents = statement["context"]["contextActivities"]["parent"]
    assert parents == [
        {"objectType": "Activity", "id": f"{BASE}/learn/modules/{content.module_id}"}
    ]


def test_lesson_without_a_quiz_has_no_score(app_ctx, learner, content):
    publish(LessonCompleted(learner.id, utcnow(), content.lesson_id, content.module_id, None))
    (statement,) = _stored("completed")
    assert statement["result"] == {"completion": True}


def test_module_and_path_completed(app_ctx, learner, content):
    occurred_at = utcnow()
    publish(ModuleCompleted(learner.id, occurred_at, content.module_id))
    publish(PathCompleted(learner.id, occurred_at, content.path_id))
    module, path = _stored("completed")
    for statement in (module, path):
        _assert_common(statement, occurred_at, "completed")
        assert statement["result"] == {"completion": True}
    assert module["object"]["id"] == f"{BASE}/learn/modules/{content.module_id}"
    assert module["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/module"
    assert module["object"]["definition"]["name"] == {"en": "Find followers"}
    assert path["object"]["id"] == f"{BASE}/learn/paths/{content.path_id}"
    assert path["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/course"


def test_question_answered_is_a_choice_interaction(app_ctx, learner, content):
    event = _answer(learner.id, content, [content.wrong_id, content.right_id], correct=False)
    publish(event)
    (statement,) = _stored("answered")
    _assert_common(statement, event.occurred_at, "answered")
    right, wrong = str(content.right_id), str(content.wrong_id)
    assert statement["object"]["id"] == f"{BASE}/learn/questions/{content.question_id}"
    assert statement["object"]["definition"] == {
        "name": {"en": "When do most people read LinkedIn?"},
        "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
        "interactionType": "choice",
        "correctResponsesPattern": [right],
        "choices": [
            {"id": right, "description": {"en": "Tuesday morning"}},
            {"id": wrong, "description": {"en": "Sunday night"}},
        ],
    }
    chosen = sorted([content.right_id, content.wrong_id])
    assert statement["result"] == {"success": False, "response": f"{chosen[0]}[,]{chosen[1]}"}
    activities = statement["context"]["contextActivities"]
    assert activities["parent"][0]["id"] == f"{BASE}/learn/lessons/{content.lesson_id}/quiz"
    assert activities["grouping"][0]["id"] == f"{BASE}/learn/lessons/{content.lesson_id}"


def test_quiz_passed_carries_the_score(app_ctx, learner, content):
    event = _answer(learner.id, content, [content.right_id], correct=True)
    passed = QuizPassed(learner.id, utcnow(), content.lesson_id, event.attempt_id, 75)
    publish(passed)
    (statement,) = _stored("passed")
    _assert_common(statement, passed.occurred_at, "passed")
    assert statement["object"]["id"] == f"{BASE}/learn/lessons/{content.lesson_id}/quiz"
    assert statement["object"]["definition"]["type"] == (
        "http://adlnet.gov/expapi/activities/assessment"
    )
    assert statement["result"] == {
        "success": True,
        "completion": True,
        "score": {"scaled": 0.75, "raw": 75, "min": 0, "max": 100},
    }


def test_rows_match_their_statements(app_ctx, learner, content):
    _publish_all(learner.id, content)
    rows = db.session.scalars(select(XapiStatement)).all()
    verbs = sorted(r.verb for r in rows)
    assert verbs == ["answered", "completed", "completed", "completed", "passed"]
    for row in rows:
        assert row.id == row.statement["id"]
        assert row.user_id == learner.id
        assert row.forwarded_at is None


def test_statements_commit_and_roll_back_with_the_event(app, learner, content):
    with app.app_context():
        db.session.add(LessonCompletion(user_id=learner.id, lesson_id=content.lesson_id))
        publish(LessonCompleted(learner.id, utcnow(), content.lesson_id, content.module_id, None))
        assert len(_stored()) == 1  # visible inside the transaction
        db.session.rollback()
        assert _stored() == []
        assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == 0

        db.session.add(LessonCompletion(user_id=learner.id, lesson_id=content.lesson_id))
        publish(LessonCompleted(learner.id, utcnow(), content.lesson_id, content.module_id, None))
        db.session.commit()
    with app.app_context():
        assert len(_stored()) == 1


def test_an_event_for_a_missing_subject_stores_nothing(app_ctx, learner):
    publish(ModuleCompleted(learner.id, utcnow(), 999_999))
    assert _stored() == []


def _forward_jobs() -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(OutboxJob)
            .where(OutboxJob.func == "jobs.learning.forward_xapi_statements")
        )
        or 0
    )


def test_forwarding_is_enqueued_once_per_transaction(app, learner, content, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "http://127.0.0.1:9/xapi")
    with app.app_context():
        _publish_all(learner.id, content)
        assert len(_stored()) == 5
        assert _forward_jobs() == 1
        db.session.rollback()
        assert _forward_jobs() == 0

        publish(ModuleCompleted(learner.id, utcnow(), content.module_id))  # a new transaction
        publish(PathCompleted(learner.id, utcnow(), content.path_id))
        assert _forward_jobs() == 1
        db.session.commit()
        publish(PathCompleted(learner.id, utcnow(), content.path_id))
        assert _forward_jobs() == 2
        db.session.commit()


def test_nothing_is_enqueued_without_an_endpoint(app, learner, content, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "")
    with app.app_context():
        _publish_all(learner.id, content)
        assert len(_stored()) == 5
        assert _forward_jobs() == 0
        db.session.commit()


# --- the admin page and download ------------------------------------------------------------


def _stored_at(app, moments: list[datetime]) -> None:  # type: ignore[no-untyped-def]
    """Move the stored statements (oldest first) to these times."""
    with app.app_context():
        ids = db.session.scalars(select(XapiStatement.id).order_by(XapiStatement.stored_at)).all()
        for statement_id, moment in zip(ids, moments, strict=True):
            db.session.execute(
                update(XapiStatement)
                .where(XapiStatement.id == statement_id)
                .values(stored_at=moment)
            )
        db.session.commit()


def _commit_events(app, user_id: int, c: Content) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        _publish_all(user_id, c)
        db.session.commit()


def test_admin_page_shows_counts_backlog_and_endpoint(
    app, client, auth, people, learner, content, monkeypatch
):
    _commit_events(app, learner.id, content)
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)
    page = client.get("/admin/learning-records/")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<html" in text and "Learning records" in text
    assert "Not configured" in text
    assert "http://adlnet.gov/expapi/verbs/answered" in text
    assert '<span class="stat__value">5</span>' in text  # stored, and waiting

    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "https://lrs.example.com/xapi")
    monkeypatch.setitem(app.config, "XAPI_USERNAME", "beacon")
    monkeypatch.setitem(app.config, "XAPI_PASSWORD", "hunter2")
    text = client.get("/admin/learning-records/").get_data(as_text=True)
    assert "https://lrs.example.com/xapi" in text and "Not configured" not in text
    assert "beacon" in text and "hunter2" not in text


def test_endpoint_credentials_are_never_shown(app, client, auth, people, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "https://key:secret@lrs.example.com:8443/x")
    auth.login(people.person(role=Role.ADMIN).email)
    text = client.get("/admin/learning-records/").get_data(as_text=True)
    assert "https://lrs.example.com:8443/x" in text and "secret" not in text


def test_download_is_a_json_attachment_newest_first(app, client, auth, people, learner, content):
    _commit_events(app, learner.id, content)
    start = datetime(2025, 1, 10, 12, 0, tzinfo=UTC)
    _stored_at(app, [start + timedelta(days=i) for i in range(5)])  # 10th to 14th January
    auth.login(people.person(role=Role.ADMIN).email)

    response = client.get("/admin/learning-records/statements.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and ".json" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    statements = response.get_json()
    assert isinstance(statements, list) and len(statements) == 5
    assert [s["verb"]["display"]["en-US"] for s in statements] == [
        "completed",  # path, stored last
        "completed",
        "completed",
        "passed",
        "answered",
    ]

    window = client.get("/admin/learning-records/statements.json?since=2025-01-11&until=2025-01-12")
    assert [s["verb"]["display"]["en-US"] for s in window.get_json()] == ["completed", "passed"]
    since = client.get("/admin/learning-records/statements.json?since=2025-01-14T00:00:00Z")
    assert len(since.get_json()) == 1
    assert client.get("/admin/learning-records/statements.json?until=2025-01-09").get_json() == []


def test_download_streams_in_chunks(app, client, auth, people, learner, content, monkeypatch):
    monkeypatch.setattr("portal.learning.records_views.EXPORT_CHUNK", 2)
    _commit_events(app, learner.id, content)
    _stored_at(app, [datetime(2025, 1, 10, tzinfo=UTC)] * 5)  # same time: the id breaks ties
    auth.login(people.person(role=Role.ADMIN).email)
    statements = client.get("/admin/learning-records/statements.json").get_json()
    ids = [s["id"] for s in statements]
    with app.app_context():
        assert len(ids) == 5 and set(ids) == {s["id"] for s in _stored()}


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("since=yesterday", "is not a date"),
        ("until=2025-02-30", "is not a date"),
        ("since=2025-03-02&until=2025-03-01", "must come after"),
    ],
)
def test_bad_dates_answer_400_with_a_message(client, auth, people, query, message):
    auth.login(people.person(role=Role.ADMIN).email)
    response = client.get(f"/admin/learning-records/statements.json?{query}")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert message in text and 'aria-invalid="true"' in text
    assert "Content-Disposition" not in response.headers


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.LEADER])
def test_only_admins_see_learning_records(client, auth, people, role):
    auth.login(people.person(role=role).email)
    assert client.get("/admin/learning-records/").status_code == 403
    assert client.get("/admin/learning-records/statements.json").status_code == 403
    assert client.get("/admin/learning-records/", headers=HTMX).status_code == 403


# --- forwarding to a real HTTP server --------------------------------------------------------


@dataclass
class FakeLRS:
    """A tiny LRS: keeps statements by id, refuses a batch holding a known id with 409."""

    port: int
    fail_with: int | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/xapi"

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        with self.lock:
            statements = json.loads(body)
            self.requests.append({"path": path, "headers": headers, "body": statements})
            if self.fail_with:
                return self.fail_with, b'{"error": "down for maintenance"}'
            if any(s["id"] in self.stored for s in statements):
                return 409, b'{"error": "statement id conflict"}'
            self.stored.update({s["id"]: s for s in statements})
            return 200, json.dumps([s["id"] for s in statements]).encode()

    def wait_for(self, count: int, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.stored) < count:
            assert time.monotonic() < deadline, f"the LRS holds {len(self.stored)} of {count}"
            time.sleep(0.05)


@pytest.fixture
def lrs() -> Iterator[FakeLRS]:
    fake = FakeLRS(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status, payload = fake.handle(self.path, dict(self.headers.items()), body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Keep the test output quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def lrs_config(app, lrs, monkeypatch) -> FakeLRS:  # type: ignore[no-untyped-def]
    """The LRS for this process's app and, through the environment, for a worker started later."""
    for key, value in (
        ("XAPI_ENDPOINT", lrs.url),
        ("XAPI_USERNAME", LRS_USER),
        ("XAPI_PASSWORD", LRS_PASSWORD),
    ):
        monkeypatch.setitem(app.config, key, value)
    monkeypatch.setenv("BEACON_TEST_XAPI_ENDPOINT", lrs.url)
    monkeypatch.setenv("XAPI_USERNAME", LRS_USER)
    monkeypatch.setenv("XAPI_PASSWORD", LRS_PASSWORD)
    return lrs


def _unforwarded(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            db.session.scalar(
                select(func.count())
                .select_from(XapiStatement)
                .where(XapiStatement.forwarded_at.is_(None))
            )
            or 0
        )


def _assert_request(request: dict[str, Any]) -> None:
    headers = {k.lower(): v for k, v in request["headers"].items()}
    assert request["path"] == "/xapi/statements"
    assert headers["x-experience-api-version"] == "1.0.3"
    assert headers["content-type"] == "application/json"
    token = base64.b64encode(f"{LRS_USER}:{LRS_PASSWORD}".encode()).decode()
    assert headers["authorization"] == f"Basic {token}"
    assert isinstance(request["body"], list)


def test_job_posts_oldest_first_in_batches_and_marks_them(app, learner, content, lrs_config):
    lrs = lrs_config
    _commit_events(app, learner.id, content)
    start = datetime(2025, 1, 10, tzinfo=UTC)
    _stored_at(app, [start + timedelta(minutes=i) for i in range(5)])
    with app.app_context():
        expected = [s["id"] for s in _stored()]

    with app.app_context():
        assert forward_xapi_statements(batch_size=2) == 5
    assert [len(r["body"]) for r in lrs.requests] == [2, 2, 1]
    for request in lrs.requests:
        _assert_request(request)
    assert [s["id"] for r in lrs.requests for s in r["body"]] == expected
    with app.app_context():
        assert lrs.requests[0]["body"][0] == _stored()[0]  # the statement exactly as stored
    assert _unforwarded(app) == 0

    with app.app_context():  # a second run sends nothing twice
        assert forward_xapi_statements(batch_size=2) == 0
    assert len(lrs.requests) == 3


def test_a_failing_lrs_leaves_statements_waiting(app, learner, content, lrs_config):
    lrs = lrs_config
    lrs.fail_with = 500
    _commit_events(app, learner.id, content)
    with app.app_context(), pytest.raises(httpx.HTTPStatusError):
        forward_xapi_statements()
    assert len(lrs.requests) == 1
    assert _unforwarded(app) == 5

    lrs.fail_with = None  # back up: the retry delivers, once
    with app.app_context():
        assert forward_xapi_statements() == 5
        assert forward_xapi_statements() == 0
    assert len(lrs.requests) == 2 and len(lrs.stored) == 5
    assert _unforwarded(app) == 0


def test_an_unreachable_lrs_raises(app, learner, content, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", f"http://127.0.0.1:{free_port()}/xapi")
    _commit_events(app, learner.id, content)
    with app.app_context(), pytest.raises(httpx.ConnectError):
        forward_xapi_statements()
    assert _unforwarded(app) == 5


def test_a_conflict_counts_as_delivered_and_new_statements_still_go(
    app, learner, content, lrs_config
):
    lrs = lrs_config
    _commit_events(app, learner.id, content)
    with app.app_context():
        assert forward_xapi_statements() == 5
        # As if the previous run had died after the LRS stored the batch, before marking it.
        db.session.execute(update(XapiStatement).values(forwarded_at=None))
        db.session.commit()
    with app.app_context():
        publish(ModuleCompleted(learner.id, utcnow(), content.module_id))
        db.session.commit()
    lrs.requests.clear()

    with app.app_context():
        assert forward_xapi_statements() == 6
    # The batch of six was refused (409), then each went alone: five 409s and one 200.
    assert [len(r["body"]) for r in lrs.requests] == [6, 1, 1, 1, 1, 1, 1]
    assert len(lrs.stored) == 6
    assert _unforwarded(app) == 0


def test_without_an_endpoint_the_job_does_nothing(app, learner, content, monkeypatch):
    monkeypatch.setitem(app.config, "XAPI_ENDPOINT", "")
    _commit_events(app, learner.id, content)
    with app.app_context():
        assert forward_xapi_statements() == 0
    assert _unforwarded(app) == 5


@pytest.fixture
def lrs_worker(lrs_config, worker) -> FakeLRS:  # type: ignore[no-untyped-def]
    """The LRS, and a real worker started after the environment points it there."""
    return lrs_config


def test_a_real_worker_forwards_after_commit(app, learner, content, lrs_worker):
    lrs = lrs_worker
    with app.app_context():
        _publish_all(learner.id, content)
        assert lrs.requests == []  # nothing leaves before commit
        db.session.commit()
    lrs.wait_for(5)
    deadline = time.monotonic() + 10
    while _unforwarded(app):
        assert time.monotonic() < deadline, "the worker did not mark the statements forwarded"
        time.sleep(0.05)
    assert len(lrs.requests) == 1
    _assert_request(lrs.requests[0])
    with app.app_context():
        assert {s["id"] for s in _stored()} == set(lrs.stored)
