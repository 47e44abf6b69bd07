"""Modules as files: export to and import from Markdown with front matter or JSON.

The format is docs/learning-content-format.md. A file is parsed and checked
completely before anything is written, so a bad file changes nothing; errors
name the line (Markdown), the lesson and the question. `load_curriculum`
imports the demo curriculum shipped in `portal/learning/curriculum/`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from frontmatter.default_handlers import YAMLHandler
from sqlalchemy import func, select

from portal.accounts.models import Role, Team, User
from portal.accounts.services import require_admin
from portal.db import db, utcnow
from portal.learning import authoring
from portal.learning.authoring import (
    CARD_MARKER,
    LESSON_MARKER,
    SLUG_RE,
    AuthoringError,
    OptionInput,
    closes_fence,
    opens_fence,
)
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

log = logging.getLogger(__name__)

FORMAT = "beacon-module/1"
CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"
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


def export_json(module: Module) -> str:
    """The module as a JSON document."""
    return json.dumps(module_to_dict(module), indent=2, ensure_ascii=False) + "\n"


def _yaml(data: Any, flow: bool | None) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=flow, width=100
    )


def export_markdown(module: Module) -> str:
    """The module as Markdown with YAML front matter."""
    data = module_to_dict(module)
    front = {key: data[key] for key in ("slug", "title", "summary", "minutes", "tags")}
    if module.cover_image:
        front["cover_image"] = module.cover_image
    front["audience"], front["status"] = data["audience"], data["status"]
    parts = ["---\n" + _yaml(front, None) + "---\n"]
    for lesson in data["lessons"]:
        parts.append(f"<!-- lesson: {lesson['title']} -->\n")
        parts.append("\n<!-- card -->\n\n".join(card + "\n" for card in lesson["cards"]))
        if lesson["quiz"]:
            parts.append(_quiz_block(lesson["quiz"]))
    return "\n".join(parts)


def _quiz_block(quiz: dict[str, Any]) -> str:
    # Leave out what import fills in by default, as a person would write it.
    questions = []
    for q in quiz["questions"]:
        options = []
        for o in q["options"]:
            option: dict[str, Any] = {"text": o["text"]}
            if o["correct"]:
                option["correct"] = True
            if o["explanation"]:
                option["explanation"] = o["explanation"]
            options.append(option)
        questions.append({"prompt": q["prompt"], "kind": q["kind"], "options": options})
    body = _yaml({"pass_mark": quiz["pass_mark"], "questions": questions}, False)
    # A fence longer than any run of backticks in the YAML, so nothing inside can close it.
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    return f"{fence}quiz\n{body}{fence}\n"


def _longest_backtick_run(text: str) -> int:
    best = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        best = max(best, run)
    return best


# --- reading files -----------------------------------------------------------------------


class _Checker:
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
            title = authoring.check_title(self._text(raw.get("title"), "title"))
            summary = self._text(raw.get("summary", ""), "summary").strip()
            if len(summary) > authoring.MAX_SUMMARY:
                raise AuthoringError(f"keep the summary under {authoring.MAX_SUMMARY} characters.")
            minutes = authoring.check_minutes(raw.get("minutes", 10))
            tags = authoring.parse_tags(raw.get("tags") or [])
            cover = raw.get("cover_image")
            if cover is not None and not isinstance(cover, str):
                raise AuthoringError("“cover_image” must be text.", "cover_image")
            cover_image = authoring.clean_cover_image(cover)
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
            title = authoring.check_title(self._text(raw.get("title"), "title"))
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
                checked.append(authoring.check_card_body(card))
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
            lesson.pass_mark = authoring.check_pass_mark(raw.get("pass_mark", 70))
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
            prompt, kind_, cleaned = authoring.check_question(prompt, kind, inputs, False)
        except AuthoringError as exc:
            raise self.fail(self._lower(exc), *where) from None
        return QuestionData(prompt, kind_, cleaned)


def parse_json(text: str) -> ModuleData:
    """Read and check a module in the JSON format; TransferError says what is wrong."""
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise TransferError(
            f"Line {exc.lineno}, column {exc.colno}: not valid JSON ({exc.msg})."
        ) from None
    if not isinstance(raw, dict):
        raise TransferError("Expected one JSON object with the module's fields.")
    if raw.get("format") != FORMAT:
        raise TransferError(f"Not a Beacon module file: “format” must be “{FORMAT}”.")
    return _Checker().module(raw)


def _yaml_error(exc: yaml.YAMLError, first_line: int, what: str) -> TransferError:
    """`exc` as a TransferError naming the file line; the YAML text starts on `first_line`."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or "not valid YAML"
    line = first_line + mark.line if mark is not None else first_line
    return TransferError(f"Line {line}: {what} is not valid YAML ({problem}).")


