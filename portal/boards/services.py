"""Boards: who sees and runs them, their settings and phases, ideas, comments, statuses, merges.

Every function takes the acting person explicitly and only flushes; the
caller commits. A board or idea the person may not see raises NotFound (a
404, as if it did not exist); an action they may not take raises
PermissionDenied (a 403); a broken rule raises BoardError with a message
meant for the person. Votes live in `portal.boards.votes`, what pages show
in `portal.boards.listing`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, has_request_context, url_for
from sqlalchemy import ColumnElement, Select, false, or_, select, true, update
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied, lock_person
from portal.boards.events import IdeaAccepted, IdeaImplemented, IdeaPosted
from portal.boards.models import (
    Board,
    BoardPhase,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaVote,
    VoteMode,
)
from portal.db import db, utcnow
from portal.events import publish
from portal.notifications.services import notify

MAX_PROMPT = 200
MAX_DETAILS = 5000
MAX_TITLE = 160
MAX_BODY = 5000
MAX_COMMENT = 2000
MAX_TAGS = 5
MAX_TAG = 30
MAX_DOT_BUDGET = 20
NEWCOMER_DAYS = 60


class BoardError(ValueError):
    """A request that breaks a rule of boards; the message is shown to the person.

    `field` names the form field it belongs to, when there is one.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def path_for(endpoint: str, **values: Any) -> str:
    """A path inside Beacon (for notifications), from a request, a job or the CLI alike."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context("/"):
        return url_for(endpoint, **values)


# --- who sees and runs what -------------------------------------------------------------


def can_see(user: User, board: Board) -> bool:
    """Company boards are for everyone; a team's board for its team, its owner and admins."""
    if not user.active:
        return False
    return (
        user.role == Role.ADMIN
        or board.team_id is None
        or board.team_id == user.team_id
        or board.owner_id == user.id
    )


def can_run(user: User, board: Board) -> bool:
    """The owner and admins change phases, settings and idea statuses."""
    return user.active and (user.role == Role.ADMIN or board.owner_id == user.id)


def visible_to(user: User) -> ColumnElement[bool]:
    """A filter on Board for the boards `user` may see."""
    if not user.active:
        return false()
    if user.role == Role.ADMIN:
        return true()
    return or_(Board.team_id.is_(None), Board.team_id == user.team_id, Board.owner_id == user.id)


def require_visible(user: User, board: Board) -> None:
    """Raise NotFound unless `user` may see `board`."""
    if not can_see(user, board):
        raise NotFound()


def require_runner(user: User, board: Board) -> None:
    """Raise NotFound if `user` cannot see the board, PermissionDenied unless they run it."""
    require_visible(user, board)
    if not can_run(user, board):
        raise PermissionDenied("Only the board's owner or an admin can do that.")


def get_board(user: User, board_id: int) -> Board:
    """The board with this id, if `user` may see it; else NotFound."""
    board = db.session.get(Board, board_id)
    if board is None:
        raise NotFound()
    require_visible(user, board)
    return board


def get_idea(user: User, idea_id: int) -> Idea:
    """The idea with this id, if `user` may see its board; else NotFound."""
    idea = db.session.get(Idea, idea_id)
    if idea is None:
        raise NotFound()
    require_visible(user, idea.board)
    return idea


def scope_teams(actor: User) -> list[Team]:
    """The teams `actor` may make a board for: any for admins, their own for leaders."""
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(select(Team).order_by(Team.name)))
    if actor.role == Role.LEADER and actor.team is not None:
        return [actor.team]
    return []


def bump_version(board_id: int) -> None:
    """Tell open pages something changed on the board (one atomic UPDATE)."""
    db.session.execute(update(Board).where(Board.id == board_id).values(version=Board.version + 1))


