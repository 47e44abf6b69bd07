"""Who hears what: status changes, newcomer invitations and session reminders."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select, update

from portal.accounts.models import User
from portal.boards import services
from portal.boards.models import Board, BoardPhase, Idea, IdeaStatus
from portal.boards.reminders import newcomer_invitations, sessions_starting_soon
from portal.db import db
from portal.notifications.models import Notification
from portal.notifications.reminders import REMINDERS
from tests.boards.factories import make_board, make_idea, vote_for

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _notes(kind: str, subject: str | None = None) -> list[tuple[int, str, str]]:
    stmt = select(Notification.user_id, Notification.title, Notification.url).where(
        Notification.kind == kind
    )
    if subject is not None:
        stmt = stmt.where(Notification.subject == subject)
    return sorted((u, t, url) for u, t, url in db.session.execute(stmt))


def _set_status(app, owner: User, idea_id: int, status: IdeaStatus) -> bool:  # type: ignore[no-untyped-def]
    with app.app_context():
        changed = services.set_status(
            db.session.get(User, owner.id), db.session.get(Idea, idea_id), status
        )
        db.session.commit()
        return changed


def test_voters_and_the_author_hear_of_each_status_once(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann, "Lunch talks")
    vote_for(app, idea_id, cast.bob, cast.leader, cast.ann)
    assert _set_status(app, cast.leader, idea_id, IdeaStatus.ACCEPTED)
    with app.app_context():
        url = f"/boards/ideas/{idea_id}"
        assert _notes("idea_status") == [
            (cast.ann.id, "Your idea “Lunch talks” is now accepted", url),
            (cast.bob.id, "An idea you voted for, “Lunch talks”, is now accepted", url),
        ]  # not the owner who decided, though they voted too
    # Back and forth: each status is news once.
    assert _set_status(app, cast.leader, idea_id, IdeaStatus.UNDER_REVIEW)
    assert _set_status(app, cast.leader, idea_id, IdeaStatus.ACCEPTED)
    assert not _set_status(app, cast.leader, idea_id, IdeaStatus.ACCEPTED)
    with app.app_context():
        titles = [t for _, t, _ in _notes("idea_status", f"idea:{idea_id}")]
        assert len(titles) == 4
        assert sum("accepted" in t for t in titles) == 2  # once each for Ann and Bob
    # The page says so too.
    page = login_as(cast.leader).post(
        f"/boards/ideas/{idea_id}/status", data={"status": "implemented"}, follow_redirects=True
    )
    assert "Its author and voters have been told." in page.get_data(as_text=True)


def _age(app, person: User, days: int) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        joined = (NOW - timedelta(days=days)).date()
        db.session.execute(update(User).where(User.id == person.id).values(joined_on=joined))
        db.session.commit()


def test_newcomers_in_scope_are_invited_when_the_board_opens_and_when_a_session_is_set(
    app, cast, people
):
    veteran = people.person(team=cast.blue, name="Vera Veteran")
    _age(app, veteran, 61)
    for person in (cast.ann, cast.bob, cast.gail):
        _age(app, person, 10)
    board_id = make_board(
        app, cast.leader, cast.blue, now=NOW, newcomers_welcome=True, prompt="Fresh eyes?"
    )
    with app.app_context():
        invited = {u for u, _, _ in _notes("board_invite", f"board:{board_id}")}
        # Blue newcomers only: not the veteran, not Gail in Green, not the owner.
        assert {cast.ann.id, cast.bob.id} <= invited
        assert not invited & {veteran.id, cast.gail.id, cast.leader.id}
        count = len(invited)
        title = _notes("board_invite")[0][1]
        assert title == "You're invited to brainstorm: “Fresh eyes?”"

        board = db.session.get(Board, board_id)
        settings = services.BoardSettings(
            board.prompt, team_id=cast.blue.id, newcomers_welcome=True,
            session_at=NOW + timedelta(days=2),
        )  # fmt: skip
        services.update_board(db.session.get(User, cast.leader.id), board, settings, NOW)
        db.session.commit()
        assert len(_notes("board_invite", f"board:{board_id}")) == 2 * count
        # Saving again without a new session invites nobody again.
        services.update_board(db.session.get(User, cast.leader.id), board, settings, NOW)
        db.session.commit()
        assert len(_notes("board_invite", f"board:{board_id}")) == 2 * count


def test_boards_without_the_welcome_invite_nobody(app, cast):
    _age(app, cast.ann, 1)
    make_board(app, cast.leader, cast.blue, now=NOW)
    with app.app_context():
        assert _notes("board_invite") == []


def _count_queries(app):  # type: ignore[no-untyped-def]
    statements: list[str] = []

    def count(conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    return statements, count


def test_session_reminders_reach_everyone_in_scope_within_the_hour(app, cast, people):
    company = make_board(app, cast.admin, now=NOW, session_at=NOW + timedelta(minutes=40))
    team = make_board(app, cast.leader, cast.blue, now=NOW, session_at=NOW + timedelta(minutes=50))
    make_board(app, cast.leader, cast.blue, now=NOW, session_at=NOW + timedelta(hours=2))
    closed = make_board(app, cast.leader, cast.blue, now=NOW, session_at=NOW + timedelta(minutes=5))
    for _ in range(20):
        people.person(team=cast.green)
    with app.app_context():
        db.session.get(Board, closed).phase = BoardPhase.CLOSED
        db.session.commit()
        statements, counter = _count_queries(app)
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            due = list(sessions_starting_soon(NOW))
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        everyone = set(db.session.scalars(select(User.id).where(User.active.is_(True))))
        blue = set(db.session.scalars(select(User.id).where(User.team_id == cast.blue.id)))
    by_board: dict[str, set[int]] = {}
    for d in due:
        by_board.setdefault(d.subject, set()).add(d.user_id)
    assert by_board == {f"board:{company}": everyone, f"board:{team}": blue}
    first = next(d for d in due if d.subject == f"board:{company}")
    assert first.title.startswith("Brainstorming in 40 min: ")
    assert first.period == "2026-12-01T09:40" and first.url == f"/boards/{company}"
    assert len(statements) <= 3  # boards, then people: never one query per person
    assert "board_session" in REMINDERS and "newcomer_invite" in REMINDERS


def test_newcomer_reminders_reach_only_those_not_yet_invited(app, cast, people):
    _age(app, cast.ann, 5)
    _age(app, cast.bob, 90)
    board_id = make_board(app, cast.leader, cast.blue, now=NOW, newcomers_welcome=True)
    late = people.person(team=cast.blue, name="Nia Newer")  # joined after the invitations
    _age(app, late, 1)
    _age(app, cast.gail, 1)
    with app.app_context():
        statements, counter = _count_queries(app)
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            due = list(newcomer_invitations(NOW))
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
    assert [
        (d.user_id, d.subject)
        for d in due
        if d.user_id in (late.id, cast.ann.id, cast.bob.id, cast.gail.id)
    ] == [(late.id, f"board:{board_id}")]
    assert due[0].title.startswith("You're invited to brainstorm")
    assert len(statements) <= 4
    # Closed boards invite nobody.
    with app.app_context():
        db.session.execute(update(Board).values(phase=BoardPhase.CLOSED))
        db.session.commit()
        assert list(newcomer_invitations(NOW)) == []