def parse_markdown(text: str) -> ModuleData:
    """Read and check a module in the Markdown format; TransferError says what is wrong."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    handler = YAMLHandler()
    opening = handler.FM_BOUNDARY.match(text) if handler.FM_BOUNDARY else None
    if opening is None:
        raise TransferError("The file must start with front matter between two “---” lines.")
    try:
        front_text, body = handler.split(text)
    except ValueError:
        raise TransferError("The front matter is not closed with a “---” line.") from None
    front_line = text[: opening.end()].count("\n") + 1  # where front_text starts
    try:
        front = yaml.safe_load(front_text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, front_line, "the front matter") from None
    if not isinstance(front, dict):
        raise TransferError("Line 2: the front matter must hold the module's fields.")
    lines: dict[tuple[Any, ...], int] = {
        ("front", key): _key_line(front_text, key, front_line) for key in front
    }
    body_start = text[: len(text) - len(body)].count("\n") + 1
    raw_lessons, found = _split_body(body, body_start)
    lines.update(found)
    checker = _Checker(lines)
    if "lessons" in front or "format" in front:
        raise checker.fail("“lessons” and “format” do not belong in the front matter.", "front")
    raw = dict(front)
    raw["lessons"] = raw_lessons
    for i, lesson in enumerate(raw_lessons):
        quiz_text = lesson.pop("_quiz", None)
        if quiz_text is not None:
            first_line = lines[("quiz", i)] + 1
            try:
                lesson["quiz"] = yaml.safe_load(quiz_text) if quiz_text.strip() else {}
            except yaml.YAMLError as exc:
                raise _yaml_error(exc, first_line, "the quiz") from None
            for q, line in enumerate(_question_lines(quiz_text)):
                lines[("quiz", i, q)] = first_line + line
    return checker.module(raw)


def _question_lines(quiz_text: str) -> list[int]:
    """Where each question of a quiz block starts (0-based lines), to point errors at it."""
    node = yaml.compose(quiz_text, Loader=yaml.SafeLoader)
    if not isinstance(node, yaml.MappingNode):
        return []
    for key, value in node.value:
        if getattr(key, "value", None) == "questions" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line for item in value.value]
    return []


def _key_line(front_text: str, key: Any, first_line: int) -> int:
    for number, line in enumerate(front_text.split("\n"), first_line):
        if line.startswith(f"{key}:"):
            return number
    return first_line


def _split_body(body: str, first: int) -> tuple[list[dict[str, Any]], dict[tuple[Any, ...], int]]:
    """Lessons (title, cards, raw quiz text) of a Markdown body, with where each starts."""
    lessons: list[dict[str, Any]] = []
    lines: dict[tuple[Any, ...], int] = {}
    cards: list[list[str]] = []
    fence: str | None = None  # a code block open in a card
    quiz: list[str] | None = None  # the quiz block being read
    quiz_fence = ""
    quiz_done = False

    def error(number: int, message: str) -> TransferError:
        where = f", lesson {len(lessons)} “{lessons[-1]['title']}”" if lessons else ""
        return TransferError(f"Line {number}{where}: {message}")

    def finish() -> None:
        if lessons:
            lessons[-1]["cards"] = ["\n".join(card) for card in cards]

    number = first - 1
    for number, line in enumerate(body.split("\n"), first):
        if quiz is not None:
            if closes_fence(quiz_fence, line):
                lessons[-1]["_quiz"] = "\n".join(quiz)
                quiz, quiz_done = None, True
            else:
                quiz.append(line)
            continue
        if fence:
            cards[-1].append(line)
            if closes_fence(fence, line):
                fence = None
            continue
        marker = LESSON_MARKER.match(line)
        if marker:
            finish()
            lessons.append({"title": marker.group(1).strip()})
            lines[("lesson", len(lessons) - 1)] = number
            cards, quiz_done = [[]], False
            lines[("card", len(lessons) - 1, 0)] = number + 1
            continue
        if not lessons:
            if line.strip():
                raise error(number, "text before the first <!-- lesson: Title --> marker.")
            continue
        if quiz_done:
            if CARD_MARKER.match(line) or line.strip():
                raise error(number, "the quiz must end its lesson; nothing may follow it.")
            continue
        if CARD_MARKER.match(line):
            cards.append([])
            lines[("card", len(lessons) - 1, len(cards) - 1)] = number
            continue
        opened = opens_fence(line)
        if opened and opened[1] == "quiz":
            quiz, quiz_fence = [], opened[0]
            lines[("quiz", len(lessons) - 1)] = number
            continue
        if opened:
            fence = opened[0]
        cards[-1].append(line)
    if quiz is not None:
        raise error(number, f"the quiz is not closed with {quiz_fence}.")
    finish()
    return lessons, lines


def detect_format(text: str, filename: str = "") -> str:
    """Say "md" or "json": from the content ("{" or "---" first), else the file extension."""
    start = text.lstrip("\ufeff \t\r\n")[:3]
    if start.startswith("{"):
        return "json"
    if start == "---":
        return "md"
    suffix = Path(filename).suffix.lower()
    if suffix in (".md", ".markdown"):
        return "md"
    if suffix == ".json":
        return "json"
    raise TransferError("Upload a Markdown file with front matter (.md) or a JSON file (.json).")


def parse(text: str, filename: str = "") -> ModuleData:
    """Read and check a module file in either format."""
    return parse_json(text) if detect_format(text, filename) == "json" else parse_markdown(text)


# --- writing modules ---------------------------------------------------------------------


def _teams_named(names: list[str]) -> list[Team]:
    teams = {
        t.name.lower(): t
        for t in db.session.scalars(
            select(Team).where(func.lower(Team.name).in_([n.lower() for n in names]))
        )
    }
    unknown = [n for n in names if n.lower() not in teams]
    if unknown:
        raise TransferError(
            "Unknown team in “audience”: " + ", ".join(unknown) + ". Use the names of teams here."
        )
    return sorted({t.id: t for t in teams.values()}.values(), key=lambda t: t.name.lower())


def _lessons(data: ModuleData) -> list[Lesson]:
    return [
        Lesson(
            position=i,
            title=lesson.title,
            pass_mark=lesson.pass_mark,
            cards=[Card(position=c, body=body) for c, body in enumerate(lesson.cards)],
            questions=[
                Question(
                    position=q,
                    prompt=question.prompt,
                    kind=question.kind,
                    options=[
                        Option(
                            position=o,
                            text=opt.text,
                            correct=opt.correct,
                            explanation=opt.explanation,
                        )
                        for o, opt in enumerate(question.options)
                    ],
                )
                for q, question in enumerate(lesson.questions or [])
            ],
        )
        for i, lesson in enumerate(data.lessons)
    ]


def write_module(
    actor: User | None, data: ModuleData, replace: bool = False, publish: bool | None = None
) -> Module:
    """Create the module in `data`, or replace the one with its slug when `replace`.

    `actor` None is the system (the curriculum loader). A leader's import is
    owned by and shown to their team only. `publish` overrides the file's status.
    Raises TransferError (slug taken, unknown team) or PermissionDenied.
    """
    if actor is not None:
        authoring.require_author(actor)
    existing = db.session.scalar(select(Module).where(Module.slug == data.slug))
    if existing is not None:
        if actor is not None and not authoring.may_edit(actor, existing):
            raise TransferError(
                f"The slug “{data.slug}” belongs to a module you cannot edit: change the slug."
            )
        if not replace:
            raise TransferError(
                f"A module with the slug “{data.slug}” exists already: choose “replace” "
                "to overwrite it, or change the slug in the file."
            )
    leader_team = actor.team if actor is not None and actor.role != Role.ADMIN else None
    if leader_team is not None:
        everyone, teams = False, [leader_team]
    elif data.audience is None:
        everyone, teams = True, []
    else:
        everyone, teams = False, _teams_named(data.audience)
    module = existing or Module(
        slug=data.slug,
        owner_team_id=leader_team.id if leader_team else None,
        created_by_id=actor.id if actor else None,
    )
    if existing is not None:
        existing.lessons.clear()
        db.session.flush()
    module.title, module.summary, module.minutes = data.title, data.summary, data.minutes
    module.tags, module.cover_image = list(data.tags), data.cover_image
    module.for_everyone, module.teams = everyone, teams
    module.lessons = _lessons(data)
    status = (Status.PUBLISHED if publish else Status.DRAFT) if publish is not None else data.status
    if status == Status.PUBLISHED and (
        module.status != Status.PUBLISHED or not module.published_at
    ):
        module.published_at = utcnow()
    module.status = status
    db.session.add(module)
    db.session.flush()
    return module


def import_module(actor: User, text: str, filename: str = "", replace: bool = False) -> Module:
    """Import a module file (Markdown or JSON) for `actor`; nothing changes on an error."""
    authoring.require_author(actor)
    return write_module(actor, parse(text, filename), replace=replace)


def import_file(actor: User, content: bytes, filename: str = "", replace: bool = False) -> Module:
    """`import_module` for uploaded bytes, which must be UTF-8 text."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        raise TransferError("The file is not UTF-8 text.") from None
    return import_module(actor, text, filename, replace)


