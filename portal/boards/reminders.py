"""Reminders of the boards domain: sessions starting soon, and invitations for newcomers.

Both providers answer for everyone at once in a few queries (boards, then
the people in their scope, then who was invited already), never one query
per person.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select

from portal.accounts.models import User
from portal.boards.models import Board, BoardPhase
from portal.boards.services import (
    invite_body,
    invite_period,
    invite_title,
    newcomers_since,
    path_for,
)
from portal.db import db
from portal.notifications.models import Notification
from portal.notifications.reminders import Due, notice_kind, reminder

SESSION_NOTICE = timedelta(hours=1)

notice_kind("idea_status", "News of your ideas and the ideas you voted for")
notice_kind("board_invite", "Invitations to brainstorming boards")


def _people_by_scope(
    boards: list[Board], extra: ColumnElement[bool] | None = None
) -> dict[int | None, list[int]]:
    """Active people per team id (None: everyone) for the scopes of `boards`, in one query."""
    stmt = select(User.id, User.team_id).where(User.active.is_(True))
    if extra is not None:
        stmt = stmt.where(extra)
    team_ids = {b.team_id for b in boards}
    if None not in team_ids:
        stmt = stmt.where(User.team_id.in_(team_ids))
    people: dict[int | None, list[int]] = {None: []}
    for user_id, team_id in db.session.execute(stmt):
        people[None].append(user_id)
        people.setdefault(team_id, []).append(user_id)
    return people


@reminder("board_session", "Brainstorming sessions starting soon")
def sessions_starting_soon(now: datetime) -> Iterable[Due]:
    """Everyone a board is for, when its live session starts within the next hour."""
    boards = list(
        db.session.scalars(
            select(Board).where(
                Board.phase != BoardPhase.CLOSED,
                Board.session_at > now,
                Board.session_at <= now + SESSION_NOTICE,
            )
        )
    )
    if not boards:
        return []
    people = _people_by_scope(boards)
    due: list[Due] = []
    for board in boards:
        assert board.session_at is not None  # noqa: S101 - filtered above
        minutes = max(1, round((board.session_at - now).total_seconds() / 60))
        url = path_for("boards.board", board_id=board.id)  # once per board: it builds a request
        for user_id in people.get(board.team_id, []):
            due.append(
                Due(
                    user_id=user_id,
                    subject=f"board:{board.id}",
                    title=f"Brainstorming in {minutes} min: “{board.prompt}”"[:200],
                    url=url,
                    period=board.session_at.strftime("%Y-%m-%dT%H:%M"),
                    body="The board updates live during the session: bring an idea or two.",
                )
            )
    return due


@reminder("newcomer_invite", "Invitations for newcomers")
def newcomer_invitations(now: datetime) -> Iterable[Due]:
    """Newcomers not yet invited to an open newcomers-welcome board (they joined after it began).

    Those the board invited when it was created or its session set are left
    out, so nobody hears about the same board and session twice.
    """
    boards = [
        b
        for b in db.session.scalars(
            select(Board).where(Board.newcomers_welcome.is_(True), Board.phase != BoardPhase.CLOSED)
        )
        if b.session_ends_at is None or b.session_ends_at > now
    ]
    if not boards:
        return []
    people = _people_by_scope(boards, User.joined_on >= newcomers_since(now).date())
    subjects = [f"board:{b.id}" for b in boards]
    invited = {
        (user_id, subject)
        for user_id, subject in db.session.execute(
            select(Notification.user_id, Notification.subject).where(
                Notification.kind == "board_invite", Notification.subject.in_(subjects)
            )
        )
    }
    due: list[Due] = []
    for board in boards:
        subject = f"board:{board.id}"
        # Once per board, not per person: building a path sets up a request context.
        title, url = invite_title(board), path_for("boards.board", board_id=board.id)
        period, body = invite_period(board), invite_body(board)
        for user_id in people.get(board.team_id, []):
            if user_id == board.owner_id or (user_id, subject) in invited:
                continue
            due.append(Due(user_id, subject, title, url, period, body))
    return due
