"""Email deliveries: queued with the notification, claimed by one worker, sent once.

A delivery row is written in the same transaction as its notification (or
digest run), and handed to RQ through the outbox after commit, one job per
batch. The job claims its rows atomically (pending -> sending, with a claim
token and time), ends the transaction, talks to SMTP, and marks each row sent
right after the server accepts it. A worker that dies mid-job leaves rows in
"sending"; the sweep (redelivery.py) takes back claims older than CLAIM_TIMEOUT and sends them
again. The one duplicate that cannot be ruled out is a crash between the SMTP
server's "250 OK" and the commit that follows it: a few milliseconds per
message. Such a duplicate carries the same Message-ID, which mail systems use
to drop copies.

Failures: a 5xx answer for a message fails it at once; anything else is tried
again with the backoff of `portal.queue.DEFAULT_RETRY` (the job raises, RQ
retries it). After MAX_ATTEMPTS the delivery is recorded as failed, admins are
told, and /admin/deliveries shows it with a retry button. Nothing is dropped
without a row that says why.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any, cast

from sqlalchemy import CursorResult, Table, select, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.mail import MailError, send
from portal.notifications import preferences as prefs
from portal.notifications.emails import build_email
from portal.notifications.models import DeliveryStatus, EmailDelivery
from portal.queue import DEFAULT_RETRY, enqueue_after_commit

log = logging.getLogger(__name__)

BATCH = 100  # deliveries per job
MAX_ATTEMPTS = (DEFAULT_RETRY.max or 0) + 1  # the first run and RQ's retries
CLAIM_TIMEOUT = timedelta(minutes=10)  # well past a job's timeout: its worker is gone
REDISPATCH_AFTER = timedelta(minutes=15)  # past RQ's whole retry backoff (10 s + 1 + 5 min)
DELIVER_JOB = "jobs.notifications.deliver_emails"


@dataclass
class NewEmail:
    """An email to queue for one person."""

    key: str
    user_id: int
    kind: str
    subject: str
    payload: dict[str, Any]
    not_before: datetime
    notification_id: int | None = None
    stale_at: datetime | None = None


def _insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def queue_emails(emails: Sequence[NewEmail], now: datetime) -> list[int]:
    """Insert delivery rows (a key already taken is skipped); enqueue those due now.

    Flushes; the jobs go to RQ after the caller's transaction commits, one per
    BATCH deliveries. Returns the ids of the new rows.
    """
    if not emails:
        return []
    new: list[int] = []
    due: list[int] = []
    values = [
        {
            "key": e.key[:200],
            "user_id": e.user_id,
            "kind": e.kind,
            "notification_id": e.notification_id,
            "subject": " ".join(e.subject.split())[:200],  # one line: it is a header
            "payload": e.payload,
            "status": DeliveryStatus.PENDING,
            "attempts": 0,
            "created_at": now,
            "not_before": e.not_before,
            "stale_at": e.stale_at,
            "dispatched_at": now if e.not_before <= now else None,
        }
        for e in emails
    ]
    # Core, not the ORM's bulk insert (which splits the batch whenever a row's None
    # columns differ): "insertmanyvalues" sends up to 1,000 rows per statement.
    table = cast(Table, EmailDelivery.__table__)
    rows = (
        db.session.connection()
        .execute(
            _insert()(table).on_conflict_do_nothing().returning(table.c.id, table.c.dispatched_at),
            values,
        )
        .all()
    )
    for row in rows:
        new.append(row.id)
        if row.dispatched_at is not None:
            due.append(row.id)
    enqueue(sorted(due))
    return new


def rowcount(result: Any) -> int:
    """How many rows an UPDATE changed."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


def enqueue(ids: list[int]) -> None:
    for start in range(0, len(ids), BATCH):
        enqueue_after_commit(DELIVER_JOB, ids[start : start + BATCH])


# --- sending ------------------------------------------------------------------------------


@dataclass
class SendResult:
    """What one run of the delivery job did."""

    sent: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    error: MailError | None = None