# --- the demo curriculum -----------------------------------------------------------------


@dataclass
class CurriculumResult:
    """What `load_curriculum` did."""

    modules_added: list[str] = field(default_factory=list)
    modules_skipped: list[str] = field(default_factory=list)
    paths_added: list[str] = field(default_factory=list)
    paths_skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def load_curriculum(
    directory: str | Path = CURRICULUM_DIR, actor: User | None = None
) -> CurriculumResult:
    """Import and publish every `*.md` module and the paths of `paths.yaml` in `directory`.

    Modules and paths whose slug exists already are skipped, so running it
    again changes nothing; a missing directory or `paths.yaml` is no error.
    A malformed file raises TransferError naming it. `actor`, if given, must
    be an admin.
    """
    if actor is not None:
        require_admin(actor)
    result = CurriculumResult()
    folder = Path(directory)
    if not folder.is_dir():
        return result
    for file in sorted(folder.glob("*.md")):
        try:
            data = parse_markdown(file.read_text(encoding="utf-8"))
        except (TransferError, UnicodeDecodeError) as exc:
            raise TransferError(f"{file.name}: {exc}") from None
        if db.session.scalar(select(Module.id).where(Module.slug == data.slug)) is not None:
            result.modules_skipped.append(data.slug)
            continue
        try:
            write_module(actor, data, publish=True)
        except TransferError as exc:
            raise TransferError(f"{file.name}: {exc}") from None
        result.modules_added.append(data.slug)
    paths_file = folder / "paths.yaml"
    if paths_file.is_file():
        _load_paths(paths_file, result)
    return result


