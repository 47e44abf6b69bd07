"""The rules of authoring: who may author what, well-formed input, and what blocks publishing.

Nothing here writes. Forbidden actions raise `PermissionDenied` (or `NotFound`
for a module the person may not edit, so its existence does not leak); bad
input raises `AuthoringError`, whose message is meant for the person.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.learning.models import LearningPath, Module, QuestionKind


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


def require_editable(actor: User, module: Module | None) -> Module:
    """`module` if `actor` may edit it; NotFound otherwise (PermissionDenied for non-authors)."""
    require_author(actor)
    if module is None or not may_edit(actor, module):
        raise NotFound()
    return module


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
    if not isinstance(value, (str, list, tuple)):
        raise AuthoringError("Tags must be text.", "tags")
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


def check_summary(summary: str | None) -> str:
    """A trimmed summary of at most 1000 characters (blank is fine)."""
    summary = (summary or "").strip()
    if len(summary) > MAX_SUMMARY:
        raise AuthoringError(f"Keep the summary under {MAX_SUMMARY} characters.", "summary")
    return summary


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


# --- ready to publish? -------------------------------------------------------------------


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
