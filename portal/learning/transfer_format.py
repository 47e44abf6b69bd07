"""The module-file format, whichever the encoding: what export writes, what import accepts.

`module_to_dict` is a module in the JSON shape of docs/learning-content-format.md;
`ModuleChecker` reads that shape back (from JSON, or from Markdown once
`transfer_markdown` has split it up) into checked `ModuleData`, naming the
line, lesson and question of the first problem in a `TransferError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from portal.learning.authoring_checks import (
    MAX_SUMMARY,
    SLUG_RE,
    AuthoringError,
    OptionInput,
    check_card_body,
    check_minutes,
    check_pass_mark,
    check_question,
    check_title,
    clean_cover_image,
    parse_tags,
)
from portal.learning.models import Lesson, Module, QuestionKind, Status

FORMAT = "beacon-module/1"
MODULE_KEYS = {"slug", "title", "summary", "minutes", "tags", "cover_image", "audience", "status"}


class TransferError(AuthoringError):
    """A module file that cannot be imported; the message says where and why."""


# --- the content, independent of the file format -------------------------------------------


@dataclass
class QuestionData:
    prompt: str
    kind: QuestionKind
    options: list[OptionInput]


@dataclass
class LessonData:
    title: str
    cards: list[str]
    pass_mark: int = 70
    questions: list[QuestionData] | None = None  # None: the lesson has no quiz


@dataclass
class ModuleData:
    """A module read from a file and checked: ready to write."""

    slug: str
    title: str
    summary: str = ""
    minutes: int = 10
    tags: list[str] = field(default_factory=list)
    cover_image: str | None = None
    audience: list[str] | None = None  # team names; None: everyone
    status: Status = Status.DRAFT
    lessons: list[LessonData] = field(default_factory=list)


# --- export ------------------------------------------------------------------------------


def _lesson_quiz(lesson: Lesson) -> dict[str, Any] | None:
    if not lesson.questions:
        return None
    return {
        "pass_mark": lesson.pass_mark,
        "questions": [
            {
                "prompt": q.prompt,
                "kind": q.kind.value,
                "options": [
                    {"text": o.text, "correct": o.correct, "explanation": o.explanation}
                    for o in q.options
                ],
            }
            for q in lesson.questions
        ],
    }


def module_to_dict(module: Module) -> dict[str, Any]:
    """The module in the JSON shape of the format."""
    return {
        "format": FORMAT,
        "slug": module.slug,
        "title": module.title,
        "summary": module.summary,
        "minutes": module.minutes,
        "tags": list(module.tags or []),
        "cover_image": module.cover_image,
        "audience": "everyone" if module.for_everyone else [t.name for t in module.teams],
        "status": module.status.value,
        "lessons": [
            {
                "title": lesson.title,
                "cards": [c.body for c in lesson.cards],
                "quiz": _lesson_quiz(lesson),
            }
            for lesson in module.lessons
        ],
    }


# --- reading the format ------------------------------------------------------------------


class ModuleChecker:
    """Checks raw (JSON-shaped) data and says where a problem is: line, lesson, question."""

    def __init__(self, lines: dict[tuple[Any, ...], int] | None = None) -> None:
        self.lines = lines or {}
        self.titles: dict[int, str] = {}

    def fail(self, message: str, *where: Any) -> TransferError:
        """A TransferError for `message`, prefixed with the line, lesson and question."""
        parts = []
        line = self.lines.get(tuple(where)) or self.lines.get(tuple(where[:2]))
        if line:
            parts.append(f"line {line}")
        kind = where[0] if where else None
        if kind in ("lesson", "quiz", "card"):
            parts.append(f"lesson {where[1] + 1}{self._lesson_title(where[1])}")
        if kind == "quiz" and len(where) > 2:
            parts.append(f"question {where[2] + 1}")
        if kind == "front":
            parts.append("front matter")
        text = ", ".join(parts) + ": " + message if parts else message
        return TransferError(text[:1].upper() + text[1:])

    def _lesson_title(self, index: int) -> str:
        title = self.titles.get(index)
        return f" “{title}”" if title else ""

    def module(self, raw: Any) -> ModuleData:
        if not isinstance(raw, dict):
            raise self.fail("expected the module's fields (a mapping).", "front")
        unknown = sorted(set(raw) - MODULE_KEYS - {"lessons", "format"})
        if unknown:
            raise self.fail(f"unknown field “{unknown[0]}”.", "front", unknown[0])
        slug = raw.get("slug")
        if not isinstance(slug, str) or not SLUG_RE.match(slug) or len(slug) > 80:
            raise self.fail(
                "“slug” must be lower-case letters, digits and dashes.", "front", "slug"
            )
        audience = raw.get("audience", "everyone")
        if audience != "everyone" and (
            not isinstance(audience, list)
            or not audience
            or not all(isinstance(a, str) and a.strip() for a in audience)
        ):
            raise self.fail(
                "“audience” is “everyone” or a list of team names.", "front", "audience"
            )
        status = raw.get("status", "draft")
        if status not in ("draft", "published"):
            raise self.fail("“status” is “draft” or “published”.", "front", "status")
        try:
            title = check_title(self._text(raw.get("title"), "title"))
            summary = self._text(raw.get("summary", ""), "summary").strip()
            if len(summary) > MAX_SUMMARY:
                raise AuthoringError(f"keep the summary under {MAX_SUMMARY} characters.")
            minutes = check_minutes(raw.get("minutes", 10))
            tags = parse_tags(raw.get("tags") or [])
            cover = raw.get("cover_image")
            if cover is not None and not isinstance(cover, str):
                raise AuthoringError("“cover_image” must be text.", "cover_image")
            cover_image = clean_cover_image(cover)
        except AuthoringError as exc:
            raise self.fail(self._lower(exc), "front", exc.field or "") from None
        lessons = raw.get("lessons")
        if not isinstance(lessons, list) or not lessons:
            raise self.fail("the module has no lessons; start one with <!-- lesson: Title -->.")
        self.titles = {
            i: lesson["title"]
            for i, lesson in enumerate(lessons)
            if isinstance(lesson, dict) and isinstance(lesson.get("title"), str)
        }
        return ModuleData(
            slug=slug,
            title=title,
            summary=summary,
            minutes=minutes,
            tags=tags,
            cover_image=cover_image,
            audience=None if audience == "everyone" else [a.strip() for a in audience],
            status=Status(status),
            lessons=[self.lesson(i, lesson) for i, lesson in enumerate(lessons)],
        )

    @staticmethod
    def _text(value: Any, name: str) -> str:
        if not isinstance(value, str):
            raise AuthoringError(f"“{name}” must be text.", name)
        return value

    @staticmethod
    def _lower(exc: Exception) -> str:
        message = str(exc)
        return message[:1].lower() + message[1:]

    def lesson(self, i: int, raw: Any) -> LessonData:
        if not isinstance(raw, dict):
            raise self.fail("expected a lesson with a title and cards.", "lesson", i)
        unknown = sorted(set(raw) - {"title", "cards", "quiz"})
        if unknown:
            raise self.fail(f"unknown field “{unknown[0]}”.", "lesson", i)
        try:
            title = check_title(self._text(raw.get("title"), "title"))
        except AuthoringError as exc:
            raise self.fail(self._lower(exc), "lesson", i) from None
        cards = raw.get("cards")
        if (
            not isinstance(cards, list)
            or not cards
            or (len(cards) == 1 and not str(cards[0]).strip())
        ):
            raise self.fail("the lesson has no cards.", "lesson", i)
        checked = []
        for c, card in enumerate(cards):
            if not isinstance(card, str) or not card.strip():
                raise self.fail(f"card {c + 1} is empty.", "card", i, c)
            try:
                checked.append(check_card_body(card))
            except AuthoringError as exc:
                raise self.fail(f"card {c + 1}: {self._lower(exc)}", "card", i, c) from None
        lesson = LessonData(title=title, cards=checked)
        quiz = raw.get("quiz")
        if quiz is not None:
            self.quiz(i, quiz, lesson)
        return lesson

    def quiz(self, i: int, raw: Any, lesson: LessonData) -> None:
        if not isinstance(raw, dict):
            raise self.fail("the quiz needs “pass_mark” and “questions”.", "quiz", i)
        unknown = sorted(set(raw) - {"pass_mark", "questions"})
        if unknown:
            raise self.fail(f"unknown quiz field “{unknown[0]}”.", "quiz", i)
        try:
            lesson.pass_mark = check_pass_mark(raw.get("pass_mark", 70))
        except AuthoringError as exc:
            raise self.fail(self._lower(exc), "quiz", i) from None
        questions = raw.get("questions")
        if not isinstance(questions, list) or not questions:
            raise self.fail("the quiz has no questions.", "quiz", i)
        lesson.questions = [self.question(i, q, raw_q) for q, raw_q in enumerate(questions)]

    def question(self, i: int, q: int, raw: Any) -> QuestionData:
        where = ("quiz", i, q)
        if not isinstance(raw, dict):
            raise self.fail("expected a prompt, a kind and options.", *where)
        unknown = sorted(set(raw) - {"prompt", "kind", "options"})
        if unknown:
            raise self.fail(f"unknown field “{unknown[0]}”.", *where)
        options = raw.get("options")
        if not isinstance(options, list):
            raise self.fail("give the options as a list.", *where)
        inputs = []
        for n, option in enumerate(options, 1):
            if not isinstance(option, dict) or set(option) - {"text", "correct", "explanation"}:
                raise self.fail(f"option {n} takes “text”, “correct” and “explanation”.", *where)
            text, correct = option.get("text"), option.get("correct", False)
            explanation = option.get("explanation", "")
            if not isinstance(text, str) or not isinstance(explanation, str):
                raise self.fail(f"option {n}: “text” and “explanation” are text.", *where)
            if not isinstance(correct, bool):
                raise self.fail(f"option {n}: “correct” is true or false.", *where)
            inputs.append(OptionInput(text, correct, explanation))
        prompt, kind = raw.get("prompt"), raw.get("kind", "single")
        if not isinstance(prompt, str):
            raise self.fail("“prompt” must be text.", *where)
        try:
            prompt, kind_, cleaned = check_question(prompt, kind, inputs, False)
        except AuthoringError as exc:
            raise self.fail(self._lower(exc), *where) from None
        return QuestionData(prompt, kind_, cleaned)
