"""Dashboard figures for a scope (the company, a team, one person) and a range of days.

Everything is answered from the daily roll-ups (`rollups.py`), in a fixed
number of grouped queries whatever the number of people or events: counts
from the team or person roll-up, people figures (participation, active
advocates) as distinct counts over the person roll-up. People figures count
today's active members of the scope; activity counts go to the team the
person was in when they acted. Days are UTC days.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, true, union

from portal.accounts.models import Team, User
from portal.bulletins.audience import audience_filter
from portal.bulletins.models import Bulletin, BulletinRead
from portal.db import db
from portal.insights import rollups
from portal.insights.models import PersonDay, PersonPeriod, TeamDay
from portal.insights.rollups import (
    ACTIVE,
    BULLETIN_ACKNOWLEDGED,
    BULLETIN_AUDIENCE,
    NETWORKS,
    QUIZ_ATTEMPTS,
    QUIZ_SCORE_SUM,
    clicks_of,
    shares_of,
    start_of,
)
from portal.insights.scopes import Period, Scope, split

NETWORK_LABELS = {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}
COUNTED = [
    "shares",
    "clicks",
    "lessons_completed",
    "quizzes_passed",
    "modules_completed",
    "paths_completed",
    "ideas",
    "ideas_accepted",
    "bulletins_acknowledged",
    QUIZ_ATTEMPTS,
    QUIZ_SCORE_SUM,
    BULLETIN_AUDIENCE,
    BULLETIN_ACKNOWLEDGED,
    *[shares_of(n) for n in NETWORKS],
    *[clicks_of(n) for n in NETWORKS],
]


def percent(part: int, whole: int) -> int | None:
    """`part` of `whole` as a whole percentage, halves rounded up; None when `whole` is 0."""
    if whole <= 0:
        return None
    return (200 * part + whole) // (2 * whole)


# --- queries ----------------------------------------------------------------------------------


def _team_rows(scope: Scope) -> ColumnElement[bool]:
    return TeamDay.team_id == scope.team_id if scope.kind == "team" else true()


def _members(scope: Scope) -> ColumnElement[bool]:
    """SQL condition on User: today's active members of the scope."""
    if scope.kind == "person":
        return User.id == scope.user_id
    condition: ColumnElement[bool] = User.active.is_(True)
    if scope.kind == "team":
        condition = condition & (User.team_id == scope.team_id)
    return condition


def totals(scope: Scope, period: Period, metrics: Iterable[str]) -> dict[str, int]:
    """The sum of each metric over the period (0 for none), in one query."""
    names = list(metrics)
    if scope.kind == "person":
        table: Any = PersonDay
        where = PersonDay.user_id == scope.user_id
    else:
        table, where = TeamDay, _team_rows(scope)
    rows: Any = db.session.execute(
        select(table.metric, func.sum(table.value))
        .where(where, table.day >= period.start, table.day <= period.end, table.metric.in_(names))
        .group_by(table.metric)
    )
    found = {metric: int(value or 0) for metric, value in rows}
    return {name: found.get(name, 0) for name in names}


def series(scope: Scope, period: Period, metrics: Iterable[str]) -> dict[str, list[int]]:
    """Each metric per bucket of the period (a list aligned with `period.buckets()`)."""
    names = list(metrics)
    buckets = period.buckets()
    index = {key: i for i, key in enumerate(buckets)}
    if scope.kind == "person":
        table: Any = PersonDay
        where = PersonDay.user_id == scope.user_id
    else:
        table, where = TeamDay, _team_rows(scope)
    column = getattr(table, period.bucket)
    values = {name: [0] * len(buckets) for name in names}
    rows: Any = db.session.execute(
        select(column, table.metric, func.sum(table.value))
        .where(where, table.day >= period.start, table.day <= period.end, table.metric.in_(names))
        .group_by(column, table.metric)
    )
    for key, metric, value in rows:
        values[metric][index[rollups.as_date(key)]] = int(value or 0)
    return values


