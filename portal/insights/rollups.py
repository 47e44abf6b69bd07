"""Daily roll-ups: the small tables the dashboards read instead of the raw event tables.

`recompute(start, end)` rebuilds every roll-up row of those days (UTC) from
the truth: the activity log (lessons, shares, clicks, ideas, bulletins
acknowledged and whatever else a domain counts), finished quiz attempts, and
the network of each share and click. It deletes the days' rows and inserts
them again in the caller's transaction, so running it twice changes nothing.
Bulletin acknowledgement is keyed to the day a bulletin was published (a
rate needs its audience); acknowledgements trickle in for days after, so the
nightly job recomputes those for the last 30 days.

Rows are grouped in SQL (one query per source and chunk of days); a person
counts in the team they were in when they acted (the activity log's
`team_id`); quiz attempts, which do not record it, in their team now.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Integer, and_, case, cast, delete, func, insert, literal, select, text

from portal.accounts.models import User
from portal.advocacy.models import Network, ShareClick, TrackedLink
from portal.bulletins.audience import audience_members
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus
from portal.db import db, insert_ignore, utcnow
from portal.gamification.models import ActivityEntry
from portal.insights.models import NO_TEAM, InsightsSettings, PersonDay, PersonPeriod, TeamDay
from portal.learning.records import QuizAttempt

ACTIVE = "active"  # value 1 on each day a person did something counted themselves
QUIZ_ATTEMPTS = "quiz_attempts"  # finished quiz attempts
QUIZ_SCORE_SUM = "quiz_score_sum"  # the sum of their scores (percent)
BULLETIN_AUDIENCE = "bulletin_audience"  # by the day a bulletin was published
BULLETIN_ACKNOWLEDGED = "bulletin_acknowledged"  # ... and how many of them acknowledged it
BULLETIN_METRICS = (BULLETIN_AUDIENCE, BULLETIN_ACKNOWLEDGED)
PERIOD_METRICS = (ACTIVE, "shares")  # what people figures count: the active, the advocates
# Credited to a person for what others did (a visitor clicked their link, an owner accepted
# their idea, their team won): counted, but not a sign that the person was active.
PASSIVE = frozenset({"clicks", "ideas_accepted", "challenges_won", QUIZ_SCORE_SUM})
NETWORKS = [n.value for n in Network]
RECENT_DAYS = 3  # the nightly run recomputes today and the two days before
BULLETIN_DAYS = 30  # ... and the bulletins published in the last 30 days
CHUNK_DAYS = 31  # days grouped per query, so memory stays bounded on long ranges
DEFAULT_CLICK_CENTS = 100  # what a click is worth until an admin says otherwise
_LOCK_KEY = 0x1A51  # PostgreSQL advisory lock: one recompute at a time


def shares_of(network: str) -> str:
    """The metric name of shares on one network ("shares.linkedin")."""
    return f"shares.{network}"


def clicks_of(network: str) -> str:
    """The metric name of clicks on links shared on one network ("clicks.x")."""
    return f"clicks.{network}"


def week_of(day: date) -> date:
    """The Monday of the ISO week of `day`."""
    return day - timedelta(days=day.weekday())


def month_of(day: date) -> date:
    """The first day of the month of `day`."""
    return day.replace(day=1)


def utc_day(column: Any) -> Any:
    """SQL: the UTC date of a timestamp column, on PostgreSQL and SQLite alike."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    return func.date(column)  # SQLite stores UTC text: "YYYY-MM-DD HH:MM:SS..."


