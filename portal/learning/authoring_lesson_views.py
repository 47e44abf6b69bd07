"""Authoring views inside a module: its lessons, their cards (with a live preview) and quizzes.

Routes of the `authoring` blueprint (see `authoring_views`), for managers;
the services decide what each may edit.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_login import current_user

from portal.db import db
from portal.learning import authoring, authoring_lessons
from portal.learning.authoring_checks import MAX_CARD, AuthoringError
from portal.learning.authoring_forms import (
    CardForm,
    LessonForm,
    NewLessonForm,
    QuestionForm,
    question_form,
)
from portal.learning.authoring_views import (
    INVALID,
    T,
    attach_error,
    bp,
    commit_or_toast,
    module_page,
    posted_direction,
    see_other,
)
from portal.learning.models import Lesson, Module
from portal.markdown import render_markdown
from portal.web import manager_required, render, toast, wants_fragment

# --- lessons -----------------------------------------------------------------------------


@bp.post("/modules/<int:module_id>/lessons")
@manager_required
def add_lesson(module_id: int) -> Response:
    """Add a lesson at the end of a module and open it."""
    module = authoring.get_module(current_user, module_id)
    form = NewLessonForm(prefix="new-lesson")
    try:
        lesson = authoring_lessons.add_lesson(current_user, module, form.title.data or "")
    except AuthoringError as exc:
        db.session.rollback()
        form.title.errors = [str(exc)]
        return module_page(module, lesson_form=form, partial=T + "_lessons.html")
    db.session.commit()
    toast(f"Lesson “{lesson.title}” added.")
    return see_other("authoring.edit_lesson", lesson_id=lesson.id)


def _after_lesson_change(module: Module) -> Response:
    if not wants_fragment():
        return see_other("authoring.edit_module", "lessons", module_id=module.id)
    db.session.refresh(module)
    return render(
        T + "_lessons.html",
        module=module,
        lesson_form=NewLessonForm(formdata=None, prefix="new-lesson"),
    )


@bp.post("/lessons/<int:lesson_id>/move")
@manager_required
def move_lesson(lesson_id: int) -> Response:
    """Move a lesson up or down; htmx gets the lesson list back."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    commit_or_toast(lambda: authoring_lessons.move_lesson(current_user, lesson, posted_direction()))
    return _after_lesson_change(lesson.module)


