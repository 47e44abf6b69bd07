"""CSV exports for a range of days: people, shares, clicks, completions and points.

Admins export the company or any team, leaders their own team (people in
the team today). Rows stream out in chunks, so a large export never sits in
memory. Every text cell that a spreadsheet would read as a formula (starting
with = + - @, a tab or a carriage return) is prefixed with a single quote;
numbers are written as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, null, select, true

from portal.accounts.models import Team, User
from portal.advocacy.models import ContentItem, Share, ShareClick, TrackedLink
from portal.db import db
from portal.gamification.models import PointAward
from portal.insights.models import PersonDay, SegmentMember
from portal.insights.rollups import ACTIVE, start_of
from portal.insights.scopes import Period, Scope
from portal.learning.models import LearningPath, Lesson, Module
from portal.learning.records import LessonCompletion, ModuleCompletion, PathCompletion

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 500


@dataclass(frozen=True)
class Export:
    """One kind of export: its label and what it holds."""

    label: str
    description: str


EXPORTS: dict[str, Export] = {
    "people": Export("People", "Everyone in scope with their activity in the range and points."),
    "shares": Export("Shares", "Each share: who, what, on which network, with the caption."),
    "clicks": Export("Clicks", "Each counted click on a shared link (no visitor data)."),
    "completions": Export("Completions", "Lessons, modules and paths completed, with scores."),
    "points": Export("Points", "Every point award and adjustment, with its reason."),
}


def safe_cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _in_scope(scope: Scope) -> ColumnElement[bool]:
    """People of the scope: a team's members today, or everyone (deactivated people too)."""
    return User.team_id == scope.team_id if scope.kind == "team" else true()


def _window(column: Any, period: Period) -> ColumnElement[bool]:
    return (column >= start_of(period.start)) & (column < start_of(period.end + timedelta(days=1)))


def _rows(stmt: Any) -> Iterator[Any]:
    yield from db.session.execute(stmt.execution_options(yield_per=CHUNK))


def _people(scope: Scope, period: Period) -> Iterator[list[Any]]:
    yield [
        "person_id", "name", "email", "team", "role", "status", "joined_on", "segment",
        "active_days", "shares", "clicks", "lessons_completed", "quizzes_passed", "ideas",
        "points",
    ]  # fmt: skip
    pd = PersonDay
    tracked = ["shares", "clicks", "lessons_completed", "quizzes_passed", "ideas"]
    figures: dict[int, dict[str, int]] = {}
    for user_id, metric, value in db.session.execute(
        select(pd.user_id, pd.metric, func.sum(pd.value))
        .join(User, User.id == pd.user_id)
        .where(_in_scope(scope), pd.day >= period.start, pd.day <= period.end)
        .where(pd.metric.in_([ACTIVE, *tracked]))
        .group_by(pd.user_id, pd.metric)
    ):
        figures.setdefault(user_id, {})[metric] = int(value or 0)
    points = dict(
        db.session.execute(
            select(PointAward.user_id, func.sum(PointAward.points))
            .join(User, User.id == PointAward.user_id)
            .where(_in_scope(scope), _window(PointAward.awarded_at, period))
            .group_by(PointAward.user_id)
        ).all()
    )
    stmt = (
        select(User, Team.name, SegmentMember.segment)
        .outerjoin(Team, Team.id == User.team_id)
        .outerjoin(SegmentMember, SegmentMember.user_id == User.id)
        .where(_in_scope(scope))
        .order_by(func.lower(User.display_name), User.id)
    )
    for person, team, segment in _rows(stmt):
        mine = figures.get(person.id, {})
        yield [
            person.id,
            person.display_name,
            person.email,
            team or "",
            person.role.label,
            "active" if person.active else "deactivated",
            person.joined_on,
            segment.label if segment else "",
            mine.get(ACTIVE, 0),
            *(mine.get(metric, 0) for metric in tracked),
            int(points.get(person.id) or 0),
        ]


def _shares(scope: Scope, period: Period) -> Iterator[list[Any]]:
    yield ["shared_at", "person_id", "name", "email", "team", "item_id", "title", "network",
           "caption"]  # fmt: skip
    stmt = (
        select(Share, User.display_name, User.email, Team.name, ContentItem.title)
        .join(User, User.id == Share.user_id)
        .outerjoin(Team, Team.id == User.team_id)
        .join(ContentItem, ContentItem.id == Share.item_id)
        .where(_in_scope(scope), _window(Share.created_at, period))
        .order_by(Share.created_at, Share.id)
    )
    for share, name, email, team, title in _rows(stmt):
        yield [
            share.created_at, share.user_id, name, email, team or "", share.item_id, title,
            share.network.label, share.caption,
        ]  # fmt: skip


