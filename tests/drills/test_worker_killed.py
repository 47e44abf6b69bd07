"""Drill: a worker is killed in the middle of each kind of job; the job still completes once.

Every job kind Beacon has (found in the code: what the outbox, RQ's scheduler,
another job or the periodic table enqueues) gets real work, then a real RQ worker
takes the job and is SIGKILLed with its work horse in the middle of it: after the
job's first write, right after its first commit, or as it hands an email to the
mail server (tests/drills/forked_workers.py). Then, as in production, time
passes (RQ's maintenance finds the abandoned job), a fresh `flask worker` starts
(its outbox sweep, its scheduler), periodic jobs get their next tick, and
whatever else the product relies on runs. The job's effect must then be there,
exactly once: one email, one notification per person, points paid once,
leaderboards equal to the ledger, roll-ups equal to a clean run.

A new job kind that is not drilled here fails `test_every_job_kind_is_drilled`.
"""

from __future__ import annotations

import os
import select
import subprocess
import sys
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from flask import Flask
from rq.job import JobStatus
from rq.registry import FailedJobRegistry
from sqlalchemy import func, update
from sqlalchemy import select as sql_select

from portal.accounts import invitations
from portal.accounts.models import Role, User
from portal.advocacy.models import ShareReminder
from portal.bulletins import audience
from portal.bulletins.models import Bulletin, BulletinStatus
from portal.db import db, utcnow
from portal.gamification import leaderboard
from portal.gamification.activity import record_activity
from portal.gamification.badge_models import BadgeAssertion
from portal.gamification.league_models import LeagueCohort, LeagueMembership
from portal.gamification.models import LeaderboardSnapshot, PointAward, PointTotal
from portal.gamification.points import award_points, periods
from portal.insights import rollups
from portal.learning.records import XapiStatement
from portal.notifications import preferences as prefs
from portal.notifications import redelivery
from portal.notifications.delivery import CLAIM_TIMEOUT
from portal.notifications.models import DeliveryStatus, DigestRun, EmailDelivery, Notification
from portal.notifications.services import notify
from portal.queue import DEFAULT_RETRY, OutboxJob, enqueue_after_commit
from tests.advocacy.factories import build_item
from tests.bulletins.factories import make_bulletin
from tests.conftest import _TMP, ROOT, Mailbox, People, body_text
from tests.drills.worker_world import (
    WAIT,
    FakeLRS,
    ForkServer,
    World,
    board_matches_ledger,
    enqueued_kinds,
    job_functions,
    no_duplicate_mail,
    nothing_left_behind,
    notices,
    same_as_a_clean_run,
    wait_until,
)
from tests.gamification.badge_factories import make_badge
from tests.gamification.challenge_factories import log_activity, make_challenge
from tests.gamification.league_factories import MID, crowd, play, seat
from tests.notifications.conftest import assign

pytestmark = pytest.mark.drill

HOUR = timedelta(hours=1)


# Public functions in jobs/ that are not enqueued on their own, and why.
HELPERS = {
    "jobs.accounts.send_password_reset_email": "called by send_password_reset_email_to",
}


# --- fixtures: one fork server and one LRS for the module ------------------------------


@pytest.fixture(scope="module")
def lrs() -> Iterator[FakeLRS]:
    fake = FakeLRS()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            status = fake.handle(self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", fake.port), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fork_server(app: Flask, smtp: Mailbox, lrs: FakeLRS) -> Iterator[ForkServer]:  # noqa: ARG001
    """One process that loaded the app, on the suite's database, Redis, mail server and LRS.

    It asks for `app` so the schema exists before any worker starts.
    """
    log_dir = _TMP / "killed-workers"
    log_dir.mkdir(exist_ok=True)
    env = dict(os.environ, BEACON_TEST_MAIL_URL=smtp.url, BEACON_TEST_XAPI_ENDPOINT=lrs.url)
    with open(log_dir / "server.log", "wb") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "tests.drills.forked_workers", str(log_dir)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], WAIT)
    assert ready and proc.stdout.readline().strip() == "ready", (log_dir / "server.log").read_text()
    yield ForkServer(proc, log_dir)
    assert proc.stdin is not None
    proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


@pytest.fixture
def world(
    app: Flask, people: People, mailbox: Mailbox, lrs: FakeLRS, fork_server: ForkServer
) -> Iterator[World]:
    lrs.stored.clear()
    lrs.posts = 0
    made = World(app, people, mailbox, lrs, fork_server)
    yield made
    made.stop_workers()


