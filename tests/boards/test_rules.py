"""The rules of boards, as people meet them through the web pages."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.boards import services
from portal.boards.models import Board, BoardPhase, Idea, IdeaComment, IdeaStatus, IdeaVote
from portal.db import db
from tests.boards.factories import make_board, make_idea, set_phase, vote_for
from tests.conftest import HTMX


def _toasts(response) -> list[str]:  # type: ignore[no-untyped-def]
    trigger = response.headers.get("HX-Trigger")
    if not trigger:
        return []
    return [t["message"] for t in json.loads(trigger).get("toast", [])]


def _votes(app, idea_id: int) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return (
            db.session.scalar(
                select(func.coalesce(func.sum(IdeaVote.dots), 0)).where(IdeaVote.idea_id == idea_id)
            )
            or 0
        )


# --- who runs a board ---------------------------------------------------------------------


def test_only_the_owner_or_an_admin_changes_the_phase(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    for person in (cast.ann, cast.other_leader):
        response = login_as(person).post(f"/boards/{board_id}/phase", data={"phase": "voting"})
        assert response.status_code == 403
    response = login_as(cast.leader).post(f"/boards/{board_id}/phase", data={"phase": "voting"})
    assert response.status_code == 303
    response = login_as(cast.admin).post(f"/boards/{board_id}/phase", data={"phase": "closed"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.get(Board, board_id).phase == BoardPhase.CLOSED


def test_only_the_owner_or_an_admin_sets_an_idea_status(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    for person in (cast.ann, cast.other_leader):
        client = login_as(person)
        assert (
            client.post(f"/boards/ideas/{idea_id}/status", data={"status": "accepted"}).status_code
            == 403
        )
        assert client.post(f"/boards/ideas/{idea_id}/merge", data={"into": "1"}).status_code in (
            403,
            404,
        )
    with app.app_context():
        assert db.session.get(Idea, idea_id).status == IdeaStatus.NEW
    client = login_as(cast.leader)
    assert (
        client.post(f"/boards/ideas/{idea_id}/status", data={"status": "under_review"}).status_code
        == 303
    )
    client = login_as(cast.admin)
    assert (
        client.post(f"/boards/ideas/{idea_id}/status", data={"status": "accepted"}).status_code
        == 303
    )
    with app.app_context():
        assert db.session.get(Idea, idea_id).status == IdeaStatus.ACCEPTED
    # "merged" is not a status anyone sets by hand.
    page = client.post(
        f"/boards/ideas/{idea_id}/status", data={"status": "merged"}, follow_redirects=True
    )
    assert "To merge an idea, choose the idea to merge it into." in page.get_data(as_text=True)


def test_only_the_author_edits_an_idea_and_only_while_the_board_collects(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann, "Lunch talks")
    edit = {"title": "Friday lunch talks", "body": "", "tags": "events"}
    for person in (cast.bob, cast.leader, cast.admin):
        client = login_as(person)
        assert client.get(f"/boards/ideas/{idea_id}/edit").status_code == 403
        assert client.post(f"/boards/ideas/{idea_id}/edit", data=dict(edit)).status_code == 403
    ann = login_as(cast.ann)
    assert ann.get(f"/boards/ideas/{idea_id}/edit").status_code == 200
    assert ann.post(f"/boards/ideas/{idea_id}/edit", data=dict(edit)).status_code == 303
    with app.app_context():
        idea = db.session.get(Idea, idea_id)
        assert (idea.title, idea.tags) == ("Friday lunch talks", ["events"])

    set_phase(app, board_id, cast.leader, BoardPhase.VOTING)
    response = ann.post(
        f"/boards/ideas/{idea_id}/edit", data={**edit, "title": "Changed"}, follow_redirects=True
    )
    assert "Ideas can only be edited while the board collects ideas." in response.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.get(Idea, idea_id).title == "Friday lunch talks"
        with pytest.raises(services.BoardError):
            services.edit_idea(
                db.session.get(User, cast.ann.id), db.session.get(Idea, idea_id), "X", "", ""
            )


def test_ideas_are_posted_only_while_the_board_collects(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    set_phase(app, board_id, cast.leader, BoardPhase.VOTING)
    response = login_as(cast.ann).post(
        f"/boards/{board_id}/ideas", data={"title": "Too late"}, headers=HTMX
    )
    assert response.status_code == 422
    assert "This board is no longer collecting ideas." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Idea)) == 0


def test_employees_cannot_make_boards_and_leaders_only_for_their_own_team(app, cast, login_as):
    assert login_as(cast.ann).get("/boards/new").status_code == 403
    leader = login_as(cast.leader)
    form = leader.get("/boards/new").get_data(as_text=True)
    assert "Team Blue" in form and "Team Green" not in form
    data = {"prompt": "Ideas for the offsite?", "scope": str(cast.green.id),
            "session_minutes": "60", "vote_mode": "single", "dot_budget": "5"}  # fmt: skip
    assert leader.post("/boards/new", data=data).status_code == 422
    response = leader.post("/boards/new", data={**data, "scope": str(cast.blue.id)})
    assert response.status_code == 303
    with app.app_context():
        board = db.session.scalar(select(Board))
        assert (board.team_id, board.owner_id) == (cast.blue.id, cast.leader.id)
        with pytest.raises(services.PermissionDenied):
            services.create_board(
                db.session.get(User, cast.leader.id),
                services.BoardSettings("Other team", team_id=cast.green.id),
            )


# --- who sees a board -----------------------------------------------------------------------


def test_a_team_board_is_a_404_outside_its_team(app, cast, login_as):
    team_board = make_board(app, cast.leader, cast.blue, prompt="Blue only")
    company_board = make_board(app, cast.leader, prompt="Everyone")
    idea_id = make_idea(app, team_board, cast.ann)
    comment = {"body": "Hi"}
    gail = login_as(cast.gail)
    for path in (f"/boards/{team_board}", f"/boards/{team_board}/live", f"/boards/ideas/{idea_id}",
                 f"/boards/ideas/{idea_id}/edit"):  # fmt: skip
        assert gail.get(path, headers=HTMX).status_code == 404, path
    assert gail.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote"}).status_code == 404
    assert gail.post(f"/boards/ideas/{idea_id}/comments", data=dict(comment)).status_code == 404
    assert gail.post(f"/boards/{team_board}/ideas", data={"title": "Sneaky"}).status_code == 404
    index = gail.get("/boards/").get_data(as_text=True)
    assert "Everyone" in index and "Blue only" not in index
    assert gail.get(f"/boards/{company_board}").status_code == 200
    assert _votes(app, idea_id) == 0
    # Admins see every board; team members see their team's.
    assert login_as(cast.admin).get(f"/boards/{team_board}").status_code == 200
    assert login_as(cast.bob).get(f"/boards/{team_board}").status_code == 200


# --- votes ----------------------------------------------------------------------------------


def test_one_click_toggles_a_vote_with_htmx(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann, "Lunch talks")
    bob = login_as(cast.bob)
    response = bob.post(f"/boards/ideas/{idea_id}/vote", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert (
        f'id="vote-{idea_id}"' in html and "You voted" in html and "<strong>1</strong> vote" in html
    )
    assert "<html" not in html
    assert _votes(app, idea_id) == 1
    response = bob.post(f"/boards/ideas/{idea_id}/vote", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "You voted" not in html and "<strong>0</strong> votes" in html
    assert _votes(app, idea_id) == 0


def test_voting_twice_changes_nothing_and_says_why(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    bob = login_as(cast.bob)
    assert (
        bob.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote"}, headers=HTMX).status_code
        == 200
    )
    again = bob.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote"}, headers=HTMX)
    assert again.status_code == 409
    assert _toasts(again) == ["You already voted for this idea."]
    assert "You voted" in again.get_data(as_text=True)  # the widget as it is
    assert _votes(app, idea_id) == 1
    # Without JavaScript: back to the page, with the reason waiting there.
    plain = bob.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote"})
    assert plain.status_code == 303
    assert "You already voted for this idea." in bob.get(plain.headers["Location"]).get_data(
        as_text=True
    )
    assert _votes(app, idea_id) == 1


def test_voting_on_a_closed_board_changes_nothing_and_says_why(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    vote_for(app, idea_id, cast.bob)
    set_phase(app, board_id, cast.leader, BoardPhase.CLOSED)
    for person, action in ((cast.ann, "vote"), (cast.bob, "unvote"), (cast.bob, "toggle")):
        response = login_as(person).post(
            f"/boards/ideas/{idea_id}/vote", data={"action": action}, headers=HTMX
        )
        assert response.status_code == 409
        assert _toasts(response) == ["Voting is closed on this board."]
        assert " disabled" in response.get_data(as_text=True)
    assert _votes(app, idea_id) == 1


def test_voting_beyond_the_dot_budget_changes_nothing_and_says_why(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue, vote_mode="dots", dot_budget=3)
    first = make_idea(app, board_id, cast.ann, "First")
    second = make_idea(app, board_id, cast.ann, "Second")
    bob = login_as(cast.bob)
    page = bob.get(f"/boards/{board_id}").get_data(as_text=True)
    assert "<strong>3 of 3</strong> votes left" in page
    # Several dots on one idea are fine.
    for _ in range(2):
        response = bob.post(f"/boards/ideas/{first}/vote", data={"action": "vote"}, headers=HTMX)
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Your votes: 2" in html
    assert 'id="vote-budget"' in html and "<strong>1 of 3</strong> votes left" in html
    assert (
        bob.post(f"/boards/ideas/{second}/vote", data={"action": "vote"}, headers=HTMX).status_code
        == 200
    )
    over = bob.post(f"/boards/ideas/{second}/vote", data={"action": "vote"}, headers=HTMX)
    assert over.status_code == 409
    assert _toasts(over) == [
        "You have used all 3 of your votes on this board. Take one back from another idea first."
    ]
    assert (_votes(app, first), _votes(app, second)) == (2, 1)
    # Taking one back frees it for another idea.
    back = bob.post(f"/boards/ideas/{first}/vote", data={"action": "unvote"}, headers=HTMX)
    assert "<strong>1 of 3</strong> votes left" in back.get_data(as_text=True)
    assert (
        bob.post(f"/boards/ideas/{second}/vote", data={"action": "vote"}, headers=HTMX).status_code
        == 200
    )
    assert (_votes(app, first), _votes(app, second)) == (1, 2)


def test_a_vote_without_javascript_posts_and_comes_back(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    bob = login_as(cast.bob)
    back = f"/boards/{board_id}?sort=new#idea-{idea_id}"
    response = bob.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote", "next": back})
    assert response.status_code == 303 and response.headers["Location"] == back
    evil = bob.post(f"/boards/ideas/{idea_id}/vote", data={"next": "https://evil.example/"})
    assert evil.headers["Location"] == f"/boards/{board_id}#idea-{idea_id}"
    assert _votes(app, idea_id) == 0  # the second post toggled the vote off again


def test_the_voting_style_cannot_change_once_people_voted(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    vote_for(app, idea_id, cast.bob)
    response = login_as(cast.leader).post(
        f"/boards/{board_id}/edit",
        data={"prompt": "How could we share more?", "scope": str(cast.blue.id),
              "session_minutes": "60", "vote_mode": "dots", "dot_budget": "5"},
    )  # fmt: skip
    assert response.status_code == 422
    assert "voting style can no longer change" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Board, board_id).vote_mode.value == "single"


# --- what people see ------------------------------------------------------------------------


def test_hidden_counts_show_to_the_owner_only_until_the_board_closes(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue, hide_counts=True)
    quiet = make_idea(app, board_id, cast.ann, "Quiet idea")
    loud = make_idea(app, board_id, cast.ann, "Loud idea")
    vote_for(app, quiet, cast.admin)
    vote_for(app, loud, cast.bob, cast.leader, cast.other_leader)
    set_phase(app, board_id, cast.leader, BoardPhase.VOTING)
    ann = login_as(cast.ann)
    pages = [
        ann.get(f"/boards/{board_id}?sort=top"),
        ann.get(f"/boards/{board_id}?sort=top", headers=HTMX),
        ann.get(f"/boards/{board_id}/live?v=0&sort=top", headers=HTMX),
        ann.get(f"/boards/ideas/{loud}"),
        ann.post(f"/boards/ideas/{quiet}/vote", headers=HTMX),
    ]
    for response in pages:
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "<strong>3</strong>" not in html and "<strong>2</strong>" not in html
        assert "Votes hidden" in html
    # Sorting by top would give the counts away: the newest come first instead.
    listing = pages[0].get_data(as_text=True)
    assert listing.index("Loud idea") < listing.index("Quiet idea")
    assert "newest first" in listing
    owner = login_as(cast.leader).get(f"/boards/{board_id}?sort=top").get_data(as_text=True)
    assert "<strong>3</strong> votes" in owner and "<strong>2</strong> votes" in owner
    assert "you see them because you run it" in owner
    set_phase(app, board_id, cast.leader, BoardPhase.CLOSED)
    after = ann.get(f"/boards/{board_id}?sort=top").get_data(as_text=True)
    assert "<strong>3</strong> votes" in after and "Votes hidden" not in after


def test_sort_by_top_and_by_new_and_the_you_voted_marker(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    older = make_idea(app, board_id, cast.ann, "Older but popular")
    make_idea(app, board_id, cast.ann, "Newer")
    vote_for(app, older, cast.bob, cast.admin)
    bob = login_as(cast.bob)
    top = bob.get(f"/boards/{board_id}?sort=top", headers=HTMX).get_data(as_text=True)
    assert top.index("Older but popular") < top.index("Newer")
    new = bob.get(f"/boards/{board_id}?sort=new", headers=HTMX).get_data(as_text=True)
    assert new.index("Newer") < new.index("Older but popular")
    assert new.count("You voted") == 1
    assert "You voted" not in login_as(cast.ann).get(f"/boards/{board_id}").get_data(as_text=True)


def test_search_within_a_board_ignores_case_and_escapes_wildcards(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    other_board = make_board(app, cast.leader, cast.blue, prompt="Elsewhere")
    make_idea(app, board_id, cast.ann, "Go 100% remote on Fridays")
    make_idea(app, board_id, cast.ann, "Lunch talks", body="Share what_you learn")
    make_idea(app, board_id, cast.ann, "Book club")
    make_idea(app, other_board, cast.ann, "Lunch walks")
    ann = login_as(cast.ann)

    def found(query: str) -> list[str]:
        html = ann.get(f"/boards/{board_id}", query_string={"q": query}, headers=HTMX).get_data(
            as_text=True
        )
        return [
            t for t in ("Go 100% remote", "Lunch talks", "Book club", "Lunch walks") if t in html
        ]

    assert found("LUNCH") == ["Lunch talks"]
    assert found("%") == ["Go 100% remote"]
    assert found("what_you") == ["Lunch talks"]
    assert found("_") == ["Lunch talks"]
    assert found("b%k") == []
    assert found("") == ["Go 100% remote", "Lunch talks", "Book club"]


def test_comments_take_one_level_of_replies(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    bob = login_as(cast.bob)
    assert (
        bob.post(f"/boards/ideas/{idea_id}/comments", data={"body": "Great idea"}).status_code
        == 303
    )
    with app.app_context():
        root = db.session.scalar(select(IdeaComment))
    reply = bob.post(
        f"/boards/ideas/{idea_id}/comments",
        data={"parent_id": str(root.id), f"reply-{root.id}-body": "And a reply"},
    )
    assert reply.status_code == 303
    with app.app_context():
        first_reply = db.session.scalar(select(IdeaComment).where(IdeaComment.parent_id == root.id))
    deeper = bob.post(
        f"/boards/ideas/{idea_id}/comments",
        data={"parent_id": str(first_reply.id), f"reply-{first_reply.id}-body": "Deeper"},
    )
    assert deeper.status_code == 303
    with app.app_context():
        parents = db.session.scalars(select(IdeaComment.parent_id).order_by(IdeaComment.id)).all()
    assert parents == [None, root.id, root.id]  # a reply to a reply joins the thread
    empty = bob.post(f"/boards/ideas/{idea_id}/comments", data={"body": "  "})
    assert empty.status_code == 422 and "Write a comment first." in empty.get_data(as_text=True)
    page = bob.get(f"/boards/ideas/{idea_id}").get_data(as_text=True)
    assert page.index("Great idea") < page.index("And a reply") < page.index("Deeper")


def test_markdown_in_ideas_and_comments_is_sanitised(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(
        app,
        board_id,
        cast.ann,
        "Safe",
        body="**bold** <script>alert(1)</script> [x](javascript:alert(1))",
    )
    bob = login_as(cast.bob)
    bob.post(f"/boards/ideas/{idea_id}/comments", data={"body": "<img src=x onerror=alert(1)>"})
    for html in (bob.get(f"/boards/{board_id}").get_data(as_text=True),
                 bob.get(f"/boards/ideas/{idea_id}").get_data(as_text=True)):  # fmt: skip
        assert "<strong>bold</strong>" in html
        assert "<script>alert" not in html and 'href="javascript' not in html
        assert "<img src=x" not in html
