"""Authoring learning content: modules (list, create, edit, publish, copy, delete).

Admins author every module; an advocacy leader authors the modules owned by
their team, and those are for their team only. A module a leader may not edit
is a `NotFound` for them, so its existence does not leak. Forbidden actions
raise `PermissionDenied`; bad input raises `AuthoringError`, whose message is
meant for the person. Functions flush; the caller commits.

The rest of authoring lives beside this module and is re-exported here, so
`authoring.<name>` stays the one way in: who may author and the input rules
in `authoring_checks`, lessons, cards and questions in `authoring_lessons`,
learning paths in `authoring_paths`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied
from portal.db import db, utcnow
from portal.learning.authoring_checks import (
    CARD_MARKER,
    FENCE,
    LESSON_MARKER,
    MAX_CARD,
    MAX_MINUTES,
    MAX_OPTION,
    MAX_PROMPT,
    MAX_SUMMARY,
    MAX_TAG,
    MAX_TAGS,
    MAX_TITLE,
    SLUG_RE,
    AuthoringError,
    OptionInput,
    PublishRefused,
    can_author,
    check_card_body,
    check_minutes,
    check_pass_mark,
    check_question,
    check_slug,
    check_summary,
    check_title,
    clean_cover_image,
    closes_fence,
    may_edit,
    module_problems,
    normalise_markdown,
    opens_fence,
    parse_tags,
    require_author,
    require_editable,
    slugify,
    unique_slug,
)
from portal.learning.authoring_lessons import (
    add_card,
    add_lesson,
    add_question,
    delete_card,
    delete_lesson,
    delete_question,
    get_card,
    get_lesson,
    get_question,
    move_card,
    move_lesson,
    move_question,
    order_cards,
    order_lessons,
    order_questions,
    update_card,
    update_lesson,
    update_question,
)
from portal.learning.authoring_order import renumber
from portal.learning.authoring_paths import (
    add_path_module,
    create_path,
    delete_path,
    get_path,
    list_paths,
    move_path_module,
    publish_path,
    remove_path_module,
    set_path_modules,
    unpublish_path,
    update_path,
)
from portal.learning.models import Card, Lesson, Module, Option, PathModule, Question, Status

__all__ = [
    # defined here
    "author_teams",
    "create_module",
    "delete_module",
    "duplicate_module",
    "editable_modules",
    "get_module",
    "publish_module",
    "unpublish_module",
    "update_module",
    # authoring_checks
    "CARD_MARKER",
    "FENCE",
    "LESSON_MARKER",
    "MAX_CARD",
    "MAX_MINUTES",
    "MAX_OPTION",
    "MAX_PROMPT",
    "MAX_SUMMARY",
    "MAX_TAG",
    "MAX_TAGS",
    "MAX_TITLE",
    "SLUG_RE",
    "AuthoringError",
    "OptionInput",
    "PublishRefused",
    "can_author",
    "check_card_body",
    "check_minutes",
    "check_pass_mark",
    "check_question",
    "check_slug",
    "check_title",
    "clean_cover_image",
    "closes_fence",
    "may_edit",
    "module_problems",
    "normalise_markdown",
    "opens_fence",
    "parse_tags",
    "require_author",
    "slugify",
    "unique_slug",
    # authoring_lessons
    "add_card",
    "add_lesson",
    "add_question",
    "delete_card",
    "delete_lesson",
    "delete_question",
    "get_card",
    "get_lesson",
    "get_question",
    "move_card",
    "move_lesson",
    "move_question",
    "order_cards",
    "order_lessons",
    "order_questions",
    "update_card",
    "update_lesson",
    "update_question",
    # authoring_paths
    "add_path_module",
    "create_path",
    "delete_path",
    "get_path",
    "list_paths",
    "move_path_module",
    "publish_path",
    "remove_path_module",
    "set_path_modules",
    "unpublish_path",
    "update_path",
]


# --- modules -----------------------------------------------------------------------------


def get_module(actor: User, module_id: int) -> Module:
    """A module `actor` may edit (drafts included); NotFound otherwise."""
    return require_editable(actor, db.session.get(Module, module_id))


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
        summary=check_summary(summary),
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
    require_editable(actor, module)
    title = check_title(title)
    if slug is not None:
        slug = check_slug(slug)
        taken = db.session.scalar(
            select(Module.id).where(Module.slug == slug, Module.id != module.id)
        )
        if taken is not None:
            raise AuthoringError("Another module uses that slug.", "slug")
    summary, minutes = check_summary(summary), check_minutes(minutes)
    tag_list, cover = parse_tags(tags), clean_cover_image(cover_image)
    everyone, teams = _audience(actor, for_everyone, team_ids, module)
    module.title, module.summary, module.minutes = title, summary, minutes
    module.tags, module.cover_image = tag_list, cover
    module.for_everyone, module.teams = everyone, teams
    if slug is not None:
        module.slug = slug
    db.session.flush()


def publish_module(actor: User, module: Module) -> None:
    """Publish `module` to its audience; PublishRefused lists what must be fixed first."""
    require_editable(actor, module)
    problems = module_problems(module)
    if problems:
        raise PublishRefused(problems)
    if module.status != Status.PUBLISHED:
        module.status = Status.PUBLISHED
        module.published_at = utcnow()
    db.session.flush()


def unpublish_module(actor: User, module: Module) -> None:
    """Take `module` back to draft: only its authors see it until published again."""
    require_editable(actor, module)
    module.status = Status.DRAFT
    db.session.flush()


def delete_module(actor: User, module: Module) -> None:
    """Delete a draft module with everything in it; a published one must be unpublished first."""
    require_editable(actor, module)
    if module.is_published:
        raise AuthoringError("Unpublish the module before deleting it.")
    steps = db.session.scalars(select(PathModule).where(PathModule.module_id == module.id))
    for step in list(steps):
        path = step.path
        db.session.delete(step)
        db.session.flush()
        db.session.expire(path, ["steps"])
        renumber(path.steps)
    db.session.delete(module)
    db.session.flush()


def duplicate_module(actor: User, module: Module) -> Module:
    """A draft deep copy of `module` with the slug "<slug>-copy" (or "-copy-2" ...)."""
    require_editable(actor, module)
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
