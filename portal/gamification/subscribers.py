"""Points for what happens elsewhere in Beacon, paid in the same transaction as the event."""

from __future__ import annotations

from portal.accounts.models import User
from portal.db import db
from portal.events import subscribe
from portal.gamification.activity import record_activity
from portal.gamification.points import award_points
from portal.learning.events import (
    LessonCompleted,
    ModuleCompleted,
    PathCompleted,
    QuizAnswered,
    QuizPassed,
)

# action name -> (label, default points, default daily cap); seeded by migration 0003.
DEFAULT_RULES: dict[str, tuple[str, int, int | None]] = {
    "lesson_completed": ("Complete a lesson", 20, 20),
    "quiz_answer_correct": ("Answer a quiz question right (first time)", 2, 50),
    "quiz_passed": ("Pass a lesson's quiz", 10, 20),
    "module_completed": ("Complete a module", 50, None),
    "path_completed": ("Complete a learning path", 150, None),
}


def _person(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@subscribe(LessonCompleted)
def _lesson_completed(event: LessonCompleted) -> None:
    if (user := _person(event.user_id)) is not None:
        award_points(user, "lesson_completed", f"lesson:{event.lesson_id}", now=event.occurred_at)
        record_activity(user, "lessons_completed", f"lesson:{event.lesson_id}", event.occurred_at)


@subscribe(QuizAnswered)
def _quiz_answered(event: QuizAnswered) -> None:
    # Once per question ever: retrying a quiz must not farm points.
    if event.correct and (user := _person(event.user_id)) is not None:
        award_points(
            user, "quiz_answer_correct", f"question:{event.question_id}", now=event.occurred_at
        )


@subscribe(QuizPassed)
def _quiz_passed(event: QuizPassed) -> None:
    if (user := _person(event.user_id)) is not None:
        award_points(user, "quiz_passed", f"lesson:{event.lesson_id}", now=event.occurred_at)
        record_activity(user, "quizzes_passed", f"lesson:{event.lesson_id}", event.occurred_at)


@subscribe(ModuleCompleted)
def _module_completed(event: ModuleCompleted) -> None:
    if (user := _person(event.user_id)) is not None:
        award_points(user, "module_completed", f"module:{event.module_id}", now=event.occurred_at)
        record_activity(user, "modules_completed", f"module:{event.module_id}", event.occurred_at)


@subscribe(PathCompleted)
def _path_completed(event: PathCompleted) -> None:
    if (user := _person(event.user_id)) is not None:
        award_points(user, "path_completed", f"path:{event.path_id}", now=event.occurred_at)
        record_activity(user, "paths_completed", f"path:{event.path_id}", event.occurred_at)


def ensure_default_rules() -> int:
    """Add any missing default rule (existing ones keep their settings); return how many."""
    from portal.db import insert_ignore
    from portal.gamification.models import PointRule

    added = 0
    for action, (label, points, cap) in DEFAULT_RULES.items():
        new = insert_ignore(
            PointRule, action=action, label=label, points=points, daily_cap=cap, cooldown_seconds=0
        )
        added += new is not None
    return added
