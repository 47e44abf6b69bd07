"""Points for acknowledging the posting guidelines: a small reward, once per published version."""

from __future__ import annotations

from portal.accounts.models import User
from portal.advocacy.guideline_events import GuidelinesAcknowledged
from portal.db import db
from portal.events import subscribe
from portal.gamification.points import award_points
from portal.gamification.subscribers import DEFAULT_RULES

# Seeded by migration 0013 with the same values.
DEFAULT_RULES.update(
    {
        "guidelines_acknowledged": ("Acknowledge the posting guidelines (each version)", 10, None),
    }
)


@subscribe(GuidelinesAcknowledged)
def _guidelines_acknowledged(event: GuidelinesAcknowledged) -> None:
    # The subject is the version: each new version pays once, re-reading one never does.
    if (user := db.session.get(User, event.user_id)) is not None:
        award_points(
            user,
            "guidelines_acknowledged",
            f"guidelines:{event.version_id}",
            now=event.occurred_at,
        )
