"""Notifying people: one row per person and notice, delivered once.

`notify` is what other domains call (inside their own transaction, after
their rows are flushed). It never sends email itself: for the people who want
this kind by email it queues delivery rows, and the jobs that send them are
enqueued after commit (one per batch, not one per person). Everything here
works on many people at once in a bounded number of statements.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, String, Table, any_, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.notifications import preferences as prefs
from portal.notifications.delivery import NewEmail, queue_emails
from portal.notifications.models import Notification
from portal.notifications.reminders import Due, stale_after

KEY_CHUNK = 5000  # keys per array parameter when checking which are taken


def notification_key(kind: str, user_id: int, subject: str, period: str) -> str:
    """The unique key of a notice: (kind, person, subject, period)."""
    return f"{kind}:{user_id}:{subject}:{period}"[:200]


def taken_keys(keys: Sequence[str]) -> set[str]:
    """The notification keys among `keys` that are already delivered.

    On PostgreSQL the keys go as one array parameter: an `IN` list of a
    thousand placeholders is re-parsed by the driver on every execution
    (psycopg caches only short statements), which cost more than the query.
    """
    taken: set[str] = set()
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = select(Notification.key).where(
            Notification.key == any_(bindparam("keys", type_=ARRAY(String(200))))
        )
        for start in range(0, len(keys), KEY_CHUNK):
            taken.update(db.session.scalars(stmt, {"keys": list(keys[start : start + KEY_CHUNK])}))
        return taken
    for start in range(0, len(keys), prefs.IN_CHUNKS):
        chunk = keys[start : start + prefs.IN_CHUNKS]
        taken.update(
            db.session.scalars(select(Notification.key).where(Notification.key.in_(chunk)))
        )
    return taken


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
    `url` is a path inside Beacon, never a URL taken from a request. People
    who turned `kind` off in the app get no bell entry; those who want it by
    email get an email (after quiet hours), sent by a job after commit.
    """
    items = [
        Due(user_id=user_id, subject=subject, title=title, url=url, period=period, body=body)
        for user_id in dict.fromkeys(user_ids)
    ]
    return deliver(kind, items, now=now)


@dataclass(frozen=True)
class _Person:
    email: str
    timezone: str
    active: bool


def _people(user_ids: Sequence[int]) -> dict[int, _Person]:
    found: dict[int, _Person] = {}
    for start in range(0, len(user_ids), prefs.IN_CHUNKS):
        chunk = user_ids[start : start + prefs.IN_CHUNKS]
        for user_id, email, timezone, active in db.session.execute(
            select(User.id, User.email, User.timezone, User.active).where(User.id.in_(chunk))
        ):
            found[user_id] = _Person(email, timezone, active)
    return found


def _insert_notifications(values: list[dict[str, object]]) -> dict[str, int]:
    """Insert notifications, skipping keys already taken; return key -> id of the new ones."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    created: dict[str, int] = {}
    if not values:
        return created
    # One statement, executed as "insertmanyvalues": multi-row INSERTs of up to
    # 1,000 rows each, compiled once (a literal multi-row VALUES would compile anew
    # for every batch).
    table = cast(Table, Notification.__table__)
    rows = (
        db.session.connection()
        .execute(insert(table).on_conflict_do_nothing().returning(table.c.id, table.c.key), values)
        .all()
    )
    created.update({str(row.key): int(row.id) for row in rows})
    return created


def deliver(kind: str, items: Sequence[Due], now: datetime | None = None) -> list[int]:
    """Notify each item's person once per (kind, subject, period), per their preferences.

    One multi-row INSERT per CHUNK notifications and per CHUNK emails, plus one
    query per 900 people for their preferences and addresses: never one query
    per person. Flushes; returns the ids of the notifications made now.
    """
    now = now or utcnow()
    unique: dict[str, Due] = {}
    for item in items:
        unique.setdefault(notification_key(kind, item.user_id, item.subject, item.period), item)
    if not unique:
        return []
    user_ids = list(dict.fromkeys(item.user_id for item in unique.values()))
    chosen = prefs.prefs_for_many(user_ids)
    people = _people(user_ids)
    values: list[dict[str, object]] = []
    emailed: dict[str, Due] = {}
    for key, item in unique.items():
        wanted = chosen[item.user_id]
        in_app = wanted.wants(kind, prefs.IN_APP)
        person = people.get(item.user_id)
        email = person is not None and person.active and wanted.wants(kind, prefs.EMAIL)
        if person is None or not (in_app or email):
            continue
        values.append(
            {
                "key": key,
                "user_id": item.user_id,
                "kind": kind[:40],
                "subject": item.subject[:80],
                "title": item.title[:200],
                "body": item.body,
                "url": item.url[:300],
                "created_at": now,
                "read_at": None,
                "in_app": in_app,
            }
        )
        if email:
            emailed[key] = item
    created = _insert_notifications(values)
    emails: list[NewEmail] = []
    hold_limit = stale_after(kind)
    for key, item in emailed.items():
        notification_id = created.get(key)
        if notification_id is None:
            continue  # delivered before: the key was taken
        person = people[item.user_id]
        allowed = chosen[item.user_id].emails_allowed_at(now, person.timezone)
        stale_at = now + hold_limit if hold_limit is not None else None
        if stale_at is not None and allowed > stale_at:
            continue  # quiet hours would hold it past the point: the bell is enough
        emails.append(
            NewEmail(
                key=key,
                user_id=item.user_id,
                kind=kind,
                subject=item.title,
                payload={"title": item.title, "body": item.body, "url": item.url},
                not_before=allowed,
                notification_id=notification_id,
                stale_at=stale_at,
            )
        )
    queue_emails(emails, now)
    return [created[key] for key in unique if key in created]


# --- the bell and the list ----------------------------------------------------------------


def unread_count(user_id: int) -> int:
    """How many of the person's in-app notifications are unread."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.read_at.is_(None),
                Notification.in_app.is_(True),
            )
        )
        or 0
    )


@dataclass
class NotificationPage:
    """One page of a person's notifications, newest first."""

    items: list[Notification]
    page: int
    pages: int
    total: int
    unread: int
    query: str = ""


def list_notifications(user: User, page: int = 1, per_page: int = 30) -> NotificationPage:
    """The person's in-app notifications, newest first, one page of them."""
    mine = (Notification.user_id == user.id, Notification.in_app.is_(True))
    total = db.session.scalar(select(func.count()).select_from(Notification).where(*mine)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    items = list(
        db.session.scalars(
            select(Notification)
            .where(*mine)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    return NotificationPage(items, page, pages, total, unread_count(user.id))


def get_own(user: User, notification_id: int) -> Notification | None:
    """The person's own in-app notification with this id, else None (someone else's too)."""
    found = db.session.get(Notification, notification_id)
    if found is None or found.user_id != user.id or not found.in_app:
        return None
    return found


def mark_read(user: User, notification: Notification, now: datetime | None = None) -> None:
    """Mark one of the person's notifications read (flushes; reading twice changes nothing)."""
    if notification.user_id != user.id:
        raise LookupError(notification.id)
    if notification.read_at is None:
        notification.read_at = now or utcnow()
        db.session.flush()


def mark_all_read(user: User, now: datetime | None = None) -> int:
    """Mark every unread notification of the person read; return how many (one UPDATE)."""
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(cast(CursorResult[Any], result).rowcount or 0)
