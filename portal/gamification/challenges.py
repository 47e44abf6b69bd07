"""Team challenges: who may set and see them, and the rules for setting, editing and cancelling.

A leader sets a challenge for their own team, alone or racing one other team;
an admin, for any team. People see the challenges their team takes part in
(anything else is a 404); admins see all. A challenge can be edited until it
starts and cancelled until it is settled. challenge_progress.py counts each
team's progress; challenge_settlement.py decides the winners and pays them once.

Functions flush; the caller commits. Forbidden actions raise
`PermissionDenied`, challenges outside the person's team raise `NotFound`,
bad input raises `ChallengeError` naming the form field.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, select, update
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied
from portal.db import db, run_after_commit, utcnow
from portal.gamification.activity import METRICS
from portal.gamification.challenge_models import Challenge, ChallengeTeam

POINTS = "points"
WON_ACTION = "challenge_won"  # the ledger action of a challenge's reward
# Metrics a challenge does not count: winning challenges is what a challenge rewards.
NOT_CHALLENGEABLE = {"challenges_won"}
MAX_TITLE, MAX_DESCRIPTION = 120, 2000
MAX_TARGET, MAX_REWARD = 1_000_000, 1000
MAX_LENGTH = timedelta(days=366)
# Settled a little after the end, so actions finished just before it still count.
SETTLE_GRACE = timedelta(minutes=1)


class ChallengeError(ValueError):
    """Input that breaks a rule of challenges; `field` names the form field it concerns."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def challenge_path(challenge_id: int) -> str:
    """The challenge's page, for notifications (services do not call url_for)."""
    return f"/challenges/{challenge_id}"


def metric_choices() -> dict[str, str]:
    """Metric -> label: every activity metric registered so far, plus points."""
    choices = {name: label for name, label in METRICS.items() if name not in NOT_CHALLENGEABLE}
    choices[POINTS] = "Points earned"
    return choices


def metric_label(metric: str) -> str:
    """What people see for a metric (a metric no longer registered keeps a readable name)."""
    return metric_choices().get(metric) or metric.replace("_", " ").capitalize()


def local_to_utc(moment: datetime, timezone: str) -> datetime:
    """A wall-clock time chosen in `timezone` (naive, as a form gives it) as an aware UTC time."""
    return moment.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def to_local(moment: datetime, timezone: str) -> datetime:
    """An aware time as wall-clock time in `timezone`."""
    return moment.astimezone(ZoneInfo(timezone))


# --- who may do what ------------------------------------------------------------------------


def can_create(actor: User) -> bool:
    """Admins, and leaders who have a team, set challenges."""
    if not actor.active:
        return False
    return actor.role == Role.ADMIN or (actor.role == Role.LEADER and actor.team_id is not None)


def can_manage(actor: User, challenge: Challenge) -> bool:
    """Admins, and the leaders of the team that set it, edit and cancel a challenge."""
    if not actor.active:
        return False
    if actor.role == Role.ADMIN:
        return True
    return actor.role == Role.LEADER and actor.team_id == challenge.team_id


def can_view(viewer: User, challenge: Challenge) -> bool:
    """Admins see every challenge; everyone else, those their team takes part in."""
    return viewer.role == Role.ADMIN or (
        viewer.team_id is not None and viewer.team_id in challenge.team_ids
    )


def get_challenge(viewer: User, challenge_id: int) -> Challenge:
    """The challenge, if `viewer` may see it; raises NotFound otherwise (so it does not leak)."""
    challenge = db.session.get(Challenge, challenge_id)
    if challenge is None or not can_view(viewer, challenge):
        raise NotFound()
    return challenge


def own_team_choices(actor: User) -> list[Team]:
    """The teams `actor` may set a challenge for: all for an admin, a leader's own team."""
    if actor.role == Role.ADMIN:
        return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))))
    return [actor.team] if can_create(actor) and actor.team is not None else []


def opponent_choices() -> list[Team]:
    """Every team (a challenge can race any other team)."""
    return list(db.session.scalars(select(Team).order_by(func.lower(Team.name))))


