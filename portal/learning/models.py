"""Learning content: modules of lessons made of cards and quiz questions, and paths of modules."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Enum,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Team
from portal.db import Model, TimestampMixin, UTCDateTime


class Status(enum.StrEnum):
    """Drafts are seen only by their authors; published content by its audience."""

    DRAFT = "draft"
    PUBLISHED = "published"


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"


def _enum(enum_type: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(
        enum_type, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


module_teams = Table(
    "module_teams",
    Model.metadata,
    Column("module_id", ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Module(TimestampMixin, Model):
    """A short course: a few lessons on one subject, for everyone or for chosen teams."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(140))
    summary: Mapped[str] = mapped_column(Text, default="")
    cover_image: Mapped[str | None] = mapped_column(String(500))
    minutes: Mapped[int] = mapped_column(default=10)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    for_everyone: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.DRAFT, index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A leader's module belongs to their team: only that team's leaders (and admins) edit it.
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position", cascade="all, delete-orphan"
    )
    teams: Mapped[list[Team]] = relationship(secondary=module_teams, order_by="Team.name")
    owner_team: Mapped[Team | None] = relationship(foreign_keys=[owner_team_id])

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    def __repr__(self) -> str:
        return f"<Module {self.slug}>"


class Lesson(Model):
    """A few cards to read, then (usually) a short quiz."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(140))
    pass_mark: Mapped[int] = mapped_column(default=70)  # percent of questions right

    module: Mapped[Module] = relationship(back_populates="lessons")
    cards: Mapped[list[Card]] = relationship(
        back_populates="lesson", order_by="Card.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="lesson", order_by="Question.position", cascade="all, delete-orphan"
    )

    @property
    def has_quiz(self) -> bool:
        return bool(self.questions)

    @property
    def steps(self) -> int:
        """Cards plus the quiz (one step), for the progress bar."""
        return len(self.cards) + (1 if self.questions else 0)


class Card(Model):
    """One screen of a lesson, in Markdown."""

    __tablename__ = "lesson_cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text, default="")

    lesson: Mapped[Lesson] = relationship(back_populates="cards")


class Question(Model):
    """A quiz question with one or several right options."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    prompt: Mapped[str] = mapped_column(Text)
    kind: Mapped[QuestionKind] = mapped_column(_enum(QuestionKind), default=QuestionKind.SINGLE)

    lesson: Mapped[Lesson] = relationship(back_populates="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )

    @property
    def correct_ids(self) -> set[int]:
        return {o.id for o in self.options if o.correct}


class Option(Model):
    """An answer to choose, with the explanation shown once the question is answered."""

    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text: Mapped[str] = mapped_column(String(500))
    correct: Mapped[bool] = mapped_column(Boolean, default=False)
    explanation: Mapped[str] = mapped_column(Text, default="")

    question: Mapped[Question] = relationship(back_populates="options")


class LearningPath(TimestampMixin, Model):
    """An ordered list of modules, such as "Social media starter"."""

    __tablename__ = "learning_paths"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(140))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[Status] = mapped_column(_enum(Status), default=Status.DRAFT)

    steps: Mapped[list[PathModule]] = relationship(
        back_populates="path", order_by="PathModule.position", cascade="all, delete-orphan"
    )

    @property
    def modules(self) -> list[Module]:
        return [step.module for step in self.steps]


class PathModule(Model):
    """A module's place in a path."""

    __tablename__ = "path_modules"
    __table_args__ = (UniqueConstraint("path_id", "module_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    path_id: Mapped[int] = mapped_column(ForeignKey("learning_paths.id", ondelete="CASCADE"))
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0)

    path: Mapped[LearningPath] = relationship(back_populates="steps")
    module: Mapped[Module] = relationship()
