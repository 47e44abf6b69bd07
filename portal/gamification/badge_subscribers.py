"""Badges for what happens elsewhere, issued in the same transaction as the event.

Each subscriber checks only the badges of the kind its event can complete.
"""

from __future__ import annotations

from portal.accounts.models import User
from portal.db import db
from portal.events import subscribe
from portal.gamification import badges
from portal.gamification.events import (
    ActivityRecorded,
    ChallengeWon,
    LeagueWeekFinished,
    PointsEarned,
    StreakExtended,
)
from portal.notifications.reminders import notice_kind

# People choose how they hear of badges they earn (in the app, by email) by this name.
notice_kind("badge_earned", "Badges you earn")


def _person(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@subscribe(ActivityRecorded)
def _activity_recorded(event: ActivityRecorded) -> None:
    if (user := _person(event.user_id)) is not None:
        badges.award_for_activity(user, event.metric, event.subject, event.occurred_at)


@subscribe(StreakExtended)
def _streak_extended(event: StreakExtended) -> None:
    if (user := _person(event.user_id)) is not None:
        badges.award_for_streak(user, event.days, event.occurred_at)


@subscribe(PointsEarned)
def _points_earned(event: PointsEarned) -> None:
    if event.points > 0 and (user := _person(event.user_id)) is not None:
        badges.award_for_points(user, event.total, event.occurred_at)


@subscribe(LeagueWeekFinished)
def _league_week_finished(event: LeagueWeekFinished) -> None:
    if (user := _person(event.user_id)) is not None:
        badges.award_for_league_week(user, event.rank, event.occurred_at)


@subscribe(ChallengeWon)
def _challenge_won(event: ChallengeWon) -> None:
    if event.reward_badge_id is not None and (user := _person(event.user_id)) is not None:
        badges.award_for_challenge(user, event.reward_badge_id, event.occurred_at)
