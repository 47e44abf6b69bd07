"""Streaks for learning activity, counted in the same transaction as the event."""

from __future__ import annotations

from portal.accounts.models import User
from portal.db import db
from portal.events import subscribe
from portal.gamification.streaks import record_activity
from portal.learning.events import LessonCompleted, QuizAnswered


def _count(user_id: int, event: LessonCompleted | QuizAnswered) -> None:
    if (user := db.session.get(User, user_id)) is not None:
        record_activity(user, event.occurred_at)


@subscribe(LessonCompleted)
def _lesson_completed(event: LessonCompleted) -> None:
    _count(event.user_id, event)


@subscribe(QuizAnswered)
def _quiz_answered(event: QuizAnswered) -> None:
    # Any answer counts, right or wrong: the streak rewards showing up to learn.
    _count(event.user_id, event)
