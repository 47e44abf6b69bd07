"""Notifying people: one row per person and notice, delivered once.

`notify` is what other domains call (inside their own transaction, after
their rows are flushed). It never sends email itself; delivery by email, per
the person's preferences, happens in a job after commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.db import insert_ignore, utcnow
from portal.notifications.models import Notification


def notify(
    user_ids: Iterable[int],
    kind: str,
    title: str,
    url: str = "",
    *,
    subject: str = "",
    period: str = "",
    body: str = "",
    now: datetime | None = None,
) -> list[int]:
    """Notify each person once per (kind, subject, period); return the new notifications' ids.

    `kind` names what it is about ("idea_status", "bulletin_published", ...);
    `subject` the thing ("idea:12"); `period` separates repeats that should be
    delivered again ("2026-11-25" for a daily reminder; "" for once ever).
    `url` is a path inside Beacon, never a URL taken from a request.
    """
    now = now or utcnow()
    created: list[int] = []
    for user_id in dict.fromkeys(user_ids):
        new = insert_ignore(
            Notification,
            key=f"{kind}:{user_id}:{subject}:{period}"[:200],
            user_id=user_id,
            kind=kind,
            subject=subject,
            title=title[:200],
            body=body,
            url=url,
            created_at=now,
        )
        if new is not None:
            created.append(new)
    return created
