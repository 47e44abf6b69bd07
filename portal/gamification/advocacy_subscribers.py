"""Points and activity for sharing content, paid in the same transaction as the event.

A share link cannot prove that a post went out, so the two are paid apart:
opening a share is worth a little, once per item and network, a few times a
day at most; verified clicks (unique visitors, no bots, never the sharer's
own) are worth a little each, capped per day. Both defaults are seeded by
migration 0012; admins change them on the points page.
"""

from __future__ import annotations

from portal.accounts.models import User
from portal.advocacy.events import ContentShared, ShareClicked
from portal.db import db
from portal.events import subscribe
from portal.gamification.activity import record_activity, register_metric
from portal.gamification.points import award_points
from portal.gamification.subscribers import DEFAULT_RULES

DEFAULT_RULES.update(
    {
        "content_shared": ("Share content from the library (once per item and network)", 5, 5),
        "share_clicked": ("A verified click on a link you shared", 2, 25),
    }
)
register_metric("shares", "Content shared")
register_metric("clicks", "Clicks on shared links")


@subscribe(ContentShared)
def _content_shared(event: ContentShared) -> None:
    # Once per item and network: sharing the same thing again pays and counts nothing.
    if (user := db.session.get(User, event.user_id)) is not None:
        subject = f"content:{event.item_id}:{event.network}"
        award_points(user, "content_shared", subject, now=event.occurred_at)
        record_activity(user, "shares", subject, event.occurred_at)


@subscribe(ShareClicked)
def _share_clicked(event: ShareClicked) -> None:
    if (user := db.session.get(User, event.user_id)) is not None:
        subject = f"click:{event.click_id}"
        award_points(user, "share_clicked", subject, now=event.occurred_at)
        record_activity(user, "clicks", subject, event.occurred_at)
