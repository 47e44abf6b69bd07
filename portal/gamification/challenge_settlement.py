"""Settling challenges: who won, paying them exactly once, and telling everyone taking part.

When a challenge is settled:
- a team's own challenge is won as soon as the team reaches the target
  (settled then, without waiting for the end), and lost if it has not by the end;
- a race between two teams is decided at the end: the team ahead wins,
  provided it reached the target; a tie at the top shares the win, and if
  no team reached the target nobody wins.
The winners are the winning team's active members at settlement. Each gets
the challenge's points (ledger key "challenge_won:<person>:challenge:<id>"),
a "challenges_won" activity and a `ChallengeWon` event (the badges domain
issues the reward badge from it); everyone taking part is notified.

Exactly once: the settler first claims the challenge with one
`UPDATE challenges SET settled_at = now WHERE id = ? AND settled_at IS NULL
AND cancelled_at IS NULL`; only the transaction whose UPDATE changed the row
goes on (on PostgreSQL a concurrent one waits for the row and then finds it
settled; SQLite runs writers one at a time). The ledger's unique keys are the
second guard.

Importing this module registers the "challenge_won" point rule, the
"challenges_won" metric, the subscribers that settle a team's challenge the
moment it reaches its target, and the "challenge ending" reminder.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update

from portal.accounts.models import User
from portal.db import db, read_only_transactions, utcnow
from portal.events import publish, subscribe
from portal.gamification.activity import record_activity, register_metric
from portal.gamification.challenge_models import Challenge, ChallengeTeam
from portal.gamification.challenge_progress import Standing, standings, team_progress
from portal.gamification.challenges import (
    NOT_CHALLENGEABLE,
    POINTS,
    SETTLE_GRACE,
    WON_ACTION,
    challenge_path,
    to_local,
)
from portal.gamification.events import ActivityRecorded, ChallengeWon, PointsEarned
from portal.gamification.points import award_fixed
from portal.gamification.subscribers import DEFAULT_RULES
from portal.notifications.reminders import Due, notice_kind, reminder
from portal.notifications.services import notify

# The rule is a switch and a label: each challenge sets its own reward; its points are
# what the form suggests. Seeded by migration 0008.
DEFAULT_RULES.update({WON_ACTION: ("Win a team challenge", 100, None)})
register_metric("challenges_won", "Team challenges won")

RESULT_KIND = "challenge_result"
notice_kind(RESULT_KIND, "Results of your team's challenges")
_ENQUEUED = "challenges_to_settle"  # session.info: settlements already asked for


@dataclass(frozen=True)
class Settlement:
    """What settling a challenge decided."""

    challenge_id: int
    standings: list[Standing]
    winning_team_ids: list[int]
    winner_ids: list[int]


def is_due(challenge: Challenge, current: list[Standing], now: datetime) -> bool:
    """Over (plus the grace period), or a team's own challenge whose target is reached."""
    if challenge.finished or now < challenge.starts_at:
        return False
    if now >= challenge.ends_at + SETTLE_GRACE:
        return True
    return not challenge.versus and now < challenge.ends_at and current[0].reached


def winning_teams(challenge: Challenge, final: list[Standing]) -> list[int]:
    """The teams that won, by the rules in this module's docstring."""
    reached = [s for s in final if s.reached]
    if not reached:
        return []
    best = max(s.value for s in reached)
    return [s.team_id for s in reached if s.value == best]


def settle_challenge(challenge_id: int, now: datetime | None = None) -> Settlement | None:
    """Settle a challenge if it is due: decide, pay, notify. None if not due or done already."""
    now = now or utcnow()
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or challenge.finished:
        return None
    final = standings(challenge)
    if not is_due(challenge, final, now):
        return None
    claimed = db.session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge_id,
            Challenge.settled_at.is_(None),
            Challenge.cancelled_at.is_(None),
        )
        .values(settled_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], claimed).rowcount != 1:
        return None  # settled or cancelled by someone else meanwhile
    db.session.refresh(challenge)
    won = winning_teams(challenge, final)
    for side, standing in zip(challenge.sides, final, strict=True):
        side.final_progress = standing.value
        side.won = side.team_id in won
    db.session.flush()
    final = standings(challenge)  # now frozen, with the results
    winners = _active_members(won)
    for person in winners:
        award_fixed(person, WON_ACTION, f"challenge:{challenge.id}", challenge.reward_points, now)
        record_activity(person, "challenges_won", f"challenge:{challenge.id}", now)
        publish(ChallengeWon(person.id, now, challenge.id, challenge.reward_badge_id))
    _notify_result(challenge, final, won, now)
    return Settlement(challenge.id, final, won, [p.id for p in winners])


def _active_members(team_ids: list[int]) -> list[User]:
    if not team_ids:
        return []
    return list(
        db.session.scalars(
            select(User).where(User.team_id.in_(team_ids), User.active.is_(True)).order_by(User.id)
        )
    )


