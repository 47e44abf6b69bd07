"""Make badges and issue them for badge tests (committed, so requests and threads see them)."""

from __future__ import annotations

from typing import Any

import redis

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification import badges, leaderboard
from portal.gamification.badge_models import Badge


def make_badge(app, name: str = "First lesson", **rule: Any) -> int:  # type: ignore[no-untyped-def]
    """A badge with `rule` (default: lessons_completed >= 1); returns its id."""
    values: dict[str, Any] = {
        "kind": "metric",
        "metric": "lessons_completed",
        "subject": "",
        "threshold": 1,
        "icon": "book",
        "colour": "teal",
        "description": f"The {name} badge.",
        "criteria_text": "",
    } | rule
    with app.app_context():
        badge = Badge(name=name, created_at=utcnow(), **values)
        db.session.add(badge)
        db.session.commit()
        return badge.id


def give_badge(app, badge_id: int, person: User) -> str:  # type: ignore[no-untyped-def]
    """Issue a badge to a person directly; returns the assertion's uid."""
    with app.app_context():
        user = db.session.get(User, person.id)
        badge = db.session.get(Badge, badge_id)
        assert user is not None and badge is not None
        issued = badges.issue(user, badge)
        assert issued is not None
        uid = issued.uid
        db.session.commit()
        return uid


def wipe_leaderboards(app) -> None:  # type: ignore[no-untyped-def]
    """Drop the leaderboard sorted sets: they outlive the database wipe between tests."""
    client = redis.Redis.from_url(app.config["REDIS_URL"])
    keys = list(client.scan_iter(match=leaderboard.key("*")))
    if keys:
        client.delete(*keys)
