"""The nightly rebuild: totals and leaderboards recomputed from the ledger equal the incremental ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import delete, select

from jobs.gamification import rebuild_leaderboards
from portal.accounts.models import Role, User
from portal.db import db
from portal.gamification import leaderboard
from portal.gamification.models import PointTotal
from portal.gamification.points import adjust_points, award_points, spend_points


@pytest.fixture
def client_redis(app):  # type: ignore[no-untyped-def]
    """The test Redis, without leaderboards before and after the test."""
    client = redis.Redis.from_url(app.config["REDIS_URL"])

    def wipe() -> None:
        keys = list(client.scan_iter(match=leaderboard.key("*")))
        if keys:
            client.delete(*keys)

    wipe()
    yield client
    wipe()


def totals() -> set[tuple[int, str, int]]:
    return {(t.user_id, t.period, t.points) for t in db.session.scalars(select(PointTotal))}


def boards(client: redis.Redis) -> dict[str, list[tuple[bytes, float]]]:
    return {
        key.decode(): client.zrange(key, 0, -1, withscores=True)  # type: ignore[misc]
        for key in client.scan_iter(match=leaderboard.key("*"))
    }


@pytest.fixture
def ledger(app_ctx, people, client_redis):  # type: ignore[no-untyped-def]
    """Awards for three people over seven weeks (across a month end) plus an adjustment."""
    admin = people.person(role=Role.ADMIN)
    crew = [people.person() for _ in range(3)]
    start = datetime(2026, 9, 14, 9, 30, tzinfo=UTC)  # a Monday; the weeks run into October
    for day in range(0, 49, 3):
        for i, person in enumerate(crew):
            user = db.session.get(User, person.id)
            assert user is not None
            now = start + timedelta(days=day, hours=i * 7)  # some land late in the UTC day
            award_points(user, "lesson_completed", f"lesson:{day}", now=now)
            if (day + i) % 2:
                award_points(user, "quiz_passed", f"lesson:{day}", now=now)
            if day % 9 == 0:
                award_points(user, "module_completed", f"module:{day}", now=now)
        db.session.commit()
    adjust_points(
        db.session.get(User, admin.id), db.session.get(User, crew[0].id), -25, "Correction"
    )
    buyer = db.session.get(User, crew[2].id)
    assert buyer is not None
    assert spend_points(buyer, "streak_freeze", "streak", 50, "freeze:test") is not None
    db.session.commit()
    return crew


def test_rebuild_equals_the_incremental_totals_and_boards(app_ctx, ledger, client_redis):
    before_totals, before_boards = totals(), boards(client_redis)
    assert len({period for _, period, _ in before_totals}) > 8  # weeks and months, not one
    db.session.execute(delete(PointTotal))
    db.session.commit()
    client_redis.delete(*before_boards)

    counts = rebuild_leaderboards()

    assert totals() == before_totals
    assert boards(client_redis) == before_boards
    assert (ledger[2].id, "spent", 50) in before_totals  # purchases: the balance, not the boards
    assert leaderboard.key("spent") not in before_boards
    assert counts["totals"] == len(before_totals)
    assert counts["people"] == 3
    assert counts["redis"] == 1
    assert client_redis.ttl(leaderboard.key("w2026-38")) > 0
    assert client_redis.ttl(leaderboard.key("all")) == -1


def test_running_it_twice_changes_nothing(app_ctx, ledger, client_redis):
    before_totals, before_boards = totals(), boards(client_redis)

    first = rebuild_leaderboards()
    second = rebuild_leaderboards()

    assert first == second
    assert totals() == before_totals
    assert boards(client_redis) == before_boards


def test_rebuild_repairs_drift(app_ctx, ledger, client_redis):
    expected_totals, expected_boards = totals(), boards(client_redis)
    someone = ledger[1].id
    db.session.execute(
        PointTotal.__table__.update()
        .where(PointTotal.user_id == someone, PointTotal.period == "all")
        .values(points=1)
    )
    db.session.add(PointTotal(user_id=someone, period="w1999-01", points=7))
    db.session.commit()
    client_redis.zadd(leaderboard.key("all"), {str(someone): 1})
    client_redis.zadd(leaderboard.key("w1999-01"), {str(someone): 7})

    rebuild_leaderboards()

    assert totals() == expected_totals
    assert boards(client_redis) == expected_boards


def test_rebuild_without_redis_still_rebuilds_the_totals(app, app_ctx, ledger, monkeypatch):
    expected = totals()
    db.session.execute(delete(PointTotal))
    db.session.commit()
    monkeypatch.setitem(app.extensions, "redis", redis.Redis.from_url("redis://127.0.0.1:1/0"))

    counts = rebuild_leaderboards()

    assert counts["redis"] == 0
    assert totals() == expected


def test_rebuild_of_an_empty_ledger(app_ctx, client_redis):
    assert rebuild_leaderboards() == {"totals": 0, "people": 0, "periods": 0, "redis": 1}
    assert totals() == set()
