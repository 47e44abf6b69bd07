"""Drill: 100 people at once complete a lesson, share, vote and open each other's links.

Each person has a browser of their own (a test client with its own session
cookie and address) in a thread of their own; all are released together.
Afterwards every count must be exact: the ledger and the totals per person,
completions, badges, votes per idea, shares, clicks, the activity log and the
leaderboard in Redis. On PostgreSQL all 100 requests are in flight and the
writers really run side by side; on SQLite at most 10 are (see
IN_FLIGHT_ON_SQLITE), queueing for its single write lock (BEGIN IMMEDIATE, a
busy timeout), and all must get through.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.advocacy.models import ContentItem, Share, ShareClick, TrackedLink
from portal.boards.models import IdeaVote
from portal.db import db
from portal.gamification import leaderboard
from portal.gamification.badge_models import BadgeAssertion
from portal.gamification.models import ActivityEntry, PointAward, PointTotal
from portal.learning.records import LessonCompletion, ModuleCompletion
from portal.queue import get_redis
from tests.advocacy.factories import build_item
from tests.boards.factories import make_board, make_idea
from tests.conftest import HTMX, PASSWORD, CSRFClient
from tests.gamification.badge_factories import make_badge
from tests.learning.factories import build_module

pytestmark = pytest.mark.drill

PEOPLE = 100
IDEAS = 5
# SQLite has one writer at a time and a 10 s busy timeout. A hundred requests in flight in
# one process (all on one GIL, on a shared 2-CPU machine) can queue a writer past it, which
# a small server never does (gunicorn runs 2 workers): there, at most this many at once.
IN_FLIGHT_ON_SQLITE = 10
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
# Each person: the lesson and its module, one share, one vote, one verified click on their link.
EARNED = {
    "lesson_completed": 20,
    "module_completed": 50,
    "content_shared": 5,
    "idea_voted": 1,
    "share_clicked": 2,
}
# A request that has not answered by then is stuck (each takes milliseconds).
STUCK = 120.0


def _address(n: int, visitor: int = 0) -> str:
    """A distinct client address per person (and per anonymous visitor)."""
    return f"10.{20 + visitor}.{n // 200}.{n % 200 + 1}"


def _all_at_once(count: int, work: Callable[[int, threading.Barrier], None]) -> list[str]:
    """Run `work(n, barrier)` in `count` threads; return the failures, described."""
    barrier = threading.Barrier(count, timeout=STUCK)
    failures: list[str] = []

    def run(n: int) -> None:
        try:
            work(n, barrier)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            barrier.abort()
            failures.append(f"person {n}: {exc!r}")

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 2 * STUCK
    for thread in threads:
        thread.join(max(deadline - time.monotonic(), 0))
    stuck = sum(thread.is_alive() for thread in threads)
    return failures + ([f"{stuck} people still waiting after {2 * STUCK:.0f} s"] if stuck else [])


def _db_name(app: Any) -> str:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    return "PostgreSQL" if uri.startswith("postgresql") else "SQLite"


def _scalar(query: Any) -> int:
    return int(db.session.scalar(query) or 0)


def test_a_hundred_people_at_once_give_exact_totals(app: Any, people: Any) -> None:
    team = people.team("Everyone")
    leader = people.person(Role.LEADER, team, name="Lee Leader")
    crowd = [people.person(team=team) for _ in range(PEOPLE)]
    make_badge(app, "First lesson")
    make_badge(app, "First share", metric="shares")
    lesson_id = build_module(app, "Crowd basics", lessons=1, cards=1, questions=0).lesson_ids[0]
    item_id = build_item(app)
    board_id = make_board(app, leader)
    ideas = [make_idea(app, board_id, leader, f"Idea {k}") for k in range(IDEAS)]
    codes: dict[int, str] = {}
    opened: list[int] = []  # list.append is atomic; a Counter's += is not
    sqlite = _db_name(app) == "SQLite"
    gate: Any = threading.BoundedSemaphore(IN_FLIGHT_ON_SQLITE) if sqlite else nullcontext()
    app.test_client_class = CSRFClient

    def send(status: int, what: str, request: Callable[[], Any]) -> Any:
        with gate:
            response = request()
        if response.status_code != status:
            body = response.get_data(as_text=True)[:200]
            raise AssertionError(f"{what}: {response.status_code} {body}")
        return response

    def person(n: int, barrier: threading.Barrier) -> None:
        me = crowd[n]
        client: CSRFClient = app.test_client()
        client.environ_base["REMOTE_ADDR"] = _address(n)
        form = {"email": me.email, "password": PASSWORD}
        send(303, "login", lambda: client.post("/login", data=form))
        barrier.wait()  # everyone logged in: go
        send(303, "complete", lambda: client.post(f"/learn/lessons/{lesson_id}/complete"))
        caption = {"network": "linkedin", "caption": f"Sharing this, {me.email}"}
        shared = send(
            200,
            "share",
            lambda: client.post(
                f"/content/{item_id}/share", data=caption, headers={"Accept": "application/json"}
            ),
        )
        codes[n] = shared.get_json()["tracked_url"].split("/s/", 1)[1]
        vote = {"action": "vote"}
        idea = ideas[n % IDEAS]
        send(
            200, "vote", lambda: client.post(f"/boards/ideas/{idea}/vote", data=vote, headers=HTMX)
        )
        barrier.wait()  # every link exists: each person's is opened by an outsider
        link = f"/s/{codes[(n + 1) % PEOPLE]}"
        outsider = app.test_client()
        visit = {"headers": {"User-Agent": CHROME}, "environ_base": {"REMOTE_ADDR": _address(n, 1)}}
        opened.append(send(302, "click", lambda: outsider.get(link, **visit)).status_code)
        if n % 10 == 0:
            # The same outsider again and the sharer themself: neither counts.
            opened.append(send(302, "again", lambda: outsider.get(link, **visit)).status_code)
            own = f"/s/{codes[n]}"
            agent = {"User-Agent": CHROME}
            opened.append(send(302, "own", lambda: client.get(own, headers=agent)).status_code)
            send(200, "leaderboard", lambda: client.get("/leaderboard?period=all"))

    started = time.monotonic()
    failures = _all_at_once(PEOPLE, person)
    seconds = time.monotonic() - started
    assert failures == [], failures[:5]
    assert len(opened) == PEOPLE + 2 * (PEOPLE // 10)

    ids = [p.id for p in crowd]
    with app.app_context():
        # The ledger: exactly what each person earned, and the totals agree with it.
        ledger: dict[int, Counter[str]] = {}
        for user_id, action, points in db.session.execute(
            select(PointAward.user_id, PointAward.action, PointAward.points)
        ):
            ledger.setdefault(user_id, Counter())[action] += points
        for user_id in ids:
            assert ledger[user_id] == Counter(EARNED), user_id
        assert ledger[leader.id] == Counter({"idea_posted": 10 * IDEAS})
        expected = {user_id: sum(c.values()) for user_id, c in ledger.items()}
        by_kind: dict[str, Counter[int]] = {"a": Counter(), "w": Counter(), "m": Counter()}
        for user_id, period, points in db.session.execute(
            select(PointTotal.user_id, PointTotal.period, PointTotal.points)
        ):
            by_kind[period[0]][user_id] += points
        # All time, and summed over the weeks and the months (a drill may straddle midnight).
        assert by_kind == dict.fromkeys(("a", "w", "m"), Counter(expected))
        # Learning, badges, shares, clicks, votes, activity: one each, nothing lost or doubled.
        assert _scalar(select(func.count()).select_from(LessonCompletion)) == PEOPLE
        assert _scalar(select(func.count()).select_from(ModuleCompletion)) == PEOPLE
        badges = Counter(db.session.scalars(select(BadgeAssertion.user_id)))
        assert badges == dict.fromkeys(ids, 2)
        assert _scalar(select(func.count()).select_from(Share)) == PEOPLE
        assert _scalar(select(func.count()).select_from(TrackedLink)) == PEOPLE
        clicks = Counter(db.session.scalars(select(ShareClick.link_id)))
        assert sorted(clicks.values()) == [1] * PEOPLE  # repeats and the sharer's own: not
        assert db.session.get_one(ContentItem, item_id).share_count == PEOPLE
        votes = Counter(db.session.scalars(select(IdeaVote.idea_id)))
        assert votes == dict.fromkeys(ideas, PEOPLE // IDEAS)
        activity = Counter(db.session.scalars(select(ActivityEntry.metric)))
        assert activity == {
            "lessons_completed": PEOPLE,
            "modules_completed": PEOPLE,
            "shares": PEOPLE,
            "clicks": PEOPLE,
            "ideas": IDEAS,
        }
        # The leaderboard in Redis, kept in step after each commit, equals the ledger.
        scores = get_redis().zrange(leaderboard.key("all"), 0, -1, withscores=True)
        assert {int(m): int(s) for m, s in scores} == expected
        assert [s.points for s in leaderboard.top("all", 10)] == [sum(EARNED.values())] * 10
    requests = PEOPLE * 5 + PEOPLE // 10 * 3
    in_flight = IN_FLIGHT_ON_SQLITE if sqlite else PEOPLE
    print(
        f"\nconcurrency drill on {_db_name(app)}: {PEOPLE} people, {requests} requests "
        f"({in_flight} in flight at most) in {seconds:.1f} s ({requests / seconds:.0f}/s), "
        "totals exact"
    )
