"""The database object, the declarative base and the column helpers every domain uses."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

# Named constraints so Alembic can alter them on SQLite (batch mode) and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

if TYPE_CHECKING:

    class Model(Base):
        """What `db.Model` is, for the type checker."""

        __abstract__ = True
else:
    Model = db.Model


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so naive values read from it are tagged UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def run_after_commit(callback: Callable[[], None]) -> None:
    """Call `callback` once the current transaction commits (never if it rolls back).

    For side effects outside the database that may be lost (a cache, a Redis
    sorted set): a failure is logged, not raised. Work that must not be lost
    goes through the job outbox instead.
    """
    db.session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit_callbacks(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released; wait for the real commit
    for callback in session.info.pop("after_commit", []):
        try:
            callback()
        except Exception:
            log.exception("after-commit callback failed")


@event.listens_for(Session, "after_soft_rollback")
def _drop_after_commit_callbacks(session: Session, previous_transaction: Any) -> None:
    # Conservative on a savepoint rollback too: derived data is rebuilt from the truth.
    session.info.pop("after_commit", None)


def insert_ignore(model: type[Any], **values: Any) -> int | None:
    """Insert a row unless a unique key says it exists; return the new id, or None.

    One `INSERT ... ON CONFLICT DO NOTHING RETURNING id` statement on SQLite and
    PostgreSQL alike, so concurrent callers cannot both insert, and no savepoint
    or retry is needed.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = insert(model).values(**values).on_conflict_do_nothing().returning(model.id)
    return db.session.execute(stmt).scalar_one_or_none()


class TimestampMixin:
    """A `created_at` column set on insert."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection: Any, connection_record: Any) -> None:
    """WAL, a busy timeout and foreign keys on every SQLite connection.

    `isolation_level=None` hands transaction control to SQLAlchemy so that the
    `begin` hook below can open each transaction with BEGIN IMMEDIATE.
    """
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# Whether the transactions about to begin may write. Requests that cannot change
# anything (GET, HEAD, OPTIONS) clear it; everything else (POSTs, jobs, the CLI)
# keeps the default.
_write_intent: ContextVar[bool] = ContextVar("sqlite_write_intent", default=True)


@contextmanager
def read_only_transactions() -> Iterator[None]:
    """Within this block, SQLite transactions begin deferred: readers never wait for writers."""
    token = _write_intent.set(False)
    try:
        yield
    finally:
        _write_intent.reset(token)


def set_write_intent(may_write: bool) -> object:
    """Set the intent for the current context; returns a token for `reset_write_intent`."""
    return _write_intent.set(may_write)


def reset_write_intent(token: object) -> None:
    """Undo `set_write_intent`."""
    _write_intent.reset(token)  # type: ignore[arg-type]


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn: Any) -> None:
    """Take SQLite's write lock at the start of a transaction that may write.

    A deferred transaction that reads and then writes fails with "database is
    locked" when another writer got there first; the busy timeout cannot help
    it. So write units begin IMMEDIATE (waiting their turn, up to the busy
    timeout), while read-only requests begin deferred and, in WAL mode, never
    wait at all.
    """
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if _write_intent.get() else "BEGIN")
