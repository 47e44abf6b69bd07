"""Personal-brand profiles: what a person tells colleagues about their public voice."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, TimestampMixin, UTCDateTime, db, utcnow


class BrandProfile(Model):
    """One person's profile: headline, bio, expertise, social links and declared followers.

    Created on first save; a person without a row simply has an empty profile.
    Follower counts are what the person declares (no network API is asked);
    the insights dashboard sums them as potential reach. Each count keeps the
    time it last changed. The profile is company-internal unless the person
    opts in to a public page at /p/<public_slug> (a random, unguessable slug
    made on the first opt-in); follower counts and search-engine indexing are
    separate choices, both off by default.
    """

    __tablename__ = "brand_profiles"
    __table_args__ = (
        CheckConstraint(
            "followers_linkedin >= 0 AND followers_x >= 0 AND followers_facebook >= 0",
            name="followers_not_negative",
        ),
    )

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    headline: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    expertise: Mapped[list[str]] = mapped_column(JSON, default=list)
    linkedin_url: Mapped[str] = mapped_column(String(300), default="")
    x_url: Mapped[str] = mapped_column(String(300), default="")
    facebook_url: Mapped[str] = mapped_column(String(300), default="")
    followers_linkedin: Mapped[int] = mapped_column(default=0)
    followers_x: Mapped[int] = mapped_column(default=0)
    followers_facebook: Mapped[int] = mapped_column(default=0)
    # When each declared count last changed (None: never declared).
    followers_linkedin_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followers_x_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    followers_facebook_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    public_slug: Mapped[str | None] = mapped_column(String(32), unique=True)
    public_followers: Mapped[bool] = mapped_column(Boolean, default=False)
    public_indexable: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship()

    def url_for_network(self, network: str) -> str:
        return {"linkedin": self.linkedin_url, "x": self.x_url, "facebook": self.facebook_url}[
            network
        ]

    def handle_on(self, network: str) -> str:
        """How the profile link reads: "in/sam-carter", "@sam", "sam.carter" ("" if none)."""
        url = self.url_for_network(network)
        if not url:
            return ""
        path = url.split("://", 1)[-1].split("/", 1)[-1]
        if network == "x":
            return "@" + path
        if network == "facebook" and path.startswith("profile.php"):
            return "Facebook profile"
        return path

    def followers_on(self, network: str) -> int:
        return {
            "linkedin": self.followers_linkedin,
            "x": self.followers_x,
            "facebook": self.followers_facebook,
        }[network]

    def followers_updated_on(self, network: str) -> datetime | None:
        """When the declared count on `network` last changed (None if never declared)."""
        return {
            "linkedin": self.followers_linkedin_updated_at,
            "x": self.followers_x_updated_at,
            "facebook": self.followers_facebook_updated_at,
        }[network]


class AppearanceKind(enum.StrEnum):
    """What kind of thought-leadership appearance a speaking-log entry is."""

    TALK = "talk"
    PODCAST = "podcast"
    ARTICLE = "article"
    PANEL = "panel"
    WEBINAR = "webinar"

    @property
    def label(self) -> str:
        return {
            "talk": "Talk",
            "podcast": "Podcast",
            "article": "Article",
            "panel": "Panel",
            "webinar": "Webinar",
        }[self.value]


class SpeakingEntry(TimestampMixin, Model):
    """One entry of a person's speaking log: a talk, podcast, article, panel or webinar."""

    __tablename__ = "speaking_entries"
    __table_args__ = (Index("ix_speaking_entries_user_date", "user_id", "happened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[AppearanceKind] = mapped_column(
        db.Enum(
            AppearanceKind,
            native_enum=False,
            length=16,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AppearanceKind.TALK,
    )
    title: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(200), default="")  # conference, show, publication
    happened_on: Mapped[date] = mapped_column(Date)
    link: Mapped[str] = mapped_column(String(500), default="")
