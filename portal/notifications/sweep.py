"""The reminder sweep (every 5 minutes) and the digests (hourly), as services the jobs call.

Both are safe to run any number of times, at once or one after the other,
from one scheduler or two started by mistake: every effect is keyed. A
reminder is a notification with the key (kind, person, subject, period); a
digest is a `DigestRun` with the key (person, period). Each key's row is
written in the same transaction as its email delivery, so a run killed half
way leaves either both or neither, and the next run finishes the job.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.accounts.models import User
from portal.db import db, read_only_transactions, utcnow
from portal.notifications import delivery, redelivery
from portal.notifications import preferences as prefs
from portal.notifications.models import DigestRun, NotificationPreference
from portal.notifications.reminders import DIGEST_SECTIONS, REMINDERS, Due
from portal.notifications.services import deliver, notification_key, taken_keys

log = logging.getLogger(__name__)

COMMIT_EVERY = 1000  # reminders per transaction: short write locks on SQLite
DIGEST_CHUNK = 500  # people per call of each digest section
MORNING = (8, 11)  # digests go out from 08:00 local; a missed hourly run catches up until 11:00
WEEKLY_ON = 0  # Monday


@dataclass
class SweepResult:
    """What one sweep did."""

    found: dict[str, int] = field(default_factory=dict)
    notified: int = 0
    reclaimed: int = 0
    dispatched: int = 0
    failed_providers: list[str] = field(default_factory=list)


def collect_reminders(now: datetime) -> tuple[dict[str, list[Due]], list[str]]:
    """Ask every registered provider what is due now; a provider that fails is logged and skipped.

    Runs in a read-only transaction, so on SQLite it holds no write lock.
    """
    db.session.rollback()
    found: dict[str, list[Due]] = {}
    failed: list[str] = []
    with read_only_transactions():
        for kind, registered in REMINDERS.items():
            try:
                found[kind] = list(registered.provider(now))
            except Exception:
                log.exception("reminder provider %s failed; the others go on", kind)
                db.session.rollback()
                failed.append(kind)
        db.session.rollback()
    return found, failed


def _not_delivered(kind: str, items: list[Due]) -> list[Due]:
    """The items whose key is not taken yet, each key once (the first item, as `deliver` keeps).

    Every sweep finds again most of what the last one delivered (a bulletin
    stays unacknowledged for days): checking the keys first spares those items
    the preference and address look-ups and the INSERTs that would find their
    keys taken. `deliver` still inserts with ON CONFLICT DO NOTHING, so a
    concurrent sweep that gets there first is still not delivered twice.
    """
    unique: dict[str, Due] = {}
    for item in items:
        unique.setdefault(notification_key(kind, item.user_id, item.subject, item.period), item)
    with read_only_transactions():  # SQLite: no write lock just to read
        taken = taken_keys(list(unique))
        db.session.rollback()
    return [item for key, item in unique.items() if key not in taken]


def sweep_reminders(now: datetime | None = None) -> SweepResult:
    """Deliver every due reminder once, take back stalled emails, send those now due. Commits."""
    now = now or utcnow()
    result = SweepResult()
    found, result.failed_providers = collect_reminders(now)
    for kind, items in found.items():
        result.found[kind] = len(items)
        fresh = _not_delivered(kind, items)
        for start in range(0, len(fresh), COMMIT_EVERY):
            result.notified += len(deliver(kind, fresh[start : start + COMMIT_EVERY], now=now))
            db.session.commit()
    result.reclaimed = redelivery.reclaim_stalled(now)
    result.dispatched = redelivery.dispatch_due(now)
    db.session.commit()
    return result


# --- digests ------------------------------------------------------------------------------


@dataclass
class DigestResult:
    """What one digest run did."""

    due: int = 0
    queued: int = 0
    empty: int = 0
    failed_sections: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    user_id: int
    frequency: str
    period: str
    label: str
    timezone: str
    prefs: prefs.Prefs


def digest_period(frequency: str, local_now: datetime) -> tuple[str, str] | None:
    """The period key and label of a digest due at this local time, else None."""
    if not (MORNING[0] <= local_now.hour < MORNING[1]):
        return None
    day = local_now.date()
    if frequency == "daily":
        return f"day:{day.isoformat()}", day.strftime("%A %-d %B")
    if frequency == "weekly" and day.weekday() == WEEKLY_ON:
        year, week, _ = day.isocalendar()
        return f"week:{year}-W{week:02d}", f"the week of {day.strftime('%-d %B')}"
    return None


def _candidates(now: datetime) -> list[_Candidate]:
    """Active people whose digest is due now: two queries over everyone, no IN lists."""
    loaded = {
        row.user_id: prefs.from_row(row)
        for row in db.session.scalars(select(NotificationPreference))
    }
    found: list[_Candidate] = []
    for user_id, timezone in db.session.execute(
        select(User.id, User.timezone).where(User.active.is_(True)).order_by(User.id)
    ):
        wanted = loaded.get(user_id, prefs.DEFAULTS)
        if wanted.digest == "never":
            continue
        due = digest_period(wanted.digest, prefs.local(now, timezone))
        if due is not None:
            found.append(_Candidate(user_id, wanted.digest, due[0], due[1], timezone, wanted))
    return found


def _already_sent(candidates: list[_Candidate]) -> set[tuple[int, str]]:
    ids = [c.user_id for c in candidates]
    return {
        (user_id, period)
        for user_id, period in db.session.execute(
            select(DigestRun.user_id, DigestRun.period).where(
                DigestRun.user_id.in_(ids), DigestRun.period.in_({c.period for c in candidates})
            )
        )
    }


def _sections(
    user_ids: list[int], since: datetime, now: datetime, result: DigestResult
) -> dict[int, list[dict[str, Any]]]:
    """Every section's items for these people: {person: [{"heading", "items"}, ...]}."""
    per_person: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for name, section in DIGEST_SECTIONS.items():
        try:
            answer = section.provider(user_ids, since, now)
        except Exception:
            log.exception("digest section %s failed; the others go on", name)
            db.session.rollback()
            if name not in result.failed_sections:
                result.failed_sections.append(name)
            continue
        for user_id, items in answer.items():
            if items:
                per_person[user_id].append(
                    {
                        "heading": section.heading,
                        "items": [
                            {"title": i.title, "url": i.url, "detail": i.detail} for i in items
                        ],
                    }
                )
    return per_person


