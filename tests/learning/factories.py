"""Build small modules for learning tests (committed, so other requests and threads see them)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from portal.accounts.models import Team
from portal.db import db, utcnow
from portal.learning.models import (
    Card,
    LearningPath,
    Lesson,
    Module,
    Option,
    PathModule,
    Question,
    QuestionKind,
    Status,
)


@dataclass
class Built:
    """Ids of what `build_module` made."""

    module_id: int
    lesson_ids: list[int] = field(default_factory=list)
    question_ids: list[list[int]] = field(default_factory=list)
    # option ids per question: (right ids, wrong ids)
    options: dict[int, tuple[list[int], list[int]]] = field(default_factory=dict)


def build_module(
    app,  # type: ignore[no-untyped-def]
    title: str = "Personal brand basics",
    lessons: int = 2,
    cards: int = 2,
    questions: int = 2,
    status: Status = Status.PUBLISHED,
    teams: list[Team] | None = None,
    tags: list[str] | None = None,
    multiple: bool = False,
) -> Built:
    """A module with `lessons` lessons of `cards` cards and `questions` questions each.

    Each question has one right option ("Right N") and two wrong ones; with
    `multiple`, the first question of each lesson has two right options.
    """
    with app.app_context():
        module = Module(
            slug=title.lower().replace(" ", "-") + "-" + uuid.uuid4().hex[:6],
            title=title,
            summary=f"All about {title.lower()}.",
            minutes=5 * lessons,
            tags=tags or ["personal brand"],
            for_everyone=not teams,
            status=status,
            published_at=utcnow() if status == Status.PUBLISHED else None,
        )
        if teams:
            module.teams = [db.session.get(Team, t.id) for t in teams]  # type: ignore[misc]
        db.session.add(module)
        for li in range(lessons):
            lesson = Lesson(position=li, title=f"{title} lesson {li + 1}", pass_mark=50)
            module.lessons.append(lesson)
            for ci in range(cards):
                lesson.cards.append(
                    Card(position=ci, body=f"## Card {ci + 1}\n\nRead **this** card.")
                )
            for qi in range(questions):
                kind = QuestionKind.MULTIPLE if multiple and qi == 0 else QuestionKind.SINGLE
                q = Question(
                    position=qi, prompt=f"Question {qi + 1} of lesson {li + 1}?", kind=kind
                )
                q.options = [
                    Option(
                        position=0, text=f"Right {qi + 1}", correct=True, explanation="Because."
                    ),
                    Option(position=1, text="Wrong A", correct=False, explanation="Not this."),
                    Option(
                        position=2,
                        text="Also right" if kind == QuestionKind.MULTIPLE else "Wrong B",
                        correct=kind == QuestionKind.MULTIPLE,
                        explanation="See above.",
                    ),
                ]
                lesson.questions.append(q)
        db.session.commit()
        built = Built(module_id=module.id)
        for lesson in module.lessons:
            built.lesson_ids.append(lesson.id)
            built.question_ids.append([q.id for q in lesson.questions])
            for q in lesson.questions:
                right = [o.id for o in q.options if o.correct]
                wrong = [o.id for o in q.options if not o.correct]
                built.options[q.id] = (right, wrong)
        return built


def build_path(app, title: str, module_ids: list[int]) -> int:  # type: ignore[no-untyped-def]
    """A published path of the given modules; returns its id."""
    with app.app_context():
        path = LearningPath(
            slug=title.lower().replace(" ", "-"),
            title=title,
            summary="A path.",
            status=Status.PUBLISHED,
        )
        path.steps = [PathModule(module_id=mid, position=i) for i, mid in enumerate(module_ids)]
        db.session.add(path)
        db.session.commit()
        return path.id
