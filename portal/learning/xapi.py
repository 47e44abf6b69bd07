"""Learning records as xAPI statements: built from the learning events, stored, forwarded.

Each learning event (`QuizAnswered`, `QuizPassed`, `LessonCompleted`,
`ModuleCompleted`, `PathCompleted`) becomes one `XapiStatement` row, written by
a subscriber in the event's own transaction, so a rolled-back completion leaves
no record behind. When `XAPI_ENDPOINT` is set, the same transaction enqueues
(once) the job that POSTs the unforwarded rows to the LRS after commit.

The statements follow xAPI 1.0.3:

- actor: an Agent identified by `mbox` ("mailto:<email>") with the person's
  display name. The email is what other systems (an LMS, an HR export) know a
  learner by, so an LRS can join Beacon's records with theirs. A later change of
  email starts a new identity in the LRS; statements already stored keep the old one.
- verbs from the ADL vocabulary: completed (lesson, module, path), answered
  (a quiz question), passed (a lesson's quiz).
- objects: Activities whose ids are IRIs on `BASE_URL`, fixed here rather than
  taken from the URL map so they stay stable if the pages move:
  `/learn/lessons/<id>`, `/learn/lessons/<id>/quiz`, `/learn/modules/<id>`,
  `/learn/paths/<id>`, `/learn/questions/<id>`.
- `version` is "1.0.0": the spec (Data 2.4.10) requires a provider that sets it to
  use 1.0.0 for every 1.0.x statement; the patch version travels in the
  `X-Experience-API-Version: 1.0.3` header instead.
- scores are percentages: raw 0-100, min 0, max 100, scaled raw/100.
"""

from __future__ import annotations

import uuid
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from flask import current_app
from sqlalchemy import CursorResult, and_, func, or_, select, update

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.events import Event, subscribe
from portal.learning.events import (
    LessonCompleted,
    ModuleCompleted,
    PathCompleted,
    QuizAnswered,
    QuizPassed,
)
from portal.learning.models import LearningPath, Lesson, Module, Question
from portal.learning.records import QuizAnswer, XapiStatement
from portal.queue import enqueue_after_commit

XAPI_VERSION = "1.0.3"  # the X-Experience-API-Version header
STATEMENT_VERSION = "1.0.0"  # the statement's own "version" (see the module docstring)
LANGUAGE = "en"
CHOICE_DELIMITER = "[,]"
FORWARD_JOB = "jobs.learning.forward_xapi_statements"

VERB_IDS = {
    "completed": "http://adlnet.gov/expapi/verbs/completed",
    "answered": "http://adlnet.gov/expapi/verbs/answered",
    "passed": "http://adlnet.gov/expapi/verbs/passed",
}
ACTIVITY_TYPES = {
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "module": "http://adlnet.gov/expapi/activities/module",
    "course": "http://adlnet.gov/expapi/activities/course",
    "assessment": "http://adlnet.gov/expapi/activities/assessment",
    "interaction": "http://adlnet.gov/expapi/activities/cmi.interaction",
}
_NAME_LIMIT = 250  # activity names are labels; a long question prompt is cut

Statement = dict[str, Any]


# --- building blocks -----------------------------------------------------------------------


def timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with millisecond precision, e.g. "2025-03-01T09:30:00.000Z"."""
    if moment.tzinfo is None:  # Beacon's datetimes are aware; a naive one is taken as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def agent(user: User) -> dict[str, Any]:
    """The person as an xAPI Agent, identified by their email."""
    return {"objectType": "Agent", "name": user.display_name, "mbox": f"mailto:{user.email}"}


def verb(name: str) -> dict[str, Any]:
    """An ADL verb with its English display."""
    return {"id": VERB_IDS[name], "display": {"en-US": name}}


def activity_id(base_url: str, kind: str, object_id: int, suffix: str = "") -> str:
    """The IRI of a Beacon activity, e.g. `<BASE_URL>/learn/lessons/7`."""
    return f"{base_url.rstrip('/')}/learn/{kind}/{object_id}{suffix}"


def activity(iri: str, name: str, activity_type: str, **definition: Any) -> dict[str, Any]:
    """An Activity object with a name, an ADL activity type and any further definition."""
    if len(name) > _NAME_LIMIT:
        name = name[: _NAME_LIMIT - 1].rstrip() + "…"
    return {
        "objectType": "Activity",
        "id": iri,
        "definition": {
            "name": {LANGUAGE: name},
            "type": ACTIVITY_TYPES[activity_type],
            **definition,
        },
    }


def percent_score(percent: int) -> dict[str, Any]:
    """A result score from a percentage."""
    return {"scaled": round(percent / 100, 4), "raw": percent, "min": 0, "max": 100}


def statement(
    user: User,
    verb_name: str,
    obj: dict[str, Any],
    occurred_at: datetime,
    result: dict[str, Any] | None = None,
    parents: list[dict[str, Any]] | None = None,
    grouping: list[dict[str, Any]] | None = None,
) -> Statement:
    """A complete statement with a fresh UUID."""
    context: dict[str, Any] = {"platform": "Beacon", "language": LANGUAGE}
    context_activities = {
        key: [{"objectType": "Activity", "id": a["id"]} for a in activities]
        for key, activities in (("parent", parents), ("grouping", grouping))
        if activities
    }
    if context_activities:
        context["contextActivities"] = context_activities
    built: Statement = {
        "id": str(uuid.uuid4()),
        "actor": agent(user),
        "verb": verb(verb_name),
        "object": obj,
        "context": context,
        "timestamp": timestamp(occurred_at),
        "version": STATEMENT_VERSION,
    }
    if result is not None:
        built["result"] = result
    return built


def lesson_activity(base_url: str, lesson: Lesson) -> dict[str, Any]:
    return activity(activity_id(base_url, "lessons", lesson.id), lesson.title, "lesson")


def quiz_activity(base_url: str, lesson: Lesson) -> dict[str, Any]:
    iri = activity_id(base_url, "lessons", lesson.id, "/quiz")
    return activity(iri, f"Quiz: {lesson.title}", "assessment")


def module_activity(base_url: str, module: Module) -> dict[str, Any]:
    return activity(activity_id(base_url, "modules", module.id), module.title, "module")


def path_activity(base_url: str, path: LearningPath) -> dict[str, Any]:
    return activity(activity_id(base_url, "paths", path.id), path.title, "course")


def question_activity(base_url: str, question: Question) -> dict[str, Any]:
    """A choice interaction listing the options and the right answer pattern."""
    correct = sorted(question.correct_ids)
    return activity(
        activity_id(base_url, "questions", question.id),
        question.prompt,
        "interaction",
        interactionType="choice",
        correctResponsesPattern=[CHOICE_DELIMITER.join(str(i) for i in correct)],
        choices=[
            {"id": str(option.id), "description": {LANGUAGE: option.text}}
            for option in question.options
        ],
    )


# --- one builder per event ----------------------------------------------------------------


def lesson_completed(event: LessonCompleted, base_url: str) -> Statement | None:
    """Completed a lesson, within its module; with the quiz score when it had a quiz."""
    user, lesson = db.session.get(User, event.user_id), db.session.get(Lesson, event.lesson_id)
    if user is None or lesson is None:
        return None
    result: dict[str, Any] = {"completion": True}
    if event.score is not None:
        result.update(success=True, score=percent_score(event.score))
    return statement(
        user,
        "completed",
        lesson_activity(base_url, lesson),
        event.occurred_at,
        result,
        parents=[module_activity(base_url, lesson.module)],
    )


def module_completed(event: ModuleCompleted, base_url: str) -> Statement | None:
    """Completed a module."""
    user, module = db.session.get(User, event.user_id), db.session.get(Module, event.module_id)
    if user is None or module is None:
        return None
    obj = module_activity(base_url, module)
    return statement(user, "completed", obj, event.occurred_at, {"completion": True})


def path_completed(event: PathCompleted, base_url: str) -> Statement | None:
    """Completed a learning path (an xAPI course)."""
    user, path = db.session.get(User, event.user_id), db.session.get(LearningPath, event.path_id)
    if user is None or path is None:
        return None
    obj = path_activity(base_url, path)
    return statement(user, "completed", obj, event.occurred_at, {"completion": True})


def quiz_answered(event: QuizAnswered, base_url: str) -> Statement | None:
    """Answered a question: success = correct, response = the chosen option ids."""
    user = db.session.get(User, event.user_id)
    question = db.session.get(Question, event.question_id)
    if user is None or question is None:
        return None
    result: dict[str, Any] = {"success": event.correct}
    answer = db.session.scalar(
        select(QuizAnswer).where(
            QuizAnswer.attempt_id == event.attempt_id, QuizAnswer.question_id == event.question_id
        )
    )
    if answer is not None:
        result["response"] = CHOICE_DELIMITER.join(str(i) for i in sorted(answer.option_ids))
    lesson = question.lesson
    return statement(
        user,
        "answered",
        question_activity(base_url, question),
        event.occurred_at,
        result,
        parents=[quiz_activity(base_url, lesson)],
        grouping=[lesson_activity(base_url, lesson)],
    )


def quiz_passed(event: QuizPassed, base_url: str) -> Statement | None:
    """Passed a lesson's quiz, with the score in percent."""
    user, lesson = db.session.get(User, event.user_id), db.session.get(Lesson, event.lesson_id)
    if user is None or lesson is None:
        return None
    return statement(
        user,
        "passed",
        quiz_activity(base_url, lesson),
        event.occurred_at,
        {"success": True, "completion": True, "score": percent_score(event.score)},
        parents=[lesson_activity(base_url, lesson)],
        grouping=[module_activity(base_url, lesson.module)],
    )


