"""Several writers at once on SQLite: BEGIN IMMEDIATE means no "database is locked"."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from portal.accounts.models import Team
from portal.db import db


def test_concurrent_read_then_write_transactions_all_succeed(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("the SQLite locking rule; PostgreSQL has row locks")
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def writer(n: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                for i in range(5):
                    # Read first, then write: the pattern that fails with a deferred BEGIN.
                    count = len(db.session.scalars(select(Team)).all())
                    db.session.add(Team(name=f"team {n}-{i} after {count}"))
                    db.session.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        assert db.session.query(Team).count() == 40
