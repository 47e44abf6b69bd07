"""Playing a lesson: stepping through cards, answering the quiz, retrying, completing.

Every function takes the person explicitly. Answers are checked against the
question they claim to answer; completions are recorded once whatever
happens (two tabs, a double click, a retried request).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.accounts.services import lock_person
from portal.db import db, insert_ignore, utcnow
from portal.events import publish
from portal.learning import review
from portal.learning.events import (
    LessonCompleted,
    ModuleCompleted,
    PathCompleted,
    QuizAnswered,
    QuizPassed,
)
from portal.learning.models import Lesson, Module, Option, PathModule, Question, QuestionKind
from portal.learning.records import (
    Assignment,
    LessonCompletion,
    LessonProgress,
    ModuleCompletion,
    PathCompletion,
    QuizAnswer,
    QuizAttempt,
)


class AnswerRejected(ValueError):
    """An answer that cannot be accepted; the message says why, for the person."""


def _lock_learner(user: User) -> None:
    # Without it, two tabs finishing two lessons at once each count only their own
    # completion, and nobody records the module as complete.
    lock_person(user.id)


# --- progress ----------------------------------------------------------------------------


def current_step(user: User, lesson: Lesson) -> int:
    """The step `user` was last on in `lesson` (0 when they never started)."""
    step = db.session.scalar(
        select(LessonProgress.step).where(
            LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id
        )
    )
    return min(step or 0, max(lesson.steps - 1, 0))


def go_to_step(user: User, lesson: Lesson, step: int) -> int:
    """Move `user` to `step` of `lesson` (clamped to the lesson) and remember it; return it."""
    step = min(max(step, 0), max(lesson.steps - 1, 0))
    now = utcnow()
    if insert_ignore(LessonProgress, user_id=user.id, lesson_id=lesson.id, step=step) is None:
        db.session.execute(
            update(LessonProgress)
            .where(LessonProgress.user_id == user.id, LessonProgress.lesson_id == lesson.id)
            .values(step=step, updated_at=now)
        )
    return step


def is_completed(user: User, lesson: Lesson) -> bool:
    """True once `user` has completed `lesson`."""
    return (
        db.session.scalar(
            select(LessonCompletion.id).where(
                LessonCompletion.user_id == user.id, LessonCompletion.lesson_id == lesson.id
            )
        )
        is not None
    )


# --- the quiz ----------------------------------------------------------------------------


def open_attempt(user: User, lesson: Lesson) -> QuizAttempt:
    """The attempt in progress, or the first one (created on demand)."""
    attempt = latest_attempt(user, lesson)
    if attempt is None:
        insert_ignore(QuizAttempt, user_id=user.id, lesson_id=lesson.id, number=1)
        attempt = _require(latest_attempt(user, lesson))
    return attempt


def _require(attempt: QuizAttempt | None) -> QuizAttempt:
    if attempt is None:  # only if the row vanished between insert and select
        raise AnswerRejected("The quiz could not be opened. Please try again.")
    return attempt


def latest_attempt(user: User, lesson: Lesson) -> QuizAttempt | None:
    """`user`'s most recent attempt at `lesson`'s quiz, if any."""
    return db.session.scalar(
        select(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.lesson_id == lesson.id)
        .order_by(QuizAttempt.number.desc())
        .limit(1)
    )


def retry_quiz(user: User, lesson: Lesson) -> QuizAttempt:
    """Start a new attempt after a failed one; raise AnswerRejected if there is nothing to retry."""
    attempt = latest_attempt(user, lesson)
    _lock_learner(user)
    if attempt is not None and attempt.finished_at is None:
        # Every current question may be answered already (an author removed the
        # last unanswered one): score the attempt, so its result shows.
        if _close_if_all_answered(user, lesson, attempt, utcnow()) is not None:
            return _require(latest_attempt(user, lesson))
        raise AnswerRejected("This quiz is already open: answer its questions.")
    if attempt is None:
        raise AnswerRejected("This quiz is already open: answer its questions.")
    if attempt.passed:
        raise AnswerRejected("You passed this quiz already.")
    insert_ignore(QuizAttempt, user_id=user.id, lesson_id=lesson.id, number=attempt.number + 1)
    return _require(latest_attempt(user, lesson))


@dataclass
class AnswerResult:
    """What answering one question did, for the feedback fragment."""

    question: Question
    chosen: set[int]
    correct: bool
    attempt: QuizAttempt
    finished: bool = False
    passed: bool = False
    score: int | None = None
    completion: CompletionResult | None = None


def answer(user: User, lesson: Lesson, question_id: int, option_ids: list[int]) -> AnswerResult:
    """Record `user`'s answer to one question of `lesson`'s open attempt.

    Raises AnswerRejected when the question is not in this lesson, no option
    was chosen, an option belongs to another question, a single-choice
    question got several, the question was answered already in this attempt,
    or the attempt is closed. Nothing changes then.
    """
    question = next((q for q in lesson.questions if q.id == question_id), None)
    if question is None:
        raise AnswerRejected("That question is not part of this lesson.")
    chosen = set(option_ids)
    if not chosen:
        raise AnswerRejected("Choose an answer first.")
    if not chosen <= {o.id for o in question.options}:
        raise AnswerRejected("That answer does not belong to this question.")
    if question.kind == QuestionKind.SINGLE and len(chosen) != 1:
        raise AnswerRejected("Choose one answer.")
    _lock_learner(user)
    attempt = open_attempt(user, lesson)
    if attempt.finished_at is not None:
        raise AnswerRejected("This attempt is closed. Start a new one to answer again.")
    correct = chosen == question.correct_ids
    inserted = insert_ignore(
        QuizAnswer,
        attempt_id=attempt.id,
        question_id=question.id,
        option_ids=sorted(chosen),
        correct=correct,
    )
    if inserted is None:
        raise AnswerRejected("You answered this question already.")
    now = utcnow()
    if not correct:
        review.schedule_after_mistake(user, question, now)
    publish(
        QuizAnswered(
            user_id=user.id,
            occurred_at=now,
            lesson_id=lesson.id,
            question_id=question.id,
            correct=correct,
            attempt_id=attempt.id,
        )
    )
    result = AnswerResult(question=question, chosen=chosen, correct=correct, attempt=attempt)
    closing = _close_if_all_answered(user, lesson, attempt, now)
    if closing is not None:
        result.finished, result.passed, result.score, result.completion = closing
    return result


def answered(attempt: QuizAttempt | None) -> dict[int, QuizAnswer]:
    """The answers of an attempt, by question id."""
    if attempt is None:
        return {}
    rows = db.session.scalars(select(QuizAnswer).where(QuizAnswer.attempt_id == attempt.id))
    return {a.question_id: a for a in rows}


def _close_if_all_answered(
    user: User, lesson: Lesson, attempt: QuizAttempt, now: datetime
) -> tuple[bool, bool, int, CompletionResult | None] | None:
    """Score and close `attempt` once every current question has an answer.

    Returns (finished, passed, score, completion), or None while questions remain.
    """
    current = {q.id for q in lesson.questions}
    answers = {qid: a for qid, a in answered(attempt).items() if qid in current}
    if not current or len(answers) < len(current):
        return None
    right = sum(1 for a in answers.values() if a.correct)
    score = round(100 * right / len(current))
    passed = score >= lesson.pass_mark
    closed = db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.id == attempt.id, QuizAttempt.finished_at.is_(None))
        .values(finished_at=now, score=score, passed=passed)
    )
    db.session.refresh(attempt)
    completion = None
    if closed.rowcount == 1 and passed:  # type: ignore[attr-defined]
        publish(
            QuizPassed(
                user_id=user.id,
                occurred_at=now,
                lesson_id=lesson.id,
                attempt_id=attempt.id,
                score=score,
            )
        )
        completion = complete_lesson(user, lesson, score=score)
    return True, passed, score, completion


# --- completion --------------------------------------------------------------------------


@dataclass
class CompletionResult:
    """What completing a lesson achieved."""

    lesson_completed: bool
    module_completed: bool = False
    paths_completed: list[int] = field(default_factory=list)


def can_complete(user: User, lesson: Lesson) -> bool:
    """A lesson without a quiz completes on request; one with a quiz once an attempt passed."""
    if not lesson.has_quiz:
        return True
    return (
        db.session.scalar(
            select(QuizAttempt.id).where(
                QuizAttempt.user_id == user.id,
                QuizAttempt.lesson_id == lesson.id,
                QuizAttempt.passed.is_(True),
            )
        )
        is not None
    )


def complete_lesson(user: User, lesson: Lesson, score: int | None = None) -> CompletionResult:
    """Record that `user` completed `lesson`, once; then the module and paths it completes.

    Raises AnswerRejected if the lesson's quiz has not been passed.
    """
    _lock_learner(user)
    if not can_complete(user, lesson):
        raise AnswerRejected("Pass the quiz to complete this lesson.")
    now = utcnow()
    new = insert_ignore(
        LessonCompletion, user_id=user.id, lesson_id=lesson.id, score=score, completed_at=now
    )
    if new is None:
        return CompletionResult(lesson_completed=False)
    publish(
        LessonCompleted(
            user_id=user.id,
            occurred_at=now,
            lesson_id=lesson.id,
            module_id=lesson.module_id,
            score=score,
        )
    )
    result = CompletionResult(lesson_completed=True)
    module = lesson.module
    if _all_lessons_done(user, module):
        result.module_completed = _complete_module(user, module, now)
        if result.module_completed:
            result.paths_completed = _complete_paths(user, module, now)
    return result


def _all_lessons_done(user: User, module: Module) -> bool:
    lesson_ids = {lesson.id for lesson in module.lessons}
    done = db.session.scalar(
        select(func.count())
        .select_from(LessonCompletion)
        .where(LessonCompletion.user_id == user.id, LessonCompletion.lesson_id.in_(lesson_ids))
    )
    return bool(lesson_ids) and done == len(lesson_ids)


def _complete_module(user: User, module: Module, now: datetime) -> bool:
    if (
        insert_ignore(ModuleCompletion, user_id=user.id, module_id=module.id, completed_at=now)
        is None
    ):
        return False
    db.session.execute(
        update(Assignment)
        .where(
            Assignment.user_id == user.id,
            Assignment.module_id == module.id,
            Assignment.completed_at.is_(None),
        )
        .values(completed_at=now)
    )
    publish(ModuleCompleted(user_id=user.id, occurred_at=now, module_id=module.id))
    return True


def _complete_paths(user: User, module: Module, now: datetime) -> list[int]:
    completed: list[int] = []
    path_ids = db.session.scalars(
        select(PathModule.path_id).where(PathModule.module_id == module.id)
    )
    from portal.learning.catalogue import audience_filter

    visible = set(db.session.scalars(select(Module.id).where(audience_filter(user))))
    for path_id in list(path_ids):
        # A path is complete when every module of it the person can see is done.
        module_ids = visible & set(
            db.session.scalars(select(PathModule.module_id).where(PathModule.path_id == path_id))
        )
        done = set(
            db.session.scalars(
                select(ModuleCompletion.module_id).where(
                    ModuleCompletion.user_id == user.id, ModuleCompletion.module_id.in_(module_ids)
                )
            )
        )
        if done != module_ids:
            continue
        if (
            insert_ignore(PathCompletion, user_id=user.id, path_id=path_id, completed_at=now)
            is None
        ):
            continue
        db.session.execute(
            update(Assignment)
            .where(
                Assignment.user_id == user.id,
                Assignment.path_id == path_id,
                Assignment.completed_at.is_(None),
            )
            .values(completed_at=now)
        )
        publish(PathCompleted(user_id=user.id, occurred_at=now, path_id=path_id))
        completed.append(path_id)
    return completed


def options_by_id(question: Question) -> dict[int, Option]:
    """A question's options, by id."""
    return {o.id: o for o in question.options}