def _notify_result(
    challenge: Challenge, final: list[Standing], won: list[int], now: datetime
) -> None:
    names = {s.team_id: s.team_name for s in final}
    for standing in final:
        if standing.team_id in won:
            title = f"Your team won “{challenge.title}”"
            if challenge.reward_points:
                title += f": +{challenge.reward_points} points each"
        elif not challenge.versus:
            title = f"“{challenge.title}” ended at {standing.value} of {challenge.target}"
        elif won:
            title = f"{' and '.join(names[t] for t in won)} won “{challenge.title}”"
        else:
            title = f"“{challenge.title}” ended: no team reached {challenge.target}"
        members = [p.id for p in _active_members([standing.team_id])]
        notify(
            members,
            RESULT_KIND,
            title,
            challenge_path(challenge.id),
            subject=f"challenge:{challenge.id}",
            body=f"{standing.team_name}: {standing.value} of {challenge.target}.",
            now=now,
        )


def due_challenge_ids(now: datetime, limit: int = 200) -> list[int]:
    """Challenges that need settling now (read-only; each is checked again when settled)."""
    with read_only_transactions():
        candidates = db.session.scalars(
            select(Challenge)
            .where(
                Challenge.settled_at.is_(None),
                Challenge.cancelled_at.is_(None),
                Challenge.starts_at <= now,
            )
            .where(
                (Challenge.ends_at <= now - SETTLE_GRACE)
                | (Challenge.versus.is_(False) & (Challenge.ends_at > now))
            )
            .order_by(Challenge.ends_at, Challenge.id)
            .limit(limit)
        ).all()
        due = [c.id for c in candidates if is_due(c, standings(c), now)]
        db.session.rollback()
    return due


# --- settling the moment a team reaches its target --------------------------------------


def _check_reached(team_id: int | None, metric: str, at: datetime) -> None:
    """Ask for settlement (after commit) of the team's running own challenges now reached."""
    if team_id is None:
        return
    running = db.session.scalars(
        select(Challenge)
        .join(ChallengeTeam, ChallengeTeam.challenge_id == Challenge.id)
        .where(
            ChallengeTeam.team_id == team_id,
            Challenge.metric == metric,
            Challenge.versus.is_(False),
            Challenge.settled_at.is_(None),
            Challenge.cancelled_at.is_(None),
            Challenge.starts_at <= at,
            Challenge.ends_at > at,
        )
    ).all()
    asked: set[int] = db.session.info.setdefault(_ENQUEUED, set())
    for challenge in running:
        if challenge.id not in asked and team_progress(challenge, team_id) >= challenge.target:
            from portal.queue import enqueue_after_commit

            enqueue_after_commit("jobs.challenges.settle_challenge", challenge.id)
            asked.add(challenge.id)


@subscribe(ActivityRecorded)
def _activity_recorded(event: ActivityRecorded) -> None:
    if event.metric not in NOT_CHALLENGEABLE:
        _check_reached(event.team_id, event.metric, event.occurred_at)


@subscribe(PointsEarned)
def _points_earned(event: PointsEarned) -> None:
    if event.points > 0 and event.action != WON_ACTION:
        team_id = db.session.scalar(select(User.team_id).where(User.id == event.user_id))
        _check_reached(team_id, POINTS, event.occurred_at)


# --- reminder ------------------------------------------------------------------------------


def _when(moment: datetime, now: datetime, timezone: str) -> str:
    local, today = to_local(moment, timezone), to_local(now, timezone).date()
    day = "today" if local.date() == today else "tomorrow"
    return f"{day} at {local:%H:%M}"


# Sent up to a day before the end; an email held by quiet hours past that is no use.
@reminder("challenge_ending", "Challenges ending soon", stale_after=timedelta(hours=6))
def challenges_ending(now: datetime) -> Iterable[Due]:
    """A reminder to everyone in a team whose running challenge ends within a day (one query)."""
    rows = db.session.execute(
        select(Challenge.id, Challenge.title, Challenge.ends_at, User.id, User.timezone)
        .join(ChallengeTeam, ChallengeTeam.challenge_id == Challenge.id)
        .join(User, User.team_id == ChallengeTeam.team_id)
        .where(
            User.active.is_(True),
            Challenge.settled_at.is_(None),
            Challenge.cancelled_at.is_(None),
            Challenge.starts_at <= now,
            Challenge.ends_at > now,
            Challenge.ends_at <= now + timedelta(days=1),
        )
        .order_by(Challenge.id, User.id)
    ).all()
    return [
        Due(
            user_id=user_id,
            subject=f"challenge:{challenge_id}",
            title=f"“{title}” ends {_when(ends_at, now, timezone)}",
            url=challenge_path(challenge_id),
            period="",  # once per challenge: it ends only once
            body="There is still time to help your team reach the target.",
        )
        for challenge_id, title, ends_at, user_id, timezone in rows
    ]
