"""What the content library adds to reminders and digests, and the paths notices link to.

The "share later" reminder is delivered by its own scheduled job
(jobs/advocacy.py); the reminder provider here is the safety net for a job
that Redis lost: it returns the same notices (same kind, subject and period),
so whichever runs first delivers and the other changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import cast

from flask import current_app, has_request_context, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.advocacy.models import ContentItem, ContentStatus, ShareReminder, content_item_teams
from portal.advocacy.sharing import reminder_period
from portal.db import db
from portal.notifications.reminders import DigestItem, Due, digest_section, reminder

SHARE_LATER = "share_later"
SAFETY_WINDOW = timedelta(days=2)  # reminders older than this are stale, not sent late
DIGEST_ITEMS = 5


def content_path(item_id: int) -> str:
    """The path of an item's share page (for notifications made in jobs as well as requests)."""
    if has_request_context():
        return url_for("content.item", item_id=item_id)
    with current_app.test_request_context("/"):
        return url_for("content.item", item_id=item_id)


def share_later_title(item: ContentItem) -> str:
    return f"Reminder: share “{item.title}”"


def _is_live(item: ContentItem, now: datetime) -> bool:
    return item.is_live(now)


def _can_see(user: User, item: ContentItem) -> bool:
    return item.for_everyone or any(t.id == user.team_id for t in item.teams)


@reminder(SHARE_LATER, "Content you asked to share later")
def due_share_reminders(now: datetime) -> list[Due]:
    """Share-later reminders that are due and not sent (at most two days late)."""
    rows = db.session.execute(
        select(ShareReminder, ContentItem, User)
        .join(ContentItem, ContentItem.id == ShareReminder.item_id)
        .join(User, User.id == ShareReminder.user_id)
        .options(selectinload(ContentItem.teams))
        .where(
            ShareReminder.sent_at.is_(None),
            ShareReminder.remind_at <= now,
            ShareReminder.remind_at > now - SAFETY_WINDOW,
            User.active.is_(True),
        )
    )
    due: list[Due] = []
    for remind, item, user in rows:
        if _is_live(item, now) and _can_see(user, item):
            due.append(
                Due(
                    user_id=user.id,
                    subject=f"content:{item.id}",
                    title=share_later_title(item),
                    url=content_path(item.id),
                    period=reminder_period(remind),
                )
            )
    return due


@digest_section("content", "New content to share")
def new_content(user_ids: list[int], since: datetime, now: datetime) -> dict[int, list[DigestItem]]:
    """Items published since the last digest that each person can share (three queries)."""
    items = list(
        db.session.scalars(
            select(ContentItem)
            .where(
                ContentItem.status == ContentStatus.PUBLISHED,
                ContentItem.published_at >= since,
                ContentItem.published_at < now,
            )
            .order_by(ContentItem.published_at.desc())
            .limit(50)
        )
    )
    items = [i for i in items if _is_live(i, now)]
    if not items or not user_ids:
        return {}
    rows = db.session.execute(select(User.id, User.team_id).where(User.id.in_(user_ids)))
    team_of = {user_id: team_id for user_id, team_id in rows}
    audiences: dict[int, set[int]] = defaultdict(set)
    pairs = db.session.execute(
        select(content_item_teams.c.item_id, content_item_teams.c.team_id).where(
            content_item_teams.c.item_id.in_([i.id for i in items])
        )
    )
    for item_id, team_id in pairs:
        audiences[cast(int, item_id)].add(cast(int, team_id))
    found: dict[int, list[DigestItem]] = {}
    for user_id in user_ids:
        team_id = team_of.get(user_id)
        mine = [i for i in items if i.for_everyone or team_id in audiences[i.id]]
        if mine:
            found[user_id] = [
                DigestItem(i.title, content_path(i.id), i.campaign or i.summary[:120])
                for i in mine[:DIGEST_ITEMS]
            ]
    return found