def people(scope: Scope) -> int:
    """How many active people the scope has today."""
    return db.session.scalar(select(func.count()).select_from(User).where(_members(scope))) or 0


def _people_with(period: Period, metric: str) -> Select[Any]:
    """SQL: the ids of people with `metric` in the period (whole months and weeks, then days)."""
    pp, pd = PersonPeriod, PersonDay
    months, weeks, days = split(period)
    parts: list[Select[Any]] = []
    for kind, starts in (("m", months), ("w", weeks)):
        if starts:
            parts.append(
                select(pp.user_id).where(pp.kind == kind, pp.metric == metric, pp.start.in_(starts))
            )
    for first, last in days:  # one SELECT each: SQLite uses no index for an OR of ranges
        parts.append(select(pd.user_id).where(pd.metric == metric, pd.day.between(first, last)))
    return parts[0] if len(parts) == 1 else union(*parts)  # type: ignore[return-value]


def distinct_people(scope: Scope, period: Period, metric: str = ACTIVE) -> int:
    """How many of the scope's people have `metric` on any day of the period."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(_members(scope), User.id.in_(_people_with(period, metric)))
        )
        or 0
    )


def distinct_people_series(scope: Scope, period: Period, metric: str = ACTIVE) -> list[int]:
    """Distinct people with `metric` per bucket (for a person: their active days per bucket).

    Whole weeks and months come from the period roll-up in one query; a bucket
    cut by the range's ends is counted over its days in range.
    """
    buckets = period.buckets()
    index = {key: i for i, key in enumerate(buckets)}
    values = [0] * len(buckets)
    if scope.kind == "person" or period.bucket == "day":
        column = getattr(PersonDay, period.bucket)
        counted = PersonDay.day if scope.kind == "person" else PersonDay.user_id
        pairs = (
            select(column.label("bucket"), counted.label("counted"))
            .join(User, User.id == PersonDay.user_id)
            .where(
                PersonDay.metric == metric,
                PersonDay.day >= period.start,
                PersonDay.day <= period.end,
                _members(scope),
            )
            .distinct()
            .subquery()
        )
        rows: Any = db.session.execute(
            select(pairs.c.bucket, func.count()).group_by(pairs.c.bucket)
        )
        for key, count in rows:
            values[index[rollups.as_date(key)]] = int(count)
        return values
    whole = [b for b in buckets if b >= period.start and period.bucket_end(b) <= period.end]
    kind = "w" if period.bucket == "week" else "m"
    rows = db.session.execute(
        select(PersonPeriod.start, func.count())
        .join(User, User.id == PersonPeriod.user_id)
        .where(
            PersonPeriod.kind == kind,
            PersonPeriod.metric == metric,
            PersonPeriod.start.in_(whole),
            _members(scope),
        )
        .group_by(PersonPeriod.start)
    )
    for key, count in rows:
        values[index[rollups.as_date(key)]] = int(count)
    for key in buckets:
        if key not in whole:
            cut = Period(max(key, period.start), min(period.bucket_end(key), period.end))
            values[index[key]] = distinct_people(scope, cut, metric)
    return values


def active_days(user_id: int, period: Period) -> int:
    """On how many days of the period the person did anything counted."""
    return (
        db.session.scalar(
            select(func.count(func.distinct(PersonDay.day))).where(
                PersonDay.user_id == user_id,
                PersonDay.metric == ACTIVE,
                PersonDay.day >= period.start,
                PersonDay.day <= period.end,
            )
        )
        or 0
    )


def personal_bulletins(user: User, period: Period) -> tuple[int, int]:
    """(bulletins published for the person in the period, how many of them they acknowledged)."""
    since, until = start_of(period.start), start_of(period.end + timedelta(days=1))
    published = select(Bulletin.id).where(
        audience_filter(user), Bulletin.published_at >= since, Bulletin.published_at < until
    )
    audience = db.session.scalar(select(func.count()).select_from(published.subquery())) or 0
    acknowledged = (
        db.session.scalar(
            select(func.count()).where(
                BulletinRead.user_id == user.id,
                BulletinRead.acknowledged_at.is_not(None),
                BulletinRead.bulletin_id.in_(published),
            )
        )
        or 0
    )
    return audience, acknowledged


def potential_reach(scope: Scope) -> dict[str, int]:
    """Declared followers per network: the person's, the team's or everyone's (profiles)."""
    from portal.profiles import services as profiles

    if scope.kind != "person":
        return profiles.potential_reach(scope.team_id if scope.kind == "team" else None)
    person = db.session.get(User, scope.user_id)
    profile = profiles.get_profile(person) if person is not None else None
    return {n: profile.followers_on(n) if profile else 0 for n in NETWORKS}


