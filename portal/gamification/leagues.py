"""Weekly leagues: joining a cohort, week XP, and closing a cohort when its week is over.

A person joins this week's league the first time they earn points in it
(`add_league_xp`, called from the PointsEarned subscriber in the award's own
transaction). They play in the tier their last league sent them to (new
people: the lowest), in the first cohort of that tier with a free seat;
newcomers in the lowest tier get cohorts of their own. When a week is over,
`close_cohort` ranks each cohort once, stores every member's rank, outcome and
next tier, publishes LeagueWeekFinished and notifies them; a closed cohort is
never closed again, so the rollover job can run twice, or twice at once.

Services flush; the caller (subscriber's request, job) commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import case, func, literal, select, update

from portal.accounts.models import User
from portal.db import UTCDateTime, db, insert_ignore, utcnow
from portal.events import publish
from portal.gamification.events import LeagueWeekFinished
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.league_rules import (
    COHORT_SIZE,
    DEMOTED,
    PROMOTED,
    STAYED,
    Result,
    is_newcomer,
    results,
    tier,
    week_end,
    week_of,
    week_start,
)
from portal.notifications.services import notify

LEAGUES_PATH = "/leagues"  # where notifications point (services do not call url_for)
SEAT_ATTEMPTS = 20


class LeagueError(ValueError):
    """A league change that cannot be made; the message says why."""


def membership(user_id: int, week: str) -> LeagueMembership | None:
    """The person's membership of a week's league, or None if they have not joined it."""
    return db.session.scalar(
        select(LeagueMembership).where(
            LeagueMembership.week == week, LeagueMembership.user_id == user_id
        )
    )


def latest_before(user_id: int, week: str) -> LeagueMembership | None:
    """The person's most recent league before `week` (None if they never played)."""
    return db.session.scalar(
        select(LeagueMembership)
        .where(LeagueMembership.user_id == user_id, LeagueMembership.week < week)
        .order_by(LeagueMembership.week.desc())
        .limit(1)
    )


def ranked_members(cohort_id: int) -> list[tuple[int, int, int]]:
    """(membership id, user id, xp) of a cohort, best first: XP, then who reached it first."""
    rows = db.session.execute(
        select(LeagueMembership.id, LeagueMembership.user_id, LeagueMembership.xp)
        .where(LeagueMembership.cohort_id == cohort_id)
        .order_by(LeagueMembership.xp.desc(), LeagueMembership.xp_reached_at, LeagueMembership.id)
    ).all()
    return [(int(m), int(u), int(xp)) for m, u, xp in rows]


def result_of(member: LeagueMembership, now: datetime | None = None) -> Result | None:
    """How a membership's week ended: as stored by the rollover, or as it will store it.

    None while the week is still running. Between the end of a week and its
    rollover the XP can no longer change, so the result computed here is the
    one the rollover will write.
    """
    if member.outcome is not None and member.rank is not None and member.next_tier is not None:
        size = member.cohort.size
        return Result(
            member.id, member.user_id, member.rank, member.outcome, member.next_tier,
            member.xp, size,
        )  # fmt: skip
    if week_end(member.week) > (now or utcnow()):
        return None
    ranked = results(member.cohort.tier, ranked_members(member.cohort_id))
    return next((r for r in ranked if r.membership_id == member.id), None)


def tier_for_week(user: User, week: str) -> tuple[int, bool]:
    """The tier the person plays in during `week`, and whether they played a league before."""
    last = latest_before(user.id, week)
    if last is None:
        return 1, False
    result = result_of(last, now=week_start(week))
    return (result.next_tier if result else last.cohort.tier), True


