"""Demo boards: a company board with a live session that welcomes newcomers, and a team board."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal.accounts.models import Team, User
from portal.accounts.services import get_user_by_email
from portal.boards import services, votes
from portal.boards.models import Board, BoardPhase, IdeaStatus, VoteMode
from portal.db import db, utcnow

COMPANY_PROMPT = "How could we share more of what we learn at work?"
TEAM_PROMPT = "What should our next customer story be about?"


def load_board_demo() -> int:
    """Add the demo boards, ideas and votes unless they exist; return how many rows were added."""
    admin = get_user_by_email("admin@example.com")
    leader = get_user_by_email("leader@example.com")
    sam = get_user_by_email("sam@example.com")
    jordan = get_user_by_email("jordan@example.com")
    if admin is None or leader is None or sam is None or jordan is None:
        return 0
    added = 0
    if not _exists(COMPANY_PROMPT):
        added += _company_board(admin, leader, sam, jordan)
    if not _exists(TEAM_PROMPT) and leader.team is not None:
        added += _team_board(leader.team, leader, sam, admin)
    return added


def _exists(prompt: str) -> bool:
    return db.session.scalar(select(Board.id).where(Board.prompt == prompt)) is not None


def _company_board(admin: User, leader: User, sam: User, jordan: User) -> int:
    now = utcnow()
    board = services.create_board(
        admin,
        services.BoardSettings(
            prompt=COMPANY_PROMPT,
            details="Lunch talks? A wiki? Short videos? Everything goes: we pick the "
            "three most popular ideas at the end of the session and try them next quarter.",
            session_at=(now + timedelta(days=2)).replace(minute=0, second=0, microsecond=0),
            session_minutes=45,
            newcomers_welcome=True,
        ),
        now,
    )
    ideas = [
        services.post_idea(
            sam, board, "Ten-minute lightning talks every Friday",
            "Anyone can sign up for a slot: one thing you learned this week, *no slides needed*.",
            "events, talks",
        ),
        services.post_idea(
            jordan, board, "A “today I learned” channel",
            "Short posts, a link and one sentence on why it matters.", "writing",
        ),
        services.post_idea(
            leader, board, "Pair newcomers with a learning buddy",
            "Each newcomer gets a buddy for their first two months.", "newcomers",
            anonymous=True,
        ),
    ]  # fmt: skip
    for voter, idea in [(jordan, ideas[0]), (leader, ideas[0]), (sam, ideas[2]), (admin, ideas[1])]:
        votes.cast_vote(voter, idea)
    services.add_comment(jordan, ideas[0], "Love it. Could we record them for other time zones?")
    return 1 + len(ideas) + 4 + 1


def _team_board(team: Team, leader: User, sam: User, admin: User) -> int:
    board = services.create_board(
        leader,
        services.BoardSettings(
            prompt=TEAM_PROMPT,
            details="Pick the story we pitch to the customer team next month.",
            team_id=team.id,
            vote_mode=VoteMode.DOTS,
            dot_budget=3,
        ),
    )
    first = services.post_idea(sam, board, "How support answers in under an hour", tags="support")
    second = services.post_idea(
        admin, board, "Moving a whole team to remote work", tags="culture, remote"
    )
    services.set_phase(leader, board, BoardPhase.VOTING)
    votes.cast_vote(sam, second)
    votes.cast_vote(sam, second)
    votes.cast_vote(admin, first)
    services.set_status(leader, second, IdeaStatus.UNDER_REVIEW)
    return 1 + 2 + 2