def lock_ideas(*idea_ids: int) -> list[Idea]:
    """Lock ideas' rows (in id order, so two lockers cannot deadlock) and reload them.

    Votes, status changes and merges of one idea then run one at a time on
    PostgreSQL; SQLite runs writers one at a time anyway. Every write takes
    its locks in one order: people (`lock_person`), then ideas, then the
    board (`bump_version`).
    """
    return list(
        db.session.scalars(
            select(Idea)
            .where(Idea.id.in_(sorted(set(idea_ids))))
            .order_by(Idea.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )


# --- boards -----------------------------------------------------------------------------


@dataclass
class BoardSettings:
    """What the owner chooses for a board."""

    prompt: str
    details: str = ""
    team_id: int | None = None
    session_at: datetime | None = None
    session_minutes: int = 60
    newcomers_welcome: bool = False
    vote_mode: VoteMode = VoteMode.SINGLE
    dot_budget: int = 5
    hide_counts: bool = False


def _check_settings(actor: User, settings: BoardSettings) -> BoardSettings:
    prompt = " ".join(settings.prompt.split())
    if not prompt:
        raise BoardError("Write the prompt people will answer.", "prompt")
    if len(prompt) > MAX_PROMPT:
        raise BoardError(f"Keep the prompt under {MAX_PROMPT} characters.", "prompt")
    details = settings.details.strip()
    if len(details) > MAX_DETAILS:
        raise BoardError(f"Keep the details under {MAX_DETAILS} characters.", "details")
    if settings.team_id is not None and settings.team_id not in {t.id for t in scope_teams(actor)}:
        raise PermissionDenied("You can only make boards for the company or your own team.")
    if not 15 <= settings.session_minutes <= 480:
        raise BoardError("A session lasts between 15 and 480 minutes.", "session_minutes")
    if not 1 <= settings.dot_budget <= MAX_DOT_BUDGET:
        raise BoardError(
            f"Give each person between 1 and {MAX_DOT_BUDGET} dot-votes.", "dot_budget"
        )
    settings.prompt, settings.details = prompt, details
    return settings


def require_board_maker(actor: User) -> None:
    """Raise PermissionDenied unless `actor` is an active leader or admin."""
    if not (actor.active and actor.role in (Role.LEADER, Role.ADMIN)):
        raise PermissionDenied("Only leaders and admins create boards.")


def create_board(actor: User, settings: BoardSettings, now: datetime | None = None) -> Board:
    """Create a board owned by `actor` (a leader or admin); invite newcomers if it welcomes them.

    Raises PermissionDenied for employees and for a leader choosing another
    team, BoardError for bad settings or a session in the past.
    """
    now = now or utcnow()
    require_board_maker(actor)
    settings = _check_settings(actor, settings)
    if settings.session_at is not None and settings.session_at < now:
        raise BoardError("Pick a session time in the future.", "session_at")
    board = Board(owner_id=actor.id, created_at=now, **vars(settings))
    db.session.add(board)
    db.session.flush()
    invite_newcomers(board, now)
    return board


def update_board(
    actor: User, board: Board, settings: BoardSettings, now: datetime | None = None
) -> Board:
    """Change a board's settings (owner or admin); a new session re-invites newcomers.

    The voting style cannot change once votes were cast (the counts would
    mean something else).
    """
    now = now or utcnow()
    require_runner(actor, board)
    settings = _check_settings(actor, settings)
    session_changed = settings.session_at != board.session_at
    if session_changed and settings.session_at is not None and settings.session_at < now:
        raise BoardError("Pick a session time in the future.", "session_at")
    if settings.vote_mode != board.vote_mode and has_votes(board):
        raise BoardError(
            "People have voted already, so the voting style can no longer change.", "vote_mode"
        )
    newly_welcoming = settings.newcomers_welcome and not board.newcomers_welcome
    for name, value in vars(settings).items():
        setattr(board, name, value)
    db.session.flush()
    bump_version(board.id)
    if newly_welcoming or (session_changed and settings.session_at is not None):
        invite_newcomers(board, now)
    return board


def has_votes(board: Board) -> bool:
    """True once anyone voted on the board."""
    return (
        db.session.scalar(select(IdeaVote.id).where(IdeaVote.board_id == board.id).limit(1))
        is not None
    )


def set_phase(actor: User, board: Board, phase: BoardPhase) -> bool:
    """Move the board to `phase` (owner or admin); False when it is there already."""
    require_runner(actor, board)
    if board.phase == phase:
        return False
    board.phase = phase
    db.session.flush()
    bump_version(board.id)
    return True


# --- newcomers --------------------------------------------------------------------------


def invite_period(board: Board) -> str:
    """What makes an invitation new again: the session's time (a new session invites again)."""
    return board.session_at.strftime("%Y-%m-%dT%H:%M") if board.session_at else "open"


def newcomers_since(now: datetime) -> datetime:
    """People who joined on or after this day are newcomers."""
    return now - timedelta(days=NEWCOMER_DAYS)


def in_scope(stmt: Select[Any], team_id: int | None) -> Select[Any]:
    """Narrow a query on User to the people a board with `team_id` is for."""
    return stmt if team_id is None else stmt.where(User.team_id == team_id)


def invite_title(board: Board) -> str:
    """The invitation's title (the same for the direct invitation and the reminder)."""
    return f"You're invited to brainstorm: “{board.prompt}”"[:200]


def invite_body(board: Board) -> str:
    """Why the person is invited, and when the session is."""
    when = (
        f" The live session starts {board.session_at.strftime('%-d %b %Y at %H:%M UTC')}."
        if board.session_at
        else ""
    )
    return "Newcomers are welcome on this board: share an idea or vote on others'." + when


def invite_newcomers(board: Board, now: datetime) -> list[int]:
    """Notify the newcomers a newcomers-welcome board is for (once per board and session)."""
    if not board.newcomers_welcome or not board.is_open:
        return []
    if board.session_at is not None and board.session_ends_at and board.session_ends_at <= now:
        return []
    stmt = select(User.id).where(
        User.active.is_(True),
        User.joined_on >= newcomers_since(now).date(),
        User.id != board.owner_id,
    )
    people = list(db.session.scalars(in_scope(stmt, board.team_id)))
    return notify(
        people,
        "board_invite",
        invite_title(board),
        path_for("boards.board", board_id=board.id),
        subject=f"board:{board.id}",
        period=invite_period(board),
        body=invite_body(board),
        now=now,
    )


# --- ideas ------------------------------------------------------------------------------


def parse_tags(value: str | None) -> list[str]:
    """Tags from comma-separated text, trimmed, no blanks or repeats; BoardError if too many."""
    tags: list[str] = []
    for item in (value or "").split(","):
        tag = " ".join(item.split()).lstrip("#")
        if not tag or tag.lower() in {t.lower() for t in tags}:
            continue
        if len(tag) > MAX_TAG:
            raise BoardError(f"Keep each tag under {MAX_TAG} characters.", "tags")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise BoardError(f"Use at most {MAX_TAGS} tags.", "tags")
    return tags


def _clean_idea(title: str, body: str) -> tuple[str, str]:
    title = " ".join(title.split())
    if not title:
        raise BoardError("Give your idea a title.", "title")
    if len(title) > MAX_TITLE:
        raise BoardError(f"Keep the title under {MAX_TITLE} characters.", "title")
    body = body.strip()
    if len(body) > MAX_BODY:
        raise BoardError(f"Keep the description under {MAX_BODY} characters.", "body")
    return title, body


def post_idea(
    actor: User,
    board: Board,
    title: str,
    body: str = "",
    tags: str = "",
    anonymous: bool = False,
    now: datetime | None = None,
) -> Idea:
    """Post an idea on a board that collects ideas; publishes IdeaPosted."""
    now = now or utcnow()
    require_visible(actor, board)
    if board.phase != BoardPhase.COLLECTING:
        raise BoardError("This board is no longer collecting ideas.")
    lock_person(actor.id)  # locks in one order everywhere: person, idea, board
    title, body = _clean_idea(title, body)
    idea = Idea(
        board_id=board.id,
        author_id=actor.id,
        title=title,
        body=body,
        tags=parse_tags(tags),
        anonymous=anonymous,
        created_at=now,
    )
    db.session.add(idea)
    db.session.flush()
    bump_version(board.id)
    publish(IdeaPosted(actor.id, now, idea.id, board.id))
    return idea


def edit_idea(
    actor: User, idea: Idea, title: str, body: str, tags: str, now: datetime | None = None
) -> Idea:
    """Change an idea's words (its author only, while the board collects ideas)."""
    require_visible(actor, idea.board)
    if idea.author_id != actor.id:
        raise PermissionDenied("Only the author can edit an idea.")
    if idea.is_merged:
        raise BoardError("This idea was merged into another one and can no longer change.")
    if idea.board.phase != BoardPhase.COLLECTING:
        raise BoardError("Ideas can only be edited while the board collects ideas.")
    idea.title, idea.body = _clean_idea(title, body)
    idea.tags = parse_tags(tags)
    idea.edited_at = now or utcnow()
    db.session.flush()
    bump_version(idea.board_id)
    return idea


def add_comment(
    actor: User, idea: Idea, body: str, parent_id: int | None = None, now: datetime | None = None
) -> IdeaComment:
    """Comment on an idea, or reply to a comment (a reply to a reply joins its thread)."""
    now = now or utcnow()
    require_visible(actor, idea.board)
    if not idea.board.is_open:
        raise BoardError("This board is closed, so its comments are closed too.")
    if idea.is_merged:
        raise BoardError("This idea was merged into another one: comment there.")
    body = body.strip()
    if not body:
        raise BoardError("Write a comment first.", "body")
    if len(body) > MAX_COMMENT:
        raise BoardError(f"Keep comments under {MAX_COMMENT} characters.", "body")
    if parent_id is not None:
        parent = db.session.get(IdeaComment, parent_id)
        if parent is None or parent.idea_id != idea.id:
            raise NotFound()
        parent_id = parent.parent_id or parent.id  # one level of replies
    comment = IdeaComment(
        idea_id=idea.id, author_id=actor.id, parent_id=parent_id, body=body, created_at=now
    )
    db.session.add(comment)
    db.session.flush()
    bump_version(idea.board_id)
    return comment


# --- the owner's verdicts ---------------------------------------------------------------


def voter_ids(idea_id: int) -> list[int]:
    """Who voted for the idea."""
    return list(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.idea_id == idea_id)))


