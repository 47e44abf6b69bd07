"""Build bulletins for tests through the services (committed, so requests and workers see them)."""

from __future__ import annotations

from datetime import datetime

from portal.accounts.models import Team, User
from portal.bulletins import services
from portal.bulletins.services import BulletinInput
from portal.db import db, utcnow


def bulletin_input(
    title: str = "LinkedIn favours conversations",
    *,
    summary: str = "Comments that turn into replies now travel further.",
    body: str = "## What changed\n\nReplies count more than likes.",
    category: str = "algorithm_update",
    networks: list[str] | None = None,
    action_items: str = "Ask a question\nReply within the hour",
    lesson_id: int | None = None,
    teams: list[Team] | None = None,
    pinned: bool = False,
) -> BulletinInput:
    """What an admin would type into the form."""
    return BulletinInput(
        title=title,
        summary=summary,
        body=body,
        category=category,
        networks=networks or ["linkedin"],
        action_items=action_items,
        lesson_id=lesson_id,
        for_everyone=not teams,
        team_ids=[t.id for t in teams or []],
        pinned=pinned,
    )


def make_bulletin(
    app,  # type: ignore[no-untyped-def]
    admin: User,
    title: str = "LinkedIn favours conversations",
    *,
    status: str = "published",
    at: datetime | None = None,
    **fields: object,
) -> int:
    """A bulletin by `admin`: published at `at` (default now), scheduled for `at`, or a draft."""
    with app.app_context():
        actor = db.session.get(User, admin.id)
        assert actor is not None
        bulletin = services.create_bulletin(actor, bulletin_input(title, **fields))  # type: ignore[arg-type]
        if status == "published":
            services.publish_now(actor, bulletin, at or utcnow())
        elif status == "scheduled":
            assert at is not None
            services.schedule(actor, bulletin, at, utcnow())
        db.session.commit()
        return bulletin.id
