"""Jobs of the bulletins domain: publishing scheduled bulletins and notifying their audience.

Each job is safe to run any number of times: publication is a conditional
claim (only one run publishes), and notices are keyed per person and bulletin.
"""

from __future__ import annotations

import logging

from portal.bulletins import audience, services
from portal.bulletins.models import Bulletin
from portal.bulletins.notices import bulletin_path
from portal.db import db, utcnow
from portal.notifications.services import notify

log = logging.getLogger(__name__)


def publish_bulletin(bulletin_id: int) -> bool:
    """Publish a scheduled bulletin if its time has come; True if this run published it.

    Does nothing for a bulletin already published, cancelled, back in draft
    or moved to a later time (the job for the new time will publish it).
    """
    published = services.publish_if_due(bulletin_id, utcnow())
    db.session.commit()
    if published:
        log.info("bulletin %s published", bulletin_id)
    return published


def publish_due_bulletins() -> int:
    """Publish every scheduled bulletin whose time has come; return how many this run did.

    The periodic safety net for publish jobs that were lost (Redis flushed, a
    scheduler down): each bulletin is claimed and committed on its own.
    """
    published = 0
    for bulletin_id in services.due_bulletin_ids(utcnow()):
        published += services.publish_if_due(bulletin_id, utcnow())
        db.session.commit()
    if published:
        log.info("the sweep published %d due bulletins", published)
    return published


def notify_audience(bulletin_id: int) -> int:
    """Tell each person in a published bulletin's audience about it; return how many were new.

    The audience is one query; each person is notified once per bulletin,
    however often this runs.
    """
    bulletin = db.session.get(Bulletin, bulletin_id)
    if bulletin is None or not bulletin.is_published:
        return 0
    created = notify(
        audience.audience_ids(bulletin),
        "bulletin_published",
        f"New bulletin: {bulletin.title}",
        bulletin_path(bulletin.id),
        subject=f"bulletin:{bulletin.id}",
        body=bulletin.summary,
    )
    db.session.commit()
    return len(created)
