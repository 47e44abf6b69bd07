"""Points and activity for ideas: posted (capped per day), voted (small, capped), accepted, implemented."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.boards import services, votes
from portal.boards.events import IdeaAccepted, IdeaImplemented, IdeaPosted, IdeaVoted
from portal.boards.models import Idea, IdeaStatus
from portal.db import db
from portal.events import subscribers_of
from portal.gamification.activity import METRICS, count_activity
from portal.gamification.board_subscribers import BOARD_RULES
from portal.gamification.models import PointAward, PointRule
from portal.gamification.points import total_points
from tests.boards.factories import make_board, make_idea


def _awards(user_id: int) -> list[tuple[str, str, int]]:
    rows = db.session.execute(
        select(PointAward.action, PointAward.subject, PointAward.points)
        .where(PointAward.user_id == user_id)
        .order_by(PointAward.id)
    )
    return [(a, s, p) for a, s, p in rows]


def test_the_rules_and_metrics_are_known(app):
    assert {"ideas", "ideas_accepted"} <= METRICS.keys()
    for event_type in (IdeaPosted, IdeaVoted, IdeaAccepted, IdeaImplemented):
        assert subscribers_of(event_type), event_type


def test_the_migration_seeds_the_same_rules_the_code_defaults_to(app):
    import importlib.util

    from tests.conftest import ROOT

    spec = importlib.util.spec_from_file_location(
        "boards_migration", ROOT / "migrations" / "versions" / "0010_boards.py"
    )
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    seeded = {r["action"]: (r["label"], r["points"], r["daily_cap"]) for r in migration.BOARD_RULES}
    assert seeded == BOARD_RULES
    assert seeded == {
        "idea_posted": ("Post an idea on a board", 10, 5),
        "idea_voted": ("Vote for an idea", 1, 10),
        "idea_accepted": ("Have an idea accepted", 50, None),
        "idea_implemented": ("Have an idea implemented", 100, None),
    }
    with app.app_context():
        stored = {
            r.action: (r.label, r.points, r.daily_cap)
            for r in db.session.scalars(select(PointRule).where(PointRule.action.like("idea_%")))
        }
    assert stored == seeded


def test_posting_pays_up_to_the_daily_cap_and_counts_every_idea(app, cast):
    board_id = make_board(app, cast.leader, cast.blue)
    for n in range(7):
        make_idea(app, board_id, cast.ann, f"Idea {n}")
    with app.app_context():
        assert total_points(cast.ann.id) == 5 * 10
        assert count_activity(cast.ann.id, "ideas") == 7


def test_a_vote_pays_the_voter_once_per_idea(app, cast):
    board_id = make_board(app, cast.leader, cast.blue)
    idea_id = make_idea(app, board_id, cast.ann)
    with app.app_context():
        bob, idea = db.session.get(User, cast.bob.id), db.session.get(Idea, idea_id)
        for _ in range(3):
            votes.toggle_vote(bob, idea)
        db.session.commit()
        assert _awards(cast.bob.id) == [("idea_voted", f"idea:{idea_id}", 1)]


def test_accepted_and_implemented_ideas_pay_their_author(app, cast):
    board_id = make_board(app, cast.leader, cast.blue)
    first = make_idea(app, board_id, cast.ann, "First")
    second = make_idea(app, board_id, cast.ann, "Second")
    with app.app_context():
        leader = db.session.get(User, cast.leader.id)
        services.set_status(leader, db.session.get(Idea, first), IdeaStatus.ACCEPTED)
        services.set_status(leader, db.session.get(Idea, first), IdeaStatus.IMPLEMENTED)
        # Straight to implemented: accepted too.
        services.set_status(leader, db.session.get(Idea, second), IdeaStatus.IMPLEMENTED)
        # Declined and accepted again pays nothing more.
        services.set_status(leader, db.session.get(Idea, first), IdeaStatus.DECLINED)
        services.set_status(leader, db.session.get(Idea, first), IdeaStatus.ACCEPTED)
        db.session.commit()
        actions = [a for a, _, _ in _awards(cast.ann.id)]
        assert actions.count("idea_accepted") == 2 and actions.count("idea_implemented") == 2
        assert total_points(cast.ann.id) == 2 * 10 + 2 * 50 + 2 * 100
        assert count_activity(cast.ann.id, "ideas_accepted") == 2
        assert _awards(cast.leader.id) == []  # deciding pays nothing