# --- the drills ----------------------------------------------------------------------------------


@dataclass
class Started:
    """What a drill set up: its state for the check, and the job's arguments."""

    state: Any = None
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    enqueued: bool = False  # the product enqueued it while the data was set up


@dataclass(frozen=True)
class Drill:
    """One job kind (a job and the way it reaches RQ), where to kill it, and what must hold."""

    job: str
    via: str  # outbox, scheduled, chained or periodic
    point: str  # write, commit or smtp (tests/drills/forked_workers.py)
    start: Callable[[World], Started]
    check: Callable[[World, Any], None]
    recover: Callable[[World, Any], None] | None = None  # besides the restart and the retry

    @property
    def id(self) -> str:
        return f"{self.job.removeprefix('jobs.')}-{self.via}"


# accounts


def invitation(w: World) -> Started:
    admin = w.people.person(role=Role.ADMIN)
    w.write(lambda: invitations.invite(w.user(admin), "newcomer@example.com", Role.EMPLOYEE, None))
    return Started(enqueued=True)


def one_invitation(w: World, state: Any) -> None:
    [msg] = w.mail_to("newcomer@example.com")
    assert "/invitations/" in body_text(msg)


def reset_request(w: World) -> Started:
    w.people.person(email="sam@example.com")
    w.write(lambda: invitations.request_password_reset("sam@example.com"))
    return Started(enqueued=True)


def one_reset_link(w: World, state: Any) -> None:
    [msg] = w.mail_to("sam@example.com")
    assert "/reset-password/" in body_text(msg)


# advocacy


def _due_share_reminder(w: World, person: User) -> int:
    item_id = build_item(w.app, "Remind me about this")

    def remind() -> int:
        reminder = ShareReminder(user_id=person.id, item_id=item_id, remind_at=utcnow() - HOUR)
        db.session.add(reminder)
        db.session.flush()
        return reminder.id

    return w.write(remind)


def share_reminder(w: World) -> Started:
    person = w.people.person()
    reminder_id = _due_share_reminder(w, person)
    return Started({"person": person.id, "reminder": reminder_id}, args=(reminder_id,))


def one_share_reminder(w: World, state: Any) -> None:
    assert notices(w, "share_later") == {state["person"]: 1}
    sent = w.read(lambda: db.session.get_one(ShareReminder, state["reminder"]).sent_at)
    assert sent is not None


# badges


def badge_backfill(w: World) -> Started:
    team = w.people.team("Blue")
    crew = [w.people.person(team=team) for _ in range(3)]

    def learn() -> None:
        for person in crew:
            record_activity(w.user(person), "lessons_completed", "lesson:1", utcnow() - HOUR)

    w.write(learn)
    badge_id = make_badge(w.app)
    # Two people per transaction, so the job commits twice and dies after the first.
    return Started({"badge": badge_id, "crew": sorted(p.id for p in crew)}, args=(badge_id,),
                   kwargs={"batch_size": 2})  # fmt: skip


def badge_once_each(w: World, state: Any) -> None:
    holders = w.read(
        lambda: list(
            db.session.scalars(
                sql_select(BadgeAssertion.user_id).where(BadgeAssertion.badge_id == state["badge"])
            )
        )
    )
    assert sorted(holders) == state["crew"]


# bulletins


def _audience(w: World) -> list[User]:
    team = w.people.team("Blue")
    admin = w.people.person(role=Role.ADMIN, team=team)
    return [admin, *(w.people.person(team=team) for _ in range(2))]


def _due_bulletin(w: World, admin: User, title: str) -> int:
    bulletin_id = make_bulletin(w.app, admin, title, status="draft")

    def due() -> None:
        bulletin = db.session.get_one(Bulletin, bulletin_id)
        bulletin.status, bulletin.publish_at = BulletinStatus.SCHEDULED, utcnow() - HOUR

    w.write(due)
    return bulletin_id


def due_bulletin(w: World) -> Started:
    admin, *_ = _audience(w)
    bulletin_id = _due_bulletin(w, admin, "LinkedIn favours conversations")
    return Started([bulletin_id], args=(bulletin_id,))


def two_due_bulletins(w: World) -> Started:
    admin, *_ = _audience(w)
    return Started([_due_bulletin(w, admin, title) for title in ("First news", "Second news")])


def published_bulletin(w: World) -> Started:
    admin, *_ = _audience(w)
    return Started([make_bulletin(w.app, admin)], enqueued=True)