BUILDERS: dict[type[Event], Callable[[Any, str], Statement | None]] = {
    LessonCompleted: lesson_completed,
    ModuleCompleted: module_completed,
    PathCompleted: path_completed,
    QuizAnswered: quiz_answered,
    QuizPassed: quiz_passed,
}


def build_statement(event: Event, base_url: str) -> Statement | None:
    """The statement for a learning event; None if its person or subject no longer exists.

    Raises KeyError for an event that has no builder.
    """
    return BUILDERS[type(event)](event, base_url)


# --- storing, in the event's transaction ---------------------------------------------------

_FORWARD_FLAG = "xapi_forward_enqueued"


def record_statement(event: Event) -> None:
    """Store the event's statement in the current transaction and schedule its forwarding."""
    built = build_statement(event, current_app.config["BASE_URL"])
    if built is None:
        return
    verb_name = built["verb"]["display"]["en-US"]
    row = XapiStatement(id=built["id"], user_id=event.user_id, verb=verb_name, statement=built)
    db.session.add(row)
    db.session.flush()
    if current_app.config.get("XAPI_ENDPOINT"):
        _forward_after_commit()


def _forward_after_commit() -> None:
    """Enqueue the forwarding job at most once per transaction.

    The flag holds a weak reference to the transaction it was set in, so it needs
    no clearing: in the next transaction it simply no longer matches.
    """
    transaction = db.session().get_transaction()
    flag = db.session.info.get(_FORWARD_FLAG)
    if transaction is not None and flag is not None and flag() is transaction:
        return
    enqueue_after_commit(FORWARD_JOB)
    if transaction is not None:
        db.session.info[_FORWARD_FLAG] = weakref.ref(transaction)


for _event_type in BUILDERS:
    subscribe(_event_type)(record_statement)


# --- forwarding and export queries ---------------------------------------------------------


def unforwarded_statements(limit: int) -> list[Statement]:
    """The oldest statements not yet accepted by the LRS, at most `limit`."""
    return list(
        db.session.scalars(
            select(XapiStatement.statement)
            .where(XapiStatement.forwarded_at.is_(None))
            .order_by(XapiStatement.stored_at, XapiStatement.id)
            .limit(limit)
        )
    )


def mark_forwarded(statement_ids: list[str]) -> int:
    """Mark these statements forwarded unless they already are; return how many this call marked.

    The `forwarded_at IS NULL` condition makes the update safe when two workers
    forwarded the same batch: each row is marked once.
    """
    if not statement_ids:
        return 0
    result = db.session.execute(
        update(XapiStatement)
        .where(XapiStatement.id.in_(statement_ids), XapiStatement.forwarded_at.is_(None))
        .values(forwarded_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return cast(CursorResult[Any], result).rowcount


@dataclass(frozen=True)
class RecordsSummary:
    """What the admin page shows about the stored statements."""

    by_verb: dict[str, int]
    waiting: int
    oldest_waiting_at: datetime | None
    last_forwarded_at: datetime | None

    @property
    def total(self) -> int:
        return sum(self.by_verb.values())


def summarise() -> RecordsSummary:
    """Counts by verb (every known verb, zero included) and the forwarding backlog."""
    counts = dict.fromkeys(VERB_IDS, 0)
    for verb_name, count in db.session.execute(
        select(XapiStatement.verb, func.count()).group_by(XapiStatement.verb)
    ):
        counts[verb_name] = count
    waiting, oldest = db.session.execute(
        select(func.count(), func.min(XapiStatement.stored_at)).where(
            XapiStatement.forwarded_at.is_(None)
        )
    ).one()
    last = db.session.scalar(select(func.max(XapiStatement.forwarded_at)))
    return RecordsSummary(counts, waiting, oldest, last)


def statements_page(
    since: datetime | None,
    until: datetime | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[tuple[datetime, str, Statement]]:
    """Up to `limit` statements stored in [since, until), newest first, after the key `after`.

    Rows come as (stored_at, id, statement); pass the last row's (stored_at, id)
    as `after` to get the next page.
    """
    query = select(XapiStatement.stored_at, XapiStatement.id, XapiStatement.statement)
    if since is not None:
        query = query.where(XapiStatement.stored_at >= since)
    if until is not None:
        query = query.where(XapiStatement.stored_at < until)
    if after is not None:
        stored_at, statement_id = after
        query = query.where(
            or_(
                XapiStatement.stored_at < stored_at,
                and_(XapiStatement.stored_at == stored_at, XapiStatement.id < statement_id),
            )
        )
    query = query.order_by(XapiStatement.stored_at.desc(), XapiStatement.id.desc()).limit(limit)
    return [(row.stored_at, row.id, row.statement) for row in db.session.execute(query)]
