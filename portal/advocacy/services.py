"""The content library: curating items, each person's feed, and employee suggestions.

An item outside a person's audience (another team's, not started, expired, a
suggestion) is a `NotFound` for them: a 404 does not tell that it exists.
Admins curate everything; a leader curates their own team's items (their
team is the audience) and reviews their team's suggestions. Functions flush;
the caller commits. Sharing itself is in `portal.advocacy.sharing`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, exists, false, func, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, Team, User
from portal.accounts.services import PermissionDenied
from portal.advocacy.events import ContentPublished, ContentSuggested, SuggestionReviewed
from portal.advocacy.models import (
    ContentItem,
    ContentStatus,
    Network,
    Share,
    ShareClick,
    TrackedLink,
    content_item_teams,
)
from portal.db import db, utcnow
from portal.events import publish
from portal.notifications.services import notify

MAX_URL, MAX_TITLE, MAX_SUMMARY, MAX_CAPTION, MAX_NOTE = 2000, 200, 2000, 5000, 1000
MAX_TAGS, MAX_TAG, MAX_CAMPAIGN = 8, 30, 80
FEED_LIMIT = 60
SORTS = ("newest", "shared")


class ContentError(ValueError):
    """Input the library cannot accept; `field` names the form field to blame."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass
class ItemInput:
    """What a curator writes about an item (the view turns dates into UTC datetimes)."""

    url: str
    title: str
    summary: str = ""
    image_url: str = ""
    tags: str | Iterable[str] = ""
    campaign: str = ""
    captions: dict[Network, str] | None = None
    starts_at: datetime | None = None
    expires_at: datetime | None = None
    for_everyone: bool | None = None  # None: a leader's item (their team)
    team_ids: list[int] | None = None


# --- who may do what ---------------------------------------------------------------------


def can_curate(actor: User) -> bool:
    """Admins, and leaders with a team, curate the library and review suggestions."""
    return actor.active and (
        actor.role == Role.ADMIN or (actor.role == Role.LEADER and actor.team_id is not None)
    )


def require_curator(actor: User) -> None:
    """Raise PermissionDenied unless `actor` may curate."""
    if not can_curate(actor):
        raise PermissionDenied("Only admins and advocacy leaders with a team curate content.")


def _may_edit(actor: User, item: ContentItem) -> bool:
    if actor.role == Role.ADMIN:
        return True
    return (
        actor.role == Role.LEADER
        and actor.team_id is not None
        and item.owner_team_id == actor.team_id
    )


# --- reading -----------------------------------------------------------------------------


def audience_filter(user: User, now: datetime) -> ColumnElement[bool]:
    """SQL condition: the item is live (published, started, not expired) for `user`."""
    in_team: ColumnElement[bool] = (
        exists()
        .where(
            content_item_teams.c.item_id == ContentItem.id,
            content_item_teams.c.team_id == user.team_id,
        )
        .correlate(ContentItem)
        if user.team_id is not None
        else false()
    )
    return (
        (ContentItem.status == ContentStatus.PUBLISHED)
        & or_(ContentItem.starts_at.is_(None), ContentItem.starts_at <= now)
        & or_(ContentItem.expires_at.is_(None), ContentItem.expires_at > now)
        & or_(ContentItem.for_everyone.is_(True), in_team)
    )


def _like(query: str) -> str:
    escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def feed(
    user: User, now: datetime, query: str = "", tag: str = "", sort: str = "newest"
) -> list[ContentItem]:
    """Live items in `user`'s audience, searched and filtered, newest or most shared first."""
    stmt = select(ContentItem).where(audience_filter(user, now))
    query = query.strip().lower()[:100]
    if query:
        like = _like(query)
        stmt = stmt.where(
            or_(
                func.lower(ContentItem.title).like(like, escape="\\"),
                func.lower(ContentItem.summary).like(like, escape="\\"),
                func.lower(ContentItem.campaign).like(like, escape="\\"),
            )
        )
    if sort == "shared":
        stmt = stmt.order_by(ContentItem.share_count.desc(), ContentItem.published_at.desc())
    else:
        stmt = stmt.order_by(ContentItem.published_at.desc(), ContentItem.id.desc())
    items = list(db.session.scalars(stmt.limit(FEED_LIMIT if not tag else None)))
    if tag:  # tags are a JSON list: filtered here, as the learning catalogue does
        wanted = tag.strip().lower()
        items = [i for i in items if wanted in (t.lower() for t in i.tags or [])][:FEED_LIMIT]
    return items


