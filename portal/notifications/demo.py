"""Demo notifications: a welcome under every demo person's bell (idempotent)."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import User
from portal.db import db
from portal.notifications.services import notify


def load_notifications_demo() -> int:
    """Welcome each demo person with a pointer to their notification settings; return rows added."""
    from portal.demo import DEMO_PEOPLE

    emails = [person.email for person in DEMO_PEOPLE]
    ids = list(db.session.scalars(select(User.id).where(User.email.in_(emails))))
    made = notify(
        ids,
        "welcome",
        "Welcome to Beacon: choose what we remind you of",
        "/settings/notifications",
        subject="welcome",
        body="Reminders come to this bell; emails only for assignments and a weekly digest, "
        "unless you ask for more.",
    )
    return len(made)