def default_reward() -> int:
    """The points a new challenge offers unless its creator changes them (the rule's points)."""
    from portal.gamification.models import PointRule

    rule = db.session.scalar(select(PointRule).where(PointRule.action == WON_ACTION))
    return rule.points if rule is not None and rule.active else 0


# --- setting, editing and cancelling -------------------------------------------------------


@dataclass(frozen=True)
class ChallengeInput:
    """What a leader or admin chose; times are aware (UTC), None where a field was left empty."""

    title: str
    metric: str
    target: int | None
    starts_at: datetime | None
    ends_at: datetime | None
    team_id: int | None
    opponent_team_id: int | None = None
    reward_points: int | None = 0
    reward_badge_id: int | None = None
    description: str = ""


def _validated(actor: User, data: ChallengeInput, now: datetime) -> tuple[Team, Team | None]:
    """Check every rule of a challenge's input; return its team and opponent."""
    if not can_create(actor):
        raise PermissionDenied("Only admins and team leaders set challenges.")
    if not data.title.strip():
        raise ChallengeError("Give the challenge a title.", "title")
    if len(data.title.strip()) > MAX_TITLE:
        raise ChallengeError(f"Keep the title under {MAX_TITLE} characters.", "title")
    if len(data.description) > MAX_DESCRIPTION:
        raise ChallengeError(f"Keep it under {MAX_DESCRIPTION} characters.", "description")
    if data.metric not in metric_choices():
        raise ChallengeError("Choose what to count from the list.", "metric")
    if data.target is None or data.target < 1:
        raise ChallengeError("Set a target of at least 1.", "target")
    if data.target > MAX_TARGET:
        raise ChallengeError(f"Set a target of at most {MAX_TARGET:,}.", "target")
    if data.starts_at is None:
        raise ChallengeError("Choose when it starts.", "starts_at")
    if data.ends_at is None:
        raise ChallengeError("Choose when it ends.", "ends_at")
    if data.ends_at <= data.starts_at:
        raise ChallengeError("The end must come after the start.", "ends_at")
    if data.ends_at <= now:
        raise ChallengeError("The end is in the past: choose a later one.", "ends_at")
    if data.ends_at - data.starts_at > MAX_LENGTH:
        raise ChallengeError("A challenge can last a year at most.", "ends_at")
    team = db.session.get(Team, data.team_id) if data.team_id else None
    if team is None:
        raise ChallengeError("Choose a team from the list.", "team_id")
    if actor.role != Role.ADMIN and team.id != actor.team_id:
        raise PermissionDenied("Leaders set challenges for their own team only.")
    opponent = None
    if data.opponent_team_id:
        opponent = db.session.get(Team, data.opponent_team_id)
        if opponent is None:
            raise ChallengeError("Choose a team from the list.", "opponent_team_id")
        if opponent.id == team.id:
            raise ChallengeError("Choose another team to race against.", "opponent_team_id")
    if data.reward_points is None or not 0 <= data.reward_points <= MAX_REWARD:
        raise ChallengeError(f"Reward between 0 and {MAX_REWARD} points.", "reward_points")
    if data.reward_badge_id is not None and data.reward_badge_id not in dict(badge_choices()):
        raise ChallengeError("Choose a badge from the list.", "reward_badge_id")
    return team, opponent


def _apply(challenge: Challenge, data: ChallengeInput, team: Team, opponent: Team | None) -> None:
    challenge.title = data.title.strip()
    challenge.description = data.description.strip()
    challenge.metric = data.metric
    challenge.target = cast(int, data.target)
    challenge.starts_at = cast(datetime, data.starts_at)
    challenge.ends_at = cast(datetime, data.ends_at)
    challenge.reward_points = cast(int, data.reward_points)
    challenge.reward_badge_id = data.reward_badge_id
    challenge.team_id = team.id
    challenge.versus = opponent is not None
    wanted = [team.id] + ([opponent.id] if opponent else [])
    if [side.team_id for side in challenge.sides] != wanted:
        challenge.sides.clear()
        db.session.flush()  # the old sides go before new ones with the same keys come
        challenge.sides.extend(ChallengeTeam(team_id=t, position=i) for i, t in enumerate(wanted))


