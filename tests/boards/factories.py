"""Boards and ideas for tests, made through the services and committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from portal.accounts.models import Team, User
from portal.boards import services, votes
from portal.boards.models import Board, BoardPhase, Idea
from portal.db import db


def make_board(
    app: Any, owner: User, team: Team | None = None, now: datetime | None = None, **settings: Any
) -> int:
    """A board owned by `owner` (for `team`, else the company); returns its id."""
    with app.app_context():
        board = services.create_board(
            db.session.get(User, owner.id),
            services.BoardSettings(
                prompt=settings.pop("prompt", "How could we share more?"),
                team_id=team.id if team else None,
                **settings,
            ),
            now,
        )
        db.session.commit()
        return board.id


def make_idea(app: Any, board_id: int, author: User, title: str = "Lunch talks", **kw: Any) -> int:
    """An idea posted by `author` on the board; returns its id."""
    with app.app_context():
        idea = services.post_idea(
            db.session.get(User, author.id), db.session.get(Board, board_id), title, **kw
        )
        db.session.commit()
        return idea.id


def vote_for(app: Any, idea_id: int, *voters: User) -> None:
    """Each of `voters` votes for the idea (or adds a dot)."""
    with app.app_context():
        for voter in voters:
            votes.cast_vote(db.session.get(User, voter.id), db.session.get(Idea, idea_id))
        db.session.commit()


def set_phase(app: Any, board_id: int, owner: User, phase: BoardPhase) -> None:
    """Move the board to `phase` as its owner."""
    with app.app_context():
        services.set_phase(db.session.get(User, owner.id), db.session.get(Board, board_id), phase)
        db.session.commit()
