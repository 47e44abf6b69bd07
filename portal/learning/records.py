"""What people did with the content: progress, completions, quiz attempts, assignments, reviews.

Completions carry unique keys: recording one is a single
`INSERT ... ON CONFLICT DO NOTHING`, so the same lesson finished twice, or in
two tabs at once, is recorded once.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, TimestampMixin, UTCDateTime, utcnow
from portal.learning.models import LearningPath, Lesson, Module, Question


class LessonProgress(Model):
    """Where a person is in a lesson, so they resume there on any device."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LessonCompletion(Model):
    """A person finished a lesson (and passed its quiz, if it has one). Once per person."""

    __tablename__ = "lesson_completions"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    score: Mapped[int | None] = mapped_column()  # percent, when the lesson has a quiz
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    lesson: Mapped[Lesson] = relationship()


class ModuleCompletion(Model):
    """A person finished every lesson of a module. Once per person."""

    __tablename__ = "module_completions"
    __table_args__ = (UniqueConstraint("user_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    module: Mapped[Module] = relationship()


class PathCompletion(Model):
    """A person finished every module of a path. Once per person."""

    __tablename__ = "path_completions"
    __table_args__ = (UniqueConstraint("user_id", "path_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class QuizAttempt(Model):
    """One go at a lesson's quiz; a failed attempt can be retried with a new one."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    score: Mapped[int | None] = mapped_column()
    passed: Mapped[bool | None] = mapped_column(Boolean)

    answers: Mapped[list[QuizAnswer]] = relationship(
        back_populates="attempt", cascade="all, delete-orphan"
    )


class QuizAnswer(Model):
    """The options a person chose for one question in one attempt."""

    __tablename__ = "quiz_answers"
    __table_args__ = (UniqueConstraint("attempt_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("quiz_attempts.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    option_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    correct: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    attempt: Mapped[QuizAttempt] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()


class Assignment(TimestampMixin, Model):
    """A module or a path someone must do, by a due date."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "module_id"),
        UniqueConstraint("user_id", "path_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_id: Mapped[int | None] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    path_id: Mapped[int | None] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    module: Mapped[Module | None] = relationship()
    path: Mapped[LearningPath | None] = relationship()

    @property
    def title(self) -> str:
        subject = self.module or self.path
        return subject.title if subject else ""

    def is_overdue(self, today: date) -> bool:
        return self.completed_at is None and self.due_on is not None and self.due_on < today

    def was_late(self) -> bool:
        """Finished after the due date, in the assignee's own time zone."""
        if self.completed_at is None or self.due_on is None:
            return False
        from zoneinfo import ZoneInfo

        return self.completed_at.astimezone(ZoneInfo(self.user.timezone)).date() > self.due_on


class ReviewItem(Model):
    """A question a person got wrong, due again after 1, 3, 10 and then 30 days."""

    __tablename__ = "review_items"
    __table_args__ = (
        UniqueConstraint("user_id", "question_id"),
        Index("ix_review_items_user_due", "user_id", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    stage: Mapped[int] = mapped_column(default=0)  # index into REVIEW_INTERVALS
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # None: learned
    last_reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    question: Mapped[Question] = relationship()


class XapiStatement(Model):
    """A learning record as an xAPI 1.0.3 statement, kept for export and forwarding to an LRS."""

    __tablename__ = "xapi_statements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # the statement's UUID
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verb: Mapped[str] = mapped_column(String(32), index=True)
    statement: Mapped[dict[str, Any]] = mapped_column(JSON)
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    forwarded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
