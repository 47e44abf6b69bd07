"""What the notifications domain delivers for bulletins: reminders and the digest section.

Registered at import (portal.create_app imports this module). Each provider
answers for everyone at once in a fixed number of queries.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from flask import current_app, has_request_context, url_for
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus, bulletin_teams
from portal.db import db
from portal.notifications.reminders import DigestItem, Due, digest_section, notice_kind, reminder

# People are reminded of a bulletin they have not acknowledged once, after it
# has been out this long, as long as it is recent enough to matter.
REMIND_AFTER = timedelta(days=3)
REMIND_UNTIL = timedelta(days=14)

notice_kind("bulletin_published", "New bulletins")
notice_kind("bulletin_reminder", "Reminders to acknowledge a bulletin")


def bulletin_path(bulletin_id: int) -> str:
    """The bulletin's path inside Beacon (usable from jobs too)."""
    if has_request_context():
        return url_for("bulletins.show", bulletin_id=bulletin_id)
    with current_app.test_request_context("/"):
        return url_for("bulletins.show", bulletin_id=bulletin_id)


def _in_audience() -> object:
    return or_(
        Bulletin.for_everyone.is_(True),
        exists().where(
            bulletin_teams.c.bulletin_id == Bulletin.id, bulletin_teams.c.team_id == User.team_id
        ),
    )


@reminder("bulletin_unacknowledged", "Bulletins you have not acknowledged")
def unacknowledged_bulletins(now: datetime) -> list[Due]:
    """Each person's bulletins out for 3 to 14 days they have not acknowledged (one query)."""
    acknowledged = exists().where(
        BulletinRead.bulletin_id == Bulletin.id,
        BulletinRead.user_id == User.id,
        BulletinRead.acknowledged_at.is_not(None),
    )
    rows = db.session.execute(
        select(User.id, Bulletin.id, Bulletin.title)
        .select_from(User)
        .join(Bulletin, _in_audience())  # type: ignore[arg-type]
        .where(
            User.active.is_(True),
            Bulletin.status == BulletinStatus.PUBLISHED,
            Bulletin.published_at <= now - REMIND_AFTER,
            Bulletin.published_at > now - REMIND_UNTIL,
            ~acknowledged,
        )
        .order_by(User.id, Bulletin.id)
    )
    paths: dict[int, str] = {}
    due: list[Due] = []
    for user_id, bulletin_id, title in rows:
        if bulletin_id not in paths:
            paths[bulletin_id] = bulletin_path(bulletin_id)
        due.append(
            Due(
                user_id=user_id,
                subject=f"bulletin:{bulletin_id}",
                title=f"You have not acknowledged “{title}” yet",
                url=paths[bulletin_id],
                period="",  # once per bulletin
            )
        )
    return due


@digest_section("bulletins", "New bulletins")
def new_bulletins(
    user_ids: list[int], since: datetime, now: datetime
) -> dict[int, list[DigestItem]]:
    """The bulletins published in (since, now] for each person's audience (three queries)."""
    bulletins = list(
        db.session.scalars(
            select(Bulletin)
            .where(
                Bulletin.status == BulletinStatus.PUBLISHED,
                Bulletin.published_at > since,
                Bulletin.published_at <= now,
            )
            .options(selectinload(Bulletin.teams))
            .order_by(Bulletin.pinned.desc(), Bulletin.published_at.desc(), Bulletin.id.desc())
        )
    )
    if not bulletins or not user_ids:
        return {}
    items = {
        b.id: DigestItem(b.title, bulletin_path(b.id), f"{b.category.label} · {b.summary}")
        for b in bulletins
    }
    team_of = {
        user_id: team_id
        for user_id, team_id in db.session.execute(
            select(User.id, User.team_id).where(User.id.in_(user_ids), User.active.is_(True))
        )
    }
    digest: dict[int, list[DigestItem]] = defaultdict(list)
    for user_id, team_id in team_of.items():
        for b in bulletins:
            if b.for_everyone or any(t.id == team_id for t in b.teams):
                digest[user_id].append(items[b.id])
    return dict(digest)