def published_and_told_once(w: World, bulletin_ids: list[int]) -> None:
    for bulletin_id in bulletin_ids:

        def facts(bulletin_id: int = bulletin_id) -> tuple[Any, ...]:
            bulletin = db.session.get_one(Bulletin, bulletin_id)
            told = list(
                db.session.scalars(
                    sql_select(Notification.user_id).where(
                        Notification.subject == f"bulletin:{bulletin_id}"
                    )
                )
            )
            return bulletin.status, sorted(audience.audience_ids(bulletin)), sorted(told)

        status, expected, told = w.read(facts)
        assert status == BulletinStatus.PUBLISHED
        assert told == expected and len(expected) == 3
    jobs_recorded = w.read(
        lambda: db.session.scalar(
            sql_select(func.count())
            .select_from(OutboxJob)
            .where(OutboxJob.func == "jobs.bulletins.notify_audience")
        )
    )
    assert jobs_recorded == len(bulletin_ids)


# challenges


def _won_challenge(w: World, name: str) -> tuple[int, list[int]]:
    team = w.people.team(name)
    crew = [w.people.person(team=team) for _ in range(2)]
    now = utcnow()
    # The activity first: reaching the target of a running challenge would settle it at once.
    log_activity(w.app, crew[0], now - timedelta(days=1))
    challenge_id = make_challenge(w.app, team, target=1, starts_at=now - timedelta(days=2),
                                  ends_at=now - HOUR, reward_points=50)  # fmt: skip
    return challenge_id, sorted(p.id for p in crew)


def won_challenge(w: World) -> Started:
    challenge_id, crew = _won_challenge(w, "Blue")
    return Started({challenge_id: crew}, args=(challenge_id,))


def two_won_challenges(w: World) -> Started:
    return Started(dict(_won_challenge(w, name) for name in ("Blue", "Green")))


def paid_once(w: World, challenges: dict[int, list[int]]) -> None:
    def paid() -> list[tuple[str, int, int]]:
        rows = db.session.execute(
            sql_select(PointAward.subject, PointAward.user_id, PointAward.points).where(
                PointAward.subject.like("challenge:%")
            )
        )
        return sorted((s, u, p) for s, u, p in rows)

    expected = [(f"challenge:{c}", person, 50) for c, crew in challenges.items() for person in crew]
    assert w.read(paid) == sorted(expected)
    board_matches_ledger(w)


def rebuild_through_the_outbox(w: World, state: Any) -> None:
    """The next awards found no all-time board and recorded a rebuild: the sweep pushes it.

    The crash left the paid points out of Redis; as nobody had reached the board
    yet, the next tick's awards find it missing and record one rebuild in the
    outbox, which the periodic outbox sweep (every minute) hands to RQ.
    """
    job_id = w.tick("jobs.outbox.sweep_outbox")
    wait_until(lambda: w.finished(job_id), "the outbox sweep")


# gamification


def drifted_leaderboards(w: World) -> Started:
    crew = [w.people.person() for _ in range(2)]

    def earn() -> None:
        for person in crew:
            award_points(w.user(person), "lesson_completed", "lesson:1", now=utcnow() - HOUR)

    w.write(earn)

    def drift() -> None:  # as after a Redis failover, or a bug
        db.session.execute(
            update(PointTotal).where(PointTotal.user_id == crew[1].id).values(points=1)
        )

    w.write(drift)
    w.queue().connection.zadd(leaderboard.key("all"), {str(crew[0].id): 999})
    return Started()


def totals_and_boards_match_the_ledger(w: World, state: Any) -> None:
    def totals() -> tuple[dict[int, int], dict[int, int]]:
        ledger = db.session.execute(
            sql_select(PointAward.user_id, func.sum(PointAward.points)).group_by(PointAward.user_id)
        )
        kept = db.session.execute(
            sql_select(PointTotal.user_id, PointTotal.points).where(PointTotal.period == "all")
        )
        return {u: p for u, p in ledger}, {u: p for u, p in kept}

    ledger, kept = w.read(totals)
    assert ledger and kept == ledger
    board_matches_ledger(w)


def last_weeks_points(w: World) -> Started:
    crew = [w.people.person() for _ in range(2)]
    last_week = utcnow() - timedelta(days=7)

    def earn() -> None:
        for person in crew:
            award_points(w.user(person), "lesson_completed", "lesson:1", now=last_week)

    w.write(earn)
    return Started({"period": periods(last_week)[1], "crew": sorted(p.id for p in crew)})


