"""What is measured: a range of days (UTC), tiled into months, weeks and days, for a scope.

A scope is the company, one team or one person; building one checks that the
viewer may see it (admins: anything; leaders: their own team; everyone:
themselves).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.insights.rollups import month_of, week_of


def month_end(month: date) -> date:
    """The last day of the month starting on `month`."""
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """The days `start`..`end` (inclusive, UTC); charts group them by day, week or month."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def bucket(self) -> str:
        if self.days <= 45:
            return "day"
        return "week" if self.days <= 182 else "month"

    def bucket_end(self, key: date) -> date:
        """The last day of the bucket starting on `key`."""
        return {"day": key, "week": key + timedelta(days=6), "month": month_end(key)}[self.bucket]

    def bucket_of(self, day: date) -> date:
        """The first day of the bucket `day` falls in."""
        return {"day": day, "week": week_of(day), "month": month_of(day)}[self.bucket]

    def buckets(self) -> list[date]:
        """The first day of every bucket of the period, in order."""
        found: list[date] = []
        day = self.start
        while day <= self.end:
            key = self.bucket_of(day)
            if not found or found[-1] != key:
                found.append(key)
            day += timedelta(days=1)
        return found

    def bucket_label(self, key: date) -> str:
        if self.bucket == "month":
            return key.strftime("%b %Y")
        if self.bucket == "week":
            return f"w/c {key.day} {key:%b}"
        return f"{key.day} {key:%b}"

    @property
    def label(self) -> str:
        if self.start.year == self.end.year:
            return f"{self.start.day} {self.start:%b} – {self.end.day} {self.end:%b %Y}"
        return f"{self.start.day} {self.start:%b %Y} – {self.end.day} {self.end:%b %Y}"


@dataclass(frozen=True)
class Scope:
    """Whose figures: the company, one team, or one person."""

    kind: str  # "company", "team", "person"
    name: str
    team_id: int | None = None
    user_id: int | None = None

    @property
    def args(self) -> dict[str, Any]:
        """Query arguments that name this scope in chart and export URLs."""
        if self.kind == "team":
            return {"scope": "team", "team": self.team_id}
        return {"scope": "me" if self.kind == "person" else "company"}


def company_scope(viewer: User) -> Scope:
    """The whole company: admins only (PermissionDenied otherwise)."""
    if not (viewer.active and viewer.role == Role.ADMIN):
        raise PermissionDenied("Only admins see the company's figures.")
    return Scope("company", "Company")


def team_scope(viewer: User, team_id: int | None) -> Scope:
    """One team: its leaders and admins; another team's leader gets NotFound, employees 403."""
    if not (viewer.active and viewer.role in (Role.ADMIN, Role.LEADER)):
        raise PermissionDenied("Only leaders and admins see a team's figures.")
    team = db.session.get(Team, team_id) if team_id else None
    if team is None or (viewer.role == Role.LEADER and viewer.team_id != team.id):
        raise NotFound()
    return Scope("team", team.name, team_id=team.id)


def person_scope(viewer: User) -> Scope:
    """The viewer's own figures."""
    return Scope("person", viewer.display_name, user_id=viewer.id)


def scope_for(viewer: User, kind: str | None, team_id: int | None) -> Scope:
    """The scope named by query arguments, checked against what the viewer may see."""
    if kind == "company":
        return company_scope(viewer)
    if kind == "team":
        return team_scope(viewer, team_id)
    return person_scope(viewer)


def split(period: Period) -> tuple[list[date], list[date], list[tuple[date, date]]]:
    """Whole months, whole weeks outside them, and the days left over: the period, tiled."""
    months: list[date] = []
    month = month_of(period.start)
    if month < period.start:
        month = month_end(month) + timedelta(days=1)
    while month_end(month) <= period.end:
        months.append(month)
        month = month_end(month) + timedelta(days=1)
    if months:
        gaps = [
            (period.start, months[0] - timedelta(days=1)),
            (month_end(months[-1]) + timedelta(days=1), period.end),
        ]
    else:
        gaps = [(period.start, period.end)]
    weeks: list[date] = []
    days: list[tuple[date, date]] = []
    for first, last in gaps:
        if first > last:
            continue
        week = week_of(first)
        if week < first:
            week += timedelta(days=7)
        whole = []
        while week + timedelta(days=6) <= last:
            whole.append(week)
            week += timedelta(days=7)
        if not whole:
            days.append((first, last))
            continue
        weeks += whole
        if first < whole[0]:
            days.append((first, whole[0] - timedelta(days=1)))
        if whole[-1] + timedelta(days=6) < last:
            days.append((whole[-1] + timedelta(days=7), last))
    return months, weeks, days
