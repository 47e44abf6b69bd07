"""Drill: Redis stops while people use the site, then comes back empty.

A private redis-server stands in for production's: the drill stops it, people
keep browsing, learning, sharing and voting, and then it starts again with
nothing in it (no persistence, as after a crash or a failover). Pages must not
fail, every point must be in the ledger at once, and every job the outage held
back must wait in the outbox and then run exactly once on a real worker.
"""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

import pytest
from rq.job import Job
from rq.registry import FailedJobRegistry, FinishedJobRegistry
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.db import db
from portal.gamification import leaderboard
from portal.gamification.models import ActivityEntry, PointAward, PointTotal
from portal.learning.records import LessonCompletion
from portal.notifications import preferences as prefs
from portal.notifications.models import DeliveryStatus, EmailDelivery, Notification
from portal.queue import ENQUEUED, PENDING, OutboxJob, get_queue, sweep_outbox
from tests.advocacy.factories import build_item
from tests.boards.factories import make_board, make_idea
from tests.conftest import HTMX, PASSWORD, CSRFClient, Mailbox
from tests.drills.conftest import PrivateRedis
from tests.gamification.badge_factories import make_badge
from tests.learning.factories import build_module
from tests.notifications.conftest import Workers, wait_until

pytestmark = pytest.mark.drill

PEOPLE = 6
CHROME = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
# What each person earns in the drill, by the default rules (the leader also posts the idea).
EARNED = {
    "lesson_completed": 20,
    "module_completed": 50,
    "content_shared": 5,
    "idea_voted": 1,
    "share_clicked": 2,
}


def _client(app: Any, person: User | None = None) -> CSRFClient:
    app.test_client_class = CSRFClient
    client: CSRFClient = app.test_client()
    if person is not None:
        response = client.post("/login", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 303, response.status_code
    return client


def _wants_badge_emails(app: Any, person: User) -> None:
    """Badges by email at any hour, so each badge earned in the outage is a job."""
    with app.app_context():
        prefs.save_preferences(person.id, {"badge_earned": {"email": True}}, "never", False, 21, 8)
        db.session.commit()


def _ledger(app: Any) -> dict[int, Counter[str]]:
    with app.app_context():
        rows = db.session.execute(select(PointAward.user_id, PointAward.action, PointAward.points))
        ledger: dict[int, Counter[str]] = {}
        for user_id, action, points in rows:
            ledger.setdefault(user_id, Counter())[action] += points
        return ledger


def _outbox(app: Any) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (row.job_id, row.func, row.status)
            for row in db.session.scalars(select(OutboxJob).order_by(OutboxJob.id))
        ]


def _jobs_done(app: Any) -> tuple[list[str], list[str]]:
    """Ids of the jobs RQ finished, and of those that failed."""
    with app.app_context():
        queue = get_queue()
        return (
            FinishedJobRegistry(queue=queue).get_job_ids(),
            FailedJobRegistry(queue=queue).get_job_ids(),
        )