def week_frozen_once(w: World, state: Any) -> None:
    people = w.read(
        lambda: list(
            db.session.scalars(
                sql_select(LeaderboardSnapshot.subject_id).where(
                    LeaderboardSnapshot.period == state["period"],
                    LeaderboardSnapshot.scope == "people",
                )
            )
        )
    )
    assert sorted(people) == state["crew"]


# insights


def _activity(w: World) -> list[User]:
    team = w.people.team("Blue")
    crew = [w.people.person(team=team) for _ in range(2)]

    def act() -> None:
        for n, person in enumerate(crew):
            for days in (0, 1):
                at = utcnow() - timedelta(days=days, minutes=5)
                record_activity(w.user(person), "lessons_completed", f"lesson:{n}{days}", at)

    w.write(act)
    return crew


def _days() -> tuple[str, str]:
    today = utcnow().date()
    return (today - timedelta(days=1)).isoformat(), today.isoformat()


def activity(w: World) -> Started:
    _activity(w)
    return Started()


def activity_range(w: World) -> Started:
    _activity(w)
    return Started(args=_days())


def rolled_up_activity(w: World) -> Started:
    _activity(w)
    first, last = (date.fromisoformat(d) for d in _days())
    w.write(lambda: rollups.recompute(first, last))
    return Started()


def _run(path: str, *args: Any) -> Callable[[], Any]:
    return lambda: job_functions()[path](*args)


# leagues


