"""KPI goals: a target for a metric, each week, month or quarter, for the company or one team.

Admins set goals for the company or any team, leaders for their own team.
Everyone concerned sees the progress on their dashboard: company goals
everyone, a team's goals its members. Progress counts from the start of the
current period (UTC) to today, from the roll-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, func, or_, select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.insights import metrics
from portal.insights.models import Goal, GoalPeriod
from portal.insights.scopes import Period, Scope

MAX_TARGET = 100_000_000
GOALS_PER_SCOPE = 30


@dataclass(frozen=True)
class GoalMetric:
    """Something a goal can target, and how its numbers read."""

    label: str
    unit: str  # "count", "people", "percent" or "money" (whole currency units)


GOAL_METRICS: dict[str, GoalMetric] = {
    "shares": GoalMetric("Shares", "count"),
    "clicks": GoalMetric("Clicks on shared links", "count"),
    "active_advocates": GoalMetric("Active advocates (people who shared)", "people"),
    "participation": GoalMetric("Participation (% of people active)", "percent"),
    "lessons_completed": GoalMetric("Lessons completed", "count"),
    "quiz_average": GoalMetric("Average quiz score (%)", "percent"),
    "ideas": GoalMetric("Ideas posted", "count"),
    "ideas_accepted": GoalMetric("Ideas accepted", "count"),
    "bulletin_rate": GoalMetric("Bulletin acknowledgement rate (%)", "percent"),
    "earned_media_value": GoalMetric("Earned media value", "money"),
}


class GoalError(ValueError):
    """A goal that cannot be set; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def can_set_goals(actor: User) -> bool:
    """Admins and leaders (with a team) set goals."""
    return actor.active and (
        actor.role == Role.ADMIN or (actor.role == Role.LEADER and actor.team_id is not None)
    )


def settable_teams(actor: User) -> list[Team]:
    """Teams `actor` may set goals for: all for admins, a leader's own."""
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))))
    if actor.role == Role.LEADER and actor.team is not None:
        return [actor.team]
    return []


def create_goal(
    actor: User, metric: str, period: str, target: int | None, team_id: int | None
) -> Goal:
    """Set a goal; `team_id` None is a company goal (admins only). Flushes.

    Raises PermissionDenied for employees and for a leader choosing the
    company or another team, GoalError for a bad metric, period or target.
    """
    if not can_set_goals(actor):
        raise PermissionDenied("Only leaders and admins set goals.")
    if team_id is None and actor.role != Role.ADMIN:
        raise PermissionDenied("Only admins set company goals.")
    if team_id is not None and team_id not in {t.id for t in settable_teams(actor)}:
        raise GoalError("Choose one of your teams.", "team_id")
    if metric not in GOAL_METRICS:
        raise GoalError("Choose what the goal counts.", "metric")
    try:
        cadence = GoalPeriod(period)
    except ValueError as exc:
        raise GoalError("Choose a week, a month or a quarter.", "period") from exc
    ceiling = 100 if GOAL_METRICS[metric].unit == "percent" else MAX_TARGET
    if target is None or not 1 <= target <= ceiling:
        raise GoalError(f"Set a target between 1 and {ceiling:,}.", "target")
    same_scope = Goal.team_id.is_(None) if team_id is None else Goal.team_id == team_id
    existing = db.session.scalar(select(func.count()).select_from(Goal).where(same_scope)) or 0
    if existing >= GOALS_PER_SCOPE:
        raise GoalError(f"At most {GOALS_PER_SCOPE} goals each: remove one first.", "metric")
    goal = Goal(
        metric=metric, period=cadence, target=target, team_id=team_id, created_by_id=actor.id
    )
    db.session.add(goal)
    db.session.flush()
    return goal


def get_manageable(actor: User, goal_id: int) -> Goal:
    """A goal `actor` may remove: any for admins, their team's for leaders; else NotFound."""
    goal = db.session.get(Goal, goal_id)
    if goal is None or not can_set_goals(actor):
        raise NotFound()
    if actor.role != Role.ADMIN and (goal.team_id is None or goal.team_id != actor.team_id):
        raise NotFound()
    return goal


def delete_goal(actor: User, goal_id: int) -> Goal:
    """Remove a goal (see `get_manageable`); flushes and returns it."""
    goal = get_manageable(actor, goal_id)
    db.session.delete(goal)
    db.session.flush()
    return goal


def goals_for(team_id: int | None, company: bool = True) -> list[Goal]:
    """The company's goals (if `company`) and one team's (if `team_id`), company first."""
    conditions: list[ColumnElement[bool]] = []
    if company:
        conditions.append(Goal.team_id.is_(None))
    if team_id is not None:
        conditions.append(Goal.team_id == team_id)
    if not conditions:
        return []
    return list(
        db.session.scalars(
            select(Goal).where(or_(*conditions)).order_by(Goal.team_id.is_not(None), Goal.id)
        )
    )


def all_goals() -> list[Goal]:
    """Every goal: company goals first, then by team name."""
    return list(
        db.session.scalars(
            select(Goal)
            .outerjoin(Team, Team.id == Goal.team_id)
            .order_by(Goal.team_id.is_not(None), func.lower(Team.name), Goal.id)
        )
    )


# --- progress ---------------------------------------------------------------------------------


def current_period(cadence: GoalPeriod, today: date) -> tuple[Period, date]:
    """From the start of the current week, month or quarter to today; and its last day."""
    if cadence == GoalPeriod.WEEK:
        start = today - timedelta(days=today.weekday())
        last = start + timedelta(days=6)
    else:
        months = 1 if cadence == GoalPeriod.MONTH else 3
        first_month = today.month if months == 1 else 3 * ((today.month - 1) // 3) + 1
        start = date(today.year, first_month, 1)
        year, month = divmod(first_month - 1 + months, 12)
        last = date(today.year + year, month + 1, 1) - timedelta(days=1)
    return Period(start, today), last


def value_of(metric: str, scope: Scope, period: Period) -> int:
    """The goal metric's value for the scope over the period."""
    if metric in ("shares", "clicks", "lessons_completed", "ideas", "ideas_accepted"):
        return metrics.totals(scope, period, [metric])[metric]
    if metric == "active_advocates":
        return metrics.distinct_people(scope, period, "shares")
    summary = metrics.summarise(scope, period)
    if metric == "participation":
        return summary.participation or 0
    if metric == "quiz_average":
        return summary.quiz_average or 0
    if metric == "bulletin_rate":
        return summary.bulletin_rate or 0
    if metric == "earned_media_value":
        return summary.earned_media_value_cents // 100
    raise KeyError(metric)


@dataclass(frozen=True)
class Progress:
    """A goal's value so far in its current period."""

    goal: Goal
    value: int
    period: Period
    ends_on: date

    @property
    def metric(self) -> GoalMetric:
        return GOAL_METRICS.get(self.goal.metric, GoalMetric(self.goal.metric, "count"))

    @property
    def reached(self) -> bool:
        return self.value >= self.goal.target

    @property
    def percent(self) -> int:
        return min(100, metrics.percent(self.value, self.goal.target) or 0)

    @property
    def scope_name(self) -> str:
        return self.goal.team.name if self.goal.team else "Company"


def progress(goals: list[Goal], today: date) -> list[Progress]:
    """Each goal's progress in its current period."""
    found = []
    for goal in goals:
        period, ends_on = current_period(goal.period, today)
        scope = (
            Scope("team", goal.team.name, team_id=goal.team_id)
            if goal.team is not None
            else Scope("company", "Company")
        )
        found.append(Progress(goal, value_of(goal.metric, scope, period), period, ends_on))
    return found
