"""Points and countable activity for bulletins, paid in the same transaction as the event."""

from __future__ import annotations

from portal.accounts.models import User
from portal.bulletins.events import BulletinAcknowledged
from portal.db import db
from portal.events import subscribe
from portal.gamification.activity import record_activity, register_metric
from portal.gamification.points import award_points
from portal.gamification.subscribers import DEFAULT_RULES

# Seeded by migration 0011 as well: action -> (label, points, daily cap).
DEFAULT_RULES.update({"bulletin_acknowledged": ("Acknowledge a bulletin", 5, 5)})
register_metric("bulletins_acknowledged", "Bulletins acknowledged")


@subscribe(BulletinAcknowledged)
def _bulletin_acknowledged(event: BulletinAcknowledged) -> None:
    user = db.session.get(User, event.user_id)
    if user is None:
        return
    subject = f"bulletin:{event.bulletin_id}"
    award_points(user, "bulletin_acknowledged", subject, now=event.occurred_at)
    record_activity(user, "bulletins_acknowledged", subject, event.occurred_at)