def _tell_voters_and_author(
    idea: Idea, voters: list[int], actor: User, author_title: str, voter_title: str, url: str,
    period: str, now: datetime,
) -> None:  # fmt: skip
    subject = f"idea:{idea.id}"
    if idea.author_id != actor.id:
        notify(
            [idea.author_id], "idea_status", author_title, url,
            subject=subject, period=period, now=now,
        )  # fmt: skip
    others = [v for v in voters if v not in (actor.id, idea.author_id)]
    notify(others, "idea_status", voter_title, url, subject=subject, period=period, now=now)


def set_status(actor: User, idea: Idea, status: IdeaStatus, now: datetime | None = None) -> bool:
    """Set an idea's status (owner or admin); notify its voters and author; False if unchanged.

    Accepting or implementing an idea publishes IdeaAccepted (and
    IdeaImplemented) for the author. Merging has its own function.
    """
    now = now or utcnow()
    require_runner(actor, idea.board)
    if status == IdeaStatus.MERGED:
        raise BoardError("To merge an idea, choose the idea to merge it into.")
    lock_person(idea.author_id)  # the author may be paid: person, then idea, then board
    (idea,) = lock_ideas(idea.id)
    if idea.is_merged:
        raise BoardError("This idea was merged into another one: change that one instead.")
    if idea.status == status:
        return False
    idea.status = status
    idea.status_changed_at = now
    db.session.flush()
    bump_version(idea.board_id)
    label = status.label.lower()
    url = path_for("boards.idea", idea_id=idea.id)
    _tell_voters_and_author(
        idea, voter_ids(idea.id), actor, f"Your idea “{idea.title}” is now {label}",
        f"An idea you voted for, “{idea.title}”, is now {label}", url, status.value, now,
    )  # fmt: skip
    if status in (IdeaStatus.ACCEPTED, IdeaStatus.IMPLEMENTED):
        publish(IdeaAccepted(idea.author_id, now, idea.id, idea.board_id, actor.id))
    if status == IdeaStatus.IMPLEMENTED:
        publish(IdeaImplemented(idea.author_id, now, idea.id, idea.board_id, actor.id))
    return True


