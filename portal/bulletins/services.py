"""Bulletins: writing them, and publishing them exactly once, now or at a chosen time.

A scheduled bulletin is published by `publish_if_due`, a single conditional
UPDATE (status scheduled -> published, only once its time has come), so
however many jobs, sweeps or workers try at the same moment, exactly one
publishes it and enqueues the notice to its audience. Reading them is in
`portal.bulletins.reading`, who they are for in `portal.bulletins.audience`.
Bad input raises `BulletinError`; an actor who is not an admin gets
`PermissionDenied`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.accounts.models import Team, User
from portal.accounts.services import require_admin
from portal.bulletins.events import BulletinPublished
from portal.bulletins.models import (
    Bulletin,
    BulletinNetwork,
    BulletinStatus,
    Category,
    Network,
)
from portal.db import db, run_after_commit
from portal.events import publish
from portal.learning.models import Lesson, Module, Status
from portal.queue import DEFAULT_RETRY, enqueue_after_commit, get_queue, get_redis

log = logging.getLogger(__name__)

MAX_TITLE, MAX_SUMMARY, MAX_BODY = 140, 300, 20_000
MAX_ACTION_ITEMS, MAX_ACTION_ITEM = 5, 200
MAX_SCHEDULE_AHEAD = timedelta(days=366)
PUBLISH_JOB = "jobs.bulletins.publish_bulletin"
NOTIFY_JOB = "jobs.bulletins.notify_audience"


class BulletinError(ValueError):
    """Input a bulletin cannot take; `field` names the form field it is about, if one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class BulletinInput:
    """What an admin writes: everything but the publication time."""

    title: str
    summary: str
    body: str
    category: str
    networks: list[str] = field(default_factory=list)
    action_items: str | list[str] = ""
    lesson_id: int | None = None
    for_everyone: bool = True
    team_ids: list[int] = field(default_factory=list)
    pinned: bool = False


# --- writing -----------------------------------------------------------------------------