def _open_seat(week: str, tier_number: int, newcomer: bool, moment: datetime) -> int:
    """Take a seat in the first open cohort of its kind with room, opening one if all are full.

    The seat is a conditional `size + 1` that fails on a full cohort, and a new
    cohort's number is unique per kind: two people joining at once can neither
    overfill a cohort nor open two.
    """
    kind = (
        LeagueCohort.week == week,
        LeagueCohort.tier == tier_number,
        LeagueCohort.newcomer.is_(newcomer),
    )
    for _ in range(SEAT_ATTEMPTS):
        cohort_id = db.session.scalar(
            select(LeagueCohort.id)
            .where(*kind, LeagueCohort.closed_at.is_(None), LeagueCohort.size < COHORT_SIZE)
            .order_by(LeagueCohort.number)
            .limit(1)
        )
        if cohort_id is None:
            last = db.session.scalar(select(func.max(LeagueCohort.number)).where(*kind))
            insert_ignore(
                LeagueCohort, week=week, tier=tier_number, newcomer=newcomer,
                number=(last or 0) + 1, size=0, created_at=moment,
            )  # fmt: skip
            continue
        taken = db.session.execute(
            update(LeagueCohort)
            .where(
                LeagueCohort.id == cohort_id,
                LeagueCohort.size < COHORT_SIZE,
                LeagueCohort.closed_at.is_(None),
            )
            .values(size=LeagueCohort.size + 1)
            .returning(LeagueCohort.id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if taken is not None:
            return int(taken)
    raise LeagueError("No league cohort had a free seat; try again.")


def join_league(user: User, moment: datetime | None = None) -> LeagueMembership:
    """Place the person in the league of the week of `moment` (their membership if they are in).

    Their tier is where last week's result sent them (new people: 1). People
    in the lowest tier who are new (first league, or joined Beacon in the
    last two weeks) play in newcomer cohorts. Flushes; the caller commits.
    """
    moment = moment or utcnow()
    week = week_of(moment)
    existing = membership(user.id, week)
    if existing is not None:
        return existing
    tier_number, has_played = tier_for_week(user, week)
    newcomer = tier_number == 1 and is_newcomer(user.joined_on, moment, has_played)
    cohort_id = _open_seat(week, tier_number, newcomer, moment)
    new_id = insert_ignore(
        LeagueMembership, week=week, user_id=user.id, cohort_id=cohort_id, xp=0,
        xp_reached_at=moment, joined_at=moment,
    )  # fmt: skip
    if new_id is None:  # joined at the same moment by another transaction: give the seat back
        db.session.execute(
            update(LeagueCohort)
            .where(LeagueCohort.id == cohort_id)
            .values(size=LeagueCohort.size - 1)
            .execution_options(synchronize_session=False)
        )
        found = membership(user.id, week)  # the unique (week, user) row that refused ours
        if found is None:
            raise LeagueError("Could not join this week's league; try again.")
        return found
    return db.session.get_one(LeagueMembership, new_id)


def add_league_xp(
    user: User, points: int, moment: datetime, now: datetime | None = None
) -> LeagueMembership | None:
    """Count `points` earned at `moment` as league XP of that week, joining its league first.

    Only earning counts (points <= 0 do nothing), and only while the week runs:
    points reported late for a week that is over change nothing. Flushes.
    """
    now = now or utcnow()
    if points <= 0 or week_of(moment) != week_of(now):
        return None
    member = join_league(user, moment)
    at = literal(moment, UTCDateTime())
    db.session.execute(
        update(LeagueMembership)
        .where(LeagueMembership.id == member.id)
        .values(
            xp=LeagueMembership.xp + points,
            xp_reached_at=case(
                (LeagueMembership.xp_reached_at < at, at), else_=LeagueMembership.xp_reached_at
            ),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.expire(member, ["xp", "xp_reached_at"])
    return member


# --- the rollover ---------------------------------------------------------------------


def cohorts_due(now: datetime | None = None) -> list[int]:
    """Ids of the open cohorts whose week is over, oldest week first."""
    current = week_of(now or utcnow())
    return list(
        db.session.scalars(
            select(LeagueCohort.id)
            .where(LeagueCohort.closed_at.is_(None), LeagueCohort.week < current)
            .order_by(LeagueCohort.week, LeagueCohort.id)
        )
    )


def _message(outcome: str, cohort: LeagueCohort, moved: int) -> tuple[str, str]:
    """The notice for everyone of a cohort with this outcome (one text per outcome)."""
    played = tier(cohort.tier)
    if outcome == PROMOTED:
        after = tier(cohort.tier + 1)
        title = f"You were promoted to {after.name}"
        how = f"you finished in the top {moved}" if moved > 1 else "you finished first"
    elif outcome == DEMOTED:
        after = tier(cohort.tier - 1)
        title = f"You moved down to {after.name}"
        how = f"you finished in the last {moved}" if moved > 1 else "you finished last"
    else:
        title = f"You stay in {played.name}"
        how = "you held your place"
    return title, f"Week {cohort.week} of your {played.name} league is over: {how}."


def close_cohort(cohort_id: int, now: datetime | None = None) -> list[Result] | None:
    """Rank a finished week's cohort and store each member's result; None if it was closed.

    Locks the cohort first, so a second rollover running at the same time waits
    and then finds it closed. Publishes LeagueWeekFinished for each member and
    notifies them, one `notify` per outcome (notifications are keyed by person
    and week). A constant number of league statements per cohort, not per
    member. Raises LeagueError while the week runs.
    """
    now = now or utcnow()
    cohort = db.session.scalars(
        select(LeagueCohort)
        .where(LeagueCohort.id == cohort_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if cohort is None or cohort.closed_at is not None:
        return None
    ended = week_end(cohort.week)
    if ended > now:
        raise LeagueError(f"Week {cohort.week} is still running.")
    found = results(cohort.tier, ranked_members(cohort.id))
    if found:
        db.session.execute(
            update(LeagueMembership),
            [
                {"id": r.membership_id, "rank": r.rank, "outcome": r.outcome,
                 "next_tier": r.next_tier}
                for r in found
            ],
        )  # fmt: skip
    cohort.closed_at = now
    cohort.size = len(found)
    db.session.flush()
    for obj in list(db.session.identity_map.values()):  # the bulk UPDATE bypassed them
        if isinstance(obj, LeagueMembership) and obj.cohort_id == cohort.id:
            db.session.expire(obj)
    # Subscribers look each member up: load the cohort's people in one query (and hold
    # them, the identity map keeps only weak references) rather than one query each.
    ids = [r.user_id for r in found]
    members = list(db.session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    for result in found:
        publish(
            LeagueWeekFinished(
                result.user_id, ended, cohort.week, cohort.tier, result.rank, result.outcome
            )
        )
    # One notify per outcome, not per person: each sends the same words to a group.
    for outcome in (PROMOTED, STAYED, DEMOTED):
        group = [r.user_id for r in found if r.outcome == outcome]
        if group:
            title, body = _message(outcome, cohort, len(group))
            notify(
                group, "league_result", title, LEAGUES_PATH,
                subject=f"league:{cohort.week}", body=body, now=now,
            )  # fmt: skip
    del members
    return found
