"""The activity log: each countable action once, for badges and challenges to count.

Points are not a good count of what people did (rules have caps, cooldowns and
can be worth 0), so every domain's subscriber also records the action here
under a metric name. `record_activity` is one `INSERT ... ON CONFLICT DO
NOTHING` on a unique key, so a repeated event counts once, and publishes
`ActivityRecorded` for badges and challenges when the row is new.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.db import db, insert_ignore
from portal.events import publish
from portal.gamification.events import ActivityRecorded
from portal.gamification.models import ActivityEntry

# metric name -> what people see (badge criteria and challenge metrics choose from these).
METRICS: dict[str, str] = {
    "lessons_completed": "Lessons completed",
    "quizzes_passed": "Quizzes passed",
    "modules_completed": "Modules completed",
    "paths_completed": "Learning paths completed",
}


def register_metric(name: str, label: str) -> None:
    """Make a metric known (each domain's subscriber module registers its own on import)."""
    METRICS.setdefault(name, label)


def record_activity(user: User, metric: str, subject: str, occurred_at: datetime) -> bool:
    """Log that `user` did `metric` on `subject` (once per user, metric and subject)."""
    new = insert_ignore(
        ActivityEntry,
        key=f"{metric}:{user.id}:{subject}",
        user_id=user.id,
        team_id=user.team_id,
        metric=metric,
        subject=subject,
        occurred_at=occurred_at,
    )
    if new is None:
        return False
    publish(ActivityRecorded(user.id, occurred_at, metric, subject, user.team_id))
    return True


def count_activity(user_id: int, metric: str) -> int:
    """How many times the person did `metric`, ever."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(ActivityEntry)
            .where(ActivityEntry.user_id == user_id, ActivityEntry.metric == metric)
        )
        or 0
    )
