"""Modules as files: export to and import from Markdown with front matter or JSON.

The format is docs/learning-content-format.md. A file is parsed and checked
completely before anything is written, so a bad file changes nothing; errors
name the line (Markdown), the lesson and the question. `load_curriculum`
imports the demo curriculum shipped in `portal/learning/curriculum/`.

This is the way in: the format itself (the JSON shape, the checks) is in
`transfer_format` and the Markdown encoding in `transfer_markdown`, both
re-exported here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select

from portal.accounts.models import Role, Team, User
from portal.accounts.services import require_admin
from portal.db import db, utcnow
from portal.learning.authoring_checks import (
    SLUG_RE,
    AuthoringError,
    check_title,
    may_edit,
    require_author,
)
from portal.learning.models import (
    Card,
    LearningPath,
    Lesson,
    Module,
    Option,
    PathModule,
    Question,
    Status,
)
from portal.learning.transfer_format import (
    FORMAT,
    MODULE_KEYS,
    LessonData,
    ModuleChecker,
    ModuleData,
    QuestionData,
    TransferError,
    module_to_dict,
)
from portal.learning.transfer_markdown import export_markdown, parse_markdown, yaml_error

__all__ = [
    # defined here
    "CURRICULUM_DIR",
    "CurriculumResult",
    "detect_format",
    "export_json",
    "import_file",
    "import_module",
    "load_curriculum",
    "parse",
    "parse_json",
    "write_module",
    # transfer_format
    "FORMAT",
    "MODULE_KEYS",
    "LessonData",
    "ModuleData",
    "QuestionData",
    "TransferError",
    "module_to_dict",
    # transfer_markdown
    "export_markdown",
    "parse_markdown",
]

log = logging.getLogger(__name__)

CURRICULUM_DIR = Path(__file__).resolve().parent / "curriculum"


# --- export and import -------------------------------------------------------------------


def export_json(module: Module) -> str:
    """The module as a JSON document."""
    return json.dumps(module_to_dict(module), indent=2, ensure_ascii=False) + "\n"


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
    return ModuleChecker().module(raw)


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
    """Read and check a module file in either format; raise TransferError for anything malformed."""
    try:
        return parse_json(text) if detect_format(text, filename) == "json" else parse_markdown(text)
    except TransferError:
        raise
    except RecursionError:
        raise TransferError("The file is nested too deeply to be a module.") from None
    except (TypeError, ValueError, AttributeError) as exc:
        # Structures of the wrong shape (numbers where text goes, mixed-type keys...).
        raise TransferError(f"The file does not have the shape of a module ({exc}).") from None


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
        require_author(actor)
    existing = db.session.scalar(select(Module).where(Module.slug == data.slug))
    if existing is not None:
        if actor is not None and not may_edit(actor, existing):
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
    require_author(actor)
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
        raise TransferError(f"paths.yaml: {yaml_error(exc, 1, 'the file')}") from None
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
            title = check_title(str(entry.get("title") or ""))
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
