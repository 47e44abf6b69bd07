"""Build challenges and activity for challenge tests (committed, so requests, threads and workers see them)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from portal.accounts.models import Team, User
from portal.db import db, utcnow
from portal.gamification.activity import record_activity
from portal.gamification.badge_models import Badge
from portal.gamification.challenge_models import Challenge, ChallengeTeam

_subjects = count(1)


def make_challenge(  # type: ignore[no-untyped-def]
    app,
    team: Team,
    *,
    opponent: Team | None = None,
    metric: str = "lessons_completed",
    target: int = 3,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    reward_points: int = 50,
    reward_badge_id: int | None = None,
    title: str = "Lesson sprint",
) -> int:
    """A challenge written straight to the database (any dates, even past ones); returns its id."""
    now = utcnow()
    with app.app_context():
        challenge = Challenge(
            title=title,
            description="",
            metric=metric,
            target=target,
            starts_at=starts_at or now - timedelta(days=1),
            ends_at=ends_at or now + timedelta(days=6),
            team_id=team.id,
            versus=opponent is not None,
            reward_points=reward_points,
            reward_badge_id=reward_badge_id,
        )
        challenge.sides = [ChallengeTeam(team_id=team.id, position=0)]
        if opponent is not None:
            challenge.sides.append(ChallengeTeam(team_id=opponent.id, position=1))
        db.session.add(challenge)
        db.session.commit()
        return challenge.id


def log_activity(  # type: ignore[no-untyped-def]
    app, person: User, at: datetime, metric: str = "lessons_completed", times: int = 1
) -> None:
    """Record `times` new actions of `metric` by the person at `at` (in their current team)."""
    with app.app_context():
        user = db.session.get(User, person.id)
        assert user is not None
        for _ in range(times):
            assert record_activity(user, metric, f"thing:{next(_subjects)}", at)
        db.session.commit()


def make_badge(app, name: str = "Sprint winner") -> int:  # type: ignore[no-untyped-def]
    """An active badge a challenge can give (kind "challenge"); returns its id."""
    with app.app_context():
        badge = Badge(
            name=name,
            description="Won a team challenge.",
            criteria_text="Win a challenge that awards this badge.",
            icon="trophy",
            colour="amber",
            kind="challenge",
        )
        db.session.add(badge)
        db.session.commit()
        return badge.id
