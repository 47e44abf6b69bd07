"""Background jobs: the RQ connection and the outbox that feeds it.

Work for RQ is never pushed straight from a request. `enqueue_after_commit()`
writes an outbox row in the caller's transaction; once that transaction commits
the row is pushed to Redis. If Redis is down the row stays pending and the
periodic `sweep_outbox` job (or the next worker start) pushes it later, so a
Redis outage delays jobs and loses none. Each row carries the RQ job id it will
be enqueued under, so the sweep can tell a row that reached Redis from one
that did not.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

import redis
from flask import Flask, current_app
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError
from rq.job import Job
from sqlalchemy import (
    JSON,
    CursorResult,
    Integer,
    String,
    Text,
    event,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from portal.db import Model, TimestampMixin, UTCDateTime, db, utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
ENQUEUED = "enqueued"
DEFAULT_RETRY = Retry(max=3, interval=[10, 60, 300])


class OutboxJob(TimestampMixin, Model):
    """A job recorded in the database, waiting to be (or already) handed to RQ."""

    __tablename__ = "outbox_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(String(64), unique=True)
    func: Mapped[str] = mapped_column(String(200))
    args: Mapped[list[Any]] = mapped_column(JSON, default=list)
    kwargs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


def init_app(app: Flask) -> None:
    """Create the app's Redis client (connections are made lazily, on first use)."""
    app.extensions["redis"] = redis.Redis.from_url(
        app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5
    )


def get_redis() -> redis.Redis:
    """The Redis client of the current app."""
    client: redis.Redis = current_app.extensions["redis"]
    return client


def get_queue() -> Queue:
    """The app's RQ queue."""
    return Queue(current_app.config["RQ_QUEUE"], connection=get_redis())


def _func_path(func: Callable[..., Any] | str) -> str:
    if isinstance(func, str):
        return func
    return f"{func.__module__}.{func.__qualname__}"


def enqueue_after_commit(func: Callable[..., Any] | str, *args: Any, **kwargs: Any) -> OutboxJob:
    """Record `func(*args, **kwargs)` to run on a worker once the current transaction commits.

    Arguments must be JSON-serialisable: pass ids, never objects. If the
    transaction rolls back, the job is never run.
    """
    row = OutboxJob(
        job_id=f"outbox-{uuid.uuid4().hex}",
        func=_func_path(func),
        args=list(args),
        kwargs=dict(kwargs),
        status=PENDING,
    )
    db.session.add(row)
    db.session.flush()
    entry = _snapshot(row)
    # Remember the savepoint the row was written in: if that savepoint rolls
    # back, the row is gone and its job must not be pushed.
    nested = db.session().get_nested_transaction()
    entry["savepoint"] = id(nested) if nested is not None else None
    db.session.info.setdefault("outbox", []).append(entry)
    return row


def enqueue_once(func: Callable[..., Any] | str) -> bool:
    """Record `func()` in the outbox in a transaction of its own, unless one already waits.

    For work found to be needed outside any transaction, such as an after-commit
    callback that found Redis down: the sweep pushes the row once Redis is back,
    and a long outage records one job, not one per failure. One INSERT ... SELECT
    ... WHERE NOT EXISTS, so it never waits behind a read; two callers at the
    same instant on PostgreSQL can still both add a row, so `func` must be
    idempotent (a second run changes nothing). Returns whether a row was added.
    """
    path = _func_path(func)
    waiting = select(OutboxJob.id).where(OutboxJob.func == path, OutboxJob.status == PENDING)
    row = select(
        literal(f"outbox-{uuid.uuid4().hex}", String(64)),
        literal(path, String(200)),
        literal([], JSON),
        literal({}, JSON),
        literal(PENDING, String(16)),
        literal(0, Integer),
        literal(utcnow(), UTCDateTime()),
    ).where(~waiting.exists())
    columns = ["job_id", "func", "args", "kwargs", "status", "attempts", "created_at"]
    with db.engine.begin() as conn:
        result = conn.execute(insert(OutboxJob).from_select(columns, row))
    return bool(cast(CursorResult[Any], result).rowcount)


