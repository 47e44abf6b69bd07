"""Deliveries that need another go: stalled claims, quiet hours over, and admins' retries.

The reminder sweep calls `reclaim_stalled` and `dispatch_due` every five
minutes; /admin/deliveries lists failures and retries them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.notifications import preferences as prefs
from portal.notifications.delivery import (
    CLAIM_TIMEOUT,
    MAX_ATTEMPTS,
    REDISPATCH_AFTER,
    enqueue,
    rowcount,
    tell_admins,
)
from portal.notifications.models import DeliveryStatus, EmailDelivery


def reclaim_stalled(now: datetime | None = None) -> int:
    """Take back deliveries claimed longer than CLAIM_TIMEOUT ago (their worker died).

    They go back to pending for `dispatch_due`, or to failed when they have had
    all their attempts. Returns how many were taken back. Flushes.
    """
    now = now or utcnow()
    cutoff = now - CLAIM_TIMEOUT
    stalled = (
        EmailDelivery.status == DeliveryStatus.SENDING,
        EmailDelivery.claimed_at < cutoff,
    )
    message = "The worker stopped while sending this email; it was tried again."
    failed = db.session.execute(
        update(EmailDelivery)
        .where(*stalled, EmailDelivery.attempts >= MAX_ATTEMPTS)
        .values(status=DeliveryStatus.FAILED, claim_token=None, last_error=message)
        .execution_options(synchronize_session=False)
    )
    again = db.session.execute(
        update(EmailDelivery)
        .where(*stalled)
        .values(
            status=DeliveryStatus.PENDING, claim_token=None, dispatched_at=None, last_error=message
        )
        .execution_options(synchronize_session=False)
    )
    if rowcount(failed):
        tell_admins(now)
    return rowcount(again) + rowcount(failed)


def dispatch_due(now: datetime | None = None, limit: int = 20_000) -> int:
    """Enqueue pending deliveries that are due and not with a job (quiet hours over, lost jobs).

    Flushes; the jobs go to RQ after commit. Returns how many were dispatched.
    """
    now = now or utcnow()
    ids = list(
        db.session.scalars(
            select(EmailDelivery.id)
            .where(
                EmailDelivery.status == DeliveryStatus.PENDING,
                EmailDelivery.not_before <= now,
                EmailDelivery.dispatched_at.is_(None)
                | (EmailDelivery.dispatched_at < now - REDISPATCH_AFTER),
            )
            .order_by(EmailDelivery.id)
            .limit(limit)
        )
    )
    for start in range(0, len(ids), prefs.IN_CHUNKS):
        db.session.execute(
            update(EmailDelivery)
            .where(EmailDelivery.id.in_(ids[start : start + prefs.IN_CHUNKS]))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )
    enqueue(ids)
    return len(ids)


# --- admins -------------------------------------------------------------------------------


def failed_deliveries(limit: int = 200) -> list[tuple[EmailDelivery, User | None]]:
    """The most recent failed deliveries, with their recipients."""
    rows = db.session.execute(
        select(EmailDelivery, User)
        .outerjoin(User, User.id == EmailDelivery.user_id)
        .where(EmailDelivery.status == DeliveryStatus.FAILED)
        .order_by(EmailDelivery.created_at.desc(), EmailDelivery.id.desc())
        .limit(limit)
    ).all()
    return [(delivery, person) for delivery, person in rows]


def status_counts(since: datetime) -> dict[str, int]:
    """How many deliveries made since `since` are in each status."""
    rows = db.session.execute(
        select(EmailDelivery.status, func.count())
        .where(EmailDelivery.created_at >= since)
        .group_by(EmailDelivery.status)
    ).all()
    counts = {s: 0 for s in ("pending", "sending", "sent", "failed", "skipped")}
    counts.update({str(status): int(n) for status, n in rows})
    return counts


class DeliveryError(ValueError):
    """A delivery that cannot be retried; the message says why."""


def retry_failed(actor: User, delivery_id: int, now: datetime | None = None) -> EmailDelivery:
    """Send a failed delivery again (admins only): a fresh set of attempts. Flushes.

    Raises PermissionDenied for non-admins, LookupError for an unknown id and
    DeliveryError when the delivery has not failed.
    """
    from portal.accounts.services import require_admin

    require_admin(actor)
    now = now or utcnow()
    row = db.session.get(EmailDelivery, delivery_id)
    if row is None:
        raise LookupError(delivery_id)
    if row.status != DeliveryStatus.FAILED:
        raise DeliveryError("Only a failed email can be sent again.")
    row.status = DeliveryStatus.PENDING
    row.attempts = 0
    row.not_before = now
    row.stale_at = None
    row.dispatched_at = now
    db.session.flush()
    enqueue([row.id])
    return row
