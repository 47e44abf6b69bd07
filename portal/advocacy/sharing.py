"""Sharing an item: the person's tracked link, the network's public share page, reminders.

No API keys: each network's public share link is opened with Beacon's own
tracked link `/s/<code>`. LinkedIn and Facebook take only the URL (the page
copies the caption to the clipboard first); X takes the text too. A person
has one tracked link per item and network, however often they share.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from portal.accounts.models import User
from portal.advocacy.events import ContentShared
from portal.advocacy.models import ContentItem, Network, Share, ShareReminder, TrackedLink
from portal.advocacy.services import MAX_CAPTION, ContentError
from portal.db import db, insert_ignore, run_after_commit, utcnow
from portal.events import publish

SHARE_PAGES = {
    Network.LINKEDIN: "https://www.linkedin.com/sharing/share-offsite/",
    Network.X: "https://twitter.com/intent/tweet",
    Network.FACEBOOK: "https://www.facebook.com/sharer/sharer.php",
}
REMIND_CHOICES = {
    "later": "In 3 hours",
    "tomorrow": "Tomorrow at 9:00",
    "monday": "Monday at 9:00",
}


class AcknowledgementNeeded(Exception):  # noqa: N818 - a state, not a failure
    """The person must acknowledge the current posting guidelines before sharing."""


class CaptionRefused(ContentError):
    """The caption has blocking problems (blocked terms, too long); `check` says which."""

    def __init__(self, check: object, problems: list[str]) -> None:
        super().__init__(" ".join(problems), "caption")
        self.check = check
        self.problems = problems


def parse_network(value: str | None) -> Network | None:
    """A network from a form or URL value, else None."""
    try:
        return Network((value or "").strip().lower())
    except ValueError:
        return None


def share_page_url(network: Network, tracked_url: str, caption: str = "") -> str:
    """The network's public share page for `tracked_url` (X also gets the caption)."""
    if network is Network.LINKEDIN:
        query = {"url": tracked_url}
    elif network is Network.FACEBOOK:
        query = {"u": tracked_url}
    else:
        query = {"text": caption, "url": tracked_url} if caption else {"url": tracked_url}
    return f"{SHARE_PAGES[network]}?{urlencode(query)}"


def new_code() -> str:
    """A random, unguessable link code (11 URL-safe characters, 64 bits)."""
    return secrets.token_urlsafe(8)


def tracked_link_for(user: User, item: ContentItem, network: Network) -> tuple[TrackedLink, bool]:
    """The person's link for this item and network, made if missing; (link, made now)."""
    stmt = select(TrackedLink).where(
        TrackedLink.user_id == user.id,
        TrackedLink.item_id == item.id,
        TrackedLink.network == network,
    )
    link = db.session.scalar(stmt)
    if link is not None:
        return link, False
    for _ in range(3):  # a clash of random codes is astronomically rare; try again if so
        new_id = insert_ignore(
            TrackedLink, code=new_code(), user_id=user.id, item_id=item.id, network=network.value,
            created_at=utcnow(),
        )  # fmt: skip
        if new_id is not None:
            return db.session.get_one(TrackedLink, new_id), True
        link = db.session.scalar(stmt)  # made meanwhile by a concurrent share
        if link is not None:
            return link, False
    raise RuntimeError("could not make a tracked link")


@dataclass
class ShareResult:
    """What a share recorded: the share, the person's link, and whether the link is new."""

    share: Share
    link: TrackedLink
    new_link: bool


def record_share(
    user: User,
    item: ContentItem,
    network: Network,
    caption: str,
    visitor: str | None = None,
    now: datetime | None = None,
) -> ShareResult:
    """Record that `user` opens `network`'s share page for `item` with `caption`.

    The caller has checked the audience (`get_item_for`). Raises
    AcknowledgementNeeded before the first share and after new guidelines,
    CaptionRefused for a caption with blocking problems, ContentError for an
    over-long caption. Publishes ContentShared.
    """
    from portal.advocacy import guidelines

    if guidelines.needs_acknowledgement(user):
        raise AcknowledgementNeeded()
    caption = caption.replace("\r\n", "\n").strip()
    if len(caption) > MAX_CAPTION:
        raise ContentError(f"Keep the caption under {MAX_CAPTION:,} characters.", "caption")
    check = guidelines.check_caption(caption, network.value, item.id)
    if not check.ok:
        raise CaptionRefused(check, list(check.problems))
    now = now or utcnow()
    link, made = tracked_link_for(user, item, network)
    if made:  # counts people-and-networks, so sharing again does not climb the ranking
        db.session.execute(
            update(ContentItem)
            .where(ContentItem.id == item.id)
            .values(share_count=ContentItem.share_count + 1)
        )
    if visitor:
        link.sharer_visitor = visitor
    share = Share(
        user_id=user.id,
        item_id=item.id,
        link_id=link.id,
        network=network,
        caption=caption,
        created_at=now,
    )
    db.session.add(share)
    db.session.flush()
    publish(ContentShared(user.id, now, item.id, network.value, share.id, link.id))
    return ShareResult(share, link, made)


# --- share later -------------------------------------------------------------------------


def remind_time(user: User, choice: str, now: datetime) -> datetime:
    """When "share later" should remind: in 3 hours, tomorrow 9:00 or Monday 9:00, local time."""
    if choice not in REMIND_CHOICES:
        raise ContentError("Choose when to be reminded.", "when")
    if choice == "later":
        return now + timedelta(hours=3)
    zone = ZoneInfo(user.timezone or "UTC")
    local = now.astimezone(zone)
    days = 1 if choice == "tomorrow" else (7 - local.weekday()) or 7
    day = local.date() + timedelta(days=days)
    return datetime.combine(day, time(9, 0), tzinfo=zone).astimezone(now.tzinfo)


def remind_later(
    user: User, item: ContentItem, choice: str, now: datetime | None = None
) -> ShareReminder:
    """Ask to be reminded to share `item`; a scheduled job notifies the person then.

    One pending reminder per person and item: asking again moves it. The job
    is handed to RQ's scheduler after commit; the reminder sweep delivers it
    anyway if Redis lost it.
    """
    now = now or utcnow()
    when = remind_time(user, choice, now)
    reminder = db.session.scalar(
        select(ShareReminder).where(
            ShareReminder.user_id == user.id, ShareReminder.item_id == item.id
        )
    )
    if reminder is None:
        reminder = ShareReminder(user_id=user.id, item_id=item.id, created_at=now)
        db.session.add(reminder)
    reminder.remind_at, reminder.sent_at = when, None
    db.session.flush()
    reminder_id = reminder.id

    def schedule() -> None:
        from portal.queue import DEFAULT_RETRY, get_queue

        get_queue().enqueue_at(
            when, "jobs.advocacy.send_share_reminder", reminder_id, retry=DEFAULT_RETRY
        )

    run_after_commit(schedule)
    return reminder


def reminder_period(reminder: ShareReminder) -> str:
    """What makes a reminder new (for `notify`'s key): the time it was set for."""
    return reminder.remind_at.strftime("%Y-%m-%dT%H:%M")
