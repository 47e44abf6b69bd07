"""Spaced review: questions answered wrongly come back after 1, 3, 10 and 30 days.

A mistake (in a quiz or a review) puts the question at the first interval; a
right answer in a review moves it to the next one, and after the last it is
learned and stops coming back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.db import db, insert_ignore
from portal.learning.models import Lesson, Module, Question, QuestionKind
from portal.learning.records import ReviewItem

REVIEW_INTERVALS = (timedelta(days=1), timedelta(days=3), timedelta(days=10), timedelta(days=30))


class ReviewRejected(ValueError):
    """A review answer that cannot be accepted; the message says why."""


def schedule_after_mistake(user: User, question: Question, now: datetime) -> None:
    """Bring `question` back to `user` after the first interval."""
    due = now + REVIEW_INTERVALS[0]
    if (
        insert_ignore(ReviewItem, user_id=user.id, question_id=question.id, stage=0, due_at=due)
        is None
    ):
        db.session.execute(
            update(ReviewItem)
            .where(ReviewItem.user_id == user.id, ReviewItem.question_id == question.id)
            .values(stage=0, due_at=due)
        )


def due_items(user: User, now: datetime, limit: int = 20) -> list[ReviewItem]:
    """The review questions due for `user` now, oldest first, from modules they can still see."""
    from portal.learning.catalogue import audience_filter

    return list(
        db.session.scalars(
            select(ReviewItem)
            .join(Question, Question.id == ReviewItem.question_id)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(ReviewItem.user_id == user.id, ReviewItem.due_at <= now, audience_filter(user))
            .order_by(ReviewItem.due_at, ReviewItem.id)
            .limit(limit)
        )
    )


@dataclass
class ReviewOutcome:
    """The result of one review answer, for the feedback fragment."""

    item: ReviewItem
    question: Question
    chosen: set[int]
    correct: bool
    next_due: datetime | None


def answer_review(user: User, item_id: int, option_ids: list[int], now: datetime) -> ReviewOutcome:
    """Check a review answer and move the question along the intervals.

    Raises ReviewRejected for an item that is not `user`'s, not due, or an
    answer naming options of another question.
    """
    item = next((i for i in due_items(user, now, limit=1000) if i.id == item_id), None)
    if item is None:
        raise ReviewRejected("That question is not due for review.")
    question = item.question
    chosen = set(option_ids)
    if not chosen:
        raise ReviewRejected("Choose an answer first.")
    if not chosen <= {o.id for o in question.options}:
        raise ReviewRejected("That answer does not belong to this question.")
    if question.kind == QuestionKind.SINGLE and len(chosen) != 1:
        raise ReviewRejected("Choose one answer.")
    correct = chosen == question.correct_ids
    if correct:
        stage = item.stage + 1
        due = now + REVIEW_INTERVALS[stage] if stage < len(REVIEW_INTERVALS) else None
    else:
        stage, due = 0, now + REVIEW_INTERVALS[0]
    # Conditional on the stage read above: a double submit moves the question once.
    moved = db.session.execute(
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.stage == item.stage, ReviewItem.due_at <= now)
        .values(stage=min(stage, len(REVIEW_INTERVALS) - 1), due_at=due, last_reviewed_at=now)
    )
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise ReviewRejected("That question is not due for review.")
    db.session.refresh(item)
    return ReviewOutcome(item=item, question=question, chosen=chosen, correct=correct, next_due=due)
