"""Segments from behaviour: champions, getting involved, emerging, and not yet engaged.

Recomputed nightly from the person roll-up over the last 30 days (UTC),
for every active person:

- champions: at least CHAMPION_SHARES shares and active on at least
  CHAMPION_ACTIVE_DAYS days (the source calls them social natives);
- emerging: learning (lessons, quizzes, modules, paths) but no share yet;
- not yet engaged: nothing counted at all (never shown under a harsher name);
- getting involved: everyone else who did something.

Leaders and admins act on a segment in one click: the starter path for the
emerging, a gentle invitation for the not yet engaged, and a request to the
champions to host a brainstorming session. Each is keyed so that a second
click in the same period changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, case, delete, func, insert, select
from sqlalchemy.orm import contains_eager

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.insights import rollups
from portal.insights.models import NO_TEAM, PersonDay, Segment, SegmentDay, SegmentMember
from portal.insights.rollups import ACTIVE, QUIZ_ATTEMPTS
from portal.insights.scopes import Scope, scope_for
from portal.learning import assignments
from portal.learning.models import LearningPath, Status
from portal.notifications.reminders import notice_kind
from portal.notifications.services import notify

WINDOW_DAYS = 30
CHAMPION_SHARES = 3
CHAMPION_ACTIVE_DAYS = 4
LEARNING = ("lessons_completed", "quizzes_passed", "modules_completed", "paths_completed")
STARTER_PATH_SLUG = "social-media-starter"
STARTER_DUE_DAYS = 14
INVITATION = "insights_invitation"
HOST_REQUEST = "insights_host_request"
ORDER = [Segment.CHAMPION, Segment.ENGAGED, Segment.EMERGING, Segment.NOT_ENGAGED]

notice_kind(INVITATION, "Invitations to get started")
notice_kind(HOST_REQUEST, "Requests to host a brainstorming session")


class SegmentActionError(ValueError):
    """A segment action that cannot be done; the message says why."""


def classify(shares: int, active_days: int, learning: int) -> Segment:
    """The segment of someone with these counts over the window."""
    if active_days == 0:
        return Segment.NOT_ENGAGED
    if shares >= CHAMPION_SHARES and active_days >= CHAMPION_ACTIVE_DAYS:
        return Segment.CHAMPION
    if shares == 0 and learning > 0:
        return Segment.EMERGING
    return Segment.ENGAGED


@dataclass(frozen=True)
class Counts:
    """One person's figures over the window."""

    shares: int = 0
    active_days: int = 0
    learning: int = 0


def window_counts(today: date) -> dict[int, Counts]:
    """Shares, active days and learning actions per person over the 30 days to `today`."""
    since = today - timedelta(days=WINDOW_DAYS - 1)
    pd = PersonDay
    learning = (*LEARNING, QUIZ_ATTEMPTS)
    rows: Any = db.session.execute(
        select(
            pd.user_id,
            func.sum(case((pd.metric == "shares", pd.value), else_=0)),
            func.count(func.distinct(case((pd.metric == ACTIVE, pd.day)))),
            func.sum(case((pd.metric.in_(learning), pd.value), else_=0)),
        )
        .where(pd.day >= since, pd.day <= today, pd.metric.in_(["shares", ACTIVE, *learning]))
        .group_by(pd.user_id)
    )
    return {
        int(user_id): Counts(int(shares or 0), int(days or 0), int(learned or 0))
        for user_id, shares, days, learned in rows
    }


def compute(now: datetime | None = None) -> dict[Segment, int]:
    """Put every active person in a segment as of today (UTC); flushes. Idempotent."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    counts = window_counts(today)
    people = db.session.execute(select(User.id, User.team_id).where(User.active.is_(True))).all()
    members = []
    per_team: dict[tuple[int, Segment], int] = {}
    for user_id, team_id in people:
        figures = counts.get(user_id, Counts())
        segment = classify(figures.shares, figures.active_days, figures.learning)
        team = team_id or NO_TEAM
        members.append(
            {
                "user_id": user_id,
                "team_id": team,
                "segment": segment,
                "shares": figures.shares,
                "active_days": figures.active_days,
                "learning": figures.learning,
                "computed_on": today,
            }
        )
        per_team[(team, segment)] = per_team.get((team, segment), 0) + 1
    db.session.execute(delete(SegmentMember))
    if members:
        db.session.execute(insert(SegmentMember), members)
    db.session.execute(delete(SegmentDay).where(SegmentDay.day == today))
    if per_team:
        db.session.execute(
            insert(SegmentDay),
            [
                {"day": today, "team_id": team, "segment": segment, "people": n}
                for (team, segment), n in per_team.items()
            ],
        )
    rollups.current_settings().segmented_at = now
    db.session.flush()
    totals = dict.fromkeys(ORDER, 0)
    for (_, segment), n in per_team.items():
        totals[segment] += n
    return totals


# --- reading ----------------------------------------------------------------------------------


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    """People of the scope today (their current team, not last night's)."""
    condition: ColumnElement[bool] = User.active.is_(True)
    if scope.kind == "team":
        condition = condition & (User.team_id == scope.team_id)
    return condition


def counts(scope: Scope) -> dict[Segment, int]:
    """How many of the scope's people are in each segment now."""
    rows = db.session.execute(
        select(SegmentMember.segment, func.count())
        .join(User, User.id == SegmentMember.user_id)
        .where(_in_scope(scope))
        .group_by(SegmentMember.segment)
    )
    found = dict.fromkeys(ORDER, 0)
    for segment, n in rows:
        found[Segment(segment)] = int(n)
    return found


def members(scope: Scope, segment: Segment, limit: int = 200) -> list[SegmentMember]:
    """The scope's people in a segment (with their names, one query), busiest first."""
    return list(
        db.session.scalars(
            select(SegmentMember)
            .join(User, User.id == SegmentMember.user_id)
            .options(contains_eager(SegmentMember.user))
            .where(_in_scope(scope), SegmentMember.segment == segment)
            .order_by(
                SegmentMember.shares.desc(),
                SegmentMember.active_days.desc(),
                SegmentMember.learning.desc(),
                func.lower(User.display_name),
            )
            .limit(limit)
        )
    )


def trend(scope: Scope, first: date, last: date) -> tuple[list[date], dict[Segment, list[int]]]:
    """People per segment on each day a computation ran between `first` and `last`."""
    condition: ColumnElement[bool] = SegmentDay.day.between(first, last)
    if scope.kind == "team":
        condition = condition & (SegmentDay.team_id == scope.team_id)
    rows = db.session.execute(
        select(SegmentDay.day, SegmentDay.segment, func.sum(SegmentDay.people))
        .where(condition)
        .group_by(SegmentDay.day, SegmentDay.segment)
        .order_by(SegmentDay.day)
    ).all()
    days = sorted({rollups.as_date(day) for day, _, _ in rows})
    index = {day: i for i, day in enumerate(days)}
    values = {segment: [0] * len(days) for segment in ORDER}
    for day, segment, n in rows:
        values[Segment(segment)][index[rollups.as_date(day)]] = int(n or 0)
    return days, values


# --- acting on a segment ----------------------------------------------------------------------


def _checked(actor: User, scope: Scope) -> Scope:
    """The scope again, checked for this actor (a leader: their own team only)."""
    return scope_for(actor, scope.kind, scope.team_id)


def _people(scope: Scope, segment: Segment) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(SegmentMember, SegmentMember.user_id == User.id)
            .where(_in_scope(scope), SegmentMember.segment == segment)
            .order_by(User.id)
        )
    )


