"""Build content items for advocacy tests (committed, so requests and other threads see them)."""

from __future__ import annotations

from datetime import datetime

from portal.accounts.models import Role, Team, User
from portal.advocacy.models import ContentItem, ContentStatus
from portal.db import db, utcnow


def build_item(
    app,  # type: ignore[no-untyped-def]
    title: str = "We are hiring engineers",
    url: str = "https://example.com/jobs?ref=careers",
    teams: list[Team] | None = None,
    tags: list[str] | None = None,
    campaign: str = "Spring Hiring",
    caption: str = "Great team, great work. Join us!",
    starts_at: datetime | None = None,
    expires_at: datetime | None = None,
    published_at: datetime | None = None,
    status: ContentStatus = ContentStatus.PUBLISHED,
    share_count: int = 0,
) -> int:
    """A published item for everyone (or for `teams`); returns its id."""
    with app.app_context():
        item = ContentItem(
            url=url,
            title=title,
            summary=f"All about {title.lower()}.",
            image_url=None,
            tags=tags if tags is not None else ["hiring"],
            campaign=campaign,
            caption_linkedin=caption,
            caption_x=caption,
            caption_facebook=caption,
            starts_at=starts_at,
            expires_at=expires_at,
            for_everyone=not teams,
            status=status,
            published_at=published_at or utcnow(),
            share_count=share_count,
            teams=[db.session.get_one(Team, t.id) for t in teams or []],
        )
        db.session.add(item)
        db.session.commit()
        return item.id


def set_caption_rules(
    app,  # type: ignore[no-untyped-def]
    blocked: str = "",
    disclosure: str = "",
    limits: dict[str, int | None] | None = None,
) -> None:
    """Save caption rules as a fresh admin (the guidelines module checks captions with them)."""
    from portal.accounts import services as accounts
    from portal.advocacy import guidelines

    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.role == Role.ADMIN).limit(1))
        if admin is None:
            admin = accounts.create_user(
                "rules-admin@example.com", "Rules Admin", "correct horse battery", role=Role.ADMIN
            )
        guidelines.update_caption_rules(
            admin,
            disclosure=disclosure,
            blocked_terms=blocked,
            limits=limits or {"x": 280, "linkedin": 3000, "facebook": 63206},
        )
        db.session.commit()


def publish_guidelines(app) -> int:  # type: ignore[no-untyped-def]
    """Publish a guidelines version (so people must acknowledge before sharing); its id."""
    from portal.accounts import services as accounts
    from portal.advocacy import guidelines

    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.role == Role.ADMIN).limit(1))
        if admin is None:
            admin = accounts.create_user(
                "guide-admin@example.com", "Guide Admin", "correct horse battery", role=Role.ADMIN
            )
        draft = guidelines.save_draft(admin, title="Posting guidelines", body="Be kind. Disclose.")
        guidelines.publish_draft(admin, draft.id)
        db.session.commit()
        return draft.id
