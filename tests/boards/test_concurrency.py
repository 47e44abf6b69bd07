"""Votes at once: one person's clicks stay consistent, many people's votes all count, budgets hold."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.boards import votes
from portal.boards.listing import card_for
from portal.boards.models import Idea, IdeaVote
from portal.boards.services import BoardError
from portal.db import db
from portal.gamification.models import PointAward
from tests.boards.factories import make_board, make_idea


def _at_once(app, jobs: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:  # type: ignore[no-untyped-def]
    """Run each job in its own thread and transaction, all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = []
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            with app.app_context():
                barrier.wait()
                try:
                    results.append(job())
                    db.session.commit()
                except BoardError as exc:
                    db.session.rollback()
                    results.append(exc)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


def _rows(app, idea_id: int) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.execute(
            select(IdeaVote.user_id, IdeaVote.dots).where(IdeaVote.idea_id == idea_id)
        )
        return [(user_id, dots) for user_id, dots in rows]


def test_fifty_concurrent_toggles_from_one_person_end_consistent(app, people):
    owner = people.person(Role.LEADER)
    voter = people.person()
    board_id = make_board(app, owner)
    idea_id = make_idea(app, board_id, owner)

    def toggle() -> object:
        return votes.toggle_vote(db.session.get(User, voter.id), db.session.get(Idea, idea_id))

    results, errors = _at_once(app, [toggle] * 50)
    assert errors == []
    outcomes = [r.voted for r in results if isinstance(r, votes.VoteResult)]
    assert len(outcomes) == 50  # every click counted, one after the other
    assert outcomes.count(True) == 25 and outcomes.count(False) == 25
    assert _rows(app, idea_id) == []  # an even number of clicks: back to no vote
    with app.app_context():
        card = card_for(db.session.get(User, voter.id), db.session.get(Idea, idea_id))
        assert (card.votes, card.voted) == (0, False)
        # Voting, taking it back and voting again pays once.
        assert db.session.scalar(select(func.count()).select_from(PointAward)) == 2  # + idea_posted


def test_fifty_concurrent_votes_from_one_person_count_once(app, people):
    owner = people.person(Role.LEADER)
    voter = people.person()
    board_id = make_board(app, owner)
    idea_id = make_idea(app, board_id, owner)

    def cast() -> object:
        return votes.cast_vote(db.session.get(User, voter.id), db.session.get(Idea, idea_id))

    results, errors = _at_once(app, [cast] * 50)
    assert errors == []
    refused = [r for r in results if isinstance(r, BoardError)]
    assert len(refused) == 49
    assert {str(r) for r in refused} == {"You already voted for this idea."}
    assert _rows(app, idea_id) == [(voter.id, 1)]


def test_fifty_people_voting_at_once_give_an_exact_count(app, people):
    owner = people.person(Role.LEADER)
    voters = [people.person() for _ in range(50)]
    board_id = make_board(app, owner)
    idea_id = make_idea(app, board_id, owner)

    def cast_by(person: User) -> Callable[[], object]:
        return lambda: votes.cast_vote(
            db.session.get(User, person.id), db.session.get(Idea, idea_id)
        )

    results, errors = _at_once(app, [cast_by(v) for v in voters])
    assert errors == []
    assert all(isinstance(r, votes.VoteResult) for r in results)
    assert sorted(u for u, _ in _rows(app, idea_id)) == sorted(v.id for v in voters)
    with app.app_context():
        assert card_for(db.session.get(User, owner.id), db.session.get(Idea, idea_id)).votes == 50


def test_concurrent_dot_votes_never_exceed_the_budget(app, people):
    owner = people.person(Role.LEADER)
    voter = people.person()
    board_id = make_board(app, owner, vote_mode="dots", dot_budget=5)
    ideas = [make_idea(app, board_id, owner, f"Idea {n}") for n in range(4)]

    def add_dot(idea_id: int) -> Callable[[], object]:
        return lambda: votes.cast_vote(
            db.session.get(User, voter.id), db.session.get(Idea, idea_id)
        )

    results, errors = _at_once(app, [add_dot(ideas[n % 4]) for n in range(24)])
    assert errors == []
    assert sum(isinstance(r, votes.VoteResult) for r in results) == 5
    assert sum(isinstance(r, BoardError) for r in results) == 19
    with app.app_context():
        assert votes.dots_used(voter.id, board_id) == 5