def _claim_runs(rows: list[dict[str, Any]]) -> set[int]:
    """Insert digest runs, skipping (person, period) keys already taken; return who got theirs."""
    if not rows:
        return set()
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, DigestRun.__table__)
    claimed = db.session.connection().execute(
        insert(table).on_conflict_do_nothing().returning(table.c.user_id), rows
    )
    return {int(row.user_id) for row in claimed}


def send_digests(now: datetime | None = None) -> DigestResult:
    """Queue the digest of everyone whose local morning it is, once per period; commits.

    A digest with nothing in it is recorded as empty and not sent.
    """
    from portal.notifications.providers import load_board, one_board

    now = now or utcnow()
    result = DigestResult()
    db.session.rollback()
    with read_only_transactions():
        candidates = _candidates(now)
        board = load_board() if candidates else []
        db.session.rollback()
    result.due = len(candidates)
    with one_board(board):
        for start in range(0, len(candidates), DIGEST_CHUNK):
            _digest_chunk(candidates[start : start + DIGEST_CHUNK], now, result)
    return result


def _digest_chunk(chunk: list[_Candidate], now: datetime, result: DigestResult) -> None:
    """Work out a chunk's digests reading only, then claim and queue them in one short write."""
    from portal.notifications.providers import all_time_ranks

    with read_only_transactions():
        taken = _already_sent(chunk)
        chunk = [c for c in chunk if (c.user_id, c.period) not in taken]
        contents: dict[int, list[dict[str, Any]]] = {}
        for frequency, length in (("daily", timedelta(days=1)), ("weekly", timedelta(days=7))):
            ids = [c.user_id for c in chunk if c.frequency == frequency]
            if ids:
                contents.update(_sections(ids, now - length, now, result))
        ranks = all_time_ranks([c.user_id for c in chunk]) if chunk else {}
        db.session.rollback()
    if not chunk:
        return
    runs = [
        {
            "user_id": c.user_id,
            "period": c.period,
            "status": "queued" if contents.get(c.user_id) else "empty",
            "items": sum(len(s["items"]) for s in contents.get(c.user_id, [])),
            "rank": ranks.get(c.user_id, (0, None))[1],
            "created_at": now,
        }
        for c in chunk
    ]
    claimed = _claim_runs(runs)
    emails = []
    for c in chunk:
        if c.user_id not in claimed:
            continue  # another run got there first
        if not contents.get(c.user_id):
            result.empty += 1
            continue
        emails.append(_digest_email(c, contents[c.user_id], now))
    delivery.queue_emails(emails, now)
    result.queued += len(emails)
    db.session.commit()


def _digest_email(
    candidate: _Candidate, sections: list[dict[str, Any]], now: datetime
) -> delivery.NewEmail:
    weekly = candidate.frequency == "weekly"
    subject = (
        f"Your week on Beacon: {candidate.label}"
        if weekly
        else f"Your Beacon digest for {candidate.label}"
    )
    return delivery.NewEmail(
        key=f"digest:{candidate.user_id}:{candidate.period}",
        user_id=candidate.user_id,
        kind=prefs.DIGEST,
        subject=subject,
        payload={"frequency": candidate.frequency, "label": candidate.label, "sections": sections},
        not_before=candidate.prefs.emails_allowed_at(now, candidate.timezone),
        stale_at=now + (timedelta(days=7) if weekly else timedelta(days=1)),
    )
