"""Merging ideas: votes and comments move along, and nobody's vote counts twice."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.accounts.models import User
from portal.boards import services, votes
from portal.boards.listing import card_for
from portal.boards.models import Idea, IdeaComment, IdeaStatus, IdeaVote
from portal.db import db
from portal.notifications.models import Notification
from tests.boards.factories import make_board, make_idea, vote_for


def _voters(idea_id: int) -> dict[int, int]:
    rows = db.session.execute(
        select(IdeaVote.user_id, IdeaVote.dots).where(IdeaVote.idea_id == idea_id)
    )
    return {user_id: dots for user_id, dots in rows}


def test_merging_moves_votes_without_counting_anyone_twice(app, cast, login_as):
    board_id = make_board(app, cast.leader, cast.blue)
    source = make_idea(app, board_id, cast.ann, "Friday talks")
    target = make_idea(app, board_id, cast.bob, "Lunch talks")
    earlier = make_idea(app, board_id, cast.bob, "Talks at lunch")
    vote_for(app, source, cast.admin, cast.bob, cast.other_leader)
    vote_for(app, target, cast.bob, cast.ann)
    with app.app_context():
        # An idea merged into the source earlier follows it to the target.
        services.merge_idea(
            db.session.get(User, cast.leader.id),
            db.session.get(Idea, earlier),
            db.session.get(Idea, source),
        )
        services.add_comment(
            db.session.get(User, cast.admin.id), db.session.get(Idea, source), "+1"
        )
        db.session.commit()

    response = login_as(cast.leader).post(
        f"/boards/ideas/{source}/merge", data={"into": str(target)}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/boards/ideas/{target}"

    with app.app_context():
        # Bob voted for both: one vote. Admin and Otto's votes moved; Ann's stayed.
        assert _voters(target) == {cast.bob.id: 1, cast.ann.id: 1, cast.admin.id: 1,
                                   cast.other_leader.id: 1}  # fmt: skip
        assert _voters(source) == {}
        merged = db.session.get(Idea, source)
        assert (merged.status, merged.merged_into_id) == (IdeaStatus.MERGED, target)
        assert db.session.get(Idea, earlier).merged_into_id == target
        assert db.session.scalar(select(IdeaComment.idea_id)) == target
        assert card_for(db.session.get(User, cast.ann.id), db.session.get(Idea, target)).votes == 4
        # The merged idea's voters and author hear of it; the owner who merged does not.
        told = set(
            db.session.scalars(
                select(Notification.user_id).where(Notification.subject == f"idea:{source}")
            )
        )
        assert told == {cast.ann.id, cast.admin.id, cast.bob.id, cast.other_leader.id}
        with pytest.raises(services.BoardError, match="merged into “Lunch talks”"):
            votes.cast_vote(db.session.get(User, cast.ann.id), db.session.get(Idea, source))

    page = login_as(cast.bob).get(f"/boards/ideas/{target}").get_data(as_text=True)
    assert "Includes 2 merged ideas" in page and "Friday talks" in page
    board_page = login_as(cast.bob).get(f"/boards/{board_id}").get_data(as_text=True)
    assert "Friday talks" not in board_page  # folded into its target


def test_merging_dot_votes_keeps_every_dot_spent(app, cast):
    board_id = make_board(app, cast.leader, cast.blue, vote_mode="dots", dot_budget=5)
    source = make_idea(app, board_id, cast.ann, "A")
    target = make_idea(app, board_id, cast.ann, "B")
    vote_for(app, source, cast.bob, cast.bob, cast.admin)
    vote_for(app, target, cast.bob)
    with app.app_context():
        services.merge_idea(
            db.session.get(User, cast.admin.id),
            db.session.get(Idea, source),
            db.session.get(Idea, target),
        )
        db.session.commit()
        assert _voters(target) == {cast.bob.id: 3, cast.admin.id: 1}
        assert votes.dots_used(cast.bob.id, board_id) == 3  # the budget is unchanged


def test_what_cannot_be_merged(app, cast):
    board_id = make_board(app, cast.leader, cast.blue)
    other_board = make_board(app, cast.leader, cast.blue, prompt="Another")
    idea = make_idea(app, board_id, cast.ann, "A")
    target = make_idea(app, board_id, cast.ann, "B")
    elsewhere = make_idea(app, other_board, cast.ann, "C")
    with app.app_context():
        leader = db.session.get(User, cast.leader.id)

        def merge(a: int, b: int, who: User = leader) -> None:
            services.merge_idea(who, db.session.get(Idea, a), db.session.get(Idea, b))

        with pytest.raises(services.BoardError, match="same board"):
            merge(idea, elsewhere)
        with pytest.raises(services.BoardError, match="into itself"):
            merge(idea, idea)
        with pytest.raises(services.PermissionDenied):
            merge(idea, target, db.session.get(User, cast.other_leader.id))
        merge(idea, target)
        with pytest.raises(services.BoardError, match="merged already"):
            merge(target, idea)
        with pytest.raises(services.BoardError, match="merged into another"):
            services.set_status(leader, db.session.get(Idea, idea), IdeaStatus.ACCEPTED)