@bp.post("/lessons/<int:lesson_id>/delete")
@manager_required
def delete_lesson(lesson_id: int) -> Response:
    """Delete a lesson with its cards and questions."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    module, title = lesson.module, lesson.title
    commit_or_toast(
        lambda: authoring_lessons.delete_lesson(current_user, lesson), f"Lesson “{title}” deleted."
    )
    return _after_lesson_change(module)


def _card_forms(lesson: Lesson) -> dict[int, CardForm]:
    return {card.id: CardForm(formdata=None, obj=card) for card in lesson.cards}


def _question_forms(lesson: Lesson) -> dict[int, QuestionForm]:
    return {q.id: question_form(q) for q in lesson.questions}


def _lesson_page(lesson: Lesson, partial: str | None = None, **context: Any) -> Response:
    context.setdefault("lesson_form", LessonForm(formdata=None, obj=lesson))
    context.setdefault("card_forms", _card_forms(lesson))
    context.setdefault("question_forms", _question_forms(lesson))
    context.setdefault("new_question", question_form(None))
    context.setdefault("card_errors", {})
    context.setdefault("question_errors", {})
    return render(T + "lesson.html", partial, lesson=lesson, module=lesson.module, **context)


@bp.get("/lessons/<int:lesson_id>")
@manager_required
def edit_lesson(lesson_id: int) -> Response:
    """The lesson editor: title and pass mark, cards with a live preview, the quiz."""
    return _lesson_page(authoring_lessons.get_lesson(current_user, lesson_id))


@bp.post("/lessons/<int:lesson_id>")
@manager_required
def update_lesson(lesson_id: int) -> Response:
    """Save a lesson's title and pass mark; htmx gets the form back."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    form = LessonForm()
    error = None
    if form.validate_on_submit():
        try:
            authoring_lessons.update_lesson(
                current_user, lesson, title=form.title.data or "", pass_mark=form.pass_mark.data
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = attach_error(form, exc)
        else:
            db.session.commit()
            toast("Lesson saved.")
            if not wants_fragment():
                return see_other("authoring.edit_lesson", lesson_id=lesson.id)
    else:
        error = INVALID
    return _lesson_page(lesson, T + "_lesson_form.html", lesson_form=form, lesson_error=error)


@bp.get("/lessons/<int:lesson_id>/preview")
@manager_required
def preview_lesson(lesson_id: int) -> Response:
    """The lesson as learners will read it, with the quiz's answers shown (drafts too)."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    return render(T + "lesson_preview.html", lesson=lesson, module=lesson.module)


# --- cards -------------------------------------------------------------------------------


def _after_cards_change(lesson: Lesson, anchor: str | None = None, **context: Any) -> Response:
    if not wants_fragment() and not context:
        return see_other("authoring.edit_lesson", anchor or "cards", lesson_id=lesson.id)
    db.session.refresh(lesson)
    return _lesson_page(lesson, T + "_cards.html", **context)


@bp.post("/lessons/<int:lesson_id>/cards")
@manager_required
def add_card(lesson_id: int) -> Response:
    """Add an empty card at the end of a lesson."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    card = authoring_lessons.add_card(current_user, lesson)
    db.session.commit()
    toast("Card added.")
    return _after_cards_change(lesson, f"card-{card.id}")


@bp.post("/cards/<int:card_id>")
@manager_required
def update_card(card_id: int) -> Response:
    """Save a card's Markdown; htmx gets the card back."""
    card = authoring_lessons.get_card(current_user, card_id)
    form = CardForm()
    error = None
    if form.validate_on_submit():
        try:
            authoring_lessons.update_card(current_user, card, form.body.data or "")
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Card saved.")
            if not wants_fragment():
                return see_other(
                    "authoring.edit_lesson", f"card-{card.id}", lesson_id=card.lesson_id
                )
            form = CardForm(formdata=None, obj=card)
    else:
        error = " ".join(form.body.errors) or INVALID
    if not wants_fragment():
        lesson = card.lesson
        return _lesson_page(
            lesson, card_forms={**_card_forms(lesson), card.id: form}, card_errors={card.id: error}
        )
    return render(T + "_card.html", card=card, form=form, error=error, lesson=card.lesson)


@bp.post("/cards/<int:card_id>/move")
@manager_required
def move_card(card_id: int) -> Response:
    """Move a card up or down; htmx gets the card list back."""
    card = authoring_lessons.get_card(current_user, card_id)
    commit_or_toast(lambda: authoring_lessons.move_card(current_user, card, posted_direction()))
    return _after_cards_change(card.lesson, f"card-{card.id}")


@bp.post("/cards/<int:card_id>/delete")
@manager_required
def delete_card(card_id: int) -> Response:
    """Delete a card."""
    card = authoring_lessons.get_card(current_user, card_id)
    lesson = card.lesson
    commit_or_toast(lambda: authoring_lessons.delete_card(current_user, card), "Card deleted.")
    return _after_cards_change(lesson)


@bp.post("/preview")
@manager_required
def preview() -> Response:
    """The sanitised HTML of the Markdown in `body`, for the live preview beside a card."""
    body = request.form.get("body", "")
    too_long = len(body) > MAX_CARD
    html = "" if too_long else render_markdown(body)
    return render(T + "_preview.html", html=html, too_long=too_long)


# --- questions ---------------------------------------------------------------------------


def _after_questions_change(lesson: Lesson, anchor: str | None = None, **context: Any) -> Response:
    if not wants_fragment() and not context:
        return see_other("authoring.edit_lesson", anchor or "questions", lesson_id=lesson.id)
    db.session.refresh(lesson)
    return _lesson_page(lesson, T + "_questions.html", **context)


@bp.post("/lessons/<int:lesson_id>/questions")
@manager_required
def add_question(lesson_id: int) -> Response:
    """Add a question to a lesson's quiz; errors re-render the new-question form."""
    lesson = authoring_lessons.get_lesson(current_user, lesson_id)
    form = question_form(None, submitted=True)
    error: str | None = INVALID
    if form.validate_on_submit():
        try:
            question = authoring_lessons.add_question(
                current_user, lesson, form.prompt.data or "", form.kind.data, form.option_inputs()
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Question added.")
            return _after_questions_change(lesson, f"question-{question.id}")
    return _after_questions_change(lesson, new_question=form, new_question_error=error)


@bp.post("/questions/<int:question_id>")
@manager_required
def update_question(question_id: int) -> Response:
    """Save a question and its answers; htmx gets the question back."""
    question = authoring_lessons.get_question(current_user, question_id)
    form = question_form(question, submitted=True)
    error: str | None = INVALID
    if form.validate_on_submit():
        try:
            authoring_lessons.update_question(
                current_user, question, form.prompt.data or "", form.kind.data, form.option_inputs()
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Question saved.")
            if not wants_fragment():
                return see_other(
                    "authoring.edit_lesson", f"question-{question.id}", lesson_id=question.lesson_id
                )
            form, error = question_form(question), None
    lesson = question.lesson
    if not wants_fragment():
        return _lesson_page(
            lesson,
            question_forms={**_question_forms(lesson), question.id: form},
            question_errors={question.id: error},
        )
    number = lesson.questions.index(question) + 1
    return render(
        T + "_question.html",
        question=question,
        form=form,
        error=error,
        number=number,
        lesson=lesson,
    )


@bp.post("/questions/<int:question_id>/move")
@manager_required
def move_question(question_id: int) -> Response:
    """Move a question up or down; htmx gets the quiz back."""
    question = authoring_lessons.get_question(current_user, question_id)
    commit_or_toast(
        lambda: authoring_lessons.move_question(current_user, question, posted_direction())
    )
    return _after_questions_change(question.lesson, f"question-{question.id}")


@bp.post("/questions/<int:question_id>/delete")
@manager_required
def delete_question(question_id: int) -> Response:
    """Delete a question."""
    question = authoring_lessons.get_question(current_user, question_id)
    lesson = question.lesson
    authoring_lessons.delete_question(current_user, question)
    db.session.commit()
    toast("Question deleted.")
    return _after_questions_change(lesson)
