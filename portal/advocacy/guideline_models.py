"""Posting guidelines: versioned Markdown, who acknowledged which version, and caption rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts.models import User
from portal.db import Model, TimestampMixin, UTCDateTime, utcnow


class GuidelineVersion(TimestampMixin, Model):
    """One version of the posting guidelines.

    A version is a draft (`published_at` is None) until an admin publishes it;
    from then on it is read-only. The current guidelines are the published
    version with the highest number. There is at most one draft at a time.
    """

    __tablename__ = "guideline_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")  # Markdown, rendered sanitised
    summary: Mapped[str] = mapped_column(String(300), default="")  # what changed
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class GuidelineAcknowledgement(Model):
    """A person confirmed they read one version. One row per (person, version)."""

    __tablename__ = "guideline_acknowledgements"
    __table_args__ = (
        UniqueConstraint("user_id", "version_id"),
        Index("ix_guideline_acknowledgements_version", "version_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version_id: Mapped[int] = mapped_column(ForeignKey("guideline_versions.id", ondelete="CASCADE"))
    acknowledged_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CaptionRules(Model):
    """The admin-configured caption rules: a single row (id 1).

    `blocked_terms` holds one term per line. A limit of None means "no limit".
    """

    __tablename__ = "caption_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    disclosure: Mapped[str] = mapped_column(String(200), default="")
    blocked_terms: Mapped[str] = mapped_column(Text, default="")
    limit_x: Mapped[int | None] = mapped_column()
    limit_linkedin: Mapped[int | None] = mapped_column()
    limit_facebook: Mapped[int | None] = mapped_column()
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def terms(self) -> list[str]:
        """The blocked terms, trimmed, blanks and duplicates dropped, in the admin's order."""
        seen: set[str] = set()
        out: list[str] = []
        for line in self.blocked_terms.splitlines():
            term = " ".join(line.split())
            if term and term.casefold() not in seen:
                seen.add(term.casefold())
                out.append(term)
        return out