def feed_tags(user: User, now: datetime) -> list[str]:
    """Every tag on a live item in `user`'s audience, sorted."""
    lists = db.session.scalars(select(ContentItem.tags).where(audience_filter(user, now)))
    return sorted({t for tags in lists for t in tags or []}, key=str.lower)


def get_item_for(user: User, item_id: int, now: datetime) -> ContentItem:
    """A live item in `user`'s audience; NotFound otherwise (whoever asks, admins too)."""
    item = db.session.scalar(
        select(ContentItem).where(ContentItem.id == item_id, audience_filter(user, now))
    )
    if item is None:
        raise NotFound()
    return item


def editable_items(actor: User) -> list[ContentItem]:
    """Published items `actor` curates, newest first: all for admins, their team's for leaders."""
    require_curator(actor)
    stmt = (
        select(ContentItem)
        .where(ContentItem.status == ContentStatus.PUBLISHED)
        .options(selectinload(ContentItem.teams))
        .order_by(ContentItem.published_at.desc(), ContentItem.id.desc())
    )
    if actor.role != Role.ADMIN:
        stmt = stmt.where(ContentItem.owner_team_id == actor.team_id)
    return list(db.session.scalars(stmt))


def get_editable(actor: User, item_id: int) -> ContentItem:
    """A published item `actor` may edit; NotFound otherwise."""
    require_curator(actor)
    item = db.session.get(ContentItem, item_id)
    if item is None or item.status != ContentStatus.PUBLISHED or not _may_edit(actor, item):
        raise NotFound()
    return item


def click_counts(item_ids: list[int]) -> dict[int, int]:
    """Unique clicks per item, over every person's links (one query)."""
    if not item_ids:
        return {}
    rows = db.session.execute(
        select(TrackedLink.item_id, func.count(ShareClick.id))
        .join(ShareClick, ShareClick.link_id == TrackedLink.id)
        .where(TrackedLink.item_id.in_(item_ids))
        .group_by(TrackedLink.item_id)
    )
    return {item_id: count for item_id, count in rows}


def my_links(user: User, item: ContentItem) -> dict[Network, tuple[TrackedLink, int]]:
    """The person's tracked links for an item, by network, with their unique clicks."""
    rows = db.session.execute(
        select(TrackedLink, func.count(ShareClick.id))
        .outerjoin(ShareClick, ShareClick.link_id == TrackedLink.id)
        .where(TrackedLink.user_id == user.id, TrackedLink.item_id == item.id)
        .group_by(TrackedLink.id)
    )
    return {link.network: (link, clicks) for link, clicks in rows}


def recent_captions(item_id: int, network: str, limit: int = 200) -> list[str]:
    """The latest caption of each person who shared this item on this network, newest first.

    For the caption checker's "identical to colleagues' captions" hint; empty
    captions are left out and each person counts once.
    """
    rows = db.session.execute(
        select(Share.user_id, Share.caption)
        .where(Share.item_id == item_id, Share.network == network, Share.caption != "")
        .order_by(Share.id.desc())
        .limit(limit * 3)
    )
    seen: set[int] = set()
    captions: list[str] = []
    for user_id, caption in rows:
        if user_id not in seen:
            seen.add(user_id)
            captions.append(caption)
    return captions[:limit]


# --- input -------------------------------------------------------------------------------


def clean_url(value: str, field: str = "url", https_only: bool = False) -> str:
    """An absolute http(s) URL with a host, else ContentError."""
    value = (value or "").strip()
    schemes = ("https",) if https_only else ("http", "https")
    bad = ContentError(
        "Use an https:// address." if https_only else "Use a full http(s):// address.", field
    )
    if not value or len(value) > MAX_URL or "\\" in value:
        raise bad
    if any(c.isspace() or ord(c) < 32 for c in value):
        raise bad
    parts = urlsplit(value)
    if parts.scheme.lower() not in schemes or not parts.hostname or parts.username:
        raise bad
    return value


