"""Who a bulletin is for: SQL conditions and id lists for its audience.

A bulletin is for everyone or for chosen teams; only active people count.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, false, or_, select

from portal.accounts.models import User
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus, bulletin_teams
from portal.db import db


def audience_filter(user: User) -> ColumnElement[bool]:
    """SQL condition: the bulletin is published for `user` (everyone, or their team)."""
    in_team: ColumnElement[bool] = (
        exists()
        .where(
            bulletin_teams.c.bulletin_id == Bulletin.id, bulletin_teams.c.team_id == user.team_id
        )
        .correlate(Bulletin)
        if user.team_id is not None
        else false()
    )
    return (Bulletin.status == BulletinStatus.PUBLISHED) & or_(
        Bulletin.for_everyone.is_(True), in_team
    )


def audience_members(bulletin: Bulletin) -> ColumnElement[bool]:
    """SQL condition on `User`: an active person in the bulletin's audience."""
    condition: ColumnElement[bool] = User.active.is_(True)
    if not bulletin.for_everyone:
        team_ids = select(bulletin_teams.c.team_id).where(
            bulletin_teams.c.bulletin_id == bulletin.id
        )
        condition = condition & User.team_id.in_(team_ids)
    return condition


def audience_ids(bulletin: Bulletin) -> list[int]:
    """The ids of every active person in the bulletin's audience (one query)."""
    return list(db.session.scalars(select(User.id).where(audience_members(bulletin))))


def unacknowledged_ids(bulletin: Bulletin) -> list[int]:
    """The audience members who have not pressed "Got it" yet (one query)."""
    acked = select(BulletinRead.user_id).where(
        BulletinRead.bulletin_id == bulletin.id, BulletinRead.acknowledged_at.is_not(None)
    )
    return list(
        db.session.scalars(select(User.id).where(audience_members(bulletin), User.id.not_in(acked)))
    )


def in_audience(user: User, bulletin: Bulletin) -> bool:
    """Whether `user` is in the bulletin's audience (whatever its status)."""
    if bulletin.for_everyone:
        return True
    return user.team_id is not None and any(t.id == user.team_id for t in bulletin.teams)