def create_challenge(actor: User, data: ChallengeInput, now: datetime | None = None) -> Challenge:
    """Set a challenge for a team (or two); its settlement is scheduled for after its end."""
    now = now or utcnow()
    team, opponent = _validated(actor, data, now)
    challenge = Challenge(created_by_id=actor.id, created_at=now)
    _apply(challenge, data, team, opponent)
    db.session.add(challenge)
    db.session.flush()
    schedule_settlement(challenge)
    return challenge


def update_challenge(
    actor: User, challenge: Challenge, data: ChallengeInput, now: datetime | None = None
) -> None:
    """Change a challenge that has not started yet; raises ChallengeError once it has."""
    now = now or utcnow()
    if not can_manage(actor, challenge):
        raise PermissionDenied("Only admins and the team's leaders change this challenge.")
    if challenge.finished or now >= challenge.starts_at:
        raise ChallengeError("It has started, so it can no longer be changed (only cancelled).")
    team, opponent = _validated(actor, data, now)
    ends_before = challenge.ends_at
    _apply(challenge, data, team, opponent)
    db.session.flush()
    if challenge.ends_at != ends_before:
        schedule_settlement(challenge)


def cancel_challenge(actor: User, challenge: Challenge, now: datetime | None = None) -> None:
    """Call a challenge off; raises ChallengeError if it was settled (or cancelled) already.

    One conditional UPDATE, so a settlement running at the same moment either
    finds it cancelled or has already paid (and then this refuses).
    """
    if not can_manage(actor, challenge):
        raise PermissionDenied("Only admins and the team's leaders cancel this challenge.")
    result = db.session.execute(
        update(Challenge)
        .where(
            Challenge.id == challenge.id,
            Challenge.settled_at.is_(None),
            Challenge.cancelled_at.is_(None),
        )
        .values(cancelled_at=now or utcnow())
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        raise ChallengeError("It is over already: a settled challenge cannot be cancelled.")
    db.session.refresh(challenge)


def schedule_settlement(challenge: Challenge) -> None:
    """After commit, have RQ settle the challenge once its end has passed.

    Best effort (a Redis outage is logged): the periodic sweep settles any
    challenge this misses, and settling is keyed, so running both is harmless.
    """
    from portal.queue import DEFAULT_RETRY, get_queue

    challenge_id, at = challenge.id, challenge.ends_at + SETTLE_GRACE

    def enqueue() -> None:
        get_queue().enqueue_at(
            at,
            "jobs.challenges.settle_challenge",
            challenge_id,
            job_id=f"challenge-{challenge_id}-settle-{int(at.timestamp())}",
            retry=DEFAULT_RETRY,
        )

    run_after_commit(enqueue)


def badge_choices() -> list[tuple[int, str]]:
    """The badges a challenge can give (active "challenge" badges), as (id, name)."""
    from portal.gamification.badges import challenge_rewards

    return [(badge.id, badge.name) for badge in challenge_rewards()]


DEMO_CHALLENGE = "Lesson sprint"


def load_demo_challenge() -> int:
    """The demo's challenge: Marketing completes 10 lessons in two weeks; 1 if added, else 0."""
    team = db.session.scalar(select(Team).where(func.lower(Team.name) == "marketing"))
    leaders = team.leaders if team is not None else []
    if team is None or not leaders:
        return 0
    leader = leaders[0]
    exists = db.session.scalar(
        select(Challenge.id).where(Challenge.team_id == team.id, Challenge.title == DEMO_CHALLENGE)
    )
    if exists is not None:
        return 0
    today = to_local(utcnow(), leader.timezone).replace(hour=0, minute=0, second=0, microsecond=0)
    create_challenge(
        leader,
        ChallengeInput(
            title=DEMO_CHALLENGE,
            description="Ten lessons between us in two weeks. Every lesson anyone "
            "in the team completes counts.",
            metric="lessons_completed",
            target=10,
            starts_at=today.astimezone(UTC),
            ends_at=(today + timedelta(days=14)).astimezone(UTC),
            team_id=team.id,
            reward_points=50,
        ),
    )
    return 1