def _clicks(scope: Scope, period: Period) -> Iterator[list[Any]]:
    yield ["clicked_at", "person_id", "name", "team", "item_id", "title", "network"]
    stmt = (
        select(
            ShareClick.clicked_at,
            TrackedLink.user_id,
            User.display_name,
            Team.name,
            TrackedLink.item_id,
            ContentItem.title,
            TrackedLink.network,
        )
        .join(TrackedLink, TrackedLink.id == ShareClick.link_id)
        .join(User, User.id == TrackedLink.user_id)
        .outerjoin(Team, Team.id == User.team_id)
        .join(ContentItem, ContentItem.id == TrackedLink.item_id)
        .where(_in_scope(scope), _window(ShareClick.clicked_at, period))
        .order_by(ShareClick.clicked_at, ShareClick.id)
    )
    for clicked_at, user_id, name, team, item_id, title, network in _rows(stmt):
        yield [clicked_at, user_id, name, team or "", item_id, title, network.label]


def _completions(scope: Scope, period: Period) -> Iterator[list[Any]]:
    yield ["completed_at", "person_id", "name", "email", "team", "kind", "id", "title", "score"]
    sources: list[tuple[str, Any, Any, Any, Any]] = [
        ("lesson", LessonCompletion, Lesson, LessonCompletion.lesson_id, LessonCompletion.score),
        ("module", ModuleCompletion, Module, ModuleCompletion.module_id, None),
        ("path", PathCompletion, LearningPath, PathCompletion.path_id, None),
    ]
    for kind, record, subject, subject_id, score in sources:
        stmt = (
            select(
                record.completed_at,
                record.user_id,
                User.display_name,
                User.email,
                Team.name,
                subject_id,
                subject.title,
                score if score is not None else null(),
            )
            .join(User, User.id == record.user_id)
            .outerjoin(Team, Team.id == User.team_id)
            .join(subject, subject.id == subject_id)
            .where(_in_scope(scope), _window(record.completed_at, period))
            .order_by(record.completed_at, record.id)
        )
        for completed_at, user_id, name, email, team, thing_id, title, points in _rows(stmt):
            yield [completed_at, user_id, name, email, team or "", kind, thing_id, title, points]


def _points(scope: Scope, period: Period) -> Iterator[list[Any]]:
    yield ["awarded_at", "person_id", "name", "email", "team", "action", "subject", "points",
           "reason"]  # fmt: skip
    stmt = (
        select(PointAward, User.display_name, User.email, Team.name)
        .join(User, User.id == PointAward.user_id)
        .outerjoin(Team, Team.id == User.team_id)
        .where(_in_scope(scope), _window(PointAward.awarded_at, period))
        .order_by(PointAward.awarded_at, PointAward.id)
    )
    for award, name, email, team in _rows(stmt):
        yield [
            award.awarded_at, award.user_id, name, email, team or "", award.action,
            award.subject, award.points, award.reason,
        ]  # fmt: skip


ROWS = {
    "people": _people,
    "shares": _shares,
    "clicks": _clicks,
    "completions": _completions,
    "points": _points,
}


def rows(kind: str, scope: Scope, period: Period) -> Iterator[list[Any]]:
    """The header, then every row of an export (KeyError for an unknown kind)."""
    return ROWS[kind](scope, period)


def to_csv(rows: Iterable[list[Any]]) -> Iterator[str]:
    """CSV text in chunks of CHUNK rows, starting with a UTF-8 byte order mark for Excel."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    for n, row in enumerate(rows, 1):
        writer.writerow([safe_cell(value) for value in row])
        if n % CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def filename(kind: str, scope: Scope, period: Period) -> str:
    """`beacon-shares-marketing-2026-11-01-2026-11-30.csv`: ASCII only."""
    slug = "".join(c if c.isascii() and c.isalnum() else "-" for c in scope.name.lower())
    slug = "-".join(part for part in slug.split("-") if part) or "team"
    return f"beacon-{kind}-{slug}-{period.start.isoformat()}-{period.end.isoformat()}.csv"
