"""Authoring modules, lessons and questions (admins; leaders within their team), and paths.

Every route is for managers; the services decide what each may edit (a
leader asking for another team's module gets a 404). Mutations answer a
plain post with a 303 and an htmx one with the updated fragment.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, make_response, redirect, request, url_for
from flask_login import current_user

from portal.accounts.forms import options
from portal.db import db
from portal.learning import authoring, transfer
from portal.learning.authoring import AuthoringError, PublishRefused
from portal.learning.authoring_forms import (
    CardForm,
    ImportForm,
    LessonForm,
    ModuleForm,
    ModuleSettingsForm,
    NewLessonForm,
    PathForm,
    PathModuleForm,
    QuestionForm,
    question_form,
)
from portal.learning.models import LearningPath, Lesson, Module
from portal.markdown import render_markdown
from portal.web import admin_required, manager_required, render, toast, wants_fragment

bp = Blueprint("authoring", __name__, url_prefix="/author")

T = "learning/author/"
INVALID = "Please correct the fields marked below."


def _see_other(endpoint: str, anchor: str | None = None, **values: Any) -> Response:
    return redirect(url_for(endpoint, _anchor=anchor, **values), 303)  # type: ignore[return-value]


def _attach(form: Any, exc: AuthoringError) -> str | None:
    """Show a service error on its form field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None or not hasattr(field, "errors") or not isinstance(field.errors, list | tuple):
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def _direction() -> str:
    return request.form.get("direction", "")


# --- modules -----------------------------------------------------------------------------


@bp.get("/")
@manager_required
def index() -> Response:
    """The modules the person may edit, drafts included."""
    if not authoring.can_author(current_user):
        return render(T + "index.html", modules=None)
    return render(T + "index.html", modules=authoring.editable_modules(current_user))


def _setup_module_form(form: ModuleForm) -> ModuleForm:
    form.teams.choices = options([(t.id, t.name) for t in authoring.author_teams(current_user)])
    return form


def _module_fields(form: ModuleForm) -> dict[str, Any]:
    # Only an audience actually posted counts: leaders' forms have none (their team is implied).
    audience = form.audience.data if form.audience.raw_data else None
    return {
        "title": form.title.data or "",
        "summary": form.summary.data or "",
        "minutes": form.minutes.data,
        "tags": form.tags.data or "",
        "cover_image": form.cover_image.data or "",
        "for_everyone": None if audience not in ("everyone", "teams") else audience == "everyone",
        "team_ids": form.teams.data if audience == "teams" else None,
    }


@bp.route("/modules/new", methods=["GET", "POST"])
@manager_required
def new_module() -> Response:
    """Start a module: its details first, then lessons on its edit page."""
    authoring.require_author(current_user)
    form = _setup_module_form(ModuleForm(audience="everyone"))
    error = None
    if form.validate_on_submit():
        try:
            module = authoring.create_module(current_user, **_module_fields(form))
        except AuthoringError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast(f"Module “{module.title}” created. Add its first lesson.")
            return _see_other("authoring.edit_module", module_id=module.id)
    elif form.is_submitted():
        error = INVALID
    return render(
        T + "new_module.html", T + "_module_form.html", form=form, error=error, module=None
    )


def _settings_form(module: Module) -> ModuleSettingsForm:
    # Keyword data only: WTForms would prefer `obj`'s attributes (tags, teams) over it.
    form = ModuleSettingsForm(
        title=module.title,
        slug=module.slug,
        summary=module.summary,
        minutes=module.minutes,
        tags=", ".join(module.tags or []),
        cover_image=module.cover_image or "",
        audience="everyone" if module.for_everyone else "teams",
        teams=[t.id for t in module.teams],
    )
    return _setup_module_form(form)


def _module_page(module: Module, **context: Any) -> Response:
    context.setdefault("form", _settings_form(module))
    context.setdefault("lesson_form", NewLessonForm(formdata=None, prefix="new-lesson"))
    return render(
        T + "module.html",
        context.pop("partial", None),
        module=module,
        problems=authoring.module_problems(module),
        **context,
    )


@bp.get("/modules/<int:module_id>")
@manager_required
def edit_module(module_id: int) -> Response:
    """A module's details, its lessons, publishing, copies and exports."""
    return _module_page(authoring.get_module(current_user, module_id))


