"""What a person may see of the learning content, and their own learning at a glance.

Content outside a person's audience (a draft, another team's module) is a
`NotFound` for them: a 404 does not tell that it exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, false, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.db import db
from portal.learning.models import (
    LearningPath,
    Lesson,
    Module,
    PathModule,
    Status,
    module_teams,
)
from portal.learning.records import (
    Assignment,
    LessonCompletion,
    LessonProgress,
    ModuleCompletion,
    PathCompletion,
    QuizAttempt,
    ReviewItem,
)


def audience_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the module is published for `user` (everyone, or one of their teams)."""
    in_team: ColumnElement[bool] = (
        exists()
        .where(module_teams.c.module_id == Module.id, module_teams.c.team_id == user.team_id)
        .correlate(Module)
        if user.team_id is not None
        else false()
    )
    return (Module.status == Status.PUBLISHED) & or_(Module.for_everyone.is_(True), in_team)


def visible_modules_query(user: User) -> Select[Any]:
    """Published modules in `user`'s audience, newest first."""
    return (
        select(Module)
        .where(audience_filter(user))
        .options(selectinload(Module.lessons))  # lesson counts on every card: one query, not N
        .order_by(Module.published_at.desc(), Module.id)
    )


def catalogue(user: User, query: str = "", tag: str = "") -> list[Module]:
    """The modules `user` can take, searched by title/summary and filtered by tag."""
    stmt = visible_modules_query(user)
    query = query.strip().lower()
    if query:
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        stmt = stmt.where(
            or_(
                func.lower(Module.title).like(like, escape="\\"),
                func.lower(Module.summary).like(like, escape="\\"),
            )
        )
    modules = list(db.session.scalars(stmt).all())
    if tag:
        modules = [m for m in modules if tag in (m.tags or [])]
    return modules


def all_tags(user: User) -> list[str]:
    """Every tag on a module `user` can see, sorted."""
    tags: set[str] = set()
    for module in db.session.scalars(visible_modules_query(user)):
        tags.update(module.tags or [])
    return sorted(tags, key=str.lower)


def get_module(user: User, module_id: int) -> Module:
    """A module `user` may take; NotFound otherwise."""
    lessons = selectinload(Module.lessons)
    module = db.session.scalar(
        select(Module)
        .where(Module.id == module_id, audience_filter(user))
        .options(lessons.selectinload(Lesson.cards), lessons.selectinload(Lesson.questions))
    )
    if module is None:
        raise NotFound()
    return module


def get_lesson(user: User, lesson_id: int) -> Lesson:
    """A lesson of a module `user` may take; NotFound otherwise."""
    lesson = db.session.scalar(
        select(Lesson).join(Module).where(Lesson.id == lesson_id, audience_filter(user))
    )
    if lesson is None:
        raise NotFound()
    return lesson


def visible_paths(user: User) -> list[LearningPath]:
    """Published paths with at least one module `user` can see."""
    paths = db.session.scalars(
        select(LearningPath)
        .where(LearningPath.status == Status.PUBLISHED)
        .options(selectinload(LearningPath.steps).selectinload(PathModule.module))
        .order_by(LearningPath.id)
    ).all()
    # Only the ids: loading every visible module with its lessons again (my_learning has
    # them already) was a third of the home page's time with a 200-module catalogue.
    visible = set(db.session.scalars(select(Module.id).where(audience_filter(user))))
    return [p for p in paths if any(step.module_id in visible for step in p.steps)]


def get_path(user: User, path_id: int) -> LearningPath:
    """A published path `user` can see; NotFound otherwise."""
    for path in visible_paths(user):
        if path.id == path_id:
            return path
    raise NotFound()


def completed_lesson_ids(user: User, module: Module | None = None) -> set[int]:
    """Ids of the lessons `user` completed (within `module`, if given)."""
    stmt = select(LessonCompletion.lesson_id).where(LessonCompletion.user_id == user.id)
    if module is not None:
        stmt = stmt.join(Lesson, Lesson.id == LessonCompletion.lesson_id).where(
            Lesson.module_id == module.id
        )
    return set(db.session.scalars(stmt))


