"""In-app notifications, preferences, email deliveries, digest runs and nudges."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import Model, UTCDateTime, utcnow


class Notification(Model):
    """Something a person should know, shown under the bell until they read it.

    `key` (person, kind, subject, period) is unique: the same reminder or
    notice is delivered once however often the code that sends it runs. A
    person who wants a kind by email only still gets the row (it carries the
    key), with `in_app` false so the bell and the list leave it out.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read_created", "user_id", "read_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(80), default="")
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(300), default="")  # a path inside Beacon
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_app: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class NotificationPreference(Model):
    """What one person wants to hear about, and how; no row means the defaults.

    `channels` holds only the choices that differ from the defaults:
    {"assignment_due": {"in_app": true, "email": false}, ...}.
    """

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    channels: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    digest: Mapped[str] = mapped_column(String(8), default="weekly")  # daily, weekly, never
    quiet_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    quiet_from: Mapped[int] = mapped_column(default=21)  # local hour, 0-23
    quiet_to: Mapped[int] = mapped_column(default=8)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DeliveryStatus:
    """The life of an email delivery: pending -> sending -> sent, or failed / skipped."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # no longer wanted when its turn came (unsubscribed, deactivated)


class EmailDelivery(Model):
    """One email to one person, claimed by one worker at a time and sent once.

    `key` is the notification's key (or "digest:<person>:<period>"), so the
    same reminder can never make two rows. A worker claims a row by moving it
    from pending to sending with its claim token in one UPDATE; a claim older
    than the timeout is taken back by the sweep (the worker died).
    """

    __tablename__ = "email_deliveries"
    __table_args__ = (
        Index("ix_email_deliveries_status_not_before", "status", "not_before"),
        Index("ix_email_deliveries_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # Indexed: deleting notifications (an account deletion, a clean-up) sets this to
    # NULL, and without an index each one scanned every delivery.
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL"), index=True
    )
    subject: Mapped[str] = mapped_column(String(200))  # the email's subject line
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)  # quiet hours
    stale_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # not worth sending after
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # handed to a job
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DigestRun(Model):
    """One person's digest for one period ("day:2026-11-25", "week:2026-W48"), made once.

    Written in the same transaction as the digest's email delivery, so a run
    that dies leaves nothing and a second run finds the key taken. `rank` is
    the person's all-time rank then, for the next digest's "rank change".
    """

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("user_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(24))
    status: Mapped[str] = mapped_column(String(8))  # "queued" or "empty"
    items: Mapped[int] = mapped_column(default=0)
    rank: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Nudge(Model):
    """A leader's nudge to one person: at most one per person per (their local) day."""

    __tablename__ = "nudges"
    __table_args__ = (UniqueConstraint("user_id", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    sender_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    subject: Mapped[str] = mapped_column(String(80))
    day: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