def test_the_site_works_through_a_redis_outage_and_nothing_is_lost_or_doubled(
    app_on_private_redis: Any,
    private_redis: PrivateRedis,
    people: Any,
    mailbox: Mailbox,
) -> None:
    app = app_on_private_redis
    team = people.team("Drill")
    leader = people.person(Role.LEADER, team, name="Lee Leader")
    admin = people.person(Role.ADMIN, team, name="Ada Admin")
    crowd = [people.person(team=team, name=f"Person {n:02d}") for n in range(PEOPLE)]
    for person in crowd:
        _wants_badge_emails(app, person)
    make_badge(app, "First lesson")
    make_badge(app, "First share", metric="shares")
    lesson_id = build_module(app, "Outage basics", lessons=1, cards=1, questions=0).lesson_ids[0]
    item_id = build_item(app)
    board_id = make_board(app, leader)
    idea_id = make_idea(app, board_id, leader)

    # --- Redis stops -------------------------------------------------------------------------
    private_redis.stop()
    started = time.monotonic()
    clients = {p.id: _client(app, p) for p in crowd}
    pages = [
        "/",
        "/leaderboard",
        "/leaderboard?period=all",
        "/leaderboard?period=all&scope=teams",
        "/points",
        f"/learn/lessons/{lesson_id}",
        "/content/",
        f"/content/{item_id}",
        "/boards/",
        f"/boards/{board_id}",
        "/insights/me",
    ]
    first = clients[crowd[0].id]
    for page in pages:
        assert first.get(page).status_code == 200, page
    for who, page in ((leader, f"/insights/teams/{team.id}"), (admin, "/insights/company")):
        assert _client(app, who).get(page).status_code == 200, page

    links: dict[int, str] = {}
    for person in crowd:
        client = clients[person.id]
        done = client.post(f"/learn/lessons/{lesson_id}/complete")
        assert done.status_code == 303 and done.headers["Location"].endswith("/done")
        assert client.get(done.headers["Location"]).status_code == 200
        shared = client.post(
            f"/content/{item_id}/share",
            data={"network": "linkedin", "caption": f"Proud of this, says {person.display_name}"},
            headers={"Accept": "application/json"},
        )
        assert shared.status_code == 200, shared.get_data(as_text=True)
        links[person.id] = shared.get_json()["tracked_url"].split("/s/", 1)[1]
        voted = client.post(f"/boards/ideas/{idea_id}/vote", data={"action": "vote"}, headers=HTMX)
        assert voted.status_code == 200
    visitor = _client(app)
    for n, code in enumerate(links.values()):
        opened = visitor.get(
            f"/s/{code}",
            headers={"User-Agent": CHROME},
            environ_base={"REMOTE_ADDR": f"10.9.0.{n}"},
        )
        assert opened.status_code == 302
    # The pages that rank people still work, from the SQL totals.
    board = first.get("/leaderboard?period=all").get_data(as_text=True)
    assert "Person 05" in board
    outage_seconds = time.monotonic() - started

    # Every point is in the ledger at once, and the totals agree with it.
    ledger = _ledger(app)
    for person in crowd:
        assert ledger[person.id] == Counter(EARNED), person.display_name
    assert ledger[leader.id] == Counter({"idea_posted": 10})
    with app.app_context():
        totals = dict(
            db.session.execute(
                select(PointTotal.user_id, PointTotal.points).where(PointTotal.period == "all")
            ).all()
        )
        assert totals == {user_id: sum(c.values()) for user_id, c in ledger.items()}
        notified = Counter(
            db.session.scalars(select(Notification.kind).where(Notification.user_id != leader.id))
        )
        assert notified == {"badge_earned": 2 * PEOPLE}
        assert db.session.scalar(select(func.count()).select_from(EmailDelivery)) == 2 * PEOPLE
    # The jobs wait in the outbox: one email job per badge-earning request, and one rebuild
    # of the leaderboards however many awards missed Redis.
    waiting = _outbox(app)
    funcs = Counter(f for _, f, _ in waiting)
    assert funcs == {
        "jobs.notifications.deliver_emails": 2 * PEOPLE,
        leaderboard.REBUILD_JOB: 1,
    }
    assert {status for _, _, status in waiting} == {PENDING}
    assert mailbox.messages == []

    # --- Redis starts again, empty -----------------------------------------------------------
    private_redis.start()
    # Someone earns points before the waiting jobs run: the set it creates holds only them.
    late = people.person(team=team, name="Late Larry")
    assert _client(app, late).post(f"/learn/lessons/{lesson_id}/complete").status_code == 303
    workers = Workers(app)
    try:
        # The periodic sweep pushes the waiting rows; the worker's own start-up sweep then
        # finds them marked and pushes nothing twice.
        with app.app_context():
            pushed = sweep_outbox(grace_seconds=0)
        workers.start(mailbox.url)
        job_ids = {job_id for job_id, _, _ in waiting}
        wait_until(lambda: set(_jobs_done(app)[0]) >= job_ids, timeout=60, what="outbox jobs")
        wait_until(lambda: len(mailbox.messages) >= 2 * PEOPLE, timeout=30, what="emails")
        time.sleep(0.5)  # room for a duplicate to show up, if there were one
        finished, failed = _jobs_done(app)
    finally:
        workers.stop_all()

    assert pushed == len(job_ids)
    assert {status for _, _, status in _outbox(app)} == {ENQUEUED}
    assert failed == []
    assert set(finished) == job_ids  # each waiting job ran, and nothing else was queued
    with app.app_context():
        for job_id in finished:
            job = Job.fetch(job_id, connection=get_queue().connection)
            assert job.get_status() == "finished"
            assert len(list(job.results())) == 1  # ran once
    # Exactly one email per badge per person.
    received = Counter((m["To"], m["Subject"]) for m in mailbox.messages)
    assert sorted(received.values()) == [1] * (2 * PEOPLE)
    assert {to for to, _ in received} == {p.email for p in crowd}
    assert {subject for _, subject in received} == {
        "Badge earned: First lesson",
        "Badge earned: First share",
    }
    with app.app_context():
        statuses = db.session.scalars(select(EmailDelivery.status)).all()
        assert Counter(statuses) == {DeliveryStatus.SENT: 2 * PEOPLE}

    # The leaderboard in Redis was rebuilt to the ledger: everyone, with exact points.
    ledger = _ledger(app)
    expected = {user_id: sum(c.values()) for user_id, c in ledger.items()}
    assert expected[late.id] == 70  # lesson and module; nothing shared or voted yet
    client = private_redis.client()
    scores = {
        int(m): int(s) for m, s in client.zrange(leaderboard.key("all"), 0, -1, withscores=True)
    }
    assert scores == expected
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LessonCompletion)) == PEOPLE + 1
        activity = Counter(db.session.scalars(select(ActivityEntry.metric)))
        assert activity == {
            "lessons_completed": PEOPLE + 1,
            "modules_completed": PEOPLE + 1,
            "shares": PEOPLE,
            "clicks": PEOPLE,
            "ideas": 1,  # the leader's, before the outage
        }
        ranked = leaderboard.top("all", 50)
        assert {s.user_id: s.points for s in ranked} == expected
    print(
        f"\nredis outage drill: {PEOPLE} people, {len(pages) + 2} pages and "
        f"{4 * PEOPLE} actions in {outage_seconds:.1f} s with Redis down; "
        f"{len(job_ids)} outbox jobs held, {pushed} pushed by the sweep, each run once"
    )