# --- the summary ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Summary:
    """Every headline figure of a dashboard."""

    scope: Scope
    period: Period
    counts: dict[str, int]
    people: int
    active_people: int
    active_advocates: int
    potential_reach: dict[str, int]
    click_value_cents: int
    currency: str
    bulletins: tuple[int, int] = (0, 0)  # audience, acknowledged
    extra: dict[str, Any] = field(default_factory=dict)

    def count(self, metric: str) -> int:
        return self.counts.get(metric, 0)

    @property
    def participation(self) -> int | None:
        """Percent of the scope's people active in the period (a person: of the days)."""
        if self.scope.kind == "person":
            return percent(self.active_people, self.period.days)
        return percent(self.active_people, self.people)

    @property
    def shares(self) -> int:
        return self.count("shares")

    @property
    def clicks(self) -> int:
        return self.count("clicks")

    @property
    def shares_by_network(self) -> dict[str, int]:
        return {n: self.count(shares_of(n)) for n in NETWORKS}

    @property
    def clicks_by_network(self) -> dict[str, int]:
        return {n: self.count(clicks_of(n)) for n in NETWORKS}

    @property
    def clicks_per_share(self) -> float | None:
        return round(self.clicks / self.shares, 2) if self.shares else None

    @property
    def earned_media_value_cents(self) -> int:
        return self.clicks * self.click_value_cents

    @property
    def quiz_average(self) -> int | None:
        attempts = self.count(QUIZ_ATTEMPTS)
        return percent(self.count(QUIZ_SCORE_SUM), 100 * attempts) if attempts else None

    @property
    def bulletin_rate(self) -> int | None:
        return percent(self.bulletins[1], self.bulletins[0])

    @property
    def total_potential_reach(self) -> int:
        return sum(self.potential_reach.values())


def summarise(scope: Scope, period: Period) -> Summary:
    """Every headline figure of `scope` over `period`, from the roll-ups."""
    settings = rollups.current_settings()
    counts = totals(scope, period, COUNTED)
    if scope.kind == "person":
        person = db.session.get_one(User, scope.user_id)
        return Summary(
            scope,
            period,
            counts,
            people=1,
            active_people=active_days(person.id, period),
            active_advocates=int(counts["shares"] > 0),
            potential_reach=potential_reach(scope),
            click_value_cents=settings.click_value_cents,
            currency=settings.currency,
            bulletins=personal_bulletins(person, period),
        )
    return Summary(
        scope,
        period,
        counts,
        people=people(scope),
        active_people=distinct_people(scope, period),
        active_advocates=distinct_people(scope, period, "shares"),
        potential_reach=potential_reach(scope),
        click_value_cents=settings.click_value_cents,
        currency=settings.currency,
        bulletins=(counts[BULLETIN_AUDIENCE], counts[BULLETIN_ACKNOWLEDGED]),
    )


@dataclass(frozen=True)
class TeamRow:
    """One team's line in the company's comparison table."""

    team_id: int
    name: str
    people: int
    active: int
    shares: int
    clicks: int
    lessons: int

    @property
    def participation(self) -> int | None:
        return percent(self.active, self.people)