def starter_path() -> LearningPath | None:
    """The path the emerging are given: the admin's choice, else the demo starter path."""
    settings = rollups.current_settings()
    path = (
        db.session.get(LearningPath, settings.starter_path_id) if settings.starter_path_id else None
    )
    if path is None:
        path = db.session.scalar(select(LearningPath).where(LearningPath.slug == STARTER_PATH_SLUG))
    return path if path is not None and path.status == Status.PUBLISHED else None


def assign_starter_path(actor: User, scope: Scope, today: date) -> tuple[int, int, str]:
    """Assign the starter path to the scope's emerging, due in two weeks.

    Returns (people, new assignments, path title). Raises SegmentActionError
    when nobody is emerging or there is no published starter path, and
    passes on the learning domain's PermissionDenied and AssignmentError.
    """
    scope = _checked(actor, scope)
    people = _people(scope, Segment.EMERGING)
    if not people:
        raise SegmentActionError("Nobody is in the emerging segment right now.")
    path = starter_path()
    if path is None:
        raise SegmentActionError(
            "There is no published starter path: choose one in the insights settings."
        )
    due = today + timedelta(days=STARTER_DUE_DAYS)
    try:
        made = assignments.assign(actor, people, due, path=path, today=today)
    except assignments.AssignmentError as exc:
        raise SegmentActionError(str(exc)) from exc
    return len(people), made, path.title


def invite_not_engaged(actor: User, scope: Scope, url: str, now: datetime) -> tuple[int, int]:
    """Send the not yet engaged a gentle invitation (once a month each); (people, sent)."""
    scope = _checked(actor, scope)
    ids = [p.id for p in _people(scope, Segment.NOT_ENGAGED)]
    if not ids:
        raise SegmentActionError("Everyone has taken part lately: nobody to invite.")
    sent = notify(
        ids,
        INVITATION,
        "A five-minute start: your first lesson is waiting",
        url,
        subject="insights:invitation",
        period=now.astimezone(UTC).strftime("%Y-%m"),
        body="Pick a short lesson, or share something from the library when you are ready. "
        "Small steps count, and your colleagues would love to see you here.",
        now=now,
    )
    return len(ids), len(sent)


def ask_champions(
    actor: User, scope: Scope, create_url: str, boards_url: str, now: datetime
) -> tuple[int, int]:
    """Ask the champions to host a brainstorming session (once a week each); (people, sent).

    Leaders and admins among them get the link to create a board; everyone
    else the boards page, with a word on asking their leader to open one.
    """
    scope = _checked(actor, scope)
    champions = _people(scope, Segment.CHAMPION)
    if not champions:
        raise SegmentActionError("Nobody is a champion yet.")
    year, week, _ = now.astimezone(UTC).isocalendar()
    subject, period = "insights:host-session", f"{year}-W{week:02d}"
    title = "You inspire your colleagues: would you host a brainstorming session?"
    makers = [p.id for p in champions if p.role in (Role.LEADER, Role.ADMIN)]
    others = [p.id for p in champions if p.role not in (Role.LEADER, Role.ADMIN)]
    sent = notify(
        makers,
        HOST_REQUEST,
        title,
        create_url,
        subject=subject,
        period=period,
        body="Open a board with the question you care about and pick a session time.",
        now=now,
    )
    sent += notify(
        others,
        HOST_REQUEST,
        title,
        boards_url,
        subject=subject,
        period=period,
        body="Tell your advocacy leader the question you would like to ask: they open the "
        "board, you lead the session.",
        now=now,
    )
    return len(champions), len(sent)