def parse_tags(value: str | Iterable[str]) -> list[str]:
    """Tags from comma-separated text: trimmed, lower-case, without blanks or repeats."""
    items = value.split(",") if isinstance(value, str) else list(value)
    tags: list[str] = []
    for raw in items:
        tag = " ".join(str(raw).split()).lower()
        if not tag or tag in tags:
            continue
        if len(tag) > MAX_TAG:
            raise ContentError(f"Keep each tag under {MAX_TAG} characters.", "tags")
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ContentError(f"Use at most {MAX_TAGS} tags.", "tags")
    return tags


def _text(value: str, limit: int, field: str, label: str, required: bool = False) -> str:
    value = (value or "").replace("\r\n", "\n").strip()
    if required and not value:
        raise ContentError(f"Give it a {label}.", field)
    if len(value) > limit:
        raise ContentError(f"Keep the {label} under {limit:,} characters.", field)
    return value


def _apply(actor: User, item: ContentItem, data: ItemInput) -> None:
    item.url = clean_url(data.url)
    item.title = " ".join(_text(data.title, MAX_TITLE, "title", "title", True).split())
    item.summary = _text(data.summary, MAX_SUMMARY, "summary", "summary")
    item.image_url = clean_url(data.image_url, "image_url", True) if data.image_url else None
    item.tags = parse_tags(data.tags)
    item.campaign = " ".join(_text(data.campaign, MAX_CAMPAIGN, "campaign", "campaign").split())
    for network, caption in (data.captions or {}).items():
        text = _text(caption, MAX_CAPTION, f"caption_{network.value}", "caption")
        setattr(item, f"caption_{network.value}", text)
    if data.starts_at and data.expires_at and data.expires_at <= data.starts_at:
        raise ContentError("The expiry date must come after the start date.", "expires_at")
    item.starts_at, item.expires_at = data.starts_at, data.expires_at
    if actor.role == Role.ADMIN and data.for_everyone is not None:
        item.for_everyone = data.for_everyone
        chosen = data.team_ids or []
        teams = list(db.session.scalars(select(Team).where(Team.id.in_(chosen))))
        if not data.for_everyone and not teams:
            raise ContentError("Tick at least one team, or choose everyone.", "teams")
        item.teams = [] if data.for_everyone else teams
    elif actor.role == Role.LEADER:
        item.for_everyone = False
        item.teams = [t for t in [db.session.get(Team, actor.team_id or 0)] if t is not None]


def create_item(actor: User, data: ItemInput, now: datetime | None = None) -> ContentItem:
    """Publish a new item (curators only); a leader's is for their team."""
    require_curator(actor)
    now = now or utcnow()
    item = ContentItem(
        status=ContentStatus.PUBLISHED,
        published_at=now,
        created_by_id=actor.id,
        owner_team_id=actor.team_id if actor.role == Role.LEADER else None,
        for_everyone=True,
    )
    _apply(actor, item, data)
    db.session.add(item)
    db.session.flush()
    publish(ContentPublished(actor.id, now, item.id))
    return item


def update_item(actor: User, item: ContentItem, data: ItemInput) -> ContentItem:
    """Change an item `actor` may edit (NotFound otherwise)."""
    if not can_curate(actor) or not _may_edit(actor, item):
        raise NotFound()
    _apply(actor, item, data)
    db.session.flush()
    return item


# --- suggestions -------------------------------------------------------------------------


def suggest_item(
    actor: User,
    url: str,
    title: str,
    summary: str = "",
    caption: str = "",
    review_path: str = "",
    now: datetime | None = None,
) -> ContentItem:
    """An employee's suggestion for the library; their team's leaders (or admins) are told."""
    now = now or utcnow()
    text = _text(caption, MAX_CAPTION, "caption", "caption")
    item = ContentItem(
        url=clean_url(url),
        title=" ".join(_text(title, MAX_TITLE, "title", "title", True).split()),
        summary=_text(summary, MAX_SUMMARY, "summary", "note"),
        tags=[],
        caption_linkedin=text,
        caption_x=text,
        caption_facebook=text,
        status=ContentStatus.SUGGESTED,
        for_everyone=False,
        owner_team_id=actor.team_id,
        created_by_id=actor.id,
        suggested_by_id=actor.id,
    )
    db.session.add(item)
    db.session.flush()
    publish(ContentSuggested(actor.id, now, item.id))
    notify(
        _reviewers(actor.team_id),
        "content_suggested",
        f"{actor.display_name} suggested “{item.title}” for the content library",
        review_path,
        subject=f"content:{item.id}",
        now=now,
    )
    return item


