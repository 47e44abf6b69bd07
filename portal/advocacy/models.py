"""The content library, shares, tracked links, their clicks and share-later reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import Team, User
from portal.db import Model, TimestampMixin, UTCDateTime, utcnow


class Network(enum.StrEnum):
    """A social network with a public share link (no API key needed)."""

    LINKEDIN = "linkedin"
    X = "x"
    FACEBOOK = "facebook"

    @property
    def label(self) -> str:
        return {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook"}[self.value]

    @property
    def caption_in_link(self) -> bool:
        """X takes the caption in its share link; LinkedIn and Facebook take only the URL."""
        return self is Network.X


class ContentStatus(enum.StrEnum):
    """Suggestions wait for a leader or admin; published items are in the library."""

    SUGGESTED = "suggested"
    PUBLISHED = "published"
    REJECTED = "rejected"


def _enum(enum_type: type[enum.Enum], length: int = 16) -> Enum:
    return Enum(
        enum_type, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


content_item_teams = Table(
    "content_item_teams",
    Model.metadata,
    Column("item_id", ForeignKey("content_items.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class ContentItem(TimestampMixin, Model):
    """Something for people to share: a link with suggested captions, for everyone or teams.

    Shown in the feed of its audience between `starts_at` and `expires_at`
    (either may be empty) once published. `share_count` counts the distinct
    (person, network) links made for it: sharing again does not inflate it.
    """

    __tablename__ = "content_items"
    __table_args__ = (Index("ix_content_items_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str | None] = mapped_column(String(2000))
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    campaign: Mapped[str] = mapped_column(String(80), default="")
    caption_linkedin: Mapped[str] = mapped_column(Text, default="")
    caption_x: Mapped[str] = mapped_column(Text, default="")
    caption_facebook: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    for_everyone: Mapped[bool] = mapped_column(Boolean, default=True)
    status: Mapped[ContentStatus] = mapped_column(
        _enum(ContentStatus), default=ContentStatus.PUBLISHED
    )
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    share_count: Mapped[int] = mapped_column(default=0)
    # A leader's item belongs to their team: that team's leaders (and admins) edit it.
    owner_team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Suggestions: who suggested it, and the leader's or admin's decision.
    suggested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str] = mapped_column(Text, default="")

    teams: Mapped[list[Team]] = relationship(secondary=content_item_teams, order_by="Team.name")
    suggested_by: Mapped[User | None] = relationship(foreign_keys=[suggested_by_id])
    reviewed_by: Mapped[User | None] = relationship(foreign_keys=[reviewed_by_id])

    def caption_for(self, network: Network) -> str:
        """The suggested caption for a network."""
        return {
            Network.LINKEDIN: self.caption_linkedin,
            Network.X: self.caption_x,
            Network.FACEBOOK: self.caption_facebook,
        }[network]

    def is_live(self, now: datetime | None = None) -> bool:
        """Published, started and not expired."""
        now = now or utcnow()
        return (
            self.status == ContentStatus.PUBLISHED
            and (self.starts_at is None or self.starts_at <= now)
            and (self.expires_at is None or self.expires_at > now)
        )

    def __repr__(self) -> str:
        return f"<ContentItem {self.id} {self.title!r}>"


class TrackedLink(Model):
    """Beacon's own short link `/s/<code>` for one person, item and network.

    It redirects to the item's stored URL with UTM parameters. `sharer_visitor`
    is the (daily-salted) visitor hash of the sharer's last share, so their own
    clicks from the same browser that day are not counted.
    """

    __tablename__ = "tracked_links"
    __table_args__ = (UniqueConstraint("user_id", "item_id", "network"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(
        ForeignKey("content_items.id", ondelete="CASCADE"), index=True
    )
    network: Mapped[Network] = mapped_column(_enum(Network))
    sharer_visitor: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Share(Model):
    """One time a person opened a network's share page for an item, with their caption."""

    __tablename__ = "content_shares"
    __table_args__ = (
        Index("ix_content_shares_item_network_created", "item_id", "network", "created_at"),
        Index("ix_content_shares_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    link_id: Mapped[int] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    network: Mapped[Network] = mapped_column(_enum(Network))
    caption: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShareClick(Model):
    """A unique visitor of a tracked link on a day: no IP or user agent is stored.

    `visitor` is an HMAC of the address and user agent under a salt derived
    from SECRET_KEY and the day, so it cannot be linked across days.
    """

    __tablename__ = "share_clicks"
    __table_args__ = (UniqueConstraint("link_id", "day", "visitor"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("tracked_links.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    visitor: Mapped[str] = mapped_column(String(64))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ShareReminder(Model):
    """A person asked to be reminded to share an item later (one pending reminder per item)."""

    __tablename__ = "share_reminders"
    __table_args__ = (
        UniqueConstraint("user_id", "item_id"),
        Index("ix_share_reminders_sent_remind", "sent_at", "remind_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("content_items.id", ondelete="CASCADE"))
    remind_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
