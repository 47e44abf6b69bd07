"""Six weeks of insights history for the demo people, so the dashboards have something to show.

The history is written into the daily roll-ups only, for days before the
window the jobs recompute (so no job rewrites it), and leaves every other
domain's tables alone: other demos and their tests see the same shares,
points and leagues as without it. The recent days come from the real demo
activity (ideas, acknowledgements) through a normal recompute. Idempotent:
once any history row exists, it adds nothing.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from portal.accounts import services as accounts
from portal.accounts.models import Team
from portal.db import db, utcnow
from portal.insights import rollups, segments
from portal.insights.models import NO_TEAM, Goal, GoalPeriod, PersonDay, TeamDay
from portal.insights.rollups import (
    ACTIVE,
    QUIZ_ATTEMPTS,
    QUIZ_SCORE_SUM,
    RECENT_DAYS,
    clicks_of,
    month_of,
    shares_of,
    week_of,
)

HISTORY_DAYS = 42


@dataclass(frozen=True)
class Habit:
    """How often a demo person did things on a day (chances between 0 and 1)."""

    active: float
    share: float
    learn: float
    networks: tuple[str, ...] = ("linkedin", "x", "facebook")


HABITS = {
    "sam@example.com": Habit(active=0.7, share=0.6, learn=0.3),  # a champion
    "leader@example.com": Habit(active=0.5, share=0.35, learn=0.2, networks=("linkedin", "x")),
    "jordan@example.com": Habit(active=0.4, share=0.0, learn=0.8),  # learning, not sharing yet
    "admin@example.com": Habit(active=0.25, share=0.2, learn=0.1, networks=("linkedin",)),
}


def _day_of(rng: random.Random, habit: Habit) -> dict[str, int]:
    """What one person did on one day."""
    done: dict[str, int] = defaultdict(int)
    if rng.random() >= habit.active:
        return done
    if rng.random() < habit.share:
        for _ in range(rng.choice([1, 1, 2])):
            network = rng.choice(habit.networks)
            done["shares"] += 1
            done[shares_of(network)] += 1
            clicks = rng.choice([0, 1, 2, 3, 5, 8])
            done["clicks"] += clicks
            done[clicks_of(network)] += clicks
    if rng.random() < habit.learn:
        lessons = rng.choice([1, 1, 2])
        done["lessons_completed"] += lessons
        done["quizzes_passed"] += lessons
        done[QUIZ_ATTEMPTS] += lessons
        done[QUIZ_SCORE_SUM] += sum(rng.choice([60, 70, 80, 90, 100]) for _ in range(lessons))
    if not done:
        done["bulletins_acknowledged"] += 1  # a quiet day: read the news
    if rng.random() < 0.08:
        done["ideas"] += 1
    return done


def _history(today: date) -> list[dict[str, object]]:
    rng = random.Random(8)  # noqa: S311 - demo data, not security
    rows: list[dict[str, object]] = []
    for email, habit in HABITS.items():
        person = accounts.get_user_by_email(email)
        if person is None:
            continue
        team = person.team_id or NO_TEAM
        for ago in range(HISTORY_DAYS, RECENT_DAYS, -1):
            day = today - timedelta(days=ago)
            done = _day_of(rng, habit)
            if done:
                done[ACTIVE] = 1
            for metric, value in done.items():
                rows.append(
                    {"user_id": person.id, "day": day, "metric": metric, "team_id": team}
                    | {"week": week_of(day), "month": month_of(day), "value": value}
                )
    return rows


def _goals() -> int:
    if db.session.scalar(select(func.count()).select_from(Goal)):
        return 0
    admin = accounts.get_user_by_email("admin@example.com")
    marketing = db.session.scalar(select(Team).where(Team.name == "Marketing"))
    goals = [Goal(metric="shares", period=GoalPeriod.MONTH, target=40, created_by=admin)]
    if marketing is not None:
        goals += [
            Goal(metric="lessons_completed", period=GoalPeriod.MONTH, target=12, team=marketing),
            Goal(metric="participation", period=GoalPeriod.WEEK, target=75, team=marketing),
        ]
    db.session.add_all(goals)
    return len(goals)


def load_insights_demo() -> int:
    """Add the demo history, two team goals and a company goal, then today's figures."""
    now = utcnow()
    today = now.astimezone(UTC).date()
    added = 0
    before = today - timedelta(days=RECENT_DAYS)
    has_history = db.session.scalar(select(PersonDay.day).where(PersonDay.day <= before).limit(1))
    if has_history is None:
        rows = _history(today)
        if rows:
            db.session.execute(insert(PersonDay), rows)
            sums: dict[tuple[Any, Any, Any], int] = defaultdict(int)
            for row in rows:
                sums[(row["day"], row["team_id"], row["metric"])] += int(str(row["value"]))
            db.session.execute(
                insert(TeamDay),
                [
                    {"day": d, "team_id": t, "metric": m, "value": v}
                    | {"week": week_of(d), "month": month_of(d)}
                    for (d, t, m), v in sums.items()
                ],
            )
            rollups.write_periods(today - timedelta(days=HISTORY_DAYS), before)
            added += len(rows)
    added += _goals()
    db.session.flush()
    rollups.recompute_recent(now)
    if has_history is None:
        # The segments' trend: each of the last four weeks as the nightly job would have seen it.
        for ago in range(28, 0, -1):
            segments.compute(now - timedelta(days=ago))
    segments.compute(now)
    return added