def finished_league_week(w: World) -> Started:
    def make() -> list[int]:
        crew = crowd(4)
        for n, person in enumerate(crew):
            seat(person, tier=1 + n // 2)  # two people in each of two tiers: two cohorts
            play(person, 10 * (n + 1), MID)
        return [p.id for p in crew]

    return Started(w.write(make))


def both_cohorts_closed_once(w: World, crew: list[int]) -> None:
    def facts() -> tuple[list[Any], list[Any]]:
        cohorts = db.session.scalars(
            sql_select(LeagueCohort.closed_at).where(LeagueCohort.week == "2026-W10")
        ).all()
        outcomes = db.session.scalars(
            sql_select(LeagueMembership.outcome).where(LeagueMembership.week == "2026-W10")
        ).all()
        return list(cohorts), list(outcomes)

    closed, outcomes = w.read(facts)
    assert len(closed) == 2 and all(closed)
    assert len(outcomes) == 4 and all(outcomes)
    told = Counter(
        w.read(
            lambda: list(
                db.session.scalars(
                    sql_select(Notification.user_id).where(Notification.kind.like("league%"))
                )
            )
        )
    )
    assert told == dict.fromkeys(crew, 1)


# learning


def unforwarded_statements(w: World) -> Started:
    person = w.people.person()
    ids = [str(uuid.uuid4()) for _ in range(3)]

    def store() -> None:
        for n, statement_id in enumerate(ids):
            statement = {
                "id": statement_id,
                "actor": {"mbox": f"mailto:{person.email}"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"},
                "object": {"id": f"http://localhost/lessons/{n}"},
            }
            db.session.add(XapiStatement(id=statement_id, user_id=person.id, verb="completed",
                                         statement=statement))  # fmt: skip

    w.write(store)
    return Started(sorted(ids))


def each_statement_stored_once(w: World, ids: list[str]) -> None:
    assert w.lrs.stored == dict.fromkeys(ids, 1)
    assert w.lrs.posts >= 2  # the batch was sent again after the kill, and refused as known
    waiting = w.read(
        lambda: db.session.scalar(
            sql_select(func.count())
            .select_from(XapiStatement)
            .where(XapiStatement.forwarded_at.is_(None))
        )
    )
    assert waiting == 0


# notifications


def _wants_email(w: World, person: User, digest: str = "weekly") -> None:
    w.write(lambda: prefs.save_preferences(person.id, {}, digest, False, 21, 8))


def _morning_zone(now: datetime) -> str:
    """A fixed-offset zone where it is 09:xx now (digests go out from 08:00 local)."""
    offset = (9 - now.hour) % 24
    if offset > 14:
        offset -= 24
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs are inverted


def two_kinds_of_reminder(w: World) -> Started:
    sam = w.people.person(email="sam@example.com")
    _wants_email(w, sam)
    assign(w.app, sam, utcnow().date())  # "due today", by email
    _due_share_reminder(w, sam)  # "share it now", in the app
    return Started(sam.id)


def reminded_once(w: World, sam: int) -> None:
    assert notices(w, "assignment_due") == {sam: 1}
    assert notices(w, "share_later") == {sam: 1}
    [msg] = w.mail_to("sam@example.com")
    assert msg["Subject"] == "Due today: Personal brand basics"


def digest_due(w: World) -> Started:
    dee = w.people.person(email="dee@example.com")
    _wants_email(w, dee, digest="daily")
    w.write(lambda: setattr(w.user(dee), "timezone", _morning_zone(utcnow())))
    assign(w.app, dee, utcnow().date() + timedelta(days=3), title="Finding your following")
    return Started(dee.id)


def one_digest(w: World, dee: int) -> None:
    runs = w.read(lambda: list(db.session.scalars(sql_select(DigestRun.user_id))))
    assert runs == [dee]
    [msg] = w.mail_to("dee@example.com")
    assert msg["Subject"].startswith("Your Beacon digest for ")
    assert "Finding your following (due " in body_text(msg)


def email_notice(w: World) -> Started:
    sam = w.people.person(email="sam@example.com")
    _wants_email(w, sam)

    def tell() -> None:
        notify([sam.id], "assignment_due", "Due today: Basics", "/learn/", subject="assignment:1")

    w.write(tell)
    return Started(enqueued=True)


def sweep_after_the_claim_timeout(w: World, state: Any) -> None:
    """The reminder sweep once the dead worker's claim is older than CLAIM_TIMEOUT."""
    later = utcnow() + CLAIM_TIMEOUT + timedelta(seconds=1)

    def sweep() -> tuple[int, int]:
        return redelivery.reclaim_stalled(later), redelivery.dispatch_due(later)

    assert w.write(sweep) == (1, 1)


def one_email(w: World, state: Any) -> None:
    [msg] = w.mail_to("sam@example.com")
    assert msg["Subject"] == "Due today: Basics"
    rows = w.read(
        lambda: list(db.session.execute(sql_select(EmailDelivery.status, EmailDelivery.attempts)))
    )
    assert [tuple(r) for r in rows] == [(DeliveryStatus.SENT, 2)]


# outbox


def outbox_rows_left_by_a_redis_outage(w: World) -> Started:
    admin = w.people.person(role=Role.ADMIN)

    def invite() -> None:
        for email in ("ann@example.com", "bob@example.com"):
            invitations.invite(w.user(admin), email, Role.EMPLOYEE, None)
        db.session.info.pop("outbox")  # as if Redis was down at commit: the rows wait

    w.write(invite)
    return Started()


def each_invitation_once(w: World, state: Any) -> None:
    for email in ("ann@example.com", "bob@example.com"):
        [msg] = w.mail_to(email)
        assert "/invitations/" in body_text(msg)


DRILLS = [
    Drill("jobs.accounts.send_invitation_email", "outbox", "smtp", invitation, one_invitation),
    Drill("jobs.accounts.send_password_reset_email_to", "outbox", "smtp", reset_request,
          one_reset_link),
    Drill("jobs.advocacy.send_share_reminder", "scheduled", "write", share_reminder,
          one_share_reminder),
    Drill("jobs.badges.backfill_badge", "outbox", "commit", badge_backfill, badge_once_each),
    Drill("jobs.bulletins.publish_bulletin", "scheduled", "commit", due_bulletin,
          published_and_told_once),
    Drill("jobs.bulletins.publish_due_bulletins", "periodic", "commit", two_due_bulletins,
          published_and_told_once),
    Drill("jobs.bulletins.notify_audience", "outbox", "write", published_bulletin,
          published_and_told_once),
    Drill("jobs.challenges.settle_challenge", "scheduled", "write", won_challenge, paid_once),
    Drill("jobs.challenges.settle_challenge", "outbox", "write", won_challenge, paid_once),
    Drill("jobs.challenges.settle_due_challenges", "periodic", "commit", two_won_challenges,
          paid_once, recover=rebuild_through_the_outbox),
    Drill("jobs.gamification.rebuild_leaderboards", "periodic", "commit", drifted_leaderboards,
          totals_and_boards_match_the_ledger),
    Drill("jobs.gamification.rebuild_leaderboards", "outbox", "commit", drifted_leaderboards,
          totals_and_boards_match_the_ledger),
    Drill("jobs.gamification.snapshot_leaderboards", "periodic", "write", last_weeks_points,
          week_frozen_once),
    Drill("jobs.insights.refresh_rollups", "periodic", "write", activity,
          same_as_a_clean_run(_run("jobs.insights.refresh_rollups"), "insights_person_days")),
    Drill("jobs.insights.nightly_insights", "periodic", "commit", activity,
          same_as_a_clean_run(_run("jobs.insights.nightly_insights"),
                              "insights_person_days", "insights_segment_members")),
    Drill("jobs.insights.rollup_range", "outbox", "commit", activity_range,
          same_as_a_clean_run(_run("jobs.insights.rollup_range", *_days()),
                              "insights_person_days", "insights_segment_members")),
    Drill("jobs.insights.rollup_days", "chained", "write", activity_range,
          same_as_a_clean_run(_run("jobs.insights.rollup_days", *_days()),
                              "insights_person_days")),
    Drill("jobs.insights.compute_segments", "chained", "write", rolled_up_activity,
          same_as_a_clean_run(_run("jobs.insights.compute_segments"),
                              "insights_segment_members")),
    Drill("jobs.leagues.rollover_leagues", "periodic", "commit", finished_league_week,
          both_cohorts_closed_once),
    Drill("jobs.learning.forward_xapi_statements", "outbox", "write", unforwarded_statements,
          each_statement_stored_once),
    Drill("jobs.learning.forward_xapi_statements", "periodic", "write", unforwarded_statements,
          each_statement_stored_once),
    Drill("jobs.notifications.sweep_reminders", "periodic", "commit", two_kinds_of_reminder,
          reminded_once),
    Drill("jobs.notifications.send_digests", "periodic", "commit", digest_due, one_digest),
    Drill("jobs.notifications.deliver_emails", "outbox", "commit", email_notice, one_email,
          recover=sweep_after_the_claim_timeout),
    Drill("jobs.outbox.sweep_outbox", "periodic", "write", outbox_rows_left_by_a_redis_outage,
          each_invitation_once),
]  # fmt: skip


def test_every_job_kind_is_drilled() -> None:
    drilled = {(d.job, d.via) for d in DRILLS}
    found = enqueued_kinds()
    assert not found - drilled, (
        f"job kinds without a killed-worker drill: {sorted(found - drilled)}"
    )
    assert not drilled - found, f"drills of job kinds the code no longer has: {drilled - found}"


def test_every_public_job_function_is_a_kind_or_a_helper() -> None:
    kinds = {job for job, _ in enqueued_kinds()}
    assert set(job_functions()) - kinds == set(HELPERS)


def _enqueue(w: World, drill: Drill, started: Started) -> None:
    """Enqueue the job as the product does for this route (the time of a scheduled job has come)."""
    if started.enqueued:
        return
    if drill.via == "outbox":
        w.write(lambda: enqueue_after_commit(drill.job, *started.args, **started.kwargs))
    elif drill.via == "scheduled":
        w.queue().enqueue_at(datetime.now(UTC), drill.job, *started.args, retry=DEFAULT_RETRY)
    elif drill.via == "chained":
        from jobs.insights import PART_OPTIONS

        w.queue().enqueue(drill.job, *started.args, **PART_OPTIONS)
    else:
        assert not started.args
        w.tick(drill.job)


@pytest.mark.parametrize("drill", DRILLS, ids=[d.id for d in DRILLS])
def test_a_job_whose_worker_was_killed_completes_once(world: World, drill: Drill) -> None:
    """Kill the worker mid-job; after RQ's maintenance, a restart and the next tick: done once."""
    started = drill.start(world)
    _enqueue(world, drill, started)

    world.crash(drill.job, drill.point)
    [abandoned] = world.later()
    assert abandoned.func_name == drill.job
    # RQ retries what was enqueued with a retry policy; a periodic job waits for its next tick.
    retried = abandoned.get_status(refresh=True) == JobStatus.SCHEDULED
    assert retried == (drill.via != "periodic"), abandoned.get_status()

    worker = world.start_worker()
    if drill.via == "periodic":
        next_tick = world.tick(drill.job)
        wait_until(lambda: world.finished(next_tick), f"the next tick of {drill.job}")
    else:
        wait_until(lambda: world.finished(abandoned.id), f"RQ's retry of {drill.job}")
    if drill.recover is not None:
        drill.recover(world, started.state)
    wait_until(lambda: world.quiet(worker), "the queue to settle")
    assert FailedJobRegistry(queue=world.queue()).get_job_ids() == (
        [] if retried else [abandoned.id]
    )

    drill.check(world, started.state)
    nothing_left_behind(world)
    no_duplicate_mail(world)
    board_matches_ledger(world)