def _clean_text(value: str, limit: int, name: str, label: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise BulletinError(f"Give the bulletin a {label}.", name)
    if len(value) > limit:
        raise BulletinError(f"Keep the {label} under {limit} characters.", name)
    return value


def parse_action_items(value: str | list[str]) -> list[str]:
    """Action items from one-per-line text (blank lines and list bullets dropped)."""
    lines = value.splitlines() if isinstance(value, str) else list(value)
    items = [line.strip().lstrip("-*•").strip() for line in lines]
    items = [item for item in items if item]
    if len(items) > MAX_ACTION_ITEMS:
        raise BulletinError(f"Keep it to {MAX_ACTION_ITEMS} action items.", "action_items")
    if any(len(item) > MAX_ACTION_ITEM for item in items):
        raise BulletinError(
            f"Keep each action item under {MAX_ACTION_ITEM} characters.", "action_items"
        )
    return items


def linkable_lessons() -> list[Lesson]:
    """Lessons of published modules, by module and position: what a bulletin may link to."""
    return list(
        db.session.scalars(
            select(Lesson)
            .join(Module)
            .where(Module.status == Status.PUBLISHED)
            .options(selectinload(Lesson.module))
            .order_by(func.lower(Module.title), Module.id, Lesson.position, Lesson.id)
        )
    )


def _check_lesson(lesson_id: int | None) -> int | None:
    if lesson_id is None:
        return None
    found = db.session.scalar(
        select(Lesson.id)
        .join(Module)
        .where(Lesson.id == lesson_id, Module.status == Status.PUBLISHED)
    )
    if found is None:
        raise BulletinError("Choose a published lesson from the list.", "lesson_id")
    return found


def _teams(for_everyone: bool, team_ids: list[int]) -> list[Team]:
    if for_everyone:
        return []
    ids = set(team_ids)
    teams = list(db.session.scalars(select(Team).where(Team.id.in_(ids)))) if ids else []
    if len(teams) != len(ids):
        raise BulletinError("Choose teams from the list.", "teams")
    if not teams:
        raise BulletinError("Choose at least one team, or send it to everyone.", "teams")
    return sorted(teams, key=lambda t: t.name.lower())


def _apply(bulletin: Bulletin, data: BulletinInput) -> None:
    bulletin.title = _clean_text(data.title, MAX_TITLE, "title", "title", required=True)
    bulletin.summary = _clean_text(data.summary, MAX_SUMMARY, "summary", "summary", required=True)
    bulletin.body = _clean_text(data.body, MAX_BODY, "body", "text", required=False)
    try:
        bulletin.category = Category(data.category)
    except ValueError:
        raise BulletinError("Choose a category.", "category") from None
    try:
        networks = {Network(n) for n in data.networks}
    except ValueError:
        raise BulletinError("Choose networks from the list.", "networks") from None
    if not networks:
        raise BulletinError(
            "Tick the networks it concerns (all of them if it's general).", "networks"
        )
    current = {row.network: row for row in bulletin.network_rows}
    bulletin.network_rows = [current.get(n) or BulletinNetwork(network=n) for n in sorted(networks)]
    bulletin.action_items = parse_action_items(data.action_items)
    bulletin.lesson_id = _check_lesson(data.lesson_id)
    bulletin.pinned = bool(data.pinned)
    # Once published, the audience stays: its notices and statistics are about those people.
    if bulletin.status != BulletinStatus.PUBLISHED:
        bulletin.teams = _teams(data.for_everyone, data.team_ids)
        bulletin.for_everyone = bool(data.for_everyone)


def create_bulletin(actor: User, data: BulletinInput) -> Bulletin:
    """Write a new draft bulletin. Raises BulletinError on bad input."""
    require_admin(actor)
    bulletin = Bulletin(status=BulletinStatus.DRAFT, created_by_id=actor.id)
    _apply(bulletin, data)
    db.session.add(bulletin)
    db.session.flush()
    return bulletin


def update_bulletin(actor: User, bulletin: Bulletin, data: BulletinInput) -> Bulletin:
    """Change a bulletin's content (a published one keeps its audience)."""
    require_admin(actor)
    _apply(bulletin, data)
    db.session.flush()
    return bulletin


def get_bulletin(actor: User, bulletin_id: int) -> Bulletin:
    """Any bulletin, for an admin to edit; NotFound if there is none."""
    require_admin(actor)
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None:
        raise NotFound()
    return bulletin


def all_bulletins(actor: User) -> list[Bulletin]:
    """Every bulletin for the admin list: scheduled first (soonest first), then newest."""
    require_admin(actor)
    order = {
        BulletinStatus.SCHEDULED: 0,
        BulletinStatus.DRAFT: 1,
        BulletinStatus.PUBLISHED: 2,
        BulletinStatus.CANCELLED: 3,
    }
    bulletins = db.session.scalars(
        select(Bulletin).options(selectinload(Bulletin.teams), selectinload(Bulletin.network_rows))
    ).all()

    def key(b: Bulletin) -> tuple[int, float]:
        if b.status == BulletinStatus.SCHEDULED and b.publish_at is not None:
            return (0, b.publish_at.timestamp())  # the next to go out first
        return (order[b.status], -(b.published_at or b.created_at).timestamp())

    return sorted(bulletins, key=key)


# --- publishing ----------------------------------------------------------------------------


def publish_job_id(bulletin_id: int, publish_at: datetime) -> str:
    """The RQ job id of the publication of `bulletin_id` at `publish_at` (one per time)."""
    return f"bulletin-{bulletin_id}-publish-{int(publish_at.timestamp())}"


def _enqueue_publication(bulletin_id: int, publish_at: datetime) -> None:
    """Schedule the publish job in Redis (after commit; the sweep covers a failure)."""
    try:
        get_queue().enqueue_at(
            publish_at,
            PUBLISH_JOB,
            bulletin_id,
            job_id=publish_job_id(bulletin_id, publish_at),
            retry=DEFAULT_RETRY,
        )
    except redis.RedisError as exc:
        log.warning("bulletin %s: publish job not scheduled, the sweep will publish it: %s",
                    bulletin_id, exc)  # fmt: skip


def _drop_publication(job_id: str) -> None:
    """Remove a scheduled publish job that is no longer wanted (best effort: it re-checks)."""
    try:
        job = Job.fetch(job_id, connection=get_redis())
        if job.get_status() == JobStatus.SCHEDULED:
            job.delete()
    except (NoSuchJobError, redis.RedisError):
        pass


def _forget_schedule(bulletin: Bulletin) -> None:
    if bulletin.status == BulletinStatus.SCHEDULED and bulletin.publish_at is not None:
        stale = publish_job_id(bulletin.id, bulletin.publish_at)
        run_after_commit(lambda: _drop_publication(stale))


def _require_unpublished(bulletin: Bulletin) -> None:
    if bulletin.status == BulletinStatus.PUBLISHED:
        raise BulletinError("This bulletin is already published.")


def publish_now(actor: User, bulletin: Bulletin, now: datetime) -> None:
    """Publish a draft, scheduled or cancelled bulletin at once and notify its audience."""
    require_admin(actor)
    _require_unpublished(bulletin)
    _forget_schedule(bulletin)
    bulletin.status = BulletinStatus.SCHEDULED
    bulletin.publish_at = now
    db.session.flush()
    publish_if_due(bulletin.id, now)


def schedule(actor: User, bulletin: Bulletin, publish_at: datetime, now: datetime) -> None:
    """Publish the bulletin at `publish_at` (in the future); a new time replaces the old one.

    A job is scheduled for the new time once the transaction commits; the job
    for an old time is dropped, and would do nothing anyway (it re-checks).
    """
    require_admin(actor)
    _require_unpublished(bulletin)
    if publish_at.tzinfo is None:
        raise ValueError("publish_at must be timezone-aware")
    if publish_at.microsecond:
        # RQ schedules to the whole second, rounding down: round up, so the job never runs early.
        publish_at = publish_at.replace(microsecond=0) + timedelta(seconds=1)
    if publish_at <= now:
        raise BulletinError("Choose a time in the future, or publish it now.", "publish_at")
    if publish_at > now + MAX_SCHEDULE_AHEAD:
        raise BulletinError("Choose a time within the next year.", "publish_at")
    if bulletin.status == BulletinStatus.SCHEDULED and bulletin.publish_at == publish_at:
        return
    _forget_schedule(bulletin)
    bulletin.status = BulletinStatus.SCHEDULED
    bulletin.publish_at = publish_at
    db.session.flush()
    bulletin_id = bulletin.id
    run_after_commit(lambda: _enqueue_publication(bulletin_id, publish_at))


def make_draft(actor: User, bulletin: Bulletin) -> None:
    """Take a scheduled or cancelled bulletin back to draft (its scheduled job is dropped)."""
    require_admin(actor)
    _require_unpublished(bulletin)
    _forget_schedule(bulletin)
    bulletin.status = BulletinStatus.DRAFT
    bulletin.publish_at = None
    db.session.flush()


def cancel(actor: User, bulletin: Bulletin) -> None:
    """Cancel a draft or scheduled bulletin: it will not be published."""
    require_admin(actor)
    _require_unpublished(bulletin)
    _forget_schedule(bulletin)
    # Conditional, so a cancel racing the publication cannot undo a bulletin already out.
    db.session.execute(
        update(Bulletin)
        .where(Bulletin.id == bulletin.id, Bulletin.status != BulletinStatus.PUBLISHED)
        .values(status=BulletinStatus.CANCELLED, publish_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(bulletin)
    if bulletin.status == BulletinStatus.PUBLISHED:
        raise BulletinError("Too late: this bulletin has just been published.")


def publish_if_due(bulletin_id: int, now: datetime) -> bool:
    """Publish a scheduled bulletin whose time has come; True if this call published it.

    One conditional UPDATE claims it: of any number of concurrent callers
    (jobs run twice, the sweep, a second worker) exactly one sees a row
    changed, and only that one publishes the event and enqueues the notice.
    """
    claimed = db.session.execute(
        update(Bulletin)
        .where(
            Bulletin.id == bulletin_id,
            Bulletin.status == BulletinStatus.SCHEDULED,
            Bulletin.publish_at <= now,
        )
        .values(status=BulletinStatus.PUBLISHED, published_at=now)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return False
    bulletin = db.session.get(Bulletin, bulletin_id, populate_existing=True)
    assert bulletin is not None  # noqa: S101 - it was just updated
    publish(BulletinPublished(bulletin.created_by_id or 0, now, bulletin.id))
    enqueue_after_commit(NOTIFY_JOB, bulletin.id)
    return True


def due_bulletin_ids(now: datetime, limit: int = 100) -> list[int]:
    """Scheduled bulletins whose time has come (the sweep publishes any whose job was lost)."""
    return list(
        db.session.scalars(
            select(Bulletin.id)
            .where(Bulletin.status == BulletinStatus.SCHEDULED, Bulletin.publish_at <= now)
            .order_by(Bulletin.publish_at, Bulletin.id)
            .limit(limit)
        )
    )
