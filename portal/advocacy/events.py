"""Events of the content library and sharing (gamification and notifications subscribe)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class ContentPublished(Event):
    """An item entered the library (created published, or a suggestion approved)."""

    item_id: int


@dataclass(frozen=True)
class ContentSuggested(Event):
    """An employee suggested an item for the library; leaders and admins review it."""

    item_id: int


@dataclass(frozen=True)
class SuggestionReviewed(Event):
    """A leader or admin (`user_id`) approved or rejected someone's suggestion."""

    item_id: int
    suggested_by_id: int
    approved: bool


@dataclass(frozen=True)
class ContentShared(Event):
    """The person opened a network's share page for an item through their tracked link.

    A share link cannot prove the post went out: points for this are small and
    capped, and paid once per item and network.
    """

    item_id: int
    network: str
    share_id: int
    link_id: int


@dataclass(frozen=True)
class ShareClicked(Event):
    """A verified unique visitor (not a bot, not the sharer) followed the person's link.

    `user_id` is the sharer, who earns the credit.
    """

    item_id: int
    network: str
    link_id: int
    click_id: int