def _load_paths(paths_file: Path, result: CurriculumResult) -> None:
    try:
        entries = yaml.safe_load(paths_file.read_text(encoding="utf-8")) or []
    except yaml.YAMLError as exc:
        raise TransferError(f"paths.yaml: {_yaml_error(exc, 1, 'the file')}") from None
    if not isinstance(entries, list):
        raise TransferError("paths.yaml: expected a list of paths.")
    for n, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("slug"), str):
            raise TransferError(f"paths.yaml: path {n} needs a “slug”.")
        slug, modules = entry["slug"], entry.get("modules") or []
        if (
            not SLUG_RE.match(slug)
            or not isinstance(modules, list)
            or not all(isinstance(m, str) for m in modules)
        ):
            raise TransferError(f"paths.yaml: path {n} “{slug}” has a bad slug or module list.")
        if db.session.scalar(select(LearningPath.id).where(LearningPath.slug == slug)):
            result.paths_skipped.append(slug)
            continue
        try:
            title = authoring.check_title(str(entry.get("title") or ""))
        except AuthoringError as exc:
            raise TransferError(f"paths.yaml: path {n} “{slug}”: {exc}") from None
        found = {
            m.slug: m for m in db.session.scalars(select(Module).where(Module.slug.in_(modules)))
        }
        missing = [s for s in modules if s not in found]
        if missing:
            result.warnings.append(f"Path “{slug}”: no module " + ", ".join(missing) + " yet.")
            log.warning("curriculum path %s: modules not found: %s", slug, missing)
        steps = [found[s] for s in dict.fromkeys(modules) if s in found]
        if not steps:
            result.warnings.append(f"Path “{slug}” skipped: none of its modules exist.")
            continue
        path = LearningPath(
            slug=slug,
            title=title,
            summary=str(entry.get("summary") or "").strip(),
            status=Status.PUBLISHED if all(m.is_published for m in steps) else Status.DRAFT,
            steps=[PathModule(module=m, position=i) for i, m in enumerate(steps)],
        )
        db.session.add(path)
        db.session.flush()
        result.paths_added.append(slug)
