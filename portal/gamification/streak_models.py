"""Streaks: how many days in a row a person has learned, and the freezes that cover a gap."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Model, UTCDateTime, utcnow


class Streak(Model):
    """One person's learning streak; days are in the person's own time zone."""

    __tablename__ = "streaks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    current: Mapped[int] = mapped_column(default=0)
    longest: Mapped[int] = mapped_column(default=0)
    last_day: Mapped[date | None] = mapped_column(Date)
    freezes: Mapped[int] = mapped_column(default=0)
    weekday_only: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