def _reviewers(team_id: int | None) -> list[int]:
    """The team's active leaders, or the admins when the team has none."""
    active = User.active.is_(True)
    if team_id is not None:
        leaders = list(
            db.session.scalars(
                select(User.id).where(active, User.role == Role.LEADER, User.team_id == team_id)
            )
        )
        if leaders:
            return leaders
    return list(db.session.scalars(select(User.id).where(active, User.role == Role.ADMIN)))


def pending_suggestions(actor: User) -> list[ContentItem]:
    """Suggestions waiting for `actor`: all for admins, their team's for leaders."""
    require_curator(actor)
    stmt = (
        select(ContentItem)
        .where(ContentItem.status == ContentStatus.SUGGESTED)
        .options(selectinload(ContentItem.suggested_by))
        .order_by(ContentItem.created_at)
    )
    if actor.role != Role.ADMIN:
        stmt = stmt.where(ContentItem.owner_team_id == actor.team_id)
    return list(db.session.scalars(stmt))


def get_suggestion(actor: User, item_id: int) -> ContentItem:
    """A pending suggestion `actor` may review; NotFound otherwise."""
    require_curator(actor)
    item = db.session.get(ContentItem, item_id)
    if item is None or item.status != ContentStatus.SUGGESTED or not _may_edit(actor, item):
        raise NotFound()
    return item


def review_suggestion(
    actor: User,
    item: ContentItem,
    approve: bool,
    note: str = "",
    everyone: bool = False,
    item_path: str = "",
    now: datetime | None = None,
) -> None:
    """Approve (publish) or reject a suggestion with a note; the suggester is notified.

    A leader publishes it for their team; an admin for the suggester's team,
    or for everyone with `everyone`. Rejecting needs a note.
    """
    if item.status != ContentStatus.SUGGESTED or not can_curate(actor):
        raise NotFound()
    if not _may_edit(actor, item):
        raise NotFound()
    now = now or utcnow()
    note = _text(note, MAX_NOTE, "note", "note")
    if not approve and not note:
        raise ContentError("Say why, so the person knows what to suggest next time.", "note")
    item.reviewed_by_id, item.reviewed_at, item.review_note = actor.id, now, note
    if approve:
        item.status, item.published_at = ContentStatus.PUBLISHED, now
        team = db.session.get(Team, item.owner_team_id) if item.owner_team_id else None
        item.for_everyone = (actor.role == Role.ADMIN and everyone) or team is None
        item.teams = [] if item.for_everyone or team is None else [team]
    else:
        item.status = ContentStatus.REJECTED
    db.session.flush()
    suggester = item.suggested_by_id
    publish(SuggestionReviewed(actor.id, now, item.id, suggester or 0, approve))
    if approve:
        publish(ContentPublished(actor.id, now, item.id))
    if suggester is not None:
        verdict = "is in the content library" if approve else "was not added"
        notify(
            [suggester],
            "content_suggestion_reviewed",
            f"Your suggestion “{item.title}” {verdict}",
            item_path if approve else "",
            subject=f"content:{item.id}",
            body=note,
            now=now,
        )


def my_suggestions(actor: User) -> list[ContentItem]:
    """What `actor` suggested, newest first, with the decisions."""
    return list(
        db.session.scalars(
            select(ContentItem)
            .where(ContentItem.suggested_by_id == actor.id)
            .order_by(ContentItem.created_at.desc(), ContentItem.id.desc())
            .limit(50)
        )
    )


def suggestion_count(actor: User) -> int:
    """How many suggestions wait for `actor` (0 for people who do not review)."""
    if not can_curate(actor):
        return 0
    stmt = select(func.count()).where(ContentItem.status == ContentStatus.SUGGESTED)
    if actor.role != Role.ADMIN:
        stmt = stmt.where(ContentItem.owner_team_id == actor.team_id)
    return db.session.scalar(stmt) or 0
