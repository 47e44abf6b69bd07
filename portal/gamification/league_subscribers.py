"""League XP for points earned, counted in the same transaction as the award."""

from __future__ import annotations

from portal.accounts.models import User
from portal.db import db
from portal.events import subscribe
from portal.gamification.events import PointsEarned
from portal.gamification.leagues import add_league_xp
from portal.notifications.reminders import notice_kind

# People choose how they hear of their weekly result (in the app, by email) by this name.
notice_kind("league_result", "Weekly league results")

# Admin corrections fix the all-time total; they are not activity in the week, so
# they neither lift nor lower anyone in a league (a gift of points cannot buy a
# promotion). Spending (negative points) does not lower league XP either.
NOT_LEAGUE_XP = frozenset({"adjustment"})


@subscribe(PointsEarned)
def _points_earned(event: PointsEarned) -> None:
    if event.points <= 0 or event.action in NOT_LEAGUE_XP:
        return
    if (user := db.session.get(User, event.user_id)) is not None and user.active:
        add_league_xp(user, event.points, event.occurred_at)
