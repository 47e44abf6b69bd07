"""How far a bulletin got: read and acknowledgement rates, overall and per team, and reminders.

The audience is the bulletin's active people now (everyone, or its teams'
members); reads and acknowledgements count only theirs, so no rate passes
100%. Every figure comes from a fixed number of grouped queries, whatever
the number of people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, or_, select

from portal.accounts.models import Team, User
from portal.accounts.services import require_admin
from portal.bulletins.audience import audience_members, unacknowledged_ids
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus, bulletin_teams
from portal.bulletins.services import BulletinError
from portal.db import db
from portal.notifications.services import notify


def percent(part: int, whole: int) -> int:
    """`part` of `whole` as a whole percentage, halves rounded up (0 when `whole` is 0)."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class Rates:
    """Audience size, and how many of them read and acknowledged."""

    audience: int
    read: int
    acknowledged: int

    @property
    def read_percent(self) -> int:
        return percent(self.read, self.audience)

    @property
    def acknowledged_percent(self) -> int:
        return percent(self.acknowledged, self.audience)


@dataclass(frozen=True)
class TeamRates(Rates):
    """Rates within one team (`team_id` None: people without a team)."""

    team_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class BulletinStats:
    """A bulletin's rates overall and per team, teams by name (no team last)."""

    total: Rates
    teams: list[TeamRates]


def bulletin_stats(actor: User, bulletin: Bulletin) -> BulletinStats:
    """Read and acknowledgement rates of a bulletin, overall and per team (two queries)."""
    require_admin(actor)
    rows = db.session.execute(
        select(
            User.team_id,
            func.count(User.id),
            func.count(BulletinRead.id),
            func.count(BulletinRead.acknowledged_at),
        )
        .select_from(User)
        .outerjoin(
            BulletinRead,
            and_(BulletinRead.user_id == User.id, BulletinRead.bulletin_id == bulletin.id),
        )
        .where(audience_members(bulletin))
        .group_by(User.team_id)
    ).all()
    team_ids = [team_id for team_id, *_ in rows if team_id is not None]
    names: dict[int | None, str] = {
        team_id: name
        for team_id, name in db.session.execute(
            select(Team.id, Team.name).where(Team.id.in_(team_ids))
        )
    }
    teams = [
        TeamRates(audience, read, acked, team_id, names.get(team_id, "No team"))
        for team_id, audience, read, acked in rows
    ]
    teams.sort(key=lambda t: (t.team_id is None, t.name.lower()))
    total = Rates(
        sum(t.audience for t in teams),
        sum(t.read for t in teams),
        sum(t.acknowledged for t in teams),
    )
    return BulletinStats(total, teams)


def rates_for(bulletins: Sequence[Bulletin]) -> dict[int, Rates]:
    """Rates of many published bulletins at once, for the admin list (three queries)."""
    published = [b for b in bulletins if b.status == BulletinStatus.PUBLISHED]
    if not published:
        return {}
    ids = [b.id for b in published]
    everyone = (
        db.session.scalar(select(func.count()).select_from(User).where(User.active.is_(True))) or 0
    )
    team_size: dict[int | None, int] = {
        team_id: size
        for team_id, size in db.session.execute(
            select(User.team_id, func.count())
            .where(User.active.is_(True), User.team_id.is_not(None))
            .group_by(User.team_id)
        )
    }
    in_audience = or_(
        Bulletin.for_everyone.is_(True),
        exists().where(
            bulletin_teams.c.bulletin_id == Bulletin.id, bulletin_teams.c.team_id == User.team_id
        ),
    )
    counts = {
        bulletin_id: (read, acked)
        for bulletin_id, read, acked in db.session.execute(
            select(
                BulletinRead.bulletin_id,
                func.count(BulletinRead.id),
                func.count(BulletinRead.acknowledged_at),
            )
            .join(User, User.id == BulletinRead.user_id)
            .join(Bulletin, Bulletin.id == BulletinRead.bulletin_id)
            .where(BulletinRead.bulletin_id.in_(ids), User.active.is_(True), in_audience)
            .group_by(BulletinRead.bulletin_id)
        )
    }
    rates: dict[int, Rates] = {}
    for b in published:
        audience = everyone if b.for_everyone else sum(team_size.get(t.id, 0) for t in b.teams)
        read, acked = counts.get(b.id, (0, 0))
        rates[b.id] = Rates(audience, read, acked)
    return rates


def remind_unacknowledged(actor: User, bulletin: Bulletin, url: str, now: datetime) -> int:
    """Remind everyone in the audience who has not acknowledged; return how many were reminded.

    At most once per person and day (the notice's period is today's date, UTC),
    so pressing the button again the same day reminds no one twice.
    """
    require_admin(actor)
    if bulletin.status != BulletinStatus.PUBLISHED:
        raise BulletinError("Only a published bulletin can be acknowledged, so remind after.")
    return len(
        notify(
            unacknowledged_ids(bulletin),
            "bulletin_reminder",
            f"Reminder: please read “{bulletin.title}”",
            url,
            subject=f"bulletin:{bulletin.id}",
            period=now.date().isoformat(),
            body=bulletin.summary,
            now=now,
        )
    )
