"""Events of the learning domain (gamification and notifications subscribe to them)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class QuizAnswered(Event):
    lesson_id: int
    question_id: int
    correct: bool
    attempt_id: int


@dataclass(frozen=True)
class QuizPassed(Event):
    lesson_id: int
    attempt_id: int
    score: int


@dataclass(frozen=True)
class LessonCompleted(Event):
    lesson_id: int
    module_id: int
    score: int | None


@dataclass(frozen=True)
class ModuleCompleted(Event):
    module_id: int


@dataclass(frozen=True)
class PathCompleted(Event):
    path_id: int
