"""Learning for everyone: my learning, the catalogue, modules, paths, and playing lessons."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.accounts.services import local_date
from portal.db import db, utcnow
from portal.learning import catalogue, player
from portal.learning.models import Lesson
from portal.web import parse_ids, render, toast, wants_fragment

bp = Blueprint("learning", __name__, url_prefix="/learn")


def _me() -> User:
    return current_user._get_current_object()


def _today() -> date:
    return local_date(current_user)


@bp.get("/")
@login_required
def index() -> Response:
    """My learning: in progress, assigned, recommended next, completed."""
    me = _me()
    due = catalogue.count_due_reviews(me, utcnow())
    return render("learning/index.html", mine=catalogue.my_learning(me, _today(), due))


@bp.get("/catalogue")
@login_required
def browse() -> Response:
    """Every module the person can take, with search and tag filters."""
    me = _me()
    query, tag = request.args.get("q", ""), request.args.get("tag", "")
    modules = catalogue.catalogue(me, query, tag)
    done = catalogue.completed_lesson_ids(me)
    return render(
        "learning/catalogue.html",
        "learning/_catalogue_results.html",
        cards=[catalogue.module_card(m, done) for m in modules],
        tags=catalogue.all_tags(me),
        query=query,
        tag=tag,
    )


@bp.get("/modules/<int:module_id>")
@login_required
def module(module_id: int) -> Response:
    """A module: its lessons and how far the person got."""
    me = _me()
    found = catalogue.get_module(me, module_id)
    done = catalogue.completed_lesson_ids(me, found)
    return render(
        "learning/module.html",
        module=found,
        card=catalogue.module_card(found, done),
        done=done,
        completed=found.id in catalogue.completed_module_ids(me),
    )


@bp.get("/paths/<int:path_id>")
@login_required
def path(path_id: int) -> Response:
    """A learning path: its modules in order."""
    me = _me()
    found = catalogue.get_path(me, path_id)
    done_lessons = catalogue.completed_lesson_ids(me)
    visible = {m.id for m in catalogue.catalogue(me)}
    cards = [catalogue.module_card(m, done_lessons) for m in found.modules if m.id in visible]
    return render(
        "learning/path.html",
        path=found,
        cards=cards,
        done_modules=catalogue.completed_module_ids(me),
        completed=found.id in catalogue.completed_path_ids(me),
    )


# --- the player --------------------------------------------------------------------------


def _player(lesson: Lesson, step: int, status: int = 200, **extra: object) -> Response:
    me = _me()
    attempt = player.latest_attempt(me, lesson) if lesson.has_quiz else None
    return render(
        "learning/lesson.html",
        "learning/_player.html",
        status=status,
        lesson=lesson,
        module=lesson.module,
        step=step,
        on_quiz=lesson.has_quiz and step >= len(lesson.cards),
        attempt=attempt,
        answers=player.answered(attempt),
        completed=player.is_completed(me, lesson),
        **extra,
    )


@bp.get("/lessons/<int:lesson_id>")
@login_required
def lesson(lesson_id: int) -> Response:
    """Play a lesson, resuming at the step the person was last on (on any device)."""
    found = catalogue.get_lesson(_me(), lesson_id)
    return _player(found, player.current_step(_me(), found))


@bp.post("/lessons/<int:lesson_id>/step")
@login_required
def step(lesson_id: int) -> Response:
    """Go to another card (or the quiz); htmx gets the player fragment, others a redirect."""
    found = catalogue.get_lesson(_me(), lesson_id)
    raw = request.form.get("step", "").strip()
    if not re.fullmatch(r"-?[0-9]{1,4}", raw):
        abort(400)
    now_on = player.go_to_step(_me(), found, int(raw))
    db.session.commit()
    if wants_fragment():
        return _player(found, now_on)
    return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]


@bp.post("/lessons/<int:lesson_id>/questions/<int:question_id>")
@login_required
def answer(lesson_id: int, question_id: int) -> Response:
    """Answer one quiz question; htmx gets the question back with its feedback."""
    me = _me()
    found = catalogue.get_lesson(me, lesson_id)
    option_ids = parse_ids(request.form.getlist("option"))
    if option_ids is None:
        abort(400)
    try:
        result = player.answer(me, found, question_id, option_ids)
    except player.AnswerRejected as exc:
        db.session.rollback()
        if wants_fragment():
            question = next((q for q in found.questions if q.id == question_id), None)
            if question is None:
                abort(404)
            attempt = player.latest_attempt(me, found)
            return render(
                "learning/_question.html",
                status=422,
                lesson=found,
                question=question,
                answer=player.answered(attempt).get(question.id),
                error=str(exc),
                attempt=attempt,
            )
        toast(str(exc), "error")
        return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]
    db.session.commit()
    if not wants_fragment():
        return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]
    if result.finished:
        # The last answer closes the attempt: the whole player comes back with the
        # result, in place of the player rather than of the one question.
        response = _player(found, len(found.cards), result=result)
        response.headers["HX-Retarget"] = "#player"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return render(
        "learning/_question.html",
        lesson=found,
        question=result.question,
        answer=player.answered(result.attempt).get(result.question.id),
        attempt=result.attempt,
        error=None,
        standalone=True,
    )


@bp.post("/lessons/<int:lesson_id>/retry")
@login_required
def retry(lesson_id: int) -> Response:
    """Start the quiz again after a failed attempt."""
    me = _me()
    found = catalogue.get_lesson(me, lesson_id)
    try:
        player.retry_quiz(me, found)
    except player.AnswerRejected as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    if wants_fragment():
        return _player(found, len(found.cards))
    return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]


@bp.post("/lessons/<int:lesson_id>/complete")
@login_required
def complete(lesson_id: int) -> Response:
    """Complete a lesson without a quiz (lessons with one complete when the quiz is passed)."""
    me = _me()
    found = catalogue.get_lesson(me, lesson_id)
    try:
        player.complete_lesson(me, found)
    except player.AnswerRejected as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]
    db.session.commit()
    return redirect(url_for("learning.done", lesson_id=found.id), 303)  # type: ignore[return-value]


@bp.get("/lessons/<int:lesson_id>/done")
@login_required
def done(lesson_id: int) -> Response:
    """The completion screen: what the person earned and what comes next."""
    me = _me()
    found = catalogue.get_lesson(me, lesson_id)
    if not player.is_completed(me, found):
        return redirect(url_for("learning.lesson", lesson_id=found.id), 303)  # type: ignore[return-value]
    done_ids = catalogue.completed_lesson_ids(me, found.module)
    card = catalogue.module_card(found.module, done_ids)
    attempt = player.latest_attempt(me, found) if found.has_quiz else None
    from portal.gamification.points import earned_for, level_for, total_points

    subjects = [f"lesson:{found.id}", f"module:{found.module_id}"]
    subjects += [f"question:{q.id}" for q in found.questions]
    total = total_points(me.id)
    return render(
        "learning/done.html",
        earned=earned_for(me, subjects),
        total=total,
        level=level_for(total),
        lesson=found,
        module=found.module,
        card=card,
        attempt=attempt,
        module_completed=found.module_id in catalogue.completed_module_ids(me),
    )
