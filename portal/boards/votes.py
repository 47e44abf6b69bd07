"""Voting on ideas: one vote per person per idea, or a budget of dot-votes per board.

Each vote first takes the person's lock (`lock_person`) and the idea's row
lock, so one person's concurrent clicks run one at a time and a merge
cannot move votes from under a vote in flight. The (idea, person) row is
unique besides, so no race can give a person two votes on one idea, and the
dot budget is checked under the person's lock, so it cannot be overspent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from portal.accounts.models import User
from portal.accounts.services import lock_person
from portal.boards.events import IdeaVoted
from portal.boards.models import Board, BoardPhase, Idea, IdeaVote, VoteMode
from portal.boards.services import BoardError, bump_version, lock_ideas, require_visible
from portal.db import db, insert_ignore, utcnow
from portal.events import publish


@dataclass(frozen=True)
class VoteResult:
    """The person's vote on the idea after the change: voted or not, and their dots on it."""

    voted: bool
    dots: int


def dots_used(user_id: int, board_id: int) -> int:
    """How many of their dot-votes the person has placed on the board."""
    used = db.session.scalar(
        select(func.coalesce(func.sum(IdeaVote.dots), 0)).where(
            IdeaVote.board_id == board_id, IdeaVote.user_id == user_id
        )
    )
    return int(used or 0)


def my_dots(user_id: int, idea_id: int) -> int:
    """The person's votes (dots) on one idea: 0 when they have not voted for it."""
    dots = db.session.scalar(
        select(IdeaVote.dots).where(IdeaVote.idea_id == idea_id, IdeaVote.user_id == user_id)
    )
    return int(dots or 0)


def _locked(actor: User, idea: Idea) -> Idea:
    """Take the person's and the idea's locks, then check that voting is open on the idea."""
    require_visible(actor, idea.board)
    lock_person(actor.id)
    (idea,) = lock_ideas(idea.id)
    db.session.refresh(idea.board)  # a phase change may have committed meanwhile
    if idea.board.phase == BoardPhase.CLOSED:
        raise BoardError("Voting is closed on this board.")
    if idea.is_merged:
        into = idea.merged_into.title if idea.merged_into else "another idea"
        raise BoardError(f"This idea was merged into “{into}”: vote for that one.")
    return idea


def cast_vote(actor: User, idea: Idea, now: datetime | None = None) -> VoteResult:
    """Vote for an idea, or put one more dot on it in dot-vote mode.

    Raises BoardError (and changes nothing) when the person voted already,
    the board is closed, or their dots are all spent. The first vote on an
    idea publishes IdeaVoted.
    """
    now = now or utcnow()
    idea = _locked(actor, idea)
    board: Board = idea.board
    if board.vote_mode == VoteMode.DOTS:
        used = dots_used(actor.id, board.id)
        if used >= board.dot_budget:
            raise BoardError(
                f"You have used all {board.dot_budget} of your votes on this board. "
                "Take one back from another idea first."
            )
    new = insert_ignore(
        IdeaVote, idea_id=idea.id, board_id=board.id, user_id=actor.id, dots=1, created_at=now
    )
    if new is None:
        if board.vote_mode != VoteMode.DOTS:
            raise BoardError("You already voted for this idea.")
        db.session.execute(
            update(IdeaVote)
            .where(IdeaVote.idea_id == idea.id, IdeaVote.user_id == actor.id)
            .values(dots=IdeaVote.dots + 1)
        )
    bump_version(board.id)
    if new is not None:
        publish(IdeaVoted(actor.id, now, idea.id, board.id))
    return VoteResult(True, my_dots(actor.id, idea.id))


def withdraw_vote(actor: User, idea: Idea) -> VoteResult:
    """Take back a vote (or one dot) from an idea; BoardError if there is none to take back."""
    idea = _locked(actor, idea)
    dots = my_dots(actor.id, idea.id)
    if dots == 0:
        raise BoardError("You have not voted for this idea.")
    mine = (IdeaVote.idea_id == idea.id, IdeaVote.user_id == actor.id)
    if dots > 1:
        db.session.execute(update(IdeaVote).where(*mine).values(dots=IdeaVote.dots - 1))
    else:
        db.session.execute(delete(IdeaVote).where(*mine))
    bump_version(idea.board_id)
    return VoteResult(dots > 1, dots - 1)


def toggle_vote(actor: User, idea: Idea, now: datetime | None = None) -> VoteResult:
    """One click: vote if the person has not, take the vote back if they have.

    In dot-vote mode a click adds a dot (taking one back is its own button).
    """
    if idea.board.vote_mode == VoteMode.SINGLE:
        lock_person(actor.id)  # decide and act under the same lock
        if my_dots(actor.id, idea.id):
            return withdraw_vote(actor, idea)
    return cast_vote(actor, idea, now)