# How the company's team comparison can be ordered: a measure's label and the roll-up metric
# it sums (None: today's active members). Highest first, then by name.
TEAM_ORDERS = {
    "shares": ("shares", "shares"),
    "clicks": ("clicks", "clicks"),
    "lessons": ("lessons", "lessons_completed"),
    "people": ("people", None),
}


def team_count() -> int:
    """How many teams the company has."""
    return db.session.scalar(select(func.count()).select_from(Team)) or 0


def _ranked_teams(period: Period, by: str, limit: int | None, offset: int) -> list[Any]:
    """(id, name) of the teams in the order asked for, cut to `limit` in SQL."""
    stmt = select(Team.id, Team.name)
    if by in TEAM_ORDERS:
        metric = TEAM_ORDERS[by][1]
        if metric is None:
            measured = (
                select(User.team_id.label("team_id"), func.count().label("value"))
                .where(User.active.is_(True), User.team_id.is_not(None))
                .group_by(User.team_id)
            )
        else:
            measured = (
                select(TeamDay.team_id.label("team_id"), func.sum(TeamDay.value).label("value"))
                .where(
                    TeamDay.day >= period.start, TeamDay.day <= period.end, TeamDay.metric == metric
                )
                .group_by(TeamDay.team_id)
            )
        sub = measured.subquery()
        stmt = stmt.outerjoin(sub, sub.c.team_id == Team.id).order_by(
            func.coalesce(sub.c.value, 0).desc()
        )
    stmt = stmt.order_by(func.lower(Team.name), Team.id)
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return list(db.session.execute(stmt).all())


def team_table(
    period: Period, by: str = "name", limit: int | None = None, offset: int = 0
) -> list[TeamRow]:
    """Teams' people, participation, shares, clicks and lessons (four queries).

    `by` is a key of TEAM_ORDERS (highest first) or "name". With a `limit`, only
    that many teams are chosen, in SQL, and only they are counted: a company of
    thousands of teams costs what a page of them costs.
    """
    teams = _ranked_teams(period, by, limit, offset)
    if not teams:
        return []
    member: ColumnElement[bool] = User.team_id.is_not(None)
    rolled: ColumnElement[bool] = true()
    if limit is not None:
        ids = [team_id for team_id, _ in teams]
        member, rolled = User.team_id.in_(ids), TeamDay.team_id.in_(ids)
    members = dict(
        db.session.execute(
            select(User.team_id, func.count())
            .where(User.active.is_(True), member)
            .group_by(User.team_id)
        ).all()
    )
    active = dict(
        db.session.execute(
            select(User.team_id, func.count())
            .where(User.active.is_(True), member, User.id.in_(_people_with(period, ACTIVE)))
            .group_by(User.team_id)
        ).all()
    )
    sums: dict[tuple[int, str], int] = {
        (team_id, metric): int(value or 0)
        for team_id, metric, value in db.session.execute(
            select(TeamDay.team_id, TeamDay.metric, func.sum(TeamDay.value))
            .where(
                rolled,
                TeamDay.day >= period.start,
                TeamDay.day <= period.end,
                TeamDay.metric.in_(["shares", "clicks", "lessons_completed"]),
            )
            .group_by(TeamDay.team_id, TeamDay.metric)
        )
    }
    return [
        TeamRow(
            team_id,
            name,
            members.get(team_id, 0),
            active.get(team_id, 0),
            sums.get((team_id, "shares"), 0),
            sums.get((team_id, "clicks"), 0),
            sums.get((team_id, "lessons_completed"), 0),
        )
        for team_id, name in teams
    ]


def money(cents: int, currency: str) -> str:
    """An amount for people to read: "$1,234.50", "€12.00", "1,000.00 CHF"."""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£"}.get(currency)
    amount = f"{cents // 100:,}.{cents % 100:02d}"
    return f"{symbol}{amount}" if symbol else f"{amount} {currency}"
