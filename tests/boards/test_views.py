"""The board pages: lists and forms, the live poll, posting ideas with and without htmx."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.boards.models import Board, BoardPhase, Idea
from portal.db import db, utcnow
from tests.boards.factories import make_board, make_idea, set_phase, vote_for
from tests.conftest import HTMX


def _token(html: str) -> str:
    match = re.search(r"/live\?v=([0-9]+-[01])", html)
    assert match, "no poller on the page"
    return match.group(1)


def test_the_live_poll_answers_204_until_something_changes(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    ann = login_as(cast.ann)
    page = ann.get(f"/boards/{board_id}").get_data(as_text=True)
    token = _token(page)
    assert 'hx-trigger="every 15s"' in page  # no live session: a slow poll
    unchanged = ann.get(f"/boards/{board_id}/live?v={token}&sort=new", headers=HTMX)
    assert unchanged.status_code == 204 and unchanged.data == b""
    assert unchanged.headers["Cache-Control"] == "no-store"

    idea_id = make_idea(app, board_id, cast.bob, "Fresh idea")
    changed = ann.get(f"/boards/{board_id}/live?v={token}&sort=new", headers=HTMX)
    html = changed.get_data(as_text=True)
    assert changed.status_code == 200
    assert html.lstrip().startswith('<div id="board-live"')  # the poller replaces itself
    assert 'id="idea-list" class="idea-list" hx-swap-oob="true"' in html
    assert 'id="board-status"' in html and "Fresh idea" in html
    assert 'id="idea-form"' not in html  # never the form someone is typing in
    new_token = _token(html)
    assert new_token != token
    assert ann.get(f"/boards/{board_id}/live?v={new_token}", headers=HTMX).status_code == 204
    vote_for(app, idea_id, cast.leader)  # a vote elsewhere is news too
    assert ann.get(f"/boards/{board_id}/live?v={new_token}", headers=HTMX).status_code == 200
    # A new phase changes the page's layout (the idea form goes): the page reloads.
    assert "phase=collecting" in page
    set_phase(app, board_id, cast.leader, BoardPhase.VOTING)
    moved = ann.get(f"/boards/{board_id}/live?v={new_token}&phase=collecting", headers=HTMX)
    assert moved.status_code == 204 and moved.headers["HX-Refresh"] == "true"
    # Opened without htmx, the poll URL is just the board.
    plain = ann.get(f"/boards/{board_id}/live?v=1")
    assert plain.status_code == 303 and plain.headers["Location"] == f"/boards/{board_id}"


def test_during_a_live_session_the_board_polls_every_three_seconds(app, cast, login_as):
    now = utcnow()
    board_id = make_board(
        app, cast.leader, cast.blue, now=now - timedelta(minutes=10),
        session_at=now - timedelta(minutes=5), session_minutes=60,
    )  # fmt: skip
    ann = login_as(cast.ann)
    page = ann.get(f"/boards/{board_id}").get_data(as_text=True)
    assert 'hx-trigger="every 3s"' in page and "Live session now" in page
    assert "Live now" in ann.get("/boards/").get_data(as_text=True)
    # The session ending changes the token: open pages slow down again.
    token = _token(page)
    with app.app_context():
        db.session.execute(
            update(Board).where(Board.id == board_id).values(session_at=now - timedelta(hours=2))
        )
        db.session.commit()
    after = ann.get(f"/boards/{board_id}/live?v={token}", headers=HTMX)
    assert after.status_code == 200 and 'hx-trigger="every 15s"' in after.get_data(as_text=True)


def test_posting_an_idea_with_htmx_returns_a_fresh_form_and_the_list_out_of_band(
    app, cast, login_as
):
    board_id = make_board(app, cast.leader, cast.blue)
    ann = login_as(cast.ann)
    response = ann.post(
        f"/boards/{board_id}/ideas",
        data={"title": "Book club", "body": "Monthly", "tags": "reading, #books, Reading",
              "sort": "new", "q": ""},
        headers=HTMX,
    )  # fmt: skip
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="idea-form"')
    assert 'value="Book club"' not in html  # the form is empty again
    assert 'hx-swap-oob="true"' in html and "Book club" in html
    assert "Idea posted." in response.headers["HX-Trigger"]
    with app.app_context():
        idea = db.session.scalar(select(Idea))
        assert (idea.title, idea.tags, idea.author_id) == (
            "Book club",
            ["reading", "books"],
            cast.ann.id,
        )
    invalid = ann.post(
        f"/boards/{board_id}/ideas", data={"title": "  ", "tags": "a,b,c,d,e,f"}, headers=HTMX
    )
    html = invalid.get_data(as_text=True)
    assert invalid.status_code == 422
    assert html.lstrip().startswith('<form id="idea-form"') and "Give your idea a title." in html
    assert 'aria-invalid="true"' in html
    # Without htmx: a 303 to the idea on the board.
    plain = ann.post(f"/boards/{board_id}/ideas", data={"title": "Podcast"})
    assert plain.status_code == 303 and re.fullmatch(
        rf"/boards/{board_id}#idea-\d+", plain.headers["Location"]
    )
    too_many = ann.post(f"/boards/{board_id}/ideas", data={"title": "Tags", "tags": "a,b,c,d,e,f"})
    assert too_many.status_code == 422 and "Use at most 5 tags." in too_many.get_data(as_text=True)


def test_the_pages_render_for_each_role(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue, details="We **pick three**.")
    idea_id = make_idea(app, board_id, cast.ann, "Lunch talks", tags="events")
    other_id = make_idea(app, board_id, cast.ann, "Dinner talks")
    leader = login_as(cast.leader)
    index = leader.get("/boards/").get_data(as_text=True)
    assert "How could we share more?" in index and "New board" in index
    board = leader.get(f"/boards/{board_id}").get_data(as_text=True)
    assert "<strong>pick three</strong>" in board and "Board settings" in board
    assert "Start voting" in board and 'href="/boards/1?tag=events"' in board.replace(
        str(board_id), "1"
    )
    idea = leader.get(f"/boards/ideas/{idea_id}").get_data(as_text=True)
    assert "Decide on this idea" in idea and f'value="{other_id}"' in idea
    assert leader.get(f"/boards/{board_id}/edit").status_code == 200
    ann = login_as(cast.ann)
    assert "New board" not in ann.get("/boards/").get_data(as_text=True)
    ann_board = ann.get(f"/boards/{board_id}").get_data(as_text=True)
    assert "Start voting" not in ann_board and "Board settings" not in ann_board
    ann_idea = ann.get(f"/boards/ideas/{idea_id}").get_data(as_text=True)
    assert "Decide on this idea" not in ann_idea and "Edit your idea" in ann_idea
    assert ann.get("/boards/999999").status_code == 404
    assert ann.get("/boards/ideas/999999").status_code == 404


def test_a_session_is_set_in_the_owners_time_zone(app, cast, login_as):
    with app.app_context():
        db.session.execute(
            update(User).where(User.id == cast.leader.id).values(timezone="Europe/Paris")
        )
        db.session.commit()
    leader = login_as(cast.leader)
    when = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%d")
    response = leader.post(
        "/boards/new",
        data={"prompt": "Offsite ideas", "scope": "company", "session_at": f"{when}T15:30",
              "session_minutes": "45", "vote_mode": "dots", "dot_budget": "4",
              "newcomers_welcome": "y"},
    )  # fmt: skip
    assert response.status_code == 303
    with app.app_context():
        board = db.session.scalar(select(Board))
        local = board.session_at.astimezone(ZoneInfo("Europe/Paris"))
        assert local.strftime("%Y-%m-%dT%H:%M") == f"{when}T15:30"
        assert (board.team_id, board.dot_budget, board.newcomers_welcome) == (None, 4, True)
    form = leader.get(f"/boards/{board.id}/edit").get_data(as_text=True)
    assert f'value="{when}T15:30"' in form
    past = leader.post(
        "/boards/new",
        data={"prompt": "Too late", "scope": "company", "session_at": "2020-01-01T10:00",
              "session_minutes": "45", "vote_mode": "single", "dot_budget": "5"},
    )  # fmt: skip
    assert past.status_code == 422 and "Pick a session time in the future." in past.get_data(
        as_text=True
    )
