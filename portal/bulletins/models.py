"""Bulletins, the teams and networks they concern, and who read and acknowledged each one."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
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
from portal.learning.models import Lesson


class Category(enum.StrEnum):
    """What kind of news a bulletin is."""

    ALGORITHM_UPDATE = "algorithm_update"
    BEST_PRACTICE = "best_practice"
    POLICY = "policy"

    @property
    def label(self) -> str:
        return {
            "algorithm_update": "Algorithm update",
            "best_practice": "Best practice",
            "policy": "Policy",
        }[self.value]


class Network(enum.StrEnum):
    """The social networks a bulletin can concern."""

    LINKEDIN = "linkedin"
    X = "x"
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"

    @property
    def label(self) -> str:
        return {"linkedin": "LinkedIn", "x": "X", "facebook": "Facebook", "instagram": "Instagram"}[
            self.value
        ]


class BulletinStatus(enum.StrEnum):
    """Drafts and cancelled bulletins are for admins; scheduled ones wait for their time."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _enum(enum_type: type[enum.Enum], length: int = 20) -> Enum:
    return Enum(
        enum_type, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


bulletin_teams = Table(
    "bulletin_teams",
    Model.metadata,
    Column("bulletin_id", ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True),
    Column("team_id", ForeignKey("teams.id", ondelete="CASCADE"), primary_key=True),
)


class Bulletin(TimestampMixin, Model):
    """A piece of news for everyone or for chosen teams, published now or at a set time."""

    __tablename__ = "bulletins"
    __table_args__ = (
        # The sweep looks up due scheduled bulletins; readers list published ones by date.
        Index("ix_bulletins_status_publish_at", "status", "publish_at"),
        Index("ix_bulletins_status_published_at", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(140))
    summary: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown
    category: Mapped[Category] = mapped_column(_enum(Category), index=True)
    action_items: Mapped[list[str]] = mapped_column(JSON, default=list)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id", ondelete="SET NULL"))
    for_everyone: Mapped[bool] = mapped_column(Boolean, default=True)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[BulletinStatus] = mapped_column(
        _enum(BulletinStatus), default=BulletinStatus.DRAFT
    )
    # When a scheduled bulletin goes out; when it actually did (set once, by the claim).
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    teams: Mapped[list[Team]] = relationship(secondary=bulletin_teams, order_by="Team.name")
    network_rows: Mapped[list[BulletinNetwork]] = relationship(
        cascade="all, delete-orphan", order_by="BulletinNetwork.network"
    )
    lesson: Mapped[Lesson | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def networks(self) -> list[Network]:
        return sorted((row.network for row in self.network_rows), key=list(Network).index)

    @property
    def is_published(self) -> bool:
        return self.status == BulletinStatus.PUBLISHED

    def __repr__(self) -> str:
        return f"<Bulletin {self.id} {self.status}>"


class BulletinNetwork(Model):
    """One network a bulletin concerns (a row each, so the archive can filter on it)."""

    __tablename__ = "bulletin_networks"

    bulletin_id: Mapped[int] = mapped_column(
        ForeignKey("bulletins.id", ondelete="CASCADE"), primary_key=True
    )
    network: Mapped[Network] = mapped_column(_enum(Network), primary_key=True)


class BulletinRead(Model):
    """A person opened a bulletin (`read_at`) and, perhaps, pressed "Got it" (`acknowledged_at`).

    One row per person and bulletin: the first read inserts it, the
    acknowledgement fills `acknowledged_at` once.
    """

    __tablename__ = "bulletin_reads"
    __table_args__ = (
        UniqueConstraint("bulletin_id", "user_id"),
        Index("ix_bulletin_reads_user_acknowledged", "user_id", "acknowledged_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
