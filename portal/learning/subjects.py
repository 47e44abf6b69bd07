"""Titles and pages of the learning subjects points are paid for (see gamification.subjects)."""

from __future__ import annotations

from sqlalchemy import select

from portal.db import db
from portal.gamification.subjects import Subject, subject_resolver
from portal.learning.models import LearningPath, Lesson, Module, Question


@subject_resolver("lesson")
def _lessons(ids: list[int]) -> dict[int, Subject]:
    rows = db.session.execute(select(Lesson.id, Lesson.title).where(Lesson.id.in_(ids)))
    return {i: Subject(t, "learning.lesson", {"lesson_id": i}) for i, t in rows}


@subject_resolver("module")
def _modules(ids: list[int]) -> dict[int, Subject]:
    rows = db.session.execute(select(Module.id, Module.title).where(Module.id.in_(ids)))
    return {i: Subject(t, "learning.module", {"module_id": i}) for i, t in rows}


@subject_resolver("path")
def _paths(ids: list[int]) -> dict[int, Subject]:
    rows = db.session.execute(
        select(LearningPath.id, LearningPath.title).where(LearningPath.id.in_(ids))
    )
    return {i: Subject(t, "learning.path", {"path_id": i}) for i, t in rows}


@subject_resolver("question")
def _questions(ids: list[int]) -> dict[int, Subject]:
    rows = db.session.execute(
        select(Question.id, Lesson.id, Lesson.title)
        .join(Lesson, Lesson.id == Question.lesson_id)
        .where(Question.id.in_(ids))
    )
    return {
        q: Subject(f"A question in “{t}”", "learning.lesson", {"lesson_id": lid})
        for q, lid, t in rows
    }