@bp.post("/modules/<int:module_id>")
@manager_required
def update_module(module_id: int) -> Response:
    """Save a module's details; htmx gets the details form back."""
    module = authoring.get_module(current_user, module_id)
    form = _settings_form(module)
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_module(
                current_user, module, slug=form.slug.data or "", **_module_fields(form)
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast("Details saved.")
            if not wants_fragment():
                return _see_other("authoring.edit_module", module_id=module.id)
            form = _settings_form(module)
    else:
        error = INVALID
    return _module_page(module, form=form, error=error, partial=T + "_module_form.html")


@bp.post("/modules/<int:module_id>/publish")
@manager_required
def publish_module(module_id: int) -> Response:
    """Publish a module to its audience, or say what stops it."""
    module = authoring.get_module(current_user, module_id)
    try:
        authoring.publish_module(current_user, module)
    except PublishRefused as exc:
        db.session.rollback()
        toast("Not published yet: fix the problems listed first.", "error")
        if not wants_fragment():
            return _see_other("authoring.edit_module", module_id=module.id)
        return render(T + "_module_status.html", module=module, problems=exc.problems)
    db.session.commit()
    toast(f"“{module.title}” is published.")
    if not wants_fragment():
        return _see_other("authoring.edit_module", module_id=module.id)
    return render(T + "_module_status.html", module=module, problems=[])


@bp.post("/modules/<int:module_id>/unpublish")
@manager_required
def unpublish_module(module_id: int) -> Response:
    """Take a module back to draft."""
    module = authoring.get_module(current_user, module_id)
    authoring.unpublish_module(current_user, module)
    db.session.commit()
    toast(f"“{module.title}” is a draft again: learners no longer see it.")
    if not wants_fragment():
        return _see_other("authoring.edit_module", module_id=module.id)
    return render(
        T + "_module_status.html", module=module, problems=authoring.module_problems(module)
    )


@bp.post("/modules/<int:module_id>/duplicate")
@manager_required
def duplicate_module(module_id: int) -> Response:
    """Copy a module (as a draft) and open the copy."""
    copy = authoring.duplicate_module(current_user, authoring.get_module(current_user, module_id))
    db.session.commit()
    toast(f"Copied: you are now editing “{copy.title}”.")
    return _see_other("authoring.edit_module", module_id=copy.id)


@bp.post("/modules/<int:module_id>/delete")
@manager_required
def delete_module(module_id: int) -> Response:
    """Delete a draft module."""
    module = authoring.get_module(current_user, module_id)
    title = module.title
    try:
        authoring.delete_module(current_user, module)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return _see_other("authoring.edit_module", module_id=module_id)
    db.session.commit()
    toast(f"“{title}” deleted.")
    return _see_other("authoring.index")


@bp.get("/modules/<int:module_id>/export.<fmt>")
@manager_required
def export_module(module_id: int, fmt: str) -> Response:
    """Download a module as Markdown (.md) or JSON (.json)."""
    if fmt not in ("md", "json"):
        abort(404)
    module = authoring.get_module(current_user, module_id)
    if fmt == "md":
        body, mimetype = transfer.export_markdown(module), "text/markdown"
    else:
        body, mimetype = transfer.export_json(module), "application/json"
    response = make_response(body)
    response.mimetype = mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{module.slug}.{fmt}"'
    return response


@bp.route("/import", methods=["GET", "POST"])
@manager_required
def import_module() -> Response:
    """Import a module file exported here (or written by hand)."""
    authoring.require_author(current_user)
    form = ImportForm()
    error = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            module = transfer.import_file(
                current_user, upload.read(), upload.filename or "", replace=form.replace.data
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast(f"Imported “{module.title}”.")
            return _see_other("authoring.edit_module", module_id=module.id)
    elif form.is_submitted():
        error = INVALID
    return render(T + "import.html", T + "_import_form.html", form=form, error=error)


# --- lessons -----------------------------------------------------------------------------


@bp.post("/modules/<int:module_id>/lessons")
@manager_required
def add_lesson(module_id: int) -> Response:
    """Add a lesson at the end of a module and open it."""
    module = authoring.get_module(current_user, module_id)
    form = NewLessonForm(prefix="new-lesson")
    try:
        lesson = authoring.add_lesson(current_user, module, form.title.data or "")
    except AuthoringError as exc:
        db.session.rollback()
        form.title.errors = [str(exc)]
        return _module_page(module, lesson_form=form, partial=T + "_lessons.html")
    db.session.commit()
    toast(f"Lesson “{lesson.title}” added.")
    return _see_other("authoring.edit_lesson", lesson_id=lesson.id)


def _after_lesson_change(module: Module) -> Response:
    if not wants_fragment():
        return _see_other("authoring.edit_module", "lessons", module_id=module.id)
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
    lesson = authoring.get_lesson(current_user, lesson_id)
    try:
        authoring.move_lesson(current_user, lesson, _direction())
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    return _after_lesson_change(lesson.module)


@bp.post("/lessons/<int:lesson_id>/delete")
@manager_required
def delete_lesson(lesson_id: int) -> Response:
    """Delete a lesson with its cards and questions."""
    lesson = authoring.get_lesson(current_user, lesson_id)
    module, title = lesson.module, lesson.title
    try:
        authoring.delete_lesson(current_user, lesson)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"Lesson “{title}” deleted.")
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
    return _lesson_page(authoring.get_lesson(current_user, lesson_id))


@bp.post("/lessons/<int:lesson_id>")
@manager_required
def update_lesson(lesson_id: int) -> Response:
    """Save a lesson's title and pass mark; htmx gets the form back."""
    lesson = authoring.get_lesson(current_user, lesson_id)
    form = LessonForm()
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_lesson(
                current_user, lesson, title=form.title.data or "", pass_mark=form.pass_mark.data
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast("Lesson saved.")
            if not wants_fragment():
                return _see_other("authoring.edit_lesson", lesson_id=lesson.id)
    else:
        error = INVALID
    return _lesson_page(lesson, T + "_lesson_form.html", lesson_form=form, lesson_error=error)


@bp.get("/lessons/<int:lesson_id>/preview")
@manager_required
def preview_lesson(lesson_id: int) -> Response:
    """The lesson as learners will read it, with the quiz's answers shown (drafts too)."""
    lesson = authoring.get_lesson(current_user, lesson_id)
    return render(T + "lesson_preview.html", lesson=lesson, module=lesson.module)


# --- cards -------------------------------------------------------------------------------


def _after_cards_change(lesson: Lesson, anchor: str | None = None, **context: Any) -> Response:
    if not wants_fragment() and not context:
        return _see_other("authoring.edit_lesson", anchor or "cards", lesson_id=lesson.id)
    db.session.refresh(lesson)
    return _lesson_page(lesson, T + "_cards.html", **context)


@bp.post("/lessons/<int:lesson_id>/cards")
@manager_required
def add_card(lesson_id: int) -> Response:
    """Add an empty card at the end of a lesson."""
    lesson = authoring.get_lesson(current_user, lesson_id)
    card = authoring.add_card(current_user, lesson)
    db.session.commit()
    toast("Card added.")
    return _after_cards_change(lesson, f"card-{card.id}")


@bp.post("/cards/<int:card_id>")
@manager_required
def update_card(card_id: int) -> Response:
    """Save a card's Markdown; htmx gets the card back."""
    card = authoring.get_card(current_user, card_id)
    form = CardForm()
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_card(current_user, card, form.body.data or "")
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Card saved.")
            if not wants_fragment():
                return _see_other(
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
    card = authoring.get_card(current_user, card_id)
    try:
        authoring.move_card(current_user, card, _direction())
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    return _after_cards_change(card.lesson, f"card-{card.id}")


@bp.post("/cards/<int:card_id>/delete")
@manager_required
def delete_card(card_id: int) -> Response:
    """Delete a card."""
    card = authoring.get_card(current_user, card_id)
    lesson = card.lesson
    try:
        authoring.delete_card(current_user, card)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast("Card deleted.")
    return _after_cards_change(lesson)


@bp.post("/preview")
@manager_required
def preview() -> Response:
    """The sanitised HTML of the Markdown in `body`, for the live preview beside a card."""
    body = request.form.get("body", "")
    too_long = len(body) > authoring.MAX_CARD
    html = "" if too_long else render_markdown(body)
    return render(T + "_preview.html", html=html, too_long=too_long)


# --- questions ---------------------------------------------------------------------------


def _after_questions_change(lesson: Lesson, anchor: str | None = None, **context: Any) -> Response:
    if not wants_fragment() and not context:
        return _see_other("authoring.edit_lesson", anchor or "questions", lesson_id=lesson.id)
    db.session.refresh(lesson)
    return _lesson_page(lesson, T + "_questions.html", **context)


@bp.post("/lessons/<int:lesson_id>/questions")
@manager_required
def add_question(lesson_id: int) -> Response:
    """Add a question to a lesson's quiz; errors re-render the new-question form."""
    lesson = authoring.get_lesson(current_user, lesson_id)
    form = question_form(None, submitted=True)
    error: str | None = INVALID
    if form.validate_on_submit():
        try:
            question = authoring.add_question(
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
    question = authoring.get_question(current_user, question_id)
    form = question_form(question, submitted=True)
    error: str | None = INVALID
    if form.validate_on_submit():
        try:
            authoring.update_question(
                current_user, question, form.prompt.data or "", form.kind.data, form.option_inputs()
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Question saved.")
            if not wants_fragment():
                return _see_other(
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
    question = authoring.get_question(current_user, question_id)
    try:
        authoring.move_question(current_user, question, _direction())
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    return _after_questions_change(question.lesson, f"question-{question.id}")


@bp.post("/questions/<int:question_id>/delete")
@manager_required
def delete_question(question_id: int) -> Response:
    """Delete a question."""
    question = authoring.get_question(current_user, question_id)
    lesson = question.lesson
    authoring.delete_question(current_user, question)
    db.session.commit()
    toast("Question deleted.")
    return _after_questions_change(lesson)


# --- learning paths (admins) -------------------------------------------------------------


@bp.route("/paths", methods=["GET", "POST"])
@admin_required
def paths() -> Response:
    """Every learning path, and a form to start one."""
    form = PathForm()
    error = None
    if form.validate_on_submit():
        try:
            path = authoring.create_path(
                current_user, title=form.title.data or "", summary=form.summary.data or ""
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast(f"Path “{path.title}” created. Add its modules.")
            return _see_other("authoring.edit_path", path_id=path.id)
    elif form.is_submitted():
        error = INVALID
    return render(
        T + "paths.html", form=form, error=error, paths=authoring.list_paths(current_user)
    )


def _path_page(path: LearningPath, partial: str | None = None, **context: Any) -> Response:
    in_path = {step.module_id for step in path.steps}
    choices = [
        (m.id, m.title + ("" if m.is_published else " (draft)"))
        for m in authoring.editable_modules(current_user)
        if m.id not in in_path
    ]
    add_form = context.pop("add_form", None) or PathModuleForm(formdata=None)
    add_form.module_id.choices = options(choices)  # type: ignore[arg-type]
    context.setdefault("form", PathForm(formdata=None, obj=path))
    return render(T + "path.html", partial, path=path, add_form=add_form, **context)


@bp.get("/paths/<int:path_id>")
@admin_required
def edit_path(path_id: int) -> Response:
    """A path: its details, its modules in order, publishing."""
    return _path_page(authoring.get_path(current_user, path_id))


@bp.post("/paths/<int:path_id>")
@admin_required
def update_path(path_id: int) -> Response:
    """Save a path's title and summary."""
    path = authoring.get_path(current_user, path_id)
    form = PathForm()
    error = INVALID
    if form.validate_on_submit():
        try:
            authoring.update_path(
                current_user, path, title=form.title.data or "", summary=form.summary.data or ""
            )
        except AuthoringError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            toast("Path saved.")
            return _see_other("authoring.edit_path", path_id=path.id)
    return _path_page(path, form=form, error=error)


def _after_steps_change(path: LearningPath) -> Response:
    if not wants_fragment():
        return _see_other("authoring.edit_path", "path-modules", path_id=path.id)
    db.session.refresh(path)
    return _path_page(path, T + "_path_modules.html")


@bp.post("/paths/<int:path_id>/modules")
@admin_required
def add_path_module(path_id: int) -> Response:
    """Append a module to a path."""
    path = authoring.get_path(current_user, path_id)
    module_id = request.form.get("module_id", "")
    try:
        authoring.add_path_module(current_user, path, int(module_id) if module_id.isdigit() else 0)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/modules/<int:module_id>/move")
@admin_required
def move_path_module(path_id: int, module_id: int) -> Response:
    """Move a module up or down in a path."""
    path = authoring.get_path(current_user, path_id)
    try:
        authoring.move_path_module(current_user, path, module_id, _direction())
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/modules/<int:module_id>/remove")
@admin_required
def remove_path_module(path_id: int, module_id: int) -> Response:
    """Take a module out of a path."""
    path = authoring.get_path(current_user, path_id)
    authoring.remove_path_module(current_user, path, module_id)
    db.session.commit()
    return _after_steps_change(path)


@bp.post("/paths/<int:path_id>/publish")
@admin_required
def publish_path(path_id: int) -> Response:
    """Publish a path whose modules are all published."""
    path = authoring.get_path(current_user, path_id)
    try:
        authoring.publish_path(current_user, path)
    except AuthoringError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"Path “{path.title}” is published.")
    return _see_other("authoring.edit_path", path_id=path_id)


@bp.post("/paths/<int:path_id>/unpublish")
@admin_required
def unpublish_path(path_id: int) -> Response:
    """Take a path back to draft."""
    path = authoring.get_path(current_user, path_id)
    authoring.unpublish_path(current_user, path)
    db.session.commit()
    toast(f"Path “{path.title}” is a draft again.")
    return _see_other("authoring.edit_path", path_id=path_id)


@bp.post("/paths/<int:path_id>/delete")
@admin_required
def delete_path(path_id: int) -> Response:
    """Delete a path (its modules stay)."""
    path = authoring.get_path(current_user, path_id)
    title = path.title
    authoring.delete_path(current_user, path)
    db.session.commit()
    toast(f"Path “{title}” deleted.")
    return _see_other("authoring.paths")
