"""Authoring inside a module: its lessons, their cards and quiz questions, and their order.

Each function checks that `actor` may edit the module concerned (`NotFound`
otherwise) and raises `AuthoringError` on bad input. Functions flush; the
caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence

from portal.accounts.models import User
from portal.db import db
from portal.learning.authoring_checks import (
    AuthoringError,
    OptionInput,
    check_card_body,
    check_pass_mark,
    check_question,
    check_title,
    require_editable,
)
from portal.learning.authoring_order import move_item, renumber, reorder, settle
from portal.learning.models import Card, Lesson, Module, Option, Question

# --- finding what to edit ----------------------------------------------------------------


def get_lesson(actor: User, lesson_id: int) -> Lesson:
    """A lesson of a module `actor` may edit; NotFound otherwise."""
    lesson = db.session.get(Lesson, lesson_id)
    require_editable(actor, lesson.module if lesson else None)
    assert lesson is not None  # noqa: S101 - require_editable raised otherwise
    return lesson


def get_card(actor: User, card_id: int) -> Card:
    """A card of a module `actor` may edit; NotFound otherwise."""
    card = db.session.get(Card, card_id)
    require_editable(actor, card.lesson.module if card else None)
    assert card is not None  # noqa: S101
    return card


def get_question(actor: User, question_id: int) -> Question:
    """A question of a module `actor` may edit; NotFound otherwise."""
    question = db.session.get(Question, question_id)
    require_editable(actor, question.lesson.module if question else None)
    assert question is not None  # noqa: S101
    return question


# --- ordering ----------------------------------------------------------------------------


def move_lesson(actor: User, lesson: Lesson, direction: str) -> None:
    """Move a lesson one place "up" or "down" in its module (no-op at either end)."""
    require_editable(actor, lesson.module)
    move_item(lesson.module.lessons, lesson, direction)
    settle(lesson.module, "lessons")


def order_lessons(actor: User, module: Module, lesson_ids: Sequence[int]) -> None:
    """Put a module's lessons in the order of `lesson_ids` (each of them exactly once)."""
    require_editable(actor, module)
    reorder(module.lessons, lesson_ids)
    settle(module, "lessons")


def move_card(actor: User, card: Card, direction: str) -> None:
    """Move a card one place "up" or "down" in its lesson."""
    require_editable(actor, card.lesson.module)
    move_item(card.lesson.cards, card, direction)
    settle(card.lesson, "cards")


def order_cards(actor: User, lesson: Lesson, card_ids: Sequence[int]) -> None:
    """Put a lesson's cards in the order of `card_ids`."""
    require_editable(actor, lesson.module)
    reorder(lesson.cards, card_ids)
    settle(lesson, "cards")


def move_question(actor: User, question: Question, direction: str) -> None:
    """Move a question one place "up" or "down" in its lesson's quiz."""
    require_editable(actor, question.lesson.module)
    move_item(question.lesson.questions, question, direction)
    settle(question.lesson, "questions")


def order_questions(actor: User, lesson: Lesson, question_ids: Sequence[int]) -> None:
    """Put a lesson's questions in the order of `question_ids`."""
    require_editable(actor, lesson.module)
    reorder(lesson.questions, question_ids)
    settle(lesson, "questions")


# --- lessons and cards -------------------------------------------------------------------


def add_lesson(actor: User, module: Module, title: str) -> Lesson:
    """Append a lesson (with one empty card to write in) to `module`."""
    require_editable(actor, module)
    lesson = Lesson(
        module=module,
        position=len(module.lessons),
        title=check_title(title, missing="Give the lesson a title."),
        cards=[Card(position=0, body="")],
    )
    db.session.add(lesson)
    db.session.flush()
    return lesson


def update_lesson(actor: User, lesson: Lesson, *, title: str, pass_mark: int) -> None:
    """Rename a lesson and set its quiz's pass mark (percent)."""
    require_editable(actor, lesson.module)
    title = check_title(title, missing="Give the lesson a title.")
    lesson.pass_mark = check_pass_mark(pass_mark)
    lesson.title = title
    db.session.flush()


def delete_lesson(actor: User, lesson: Lesson) -> None:
    """Delete a lesson; a published module keeps at least one."""
    module = require_editable(actor, lesson.module)
    if module.is_published and len(module.lessons) == 1:
        raise AuthoringError("A published module needs a lesson: unpublish it first.")
    db.session.delete(lesson)
    settle(module, "lessons")
    renumber(module.lessons)
    db.session.flush()


def add_card(actor: User, lesson: Lesson, body: str = "") -> Card:
    """Append a card to `lesson`."""
    require_editable(actor, lesson.module)
    card = Card(lesson=lesson, position=len(lesson.cards), body=check_card_body(body))
    db.session.add(card)
    db.session.flush()
    return card


def update_card(actor: User, card: Card, body: str) -> None:
    """Replace a card's Markdown."""
    require_editable(actor, card.lesson.module)
    card.body = check_card_body(body)
    db.session.flush()


def delete_card(actor: User, card: Card) -> None:
    """Delete a card; a lesson of a published module keeps at least one."""
    lesson = card.lesson
    require_editable(actor, lesson.module)
    if lesson.module.is_published and len(lesson.cards) == 1:
        raise AuthoringError("A lesson of a published module needs a card: unpublish it first.")
    db.session.delete(card)
    settle(lesson, "cards")
    renumber(lesson.cards)
    db.session.flush()


# --- questions ---------------------------------------------------------------------------


def add_question(
    actor: User, lesson: Lesson, prompt: str, kind: str, options: Sequence[OptionInput]
) -> Question:
    """Append a validated question to `lesson`'s quiz; AuthoringError on bad input."""
    require_editable(actor, lesson.module)
    prompt, kind_, cleaned = check_question(prompt, kind, options)
    question = Question(
        lesson=lesson,
        position=len(lesson.questions),
        prompt=prompt,
        kind=kind_,
        options=[
            Option(position=i, text=o.text, correct=o.correct, explanation=o.explanation)
            for i, o in enumerate(cleaned)
        ],
    )
    db.session.add(question)
    db.session.flush()
    return question


def update_question(
    actor: User, question: Question, prompt: str, kind: str, options: Sequence[OptionInput]
) -> None:
    """Replace a question's prompt, kind and options; AuthoringError on bad input.

    Options are updated in place, so answers already given keep their option ids.
    """
    require_editable(actor, question.lesson.module)
    question.prompt, question.kind, cleaned = check_question(prompt, kind, options)
    existing = list(question.options)
    for i, data in enumerate(cleaned):
        option = existing[i] if i < len(existing) else Option(question=question)
        option.position, option.text = i, data.text
        option.correct, option.explanation = data.correct, data.explanation
        db.session.add(option)
    for option in existing[len(cleaned) :]:
        db.session.delete(option)
    settle(question, "options")


def delete_question(actor: User, question: Question) -> None:
    """Delete a question from its lesson's quiz."""
    lesson = question.lesson
    require_editable(actor, lesson.module)
    db.session.delete(question)
    settle(lesson, "questions")
    renumber(lesson.questions)
    db.session.flush()