@pytest.mark.parametrize("earner", ["someone with points", "a newcomer"])
def test_a_redis_that_restarted_empty_gets_its_leaderboards_back(
    app_on_private_redis: Any,
    private_redis: PrivateRedis,
    people: Any,
    mailbox: Mailbox,
    earner: str,
) -> None:
    """No award failed, but Redis lost everything: the next award has the boards rebuilt.

    Whoever earns first after the restart: someone with points already, or a
    newcomer whose first points would otherwise make a board of one.
    """
    app = app_on_private_redis
    built = build_module(app, "Quiet restart", lessons=2, cards=1, questions=0)
    crowd = [people.person(name=f"Person {n:02d}") for n in range(3)]
    for person in crowd:
        client = _client(app, person)
        assert client.post(f"/learn/lessons/{built.lesson_ids[0]}/complete").status_code == 303
    assert _outbox(app) == []
    first = crowd[0] if earner == "someone with points" else people.person(name="New Nell")

    private_redis.stop()
    private_redis.start()  # in a quiet moment: nobody noticed it was gone
    assert private_redis.client().exists(leaderboard.key("all")) == 0
    back = _client(app, first).post(f"/learn/lessons/{built.lesson_ids[1]}/complete")
    assert back.status_code == 303
    [(job_id, func_name, status)] = _outbox(app)
    assert (func_name, status) == (leaderboard.REBUILD_JOB, PENDING)

    workers = Workers(app)
    try:
        workers.start(mailbox.url)  # its start-up sweep pushes the rebuild
        wait_until(lambda: job_id in _jobs_done(app)[0], timeout=60, what="the rebuild")
    finally:
        workers.stop_all()
    expected = {user_id: sum(c.values()) for user_id, c in _ledger(app).items()}
    # Two lessons and the module, or a newcomer's one lesson.
    assert expected[first.id] == (20 + 20 + 50 if first is crowd[0] else 20)
    assert len(expected) == (3 if first is crowd[0] else 4)
    scores = private_redis.client().zrange(leaderboard.key("all"), 0, -1, withscores=True)
    assert {int(m): int(s) for m, s in scores} == expected
