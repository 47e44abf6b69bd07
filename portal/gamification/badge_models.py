"""Badges: what an admin defines (the rule, the look, the words) and each one issued.

An issued badge is an Open Badges 2.0 hosted assertion: it is published at a
URL named by its unguessable `uid`, and names its recipient only by a salted
hash of their email address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, UTCDateTime, utcnow


class Badge(Model):
    """A badge people can earn: its rule (`kind`, `metric`, `subject`, `threshold`) and look.

    Kinds: "metric" (the person did `metric` at least `threshold` times),
    "path" (completed the learning path `subject`, "path:<id>"), "streak"
    (a learning streak of `threshold` days), "points" (`threshold` points in
    all), "league" (finished a league week ranked `threshold` or better) and
    "challenge" (given by a challenge that names this badge as its reward).
    A retired badge is no longer awarded; the ones issued stay valid.
    """

    __tablename__ = "badges"
    __table_args__ = (Index("ix_badges_kind_metric", "kind", "metric"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria_text: Mapped[str] = mapped_column(Text, default="")
    icon: Mapped[str] = mapped_column(String(24))
    colour: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(80), default="")
    threshold: Mapped[int] = mapped_column(default=1)
    # Set for the badges seeded as suggestions, so adding them twice adds nothing.
    seed_key: Mapped[str | None] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def retired(self) -> bool:
        return self.retired_at is not None


class BadgeAssertion(Model):
    """One badge issued to one person, once: the Open Badges assertion published for it.

    `identity_hash` is "sha256$" + sha256(email + salt) of the address the
    person had when it was issued; the address itself is never published.
    """

    __tablename__ = "badge_assertions"
    __table_args__ = (
        UniqueConstraint("badge_id", "user_id"),
        Index("ix_badge_assertions_user_issued", "user_id", "issued_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True)
    badge_id: Mapped[int] = mapped_column(ForeignKey("badges.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    salt: Mapped[str] = mapped_column(String(32))
    identity_hash: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revocation_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    badge: Mapped[Badge] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None
