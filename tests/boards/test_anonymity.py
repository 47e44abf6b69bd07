"""Anonymous ideas: colleagues never receive the author's name; admins are told, marked as such."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.boards import services
from portal.boards.models import BoardPhase, Idea, IdeaStatus
from portal.db import db
from portal.notifications.models import Notification
from tests.boards.factories import make_board, make_idea, set_phase, vote_for
from tests.conftest import HTMX

SECRET = "Secretname"


def test_the_author_of_an_anonymous_idea_never_reaches_colleagues(app, cast, people, login_as):
    zed = people.person(team=cast.blue, name=f"Zed {SECRET}", email="zed@example.com")
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, zed, "Quiet hours", body="No meetings before ten.",
                        anonymous=True)  # fmt: skip
    other_id = make_idea(app, board_id, cast.bob, "Louder hours")
    vote_for(app, idea_id, cast.ann, cast.bob)
    zed_client = login_as(zed)
    # The author answers comments on their own idea: still anonymous there.
    assert (
        zed_client.post(
            f"/boards/ideas/{idea_id}/comments", data={"body": "Thanks all!"}
        ).status_code
        == 303
    )
    ann = login_as(cast.ann)
    ann.post(f"/boards/ideas/{idea_id}/comments", data={"body": "Love it"})

    received: dict[str, str] = {}

    def get(client, name: str, path: str, **kw) -> None:  # type: ignore[no-untyped-def]
        response = client.get(path, **kw)
        assert response.status_code == 200, (name, response.status_code)
        received[name] = response.get_data(as_text=True)

    for who, client in (("ann", ann), ("leader", login_as(cast.leader))):
        get(client, f"{who} board", f"/boards/{board_id}")
        get(client, f"{who} search fragment", f"/boards/{board_id}?q=quiet", headers=HTMX)
        get(client, f"{who} live fragment", f"/boards/{board_id}/live?v=0", headers=HTMX)
        get(client, f"{who} idea page", f"/boards/ideas/{idea_id}")
        get(client, f"{who} boards list", "/boards/")
    received["vote fragment"] = ann.post(f"/boards/ideas/{idea_id}/vote", headers=HTMX).get_data(
        as_text=True
    )
    received["posted fragment"] = ann.post(
        f"/boards/{board_id}/ideas", data={"title": "Another one"}, headers=HTMX
    ).get_data(as_text=True)
    received["reply page"] = ann.post(
        f"/boards/ideas/{idea_id}/comments", data={"parent_id": "x"}
    ).get_data(as_text=True)

    # The owner decides, then merges another idea into it: voters are told, by name of nobody.
    vote_for(app, other_id, cast.other_leader)
    with app.app_context():
        leader = db.session.get(User, cast.leader.id)
        services.set_status(leader, db.session.get(Idea, idea_id), IdeaStatus.ACCEPTED)
        services.merge_idea(leader, db.session.get(Idea, other_id), db.session.get(Idea, idea_id))
        db.session.commit()
        for n in db.session.scalars(select(Notification)):
            received[f"notification {n.id} to {n.user_id}"] = f"{n.title} {n.body} {n.url}"
    assert any(k.startswith("notification") for k in received)

    for name, html in received.items():
        assert SECRET not in html, f"the author's name leaked in: {name}"
        assert "zed@example.com" not in html, name
    assert "Anonymous" in received["ann board"] and "Quiet hours" in received["ann board"]
    assert "Anonymous (the idea&#39;s author)" in received["ann idea page"]
    assert "only admins see this" not in received["leader idea page"]

    # Admins are told who it was, clearly marked; the author sees it is theirs.
    admin_page = login_as(cast.admin).get(f"/boards/ideas/{idea_id}").get_data(as_text=True)
    assert f"Posted by Zed {SECRET}: only admins see this" in admin_page
    mine = zed_client.get(f"/boards/{board_id}").get_data(as_text=True)
    assert "You (anonymous)" in mine


def test_anonymous_authors_still_earn_their_points(app, cast, people):
    zed = people.person(team=cast.blue, name=f"Zed {SECRET}")
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, zed, "Quiet hours", anonymous=True)
    set_phase(app, board_id, cast.leader, BoardPhase.VOTING)
    with app.app_context():
        services.set_status(
            db.session.get(User, cast.leader.id), db.session.get(Idea, idea_id), IdeaStatus.ACCEPTED
        )
        db.session.commit()
        from portal.gamification.points import total_points

        assert total_points(zed.id) == 10 + 50
        assert db.session.get(User, zed.id).role == Role.EMPLOYEE