def _snapshot(row: OutboxJob) -> dict[str, Any]:
    return {
        "id": row.id,
        "job_id": row.job_id,
        "func": row.func,
        "args": list(row.args),
        "kwargs": dict(row.kwargs),
    }


@event.listens_for(Session, "after_commit")
def _push_after_commit(session: Session) -> None:
    # Also fired when a savepoint is released: only the outermost commit counts.
    if session.get_nested_transaction() is not None:
        return
    pending = session.info.pop("outbox", None)
    if pending:
        try:
            push(pending)
        except Exception:  # the commit happened; the sweep will push what is left
            log.exception("could not push outbox jobs after commit; the sweep will retry")


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    pending = session.info.get("outbox")
    if not pending:
        return
    if previous_transaction.nested:
        # Only the rows written inside that savepoint are gone.
        session.info["outbox"] = [e for e in pending if e["savepoint"] != id(previous_transaction)]
    else:
        session.info.pop("outbox", None)


def push(rows: list[dict[str, Any]]) -> int:
    """Hand outbox rows to RQ and mark them enqueued; return how many went.

    A Redis error leaves the rows pending for the sweep: it is logged, never raised.
    """
    done: list[int] = []
    errors: dict[int, str] = {}
    queue = get_queue()
    for row in rows:
        try:
            # unique: a second push of the same row (two workers sweeping at
            # once, a sweep racing the after-commit push) is refused by Redis.
            queue.enqueue_call(
                row["func"],
                args=row["args"],
                kwargs=row["kwargs"],
                job_id=row["job_id"],
                retry=DEFAULT_RETRY,
                unique=True,
            )
            done.append(row["id"])
        except DuplicateJobError:
            done.append(row["id"])
        except redis.RedisError as exc:
            log.warning("Redis unavailable; outbox job %s stays pending: %s", row["job_id"], exc)
            errors[row["id"]] = str(exc)[:500]
            break  # the rest would fail the same way; the sweep retries them all
        except Exception as exc:  # a broken row must not hold up the others
            log.exception("outbox job %s could not be enqueued", row["job_id"])
            errors[row["id"]] = str(exc)[:500]
    _mark(done, errors)
    return len(done)


def _mark(done: list[int], errors: dict[int, str]) -> None:
    if not done and not errors:
        return
    with db.engine.begin() as conn:
        if done:
            conn.execute(
                update(OutboxJob)
                .where(OutboxJob.id.in_(done))
                .values(status=ENQUEUED, enqueued_at=utcnow(), attempts=OutboxJob.attempts + 1)
            )
        for row_id, message in errors.items():
            conn.execute(
                update(OutboxJob)
                .where(OutboxJob.id == row_id)
                .values(last_error=message, attempts=OutboxJob.attempts + 1)
            )


def sweep_outbox(grace_seconds: int | None = None, limit: int = 500) -> int:
    """Push every outbox row still pending after the grace period; return how many went.

    Rows whose job already reached Redis (the after-commit push succeeded but the
    process died before marking it) are only marked, not enqueued twice.
    """
    if grace_seconds is None:
        grace_seconds = current_app.config["OUTBOX_GRACE_SECONDS"]
    cutoff = utcnow() - timedelta(seconds=grace_seconds)
    rows = db.session.scalars(
        select(OutboxJob)
        .where(OutboxJob.status == PENDING, OutboxJob.created_at <= cutoff)
        .order_by(OutboxJob.id)
        .limit(limit)
    ).all()
    snapshots = [_snapshot(r) for r in rows]
    db.session.rollback()  # release SQLite's lock before talking to Redis
    if not snapshots:
        return 0
    try:
        connection = get_redis()
        already = [s for s in snapshots if Job.exists(s["job_id"], connection=connection)]
    except redis.RedisError as exc:
        log.warning("Redis unavailable; %d outbox jobs wait: %s", len(snapshots), exc)
        return 0
    _mark([s["id"] for s in already], {})
    ids = {s["id"] for s in already}
    return push([s for s in snapshots if s["id"] not in ids]) + len(already)


def pending_count() -> int:
    """How many outbox rows wait for Redis."""
    return (
        db.session.scalar(
            select(db.func.count()).select_from(OutboxJob).where(OutboxJob.status == PENDING)
        )
        or 0
    )
