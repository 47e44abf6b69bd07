"""Reading bulletins: the archive, one bulletin, reads, "Got it" and the unread count.

People see the published bulletins of their audience; anything else is a
`NotFound` for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, func, or_, select, update
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.bulletins.audience import audience_filter
from portal.bulletins.events import BulletinAcknowledged
from portal.bulletins.models import Bulletin, BulletinNetwork, BulletinRead, Category, Network
from portal.db import db, insert_ignore
from portal.events import publish

# Only recent (or pinned) bulletins count as unread: a newcomer is not greeted by years of news.
UNREAD_WINDOW = timedelta(days=90)
PER_PAGE = 10


def _acknowledged_by(user_id: int) -> ColumnElement[bool]:
    return (
        exists()
        .where(
            BulletinRead.bulletin_id == Bulletin.id,
            BulletinRead.user_id == user_id,
            BulletinRead.acknowledged_at.is_not(None),
        )
        .correlate(Bulletin)
    )


def get_for_reader(user: User, bulletin_id: int) -> Bulletin:
    """A published bulletin in `user`'s audience; NotFound otherwise."""
    bulletin = db.session.scalar(
        select(Bulletin).where(Bulletin.id == bulletin_id, audience_filter(user))
    )
    if bulletin is None:
        raise NotFound()
    return bulletin


def reading_of(user: User, bulletin: Bulletin) -> BulletinRead | None:
    """The person's read/acknowledgement row for the bulletin, if they opened it."""
    return db.session.scalar(
        select(BulletinRead).where(
            BulletinRead.bulletin_id == bulletin.id, BulletinRead.user_id == user.id
        )
    )


def mark_read(user: User, bulletin: Bulletin, now: datetime) -> bool:
    """Record that `user` opened the bulletin (once); True if this was the first time."""
    return (
        insert_ignore(BulletinRead, bulletin_id=bulletin.id, user_id=user.id, read_at=now)
        is not None
    )


def acknowledge(user: User, bulletin_id: int, now: datetime) -> bool:
    """`user` presses "Got it": True the first time (and `BulletinAcknowledged` is published).

    NotFound for a bulletin outside the person's audience. Pressing it again,
    or twice at once, changes nothing: the acknowledgement is set only where
    it is still empty.
    """
    bulletin = get_for_reader(user, bulletin_id)
    new = insert_ignore(
        BulletinRead, bulletin_id=bulletin.id, user_id=user.id, read_at=now, acknowledged_at=now
    )
    if new is None:
        changed = db.session.execute(
            update(BulletinRead)
            .where(
                BulletinRead.bulletin_id == bulletin.id,
                BulletinRead.user_id == user.id,
                BulletinRead.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=now)
            .execution_options(synchronize_session=False)
        )
        if changed.rowcount != 1:  # type: ignore[attr-defined]
            return False
    publish(BulletinAcknowledged(user.id, now, bulletin.id))
    return True


def unread_count(user: User, now: datetime) -> int:
    """Published bulletins of the person's audience they have not acknowledged (one query).

    Only the last `UNREAD_WINDOW` counts, and pinned bulletins of any age.
    """
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Bulletin)
            .where(
                audience_filter(user),
                or_(Bulletin.published_at >= now - UNREAD_WINDOW, Bulletin.pinned.is_(True)),
                ~_acknowledged_by(user.id),
            )
        )
        or 0
    )


@dataclass
class ArchivePage:
    """One page of the archive, and what the person acknowledged on it."""

    bulletins: list[Bulletin]
    page: int
    pages: int
    total: int
    query: str
    category: str
    network: str
    acknowledged: set[int]


def _like(query: str) -> str:
    escaped = query.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def archive(
    user: User,
    query: str = "",
    category: str = "",
    network: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> ArchivePage:
    """The bulletins `user` may read: searched, filtered, pinned first, then newest first.

    Unknown categories and networks are ignored (the filter shows everything).
    """
    stmt = select(Bulletin).where(audience_filter(user))
    query = query.strip()[:100]
    if query:
        like = _like(query)
        stmt = stmt.where(
            or_(
                func.lower(Bulletin.title).like(like, escape="\\"),
                func.lower(Bulletin.summary).like(like, escape="\\"),
                func.lower(Bulletin.body).like(like, escape="\\"),
            )
        )
    category = category if category in Category._value2member_map_ else ""
    if category:
        stmt = stmt.where(Bulletin.category == Category(category))
    network = network if network in Network._value2member_map_ else ""
    if network:
        stmt = stmt.where(
            exists().where(
                BulletinNetwork.bulletin_id == Bulletin.id,
                BulletinNetwork.network == Network(network),
            )
        )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, page), pages)
    bulletins = list(
        db.session.scalars(
            stmt.options(selectinload(Bulletin.network_rows))
            .order_by(Bulletin.pinned.desc(), Bulletin.published_at.desc(), Bulletin.id.desc())
            .offset((page - 1) * per_page)
            .limit(per_page)
        )
    )
    acknowledged = set(
        db.session.scalars(
            select(BulletinRead.bulletin_id).where(
                BulletinRead.user_id == user.id,
                BulletinRead.bulletin_id.in_([b.id for b in bulletins]),
                BulletinRead.acknowledged_at.is_not(None),
            )
        )
    )
    return ArchivePage(bulletins, page, pages, total, query, category, network, acknowledged)