def as_date(value: Any) -> date:
    """A date from what the database returned (a date, or ISO text from SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def start_of(day: date) -> datetime:
    """Midnight UTC at the start of `day`."""
    return datetime.combine(day, time(0), tzinfo=UTC)


@dataclass(frozen=True)
class RollupResult:
    """What a recompute wrote."""

    start: date
    end: date
    person_rows: int
    team_rows: int


Key = tuple[int, date, str, int]  # user, day, metric, team


def _activity(since: datetime, until: datetime) -> Iterator[tuple[Any, ...]]:
    """(day, user, team, metric, count) for every logged action, plus shares per network."""
    entry = ActivityEntry
    day = utc_day(entry.occurred_at)
    team = func.coalesce(entry.team_id, NO_TEAM)
    window = and_(entry.occurred_at >= since, entry.occurred_at < until)
    yield from db.session.execute(
        select(day, entry.user_id, team, entry.metric, func.count())
        .where(window)
        .group_by(day, entry.user_id, team, entry.metric)
    )
    # The share's subject names its network: "content:<item>:<network>".
    network = case(
        *[(entry.subject.like(f"%:{n}"), literal(shares_of(n))) for n in NETWORKS],
        else_=literal(shares_of("other")),
    )
    yield from db.session.execute(
        select(day, entry.user_id, team, network, func.count())
        .where(window, entry.metric == "shares")
        .group_by(day, entry.user_id, team, network)
    )
    # A click's subject is "click:<share click id>"; its link knows the network.
    clicked = case(
        *[(TrackedLink.network == n, literal(clicks_of(n))) for n in NETWORKS],
        else_=literal(clicks_of("other")),
    )
    click_id = cast(func.substr(entry.subject, 7), Integer)
    yield from db.session.execute(
        select(day, entry.user_id, team, clicked, func.count())
        .join(ShareClick, ShareClick.id == click_id)
        .join(TrackedLink, TrackedLink.id == ShareClick.link_id)
        .where(window, entry.metric == "clicks", entry.subject.like("click:%"))
        .group_by(day, entry.user_id, team, clicked)
    )


def _quizzes(since: datetime, until: datetime) -> Iterator[tuple[Any, ...]]:
    """(day, user, team, metric, value): finished attempts and the sum of their scores."""
    day = utc_day(QuizAttempt.finished_at)
    team = func.coalesce(User.team_id, NO_TEAM)
    rows = db.session.execute(
        select(day, QuizAttempt.user_id, team, func.count(), func.sum(QuizAttempt.score))
        .join(User, User.id == QuizAttempt.user_id)
        .where(
            QuizAttempt.finished_at >= since,
            QuizAttempt.finished_at < until,
            QuizAttempt.score.is_not(None),
        )
        .group_by(day, QuizAttempt.user_id, team)
    )
    for on, user_id, team_id, attempts, scores in rows:
        yield on, user_id, team_id, QUIZ_ATTEMPTS, attempts
        yield on, user_id, team_id, QUIZ_SCORE_SUM, scores or 0


def person_rows(first: date, last: date) -> dict[Key, int]:
    """Every person-day roll-up row of `first`..`last`, computed from the raw tables."""
    since, until = start_of(first), start_of(last + timedelta(days=1))
    values: dict[Key, int] = defaultdict(int)
    for on, user_id, team_id, metric, count in [*_activity(since, until), *_quizzes(since, until)]:
        values[(int(user_id), as_date(on), str(metric), int(team_id))] += int(count)
    for user_id, on, metric, team_id in list(values):
        if metric not in PASSIVE and not metric.startswith("clicks."):
            values[(user_id, on, ACTIVE, team_id)] = 1
    return values


def bulletin_rows(first: date, last: date) -> dict[tuple[date, int, str], int]:
    """Audience and acknowledgements per team of the bulletins published `first`..`last`.

    The audience is the bulletin's active people now, as on its statistics page.
    """
    since, until = start_of(first), start_of(last + timedelta(days=1))
    values: dict[tuple[date, int, str], int] = defaultdict(int)
    bulletins = db.session.scalars(
        select(Bulletin).where(
            Bulletin.status == BulletinStatus.PUBLISHED,
            Bulletin.published_at >= since,
            Bulletin.published_at < until,
        )
    )
    for bulletin in bulletins:
        assert bulletin.published_at is not None  # noqa: S101 - filtered above
        on = bulletin.published_at.astimezone(UTC).date()
        team = func.coalesce(User.team_id, NO_TEAM)
        rows = db.session.execute(
            select(team, func.count(User.id), func.count(BulletinRead.acknowledged_at))
            .select_from(User)
            .outerjoin(
                BulletinRead,
                and_(BulletinRead.user_id == User.id, BulletinRead.bulletin_id == bulletin.id),
            )
            .where(audience_members(bulletin))
            .group_by(team)
        )
        for team_id, audience, acknowledged in rows:
            values[(on, int(team_id), BULLETIN_AUDIENCE)] += int(audience)
            values[(on, int(team_id), BULLETIN_ACKNOWLEDGED)] += int(acknowledged)
    return values


def chunks(first: date, last: date) -> Iterator[tuple[date, date]]:
    """`first`..`last` in runs of at most CHUNK_DAYS days."""
    while first <= last:
        end = min(last, first + timedelta(days=CHUNK_DAYS - 1))
        yield first, end
        first = end + timedelta(days=1)


def _lock() -> None:
    # Two recomputes of the same days at once (the hourly and the nightly run) would
    # both insert the rows the other just deleted. SQLite already has one writer.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _write_bulletins(first: date, last: date) -> int:
    db.session.execute(
        delete(TeamDay).where(
            TeamDay.day >= first, TeamDay.day <= last, TeamDay.metric.in_(BULLETIN_METRICS)
        )
    )
    rows = [
        {"day": on, "team_id": team_id, "metric": metric, "value": value}
        | {"week": week_of(on), "month": month_of(on)}
        for (on, team_id, metric), value in bulletin_rows(first, last).items()
    ]
    if rows:
        db.session.execute(insert(TeamDay), rows)
    return len(rows)


def write_periods(first: date, last: date) -> None:
    """Rebuild the weeks and months that days `first`..`last` fall in, from the person days.

    A week or month reaching outside the days is summed whole from the person
    days, so it is right as long as its other days were rolled up already.
    """
    pd, pp = PersonDay, PersonPeriod
    for kind, column, starts in (
        ("w", pd.week, (week_of(first), week_of(last))),
        ("m", pd.month, (month_of(first), month_of(last))),
    ):
        db.session.execute(
            delete(pp).where(pp.kind == kind, pp.start >= starts[0], pp.start <= starts[1])
        )
        per_person = (
            select(literal(kind), pd.metric, column, pd.user_id, func.count(func.distinct(pd.day)))
            .where(column >= starts[0], column <= starts[1], pd.metric.in_(PERIOD_METRICS))
            .group_by(pd.metric, column, pd.user_id)
        )
        db.session.execute(
            insert(pp).from_select(["kind", "metric", "start", "user_id", "days"], per_person)
        )


def recompute(first: date, last: date, now: datetime | None = None) -> RollupResult:
    """Rebuild the roll-ups of days `first`..`last` (UTC, at most today); flushes, never commits.

    Deletes those days' rows and inserts them again from the raw tables, so a
    second run (or one over days already done) leaves the same rows.
    """
    now = now or utcnow()
    last = min(last, now.astimezone(UTC).date())
    _lock()
    people = 0
    for a, b in chunks(first, last):
        db.session.execute(delete(PersonDay).where(PersonDay.day >= a, PersonDay.day <= b))
        values = person_rows(a, b)
        if values:
            db.session.execute(
                insert(PersonDay),
                [
                    {"user_id": u, "day": d, "metric": m, "team_id": t, "value": v}
                    | {"week": week_of(d), "month": month_of(d)}
                    for (u, d, m, t), v in values.items()
                ],
            )
        people += len(values)
        db.session.execute(delete(TeamDay).where(TeamDay.day >= a, TeamDay.day <= b))
        pd = PersonDay
        summed = (
            select(pd.day, pd.team_id, pd.metric, pd.week, pd.month, func.sum(pd.value))
            .where(pd.day >= a, pd.day <= b)
            .group_by(pd.day, pd.team_id, pd.metric, pd.week, pd.month)
        )
        db.session.execute(
            insert(TeamDay).from_select(
                ["day", "team_id", "metric", "week", "month", "value"], summed
            )
        )
        _write_bulletins(a, b)
    write_periods(first, last)  # once, after every day of the range is in
    teams = db.session.scalar(
        select(func.count()).select_from(TeamDay).where(TeamDay.day >= first, TeamDay.day <= last)
    )
    settings = current_settings()
    settings.rolled_up_at = now
    db.session.flush()
    return RollupResult(first, last, people, teams or 0)


def recompute_bulletins(first: date, last: date) -> int:
    """Rebuild only the bulletin acknowledgement roll-ups of bulletins published `first`..`last`."""
    _lock()
    return sum(_write_bulletins(a, b) for a, b in chunks(first, last))


def recompute_recent(now: datetime | None = None) -> RollupResult:
    """The nightly window: the last RECENT_DAYS days, and bulletins of the last BULLETIN_DAYS."""
    now = now or utcnow()
    today = now.astimezone(UTC).date()
    result = recompute(today - timedelta(days=RECENT_DAYS - 1), today, now=now)
    recompute_bulletins(today - timedelta(days=BULLETIN_DAYS - 1), today)
    return result


def current_settings() -> InsightsSettings:
    """The settings row, made with the defaults the first time it is needed."""
    settings = db.session.get(InsightsSettings, 1)
    if settings is None:
        # One INSERT ... ON CONFLICT DO NOTHING: two first requests at once make one row.
        insert_ignore(InsightsSettings, id=1, click_value_cents=DEFAULT_CLICK_CENTS, currency="USD")
        settings = db.session.get_one(InsightsSettings, 1)
    return settings
