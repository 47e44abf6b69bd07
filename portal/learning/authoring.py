"""Authoring learning content: modules, lessons, cards, questions and paths.

Admins author every module; an advocacy leader authors the modules owned by
their team, and those are for their team only. A module a leader may not edit
is a `NotFound` for them, so its existence does not leak. Forbidden actions
raise `PermissionDenied`; bad input raises `AuthoringError`, whose message is
meant for the person. Functions flush; the caller commits.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied, require_admin
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


class AuthoringError(ValueError):
    """Input that breaks a rule of authoring; `field` names the form field it concerns, if any."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class PublishRefused(AuthoringError):
    """The module is not ready to publish; `problems` lists what to fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("This module cannot be published yet: " + " ".join(problems))
        self.problems = problems


SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# The content-file markers (docs/learning-content-format.md); a card may not contain them.
LESSON_MARKER = re.compile(r"^<!--\s*lesson:(.*?)-->\s*$")
CARD_MARKER = re.compile(r"^<!--\s*card\s*-->\s*$")
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")

MAX_TITLE, MAX_SUMMARY, MAX_CARD, MAX_PROMPT, MAX_OPTION = 140, 1000, 20_000, 1000, 500
MAX_TAGS, MAX_TAG, MAX_MINUTES = 12, 40, 600

M = TypeVar("M", Lesson, Card, Question, PathModule)


# --- who may author what -----------------------------------------------------------------


def can_author(actor: User) -> bool:
    """Admins author; leaders author for their own team (so they need one)."""
    if not actor.active:
        return False
    return actor.role == Role.ADMIN or (actor.role == Role.LEADER and actor.team_id is not None)


def require_author(actor: User) -> None:
    """Raise PermissionDenied unless `actor` may author modules at all."""
    if not actor.active or actor.role not in (Role.ADMIN, Role.LEADER):
        raise PermissionDenied("Only admins and advocacy leaders author learning content.")
    if not can_author(actor):
        raise PermissionDenied("Join a team first: leaders author modules for their own team.")


def may_edit(actor: User, module: Module) -> bool:
    """True when `actor` may edit `module`: an admin, or a leader of the team that owns it."""
    if not can_author(actor):
        return False
    return actor.role == Role.ADMIN or module.owner_team_id == actor.team_id


def _editable(actor: User, module: Module | None) -> Module:
    require_author(actor)
    if module is None or not may_edit(actor, module):
        raise NotFound()
    return module


def get_module(actor: User, module_id: int) -> Module:
    """A module `actor` may edit (drafts included); NotFound otherwise."""
    return _editable(actor, db.session.get(Module, module_id))


def get_lesson(actor: User, lesson_id: int) -> Lesson:
    """A lesson of a module `actor` may edit; NotFound otherwise."""
    lesson = db.session.get(Lesson, lesson_id)
    _editable(actor, lesson.module if lesson else None)
    assert lesson is not None  # noqa: S101 - _editable raised otherwise
    return lesson


def get_card(actor: User, card_id: int) -> Card:
    """A card of a module `actor` may edit; NotFound otherwise."""
    card = db.session.get(Card, card_id)
    _editable(actor, card.lesson.module if card else None)
    assert card is not None  # noqa: S101
    return card


def get_question(actor: User, question_id: int) -> Question:
    """A question of a module `actor` may edit; NotFound otherwise."""
    question = db.session.get(Question, question_id)
    _editable(actor, question.lesson.module if question else None)
    assert question is not None  # noqa: S101
    return question


def editable_modules(actor: User) -> list[Module]:
    """Every module `actor` may edit, drafts included, by title."""
    require_author(actor)
    stmt = select(Module).order_by(func.lower(Module.title), Module.id)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(Module.owner_team_id == actor.team_id)
    return list(db.session.scalars(stmt))


def author_teams(actor: User) -> list[Team]:
    """The teams `actor` may show a module to: every team for admins, their own for leaders."""
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))))
    return [actor.team] if actor.team else []


# --- checking input ----------------------------------------------------------------------


def slugify(text: str) -> str:
    """A slug for `text`: lower-case ASCII letters, digits and dashes ("module" if none)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:60].strip("-") or "module"


