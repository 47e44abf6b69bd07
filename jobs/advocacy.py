"""Jobs of the content library: the "share later" reminder, run by RQ's scheduler at its time."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.orm import selectinload

from portal.accounts.models import User
from portal.advocacy.models import ContentItem, ShareReminder
from portal.advocacy.notices import SHARE_LATER, content_path, share_later_title
from portal.advocacy.sharing import reminder_period
from portal.db import db, utcnow
from portal.notifications.services import notify

log = logging.getLogger(__name__)

# RQ's scheduler works in whole seconds: a job may start a moment before its time.
EARLY = timedelta(seconds=60)


def send_share_reminder(reminder_id: int) -> bool:
    """Notify the person to share the item now; True if a notice was delivered.

    Keyed like the reminder sweep's notice (kind, item, reminder time), so a
    second run, or the sweep, delivers nothing more. Does nothing if the
    reminder was moved to a later time, was sent, or the item is no longer
    live or visible to the person.
    """
    now = utcnow()
    reminder = db.session.get(ShareReminder, reminder_id)
    if reminder is None or reminder.sent_at is not None or reminder.remind_at > now + EARLY:
        db.session.rollback()
        return False
    item = db.session.get(ContentItem, reminder.item_id, options=[selectinload(ContentItem.teams)])
    user = db.session.get(User, reminder.user_id)
    visible = (
        item is not None
        and user is not None
        and user.active
        and item.is_live(now)
        and (item.for_everyone or any(t.id == user.team_id for t in item.teams))
    )
    delivered = False
    if visible:
        assert item is not None  # noqa: S101 - checked just above
        assert user is not None  # noqa: S101
        delivered = bool(
            notify(
                [user.id],
                SHARE_LATER,
                share_later_title(item),
                content_path(item.id),
                subject=f"content:{item.id}",
                period=reminder_period(reminder),
                now=now,
            )
        )
    reminder.sent_at = now
    db.session.commit()
    if delivered:
        log.info("share-later reminder %s delivered", reminder_id)
    return delivered