def merge_idea(actor: User, idea: Idea, into: Idea, now: datetime | None = None) -> Idea:
    """Merge `idea` into `into` (owner or admin): its votes and comments move along.

    A person who voted for both keeps one vote (in dot-vote mode, their dots
    on both add up: they spent them). The merged idea's voters and author
    are notified. Raises BoardError for an idea on another board, itself, or
    an idea merged already.
    """
    now = now or utcnow()
    require_runner(actor, idea.board)
    if into.board_id != idea.board_id:
        raise BoardError("Choose an idea on the same board.", "into")
    if into.id == idea.id:
        raise BoardError("An idea cannot be merged into itself.", "into")
    locked = {i.id: i for i in lock_ideas(idea.id, into.id)}
    idea, into = locked[idea.id], locked[into.id]
    if idea.is_merged or into.is_merged:
        raise BoardError("That idea was merged already.", "into")
    voters = voter_ids(idea.id)
    _move_votes(idea, into)
    db.session.execute(
        update(IdeaComment).where(IdeaComment.idea_id == idea.id).values(idea_id=into.id)
    )
    db.session.execute(
        update(Idea).where(Idea.merged_into_id == idea.id).values(merged_into_id=into.id)
    )
    idea.status = IdeaStatus.MERGED
    idea.merged_into_id = into.id
    idea.status_changed_at = now
    db.session.flush()
    bump_version(idea.board_id)
    _tell_voters_and_author(
        idea, voters, actor, f"Your idea “{idea.title}” was merged into “{into.title}”",
        f"An idea you voted for, “{idea.title}”, was merged into “{into.title}”",
        path_for("boards.idea", idea_id=into.id), "merged", now,
    )  # fmt: skip
    return into


def _move_votes(source: Idea, target: Idea) -> None:
    """Give `target` the votes of `source`, never two votes of one person on one idea."""
    dots = source.board.vote_mode == VoteMode.DOTS
    on_target = {
        v.user_id: v
        for v in db.session.scalars(select(IdeaVote).where(IdeaVote.idea_id == target.id))
    }
    for vote in db.session.scalars(select(IdeaVote).where(IdeaVote.idea_id == source.id)).all():
        kept = on_target.get(vote.user_id)
        if kept is None:
            vote.idea_id = target.id
            continue
        if dots:
            kept.dots += vote.dots
        db.session.delete(vote)
    db.session.flush()