def unique_slug(model: type[Module] | type[LearningPath], base: str) -> str:
    """`base`, or `base-2`, `base-3` ... whichever is free among `model`'s slugs."""
    base = base[:72].strip("-")
    taken = set(db.session.scalars(select(model.slug).where(model.slug.like(f"{base}%"))))
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


def check_slug(slug: str) -> str:
    """Return `slug` if it is well formed; raise AuthoringError otherwise."""
    slug = slug.strip()
    if not SLUG_RE.match(slug) or len(slug) > 80:
        raise AuthoringError(
            "Use lower-case letters, digits and single dashes (at most 80 characters).", "slug"
        )
    return slug


def check_title(title: str, field: str = "title", missing: str = "Give it a title.") -> str:
    """A trimmed, non-empty title of at most 140 characters on one line."""
    title = " ".join((title or "").split())
    if not title:
        raise AuthoringError(missing, field)
    if len(title) > MAX_TITLE:
        raise AuthoringError(f"Keep the title under {MAX_TITLE} characters.", field)
    if "-->" in title:
        raise AuthoringError("A title cannot contain “-->”.", field)
    return title


def parse_tags(value: str | Iterable[str] | None) -> list[str]:
    """Tags from comma-separated text (or a list): trimmed, without blanks or repeats."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise AuthoringError("Tags must be text.", "tags")
        tag = " ".join(item.split())
        if not tag or tag.lower() in {t.lower() for t in tags}:
            continue
        if len(tag) > MAX_TAG:
            raise AuthoringError(f"Keep each tag under {MAX_TAG} characters.", "tags")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise AuthoringError(f"Use at most {MAX_TAGS} tags.", "tags")
    return tags


def clean_cover_image(value: str | None) -> str | None:
    """An http(s) URL or a /static/ path, or None when blank; AuthoringError otherwise."""
    value = (value or "").strip()
    if not value:
        return None
    bad = AuthoringError(
        "Use an http(s):// address or a path starting with /static/.", "cover_image"
    )
    if len(value) > 500 or any(c.isspace() or ord(c) < 32 for c in value) or "\\" in value:
        raise bad
    if value.startswith("/static/"):
        if "//" in value or ".." in value.split("/"):
            raise bad
        return value
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise bad
    return value


def check_minutes(minutes: Any) -> int:
    """Estimated minutes: a whole number from 1 to 600."""
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= MAX_MINUTES:
        raise AuthoringError(
            f"Give the minutes as a whole number from 1 to {MAX_MINUTES}.", "minutes"
        )
    return minutes


def check_pass_mark(pass_mark: Any) -> int:
    """A pass mark: a whole percentage from 0 to 100."""
    if isinstance(pass_mark, bool) or not isinstance(pass_mark, int) or not 0 <= pass_mark <= 100:
        raise AuthoringError("The pass mark is a percentage from 0 to 100.", "pass_mark")
    return pass_mark


def normalise_markdown(body: str) -> str:
    """Card Markdown as stored: Unix newlines, no leading blank lines, no trailing space."""
    lines = (body or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def closes_fence(opening: str, line: str) -> bool:
    """True when `line` closes a code fence opened with `opening` (``` or ~~~, 3 or more)."""
    match = FENCE.match(line)
    return bool(
        match
        and match.group(1)[0] == opening[0]
        and len(match.group(1)) >= len(opening)
        and not match.group(2).strip()
    )


def opens_fence(line: str) -> tuple[str, str] | None:
    """(fence, info string) when `line` opens a fenced code block, else None."""
    match = FENCE.match(line)
    if not match:
        return None
    fence, info = match.group(1), match.group(2).strip()
    if fence[0] == "`" and "`" in info:
        return None  # inline code on a line of its own, not a fence
    return fence, info


def check_card_body(body: str) -> str:
    """Normalised card Markdown; AuthoringError if it would break the content-file format."""
    body = normalise_markdown(body)
    if len(body) > MAX_CARD:
        raise AuthoringError(f"Keep a card under {MAX_CARD:,} characters.", "body")
    fence: str | None = None
    for number, line in enumerate(body.split("\n"), 1):
        if fence:
            if closes_fence(fence, line):
                fence = None
            continue
        opened = opens_fence(line)
        if opened:
            if opened[1] == "quiz":
                raise AuthoringError(
                    f"Line {number}: a card cannot hold a quiz block; use the questions below.",
                    "body",
                )
            fence = opened[0]
        elif LESSON_MARKER.match(line) or CARD_MARKER.match(line):
            raise AuthoringError(
                f"Line {number}: a card cannot contain a lesson or card marker.", "body"
            )
    if fence:
        raise AuthoringError(f"Close the code block that starts with {fence}.", "body")
    return body


@dataclass(frozen=True)
class OptionInput:
    """An answer option as typed in the question editor or read from a file."""

    text: str
    correct: bool = False
    explanation: str = ""


def check_question(
    prompt: str, kind: str | QuestionKind, options: Sequence[OptionInput], skip_blank: bool = True
) -> tuple[str, QuestionKind, list[OptionInput]]:
    """Validated (prompt, kind, options); blank option rows are dropped when `skip_blank`."""
    prompt = (prompt or "").strip()
    if not prompt:
        raise AuthoringError("Write the question.", "prompt")
    if len(prompt) > MAX_PROMPT:
        raise AuthoringError(f"Keep the question under {MAX_PROMPT} characters.", "prompt")
    try:
        kind = QuestionKind(kind)
    except ValueError:
        raise AuthoringError("Choose single or multiple choice.", "kind") from None
    cleaned: list[OptionInput] = []
    for number, option in enumerate(options, 1):
        text, explanation = (option.text or "").strip(), (option.explanation or "").strip()
        if not text:
            if skip_blank and not option.correct and not explanation:
                continue
            raise AuthoringError(f"Option {number} has no text.", "options")
        if len(text) > MAX_OPTION:
            raise AuthoringError(f"Keep option {number} under {MAX_OPTION} characters.", "options")
        if text.lower() in {o.text.lower() for o in cleaned}:
            raise AuthoringError(f"Option {number} repeats another option.", "options")
        cleaned.append(OptionInput(text, bool(option.correct), explanation))
    if len(cleaned) < 2:
        raise AuthoringError("Give at least two options.", "options")
    correct = sum(1 for o in cleaned if o.correct)
    if kind == QuestionKind.SINGLE and correct != 1:
        raise AuthoringError(
            "A single-choice question needs exactly one correct option.", "options"
        )
    if kind == QuestionKind.MULTIPLE and correct < 1:
        raise AuthoringError("Mark at least one option as correct.", "options")
    return prompt, kind, cleaned


# --- modules -----------------------------------------------------------------------------


def _audience(
    actor: User, for_everyone: bool | None, team_ids: Sequence[int] | None, module: Module | None
) -> tuple[bool, list[Team]]:
    if actor.role != Role.ADMIN:
        if for_everyone:
            raise PermissionDenied("Your modules are for your own team; an admin can share more.")
        if team_ids and set(team_ids) != {actor.team_id}:
            raise PermissionDenied("You can only show your modules to your own team.")
        assert actor.team is not None  # noqa: S101 - require_author checked it
        return False, [actor.team]
    if for_everyone is None:
        return (module.for_everyone, list(module.teams)) if module else (True, [])
    if for_everyone:
        return True, []
    ids = set(team_ids or [])
    teams = list(db.session.scalars(select(Team).where(Team.id.in_(ids)))) if ids else []
    if len(teams) != len(ids):
        raise AuthoringError("Choose teams from the list.", "teams")
    if not teams:
        raise AuthoringError("Choose at least one team, or make it visible to everyone.", "teams")
    return False, sorted(teams, key=lambda t: t.name.lower())


def create_module(
    actor: User,
    *,
    title: str,
    summary: str = "",
    minutes: int = 10,
    tags: str | Iterable[str] = "",
    cover_image: str | None = None,
    for_everyone: bool | None = None,
    team_ids: Sequence[int] | None = None,
) -> Module:
    """Create a draft module with a slug made from its title.

    A leader's module belongs to their team and is shown to it only (asking
    for more raises PermissionDenied); an admin's is for everyone unless teams
    are chosen. Raises AuthoringError on bad input.
    """
    require_author(actor)
    title = check_title(title)
    everyone, teams = _audience(actor, for_everyone, team_ids, None)
    module = Module(
        slug=unique_slug(Module, slugify(title)),
        title=title,
        summary=_check_summary(summary),
        minutes=check_minutes(minutes),
        tags=parse_tags(tags),
        cover_image=clean_cover_image(cover_image),
        for_everyone=everyone,
        teams=teams,
        status=Status.DRAFT,
        owner_team_id=None if actor.role == Role.ADMIN else actor.team_id,
        created_by_id=actor.id,
    )
    db.session.add(module)
    db.session.flush()
    return module


def _check_summary(summary: str | None) -> str:
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise AuthoringError(f"Keep the summary under {MAX_SUMMARY} characters.", "summary")
    return summary


def update_module(
    actor: User,
    module: Module,
    *,
    title: str,
    summary: str = "",
    minutes: int = 10,
    tags: str | Iterable[str] = "",
    cover_image: str | None = None,
    for_everyone: bool | None = None,
    team_ids: Sequence[int] | None = None,
    slug: str | None = None,
) -> None:
    """Change a module's details (and slug, if given); same rules as `create_module`."""
    _editable(actor, module)
    title = check_title(title)
    if slug is not None:
        slug = check_slug(slug)
        taken = db.session.scalar(
            select(Module.id).where(Module.slug == slug, Module.id != module.id)
        )
        if taken is not None:
            raise AuthoringError("Another module uses that slug.", "slug")
    summary, minutes = _check_summary(summary), check_minutes(minutes)
    tag_list, cover = parse_tags(tags), clean_cover_image(cover_image)
    everyone, teams = _audience(actor, for_everyone, team_ids, module)
    module.title, module.summary, module.minutes = title, summary, minutes
    module.tags, module.cover_image = tag_list, cover
    module.for_everyone, module.teams = everyone, teams
    if slug is not None:
        module.slug = slug
    db.session.flush()


def module_problems(module: Module) -> list[str]:
    """What stops `module` from being published, in words for its author (empty: ready)."""
    if not module.lessons:
        return ["Add at least one lesson."]
    problems: list[str] = []
    for n, lesson in enumerate(module.lessons, 1):
        where = f"Lesson {n} “{lesson.title}”"
        if not lesson.cards:
            problems.append(f"{where} needs at least one card.")
        problems += [
            f"{where}: card {c} is empty."
            for c, card in enumerate(lesson.cards, 1)
            if not card.body.strip()
        ]
        for q, question in enumerate(lesson.questions, 1):
            try:
                check_question(
                    question.prompt,
                    question.kind,
                    [OptionInput(o.text, o.correct, o.explanation) for o in question.options],
                    skip_blank=False,
                )
            except AuthoringError as exc:
                problems.append(f"{where}, question {q}: {exc}")
    return problems


def publish_module(actor: User, module: Module) -> None:
    """Publish `module` to its audience; PublishRefused lists what must be fixed first."""
    _editable(actor, module)
    problems = module_problems(module)
    if problems:
        raise PublishRefused(problems)
    if module.status != Status.PUBLISHED:
        module.status = Status.PUBLISHED
        module.published_at = utcnow()
    db.session.flush()


def unpublish_module(actor: User, module: Module) -> None:
    """Take `module` back to draft: only its authors see it until published again."""
    _editable(actor, module)
    module.status = Status.DRAFT
    db.session.flush()


def delete_module(actor: User, module: Module) -> None:
    """Delete a draft module with everything in it; a published one must be unpublished first."""
    _editable(actor, module)
    if module.is_published:
        raise AuthoringError("Unpublish the module before deleting it.")
    steps = db.session.scalars(select(PathModule).where(PathModule.module_id == module.id))
    for step in list(steps):
        path = step.path
        db.session.delete(step)
        db.session.flush()
        db.session.expire(path, ["steps"])
        _renumber(path.steps)
    db.session.delete(module)
    db.session.flush()


def duplicate_module(actor: User, module: Module) -> Module:
    """A draft deep copy of `module` with the slug "<slug>-copy" (or "-copy-2" ...)."""
    _editable(actor, module)
    copy = Module(
        slug=unique_slug(Module, f"{module.slug[:70]}-copy"),
        title=_copy_title(module.title),
        summary=module.summary,
        cover_image=module.cover_image,
        minutes=module.minutes,
        tags=list(module.tags or []),
        for_everyone=module.for_everyone,
        teams=list(module.teams),
        status=Status.DRAFT,
        owner_team_id=module.owner_team_id,
        created_by_id=actor.id,
        lessons=[
            Lesson(
                position=lesson.position,
                title=lesson.title,
                pass_mark=lesson.pass_mark,
                cards=[Card(position=c.position, body=c.body) for c in lesson.cards],
                questions=[
                    Question(
                        position=q.position,
                        prompt=q.prompt,
                        kind=q.kind,
                        options=[
                            Option(
                                position=o.position,
                                text=o.text,
                                correct=o.correct,
                                explanation=o.explanation,
                            )
                            for o in q.options
                        ],
                    )
                    for q in lesson.questions
                ],
            )
            for lesson in module.lessons
        ],
    )
    db.session.add(copy)
    db.session.flush()
    return copy


def _copy_title(title: str) -> str:
    suffix = " (copy)"
    return title[: MAX_TITLE - len(suffix)] + suffix


# --- ordering ----------------------------------------------------------------------------


def _renumber(items: Sequence[M]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _move(items: Sequence[M], item: M, direction: str) -> None:
    if direction not in ("up", "down"):
        raise AuthoringError("Move up or down.")
    ordered = list(items)
    index = ordered.index(item)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(ordered)


def _reorder(items: Sequence[M], ids: Sequence[int]) -> None:
    by_id = {item.id: item for item in items}
    if sorted(ids) != sorted(by_id):
        raise AuthoringError("The new order must list each item exactly once.")
    _renumber([by_id[i] for i in ids])


def _settle(parent: object, collection: str) -> None:
    db.session.flush()
    db.session.expire(parent, [collection])


def move_lesson(actor: User, lesson: Lesson, direction: str) -> None:
    """Move a lesson one place "up" or "down" in its module (no-op at either end)."""
    _editable(actor, lesson.module)
    _move(lesson.module.lessons, lesson, direction)
    _settle(lesson.module, "lessons")


def order_lessons(actor: User, module: Module, lesson_ids: Sequence[int]) -> None:
    """Put a module's lessons in the order of `lesson_ids` (each of them exactly once)."""
    _editable(actor, module)
    _reorder(module.lessons, lesson_ids)
    _settle(module, "lessons")


def move_card(actor: User, card: Card, direction: str) -> None:
    """Move a card one place "up" or "down" in its lesson."""
    _editable(actor, card.lesson.module)
    _move(card.lesson.cards, card, direction)
    _settle(card.lesson, "cards")


def order_cards(actor: User, lesson: Lesson, card_ids: Sequence[int]) -> None:
    """Put a lesson's cards in the order of `card_ids`."""
    _editable(actor, lesson.module)
    _reorder(lesson.cards, card_ids)
    _settle(lesson, "cards")


def move_question(actor: User, question: Question, direction: str) -> None:
    """Move a question one place "up" or "down" in its lesson's quiz."""
    _editable(actor, question.lesson.module)
    _move(question.lesson.questions, question, direction)
    _settle(question.lesson, "questions")


def order_questions(actor: User, lesson: Lesson, question_ids: Sequence[int]) -> None:
    """Put a lesson's questions in the order of `question_ids`."""
    _editable(actor, lesson.module)
    _reorder(lesson.questions, question_ids)
    _settle(lesson, "questions")


# --- lessons and cards -------------------------------------------------------------------


def add_lesson(actor: User, module: Module, title: str) -> Lesson:
    """Append a lesson (with one empty card to write in) to `module`."""
    _editable(actor, module)
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
    _editable(actor, lesson.module)
    title = check_title(title, missing="Give the lesson a title.")
    lesson.pass_mark = check_pass_mark(pass_mark)
    lesson.title = title
    db.session.flush()


def delete_lesson(actor: User, lesson: Lesson) -> None:
    """Delete a lesson; a published module keeps at least one."""
    module = _editable(actor, lesson.module)
    if module.is_published and len(module.lessons) == 1:
        raise AuthoringError("A published module needs a lesson: unpublish it first.")
    db.session.delete(lesson)
    _settle(module, "lessons")
    _renumber(module.lessons)
    db.session.flush()


def add_card(actor: User, lesson: Lesson, body: str = "") -> Card:
    """Append a card to `lesson`."""
    _editable(actor, lesson.module)
    card = Card(lesson=lesson, position=len(lesson.cards), body=check_card_body(body))
    db.session.add(card)
    db.session.flush()
    return card


def update_card(actor: User, card: Card, body: str) -> None:
    """Replace a card's Markdown."""
    _editable(actor, card.lesson.module)
    card.body = check_card_body(body)
    db.session.flush()


def delete_card(actor: User, card: Card) -> None:
    """Delete a card; a lesson of a published module keeps at least one."""
    lesson = card.lesson
    _editable(actor, lesson.module)
    if lesson.module.is_published and len(lesson.cards) == 1:
        raise AuthoringError("A lesson of a published module needs a card: unpublish it first.")
    db.session.delete(card)
    _settle(lesson, "cards")
    _renumber(lesson.cards)
    db.session.flush()


# --- questions ---------------------------------------------------------------------------


def add_question(
    actor: User, lesson: Lesson, prompt: str, kind: str, options: Sequence[OptionInput]
) -> Question:
    """Append a validated question to `lesson`'s quiz; AuthoringError on bad input."""
    _editable(actor, lesson.module)
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
    _editable(actor, question.lesson.module)
    question.prompt, question.kind, cleaned = check_question(prompt, kind, options)
    existing = list(question.options)
    for i, data in enumerate(cleaned):
        option = existing[i] if i < len(existing) else Option(question=question)
        option.position, option.text = i, data.text
        option.correct, option.explanation = data.correct, data.explanation
        db.session.add(option)
    for option in existing[len(cleaned) :]:
        db.session.delete(option)
    _settle(question, "options")


def delete_question(actor: User, question: Question) -> None:
    """Delete a question from its lesson's quiz."""
    lesson = question.lesson
    _editable(actor, lesson.module)
    db.session.delete(question)
    _settle(lesson, "questions")
    _renumber(lesson.questions)
    db.session.flush()


# --- learning paths (admins) -------------------------------------------------------------


def list_paths(actor: User) -> list[LearningPath]:
    """Every learning path, by title (admins only)."""
    require_admin(actor)
    return list(db.session.scalars(select(LearningPath).order_by(func.lower(LearningPath.title))))


def get_path(actor: User, path_id: int) -> LearningPath:
    """A learning path (admins only); NotFound for an unknown id."""
    require_admin(actor)
    path = db.session.get(LearningPath, path_id)
    if path is None:
        raise NotFound()
    return path


def create_path(
    actor: User, *, title: str, summary: str = "", module_ids: Sequence[int] = ()
) -> LearningPath:
    """Create a draft learning path of the given modules, in order (admins only)."""
    require_admin(actor)
    title = check_title(title)
    path = LearningPath(
        slug=unique_slug(LearningPath, slugify(title)),
        title=title,
        summary=_check_summary(summary),
        status=Status.DRAFT,
    )
    db.session.add(path)
    db.session.flush()
    if module_ids:
        set_path_modules(actor, path, module_ids)
    return path


def update_path(actor: User, path: LearningPath, *, title: str, summary: str = "") -> None:
    """Rename a path and change its summary (admins only)."""
    require_admin(actor)
    path.title, path.summary = check_title(title), _check_summary(summary)
    db.session.flush()


def set_path_modules(actor: User, path: LearningPath, module_ids: Sequence[int]) -> None:
    """Make the path's modules exactly `module_ids`, in that order (admins only)."""
    require_admin(actor)
    if len(set(module_ids)) != len(module_ids):
        raise AuthoringError("A module can appear only once in a path.", "module_id")
    known = set(db.session.scalars(select(Module.id).where(Module.id.in_(module_ids))))
    if known != set(module_ids):
        raise AuthoringError("Choose modules from the list.", "module_id")
    steps = {step.module_id: step for step in path.steps}
    for step in steps.values():
        if step.module_id not in module_ids:
            db.session.delete(step)
    db.session.flush()
    for position, module_id in enumerate(module_ids):
        step = steps.get(module_id) or PathModule(path=path, module_id=module_id)
        step.position = position
        db.session.add(step)
    _settle(path, "steps")


def add_path_module(actor: User, path: LearningPath, module_id: int) -> None:
    """Append a module to a path."""
    ids = [step.module_id for step in path.steps]
    set_path_modules(actor, path, [*ids, module_id])


def remove_path_module(actor: User, path: LearningPath, module_id: int) -> None:
    """Take a module out of a path; NotFound if it is not in it."""
    ids = [step.module_id for step in path.steps]
    if module_id not in ids:
        raise NotFound()
    set_path_modules(actor, path, [i for i in ids if i != module_id])


def move_path_module(actor: User, path: LearningPath, module_id: int, direction: str) -> None:
    """Move a module one place "up" or "down" in a path; NotFound if it is not in it."""
    require_admin(actor)
    step = next((s for s in path.steps if s.module_id == module_id), None)
    if step is None:
        raise NotFound()
    _move(path.steps, step, direction)
    _settle(path, "steps")


def publish_path(actor: User, path: LearningPath) -> None:
    """Publish a path; its modules must be published first (AuthoringError otherwise)."""
    require_admin(actor)
    if not path.steps:
        raise AuthoringError("Add at least one module to the path first.")
    drafts = [step.module.title for step in path.steps if not step.module.is_published]
    if drafts:
        raise AuthoringError("Publish these modules first: " + ", ".join(drafts) + ".")
    path.status = Status.PUBLISHED
    db.session.flush()


def unpublish_path(actor: User, path: LearningPath) -> None:
    """Take a path back to draft."""
    require_admin(actor)
    path.status = Status.DRAFT
    db.session.flush()


def delete_path(actor: User, path: LearningPath) -> None:
    """Delete a path (its modules stay)."""
    require_admin(actor)
    db.session.delete(path)
    db.session.flush()