def claim(ids: Iterable[int], now: datetime) -> str | None:
    """Move the pending, due rows among `ids` to "sending" in one UPDATE; commit; return the token.

    Two workers given the same ids cannot both claim a row: the UPDATE's
    `status = 'pending'` condition lets exactly one of them through. Each
    claim counts as an attempt, so a message that kills its worker every time
    still runs out of attempts.
    """
    ids = list(ids)
    if not ids:
        return None
    token = uuid.uuid4().hex
    claimed = db.session.execute(
        update(EmailDelivery)
        .where(
            EmailDelivery.id.in_(ids),
            EmailDelivery.status == DeliveryStatus.PENDING,
            EmailDelivery.not_before <= now,
        )
        .values(
            status=DeliveryStatus.SENDING,
            claim_token=token,
            claimed_at=now,
            attempts=EmailDelivery.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return token if rowcount(claimed) else None


def send_deliveries(ids: Iterable[int], now: datetime | None = None) -> SendResult:
    """Send the deliveries among `ids` that are still pending and due; commits as it goes.

    Returns what happened. The caller (the job) raises `result.error` so RQ
    retries the job with backoff when some deliveries failed for now.
    """
    now = now or utcnow()
    result = SendResult()
    token = claim(ids, now)
    if token is None:
        return result
    rows = list(
        db.session.scalars(
            select(EmailDelivery)
            .where(EmailDelivery.claim_token == token)
            .order_by(EmailDelivery.id)
        )
    )
    people = {
        u.id: u
        for u in db.session.scalars(select(User).where(User.id.in_({r.user_id for r in rows})))
    }
    wanted = prefs.prefs_for_many(people)
    messages: list[tuple[EmailDelivery, EmailMessage]] = []
    for row in rows:
        person = people.get(row.user_id)
        reason = _unwanted(row, person, wanted.get(row.user_id, prefs.DEFAULTS), now)
        if reason or person is None:
            _finish(row.id, token, DeliveryStatus.SKIPPED, error=reason)
            result.skipped.append(row.id)
            continue
        messages.append((row, build_email(row, person)))
    attempts = {row.id: row.attempts for row, _ in messages}
    db.session.commit()  # end the transaction before waiting on the mail server

    for index, (row, msg) in enumerate(messages):
        try:
            send(msg)
        except MailError as exc:
            if _server_unreachable(exc):
                # Nothing else will get through now: hand the rest back untried.
                _record_failure(row.id, token, attempts[row.id], str(exc), now, result)
                _give_back([r.id for r, _ in messages[index + 1 :]], token)
                result.retry.extend(r.id for r, _ in messages[index + 1 :])
                result.error = exc
                break
            if _permanent(exc):
                _finish(row.id, token, DeliveryStatus.FAILED, error=str(exc))
                result.failed.append(row.id)
            else:
                _record_failure(row.id, token, attempts[row.id], str(exc), now, result)
                result.error = exc
            continue
        # Mark it sent at once: a crash from here to the commit is the only
        # moment that can make a duplicate.
        _finish(row.id, token, DeliveryStatus.SENT, sent_at=utcnow())
        result.sent.append(row.id)
    if result.failed:
        tell_admins(now)
        db.session.commit()
    if not result.retry:
        result.error = None
    return result


def _unwanted(
    row: EmailDelivery, person: User | None, chosen: prefs.Prefs, now: datetime
) -> str | None:
    """Why a claimed delivery should not be sent after all, or None."""
    if person is None or not person.active:
        return "The person's account is deactivated."
    if row.stale_at is not None and now > row.stale_at:
        return "Held by quiet hours until it no longer mattered."
    if row.kind == prefs.DIGEST:
        if chosen.digest == "never":
            return "The person turned the digest off."
    elif not chosen.wants(row.kind, prefs.EMAIL):
        return "The person turned these emails off."
    return None


def _finish(
    row_id: int, token: str, status: str, error: str | None = None, sent_at: datetime | None = None
) -> None:
    values: dict[str, Any] = {"status": status, "claim_token": None}
    if error is not None:
        values["last_error"] = error[:2000]
    if sent_at is not None:
        values["sent_at"] = sent_at
    db.session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.id == row_id, EmailDelivery.claim_token == token)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _record_failure(
    row_id: int, token: str, attempts: int, error: str, now: datetime, result: SendResult
) -> None:
    """Back to pending for RQ's retry, or failed when that was the last attempt."""
    if attempts >= MAX_ATTEMPTS:
        _finish(row_id, token, DeliveryStatus.FAILED, error=error)
        result.failed.append(row_id)
        return
    db.session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.id == row_id, EmailDelivery.claim_token == token)
        .values(
            status=DeliveryStatus.PENDING,
            claim_token=None,
            last_error=error[:2000],
            dispatched_at=now,  # RQ's retry has it; the sweep waits REDISPATCH_AFTER
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    result.retry.append(row_id)


def _give_back(ids: list[int], token: str) -> None:
    """Unclaim rows that were never tried (their attempt does not count)."""
    if not ids:
        return
    db.session.execute(
        update(EmailDelivery)
        .where(EmailDelivery.id.in_(ids), EmailDelivery.claim_token == token)
        .values(
            status=DeliveryStatus.PENDING,
            claim_token=None,
            attempts=EmailDelivery.attempts - 1,
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _cause(exc: MailError) -> BaseException | None:
    return exc.__cause__


def _server_unreachable(exc: MailError) -> bool:
    """The server could not be reached or hung up: no message of the batch can go now."""
    cause = _cause(exc)
    if isinstance(cause, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(cause, OSError | smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError)


def _permanent(exc: MailError) -> bool:
    """A 5xx answer about this message (a refused address, say): trying again will not help."""
    cause = _cause(exc)
    if isinstance(cause, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in cause.recipients.values())
    if isinstance(cause, smtplib.SMTPResponseException):
        return cause.smtp_code >= 500
    return False


def tell_admins(now: datetime) -> None:
    """Notify active admins, at most once a day, that emails could not be delivered (flushes)."""
    from portal.notifications.services import notify

    admins = db.session.scalars(
        select(User.id).where(User.role == Role.ADMIN, User.active.is_(True))
    ).all()
    notify(
        admins,
        "delivery_failed",
        "Some emails could not be delivered",
        "/admin/deliveries",
        subject="deliveries",
        period=now.date().isoformat(),
        body="See which, and why, and send them again once the problem is fixed.",
        now=now,
    )
