"""Modules as Markdown: YAML front matter, `<!-- lesson: -->` and `<!-- card -->` markers, quizzes.

`export_markdown` writes the format of docs/learning-content-format.md and
`parse_markdown` reads it, with errors naming the line of the file.
"""

from __future__ import annotations

from typing import Any

import yaml
from frontmatter.default_handlers import YAMLHandler

from portal.learning.authoring_checks import CARD_MARKER, LESSON_MARKER, closes_fence, opens_fence
from portal.learning.models import Module
from portal.learning.transfer_format import ModuleChecker, ModuleData, TransferError, module_to_dict

# --- writing -----------------------------------------------------------------------------


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


# --- reading -----------------------------------------------------------------------------


def yaml_error(exc: yaml.YAMLError, first_line: int, what: str) -> TransferError:
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
        raise yaml_error(exc, front_line, "the front matter") from None
    if not isinstance(front, dict):
        raise TransferError("Line 2: the front matter must hold the module's fields.")
    lines: dict[tuple[Any, ...], int] = {
        ("front", key): _key_line(front_text, key, front_line) for key in front
    }
    body_start = text[: len(text) - len(body)].count("\n") + 1
    raw_lessons, found = _split_body(body, body_start)
    lines.update(found)
    checker = ModuleChecker(lines)
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
                raise yaml_error(exc, first_line, "the quiz") from None
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