def completed_module_ids(user: User) -> set[int]:
    """Ids of the modules `user` completed."""
    return set(
        db.session.scalars(
            select(ModuleCompletion.module_id).where(ModuleCompletion.user_id == user.id)
        )
    )


def completed_path_ids(user: User) -> set[int]:
    """Ids of the paths `user` completed."""
    return set(
        db.session.scalars(select(PathCompletion.path_id).where(PathCompletion.user_id == user.id))
    )


@dataclass
class ModuleCard:
    """A module with one person's progress through it."""

    module: Module
    done: int
    total: int
    next_lesson: Lesson | None

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class MyLearning:
    """Everything on a person's learning page."""

    in_progress: list[ModuleCard] = field(default_factory=list)
    assigned: list[Assignment] = field(default_factory=list)
    recommended: list[ModuleCard] = field(default_factory=list)
    completed: list[ModuleCard] = field(default_factory=list)
    paths: list[tuple[LearningPath, int, int]] = field(default_factory=list)
    reviews_due: int = 0
    today: date | None = None


def module_card(module: Module, done_ids: set[int]) -> ModuleCard:
    """`module` with how many of its lessons are done and which one comes next."""
    lessons = module.lessons
    done = sum(1 for lesson in lessons if lesson.id in done_ids)
    next_lesson = next((lesson for lesson in lessons if lesson.id not in done_ids), None)
    return ModuleCard(module, done, len(lessons), next_lesson)


def my_learning(user: User, today: date, due_reviews: int = 0) -> MyLearning:
    """In progress, assigned, recommended next and completed, for `user`'s own page."""
    modules = list(db.session.scalars(visible_modules_query(user)))
    done_lessons = completed_lesson_ids(user)
    done_modules = completed_module_ids(user)
    started = set(
        db.session.scalars(
            select(Lesson.module_id)
            .join(LessonProgress, LessonProgress.lesson_id == Lesson.id)
            .where(LessonProgress.user_id == user.id)
        )
    ) | set(
        db.session.scalars(
            select(Lesson.module_id)
            .join(QuizAttempt, QuizAttempt.lesson_id == Lesson.id)
            .where(QuizAttempt.user_id == user.id)
        )
    )
    result = MyLearning(reviews_due=due_reviews, today=today)
    path_order: dict[int, int] = {}
    for position, (module_id,) in enumerate(
        db.session.execute(
            select(PathModule.module_id).order_by(PathModule.path_id, PathModule.position)
        )
    ):
        path_order.setdefault(module_id, position)
    for module in modules:
        card = module_card(module, done_lessons)
        if module.id in done_modules:
            result.completed.append(card)
        elif card.done or module.id in started:
            result.in_progress.append(card)
        else:
            result.recommended.append(card)
    # Recommend in path order (the starter path first), then newest.
    result.recommended.sort(key=lambda c: path_order.get(c.module.id, 10_000))
    result.recommended = result.recommended[:3]
    paths = visible_paths(user)
    visible_module_ids = {m.id for m in modules}
    visible_path_ids = {p.id for p in paths}
    result.assigned = [
        a
        for a in db.session.scalars(
            select(Assignment)
            .where(Assignment.user_id == user.id, Assignment.completed_at.is_(None))
            .order_by(Assignment.due_on.is_(None), Assignment.due_on, Assignment.id)
        )
        # Only what the person can open: a module since unpublished or retargeted drops out.
        if (a.module_id in visible_module_ids) or (a.path_id in visible_path_ids)
    ]
    done_paths = completed_path_ids(user)
    for path in paths:
        steps = [s for s in path.steps if s.module_id in visible_module_ids]
        total = len(steps)
        done = sum(1 for step in steps if step.module_id in done_modules)
        if path.id not in done_paths or done:
            result.paths.append((path, done, total))
    return result


def count_due_reviews(user: User, now: object) -> int:
    """How many review questions are due for `user` now (from modules they can still see)."""
    from portal.learning.models import Question

    return (
        db.session.scalar(
            select(func.count())
            .select_from(ReviewItem)
            .join(Question, Question.id == ReviewItem.question_id)
            .join(Lesson, Lesson.id == Question.lesson_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(ReviewItem.user_id == user.id, ReviewItem.due_at <= now, audience_filter(user))
        )
        or 0
    )
