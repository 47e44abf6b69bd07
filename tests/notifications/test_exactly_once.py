"""Exactly once for the person, against real workers, a real Redis and a real SMTP server.

Each reminder and digest is keyed (person, kind, subject, period), and each
email is a delivery row claimed atomically. These tests run the sweep twice on
two workers at once, start two schedulers by mistake, and SIGKILL a worker in
the middle of an SMTP conversation: each time, one email arrives.
"""

from __future__ import annotations

import time
from datetime import timedelta

from rq.job import Job
from rq.registry import FinishedJobRegistry

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.notifications import delivery, redelivery
from portal.notifications import preferences as prefs
from portal.notifications.models import DeliveryStatus, DigestRun, EmailDelivery, Notification
from portal.notifications.services import notify
from portal.queue import get_queue
from tests.conftest import body_text
from tests.notifications.conftest import (
    assign,
    deliveries,
    kill_hard,
    set_timezone,
    to,
    wait_until,
)


def _morning_zone(now) -> str:  # type: ignore[no-untyped-def]
    """A fixed-offset zone where it is 09:xx now (digests go out from 08:00 local)."""
    offset = (9 - now.hour) % 24
    if offset > 14:
        offset -= 24
    if offset == 0:
        return "Etc/GMT"
    return f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"  # POSIX signs are inverted


def _no_quiet_hours(app, user: User, digest: str = "weekly") -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        prefs.save_preferences(user.id, {}, digest, False, 21, 8)
        db.session.commit()


def _reminder_and_digest_people(app, people):  # type: ignore[no-untyped-def]
    """Sam has an assignment due today (a reminder); Dee's daily digest is due now."""
    now = utcnow()
    sam = people.person(email="sam@example.com")
    dee = people.person(email="dee@example.com")
    _no_quiet_hours(app, sam)
    _no_quiet_hours(app, dee, digest="daily")
    set_timezone(app, dee, _morning_zone(now))
    assign(app, sam, now.date())
    assign(app, dee, now.date() + timedelta(days=3), title="Finding your following")
    return sam, dee


def _finished(app, func: str) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        queue = get_queue()
        ids = FinishedJobRegistry(queue=queue).get_job_ids()
        jobs = [Job.fetch(i, connection=queue.connection) for i in ids]
        return sum(1 for j in jobs if j is not None and j.func_name == func)


def _settled(app) -> bool:  # type: ignore[no-untyped-def]
    """No email waiting or being sent, and nothing left in the queue."""
    with app.app_context():
        busy = (
            db.session.query(EmailDelivery)
            .filter(EmailDelivery.status.in_([DeliveryStatus.PENDING, DeliveryStatus.SENDING]))
            .count()
        )
        db.session.rollback()
        return busy == 0 and get_queue().count == 0


def test_the_sweep_and_the_digest_twice_on_two_workers_deliver_once(
    app, people, worker, workers, mailbox
):
    sam, dee = _reminder_and_digest_people(app, people)
    workers.start(mailbox.url)  # a second worker, so the two runs can overlap
    with app.app_context():
        queue = get_queue()
        for _ in range(2):
            queue.enqueue("jobs.notifications.sweep_reminders")
            queue.enqueue("jobs.notifications.send_digests")

    wait_until(lambda: _finished(app, "jobs.notifications.sweep_reminders") == 2, what="sweeps")
    wait_until(lambda: _finished(app, "jobs.notifications.send_digests") == 2, what="digests")
    mailbox.wait_for("sam@example.com")
    mailbox.wait_for("dee@example.com")
    wait_until(lambda: _settled(app), what="deliveries to settle")
    time.sleep(1)  # room for a duplicate to show up, if there were one

    [reminder] = to(mailbox, "sam@example.com")
    assert reminder["Subject"] == "Due today: Personal brand basics"
    assert reminder["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "/unsubscribe/" in body_text(reminder)
    [digest] = to(mailbox, "dee@example.com")
    assert digest["Subject"].startswith("Your Beacon digest for ")
    assert "Finding your following (due " in body_text(digest)
    with app.app_context():
        assert (
            db.session.query(Notification).filter_by(user_id=sam.id, kind="assignment_due").count()
            == 1
        )
        assert db.session.query(DigestRun).filter_by(user_id=dee.id).count() == 1


def test_two_schedulers_started_by_mistake_deliver_once(app, people, worker, workers, mailbox):
    sam, dee = _reminder_and_digest_people(app, people)
    # Each `flask scheduler` fires its interval jobs (the sweep among them) as it starts.
    workers.start_process("scheduler")
    workers.start_process("scheduler")
    wait_until(
        lambda: _finished(app, "jobs.notifications.sweep_reminders") >= 2,
        timeout=60,
        what="both schedulers' sweeps",
    )
    mailbox.wait_for("sam@example.com")
    wait_until(lambda: _settled(app), what="deliveries to settle")
    # The digests are hourly cron jobs (not fired on start): run them from both as well.
    with app.app_context():
        get_queue().enqueue("jobs.notifications.send_digests")
        get_queue().enqueue("jobs.notifications.send_digests")
    wait_until(lambda: _finished(app, "jobs.notifications.send_digests") == 2, what="digests")
    mailbox.wait_for("dee@example.com")
    wait_until(lambda: _settled(app), what="deliveries to settle")
    time.sleep(1)
    assert len(to(mailbox, "sam@example.com")) == 1
    assert len(to(mailbox, "dee@example.com")) == 1


def test_a_worker_killed_in_the_middle_of_sending_still_delivers_once(
    app, people, workers, slow_smtp
):
    sam = people.person(email="sam@example.com")
    _no_quiet_hours(app, sam)
    with app.app_context():
        notify([sam.id], "assignment_due", "Due today: Basics", "/learn/", subject="assignment:1")
        db.session.commit()  # the outbox hands the delivery job to RQ now
    first = workers.start(slow_smtp.url)

    # The worker claimed the email and is stuck in the SMTP conversation: kill it.
    assert slow_smtp.stalled.wait(30), "the worker never reached the SMTP server"
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.SENDING and row.attempts == 1
    kill_hard(first)
    time.sleep(0.5)
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.SENDING  # nobody will finish that claim

    # A new worker; the next sweep (here with its clock past the claim timeout)
    # takes the claim back and hands the email out again.
    workers.start(slow_smtp.url)
    with app.app_context():
        later = utcnow() + delivery.CLAIM_TIMEOUT + timedelta(seconds=1)
        assert redelivery.reclaim_stalled(later) == 1
        assert redelivery.dispatch_due(later) == 1
        db.session.commit()
    slow_smtp.wait_for("sam@example.com", timeout=30)
    wait_until(lambda: _settled(app), what="the delivery to settle")
    time.sleep(1)
    assert len(to(slow_smtp, "sam@example.com")) == 1
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.SENT and row.attempts == 2


def test_a_refused_email_is_recorded_and_retried_by_rq_with_backoff(
    app, people, workers, refusing_smtp
):
    from rq.registry import ScheduledJobRegistry

    sam = people.person(email="sam@example.com")
    _no_quiet_hours(app, sam)
    workers.start(refusing_smtp.url)
    with app.app_context():
        notify([sam.id], "assignment_due", "Due today: Basics", "/learn/", subject="assignment:1")
        db.session.commit()

    def first_attempt_recorded() -> bool:
        rows = deliveries(app)
        return bool(rows) and rows[0].attempts == 1 and rows[0].status == DeliveryStatus.PENDING

    wait_until(first_attempt_recorded, what="the first attempt")
    [row] = deliveries(app)
    assert "451" in (row.last_error or "")

    def retry_scheduled() -> bool:
        with app.app_context():
            queue = get_queue()
            ids = ScheduledJobRegistry(queue=queue).get_job_ids()
            jobs = [Job.fetch(i, connection=queue.connection) for i in ids]
            return any(j.func_name == "jobs.notifications.deliver_emails" for j in jobs)

    # RQ holds the job for its next try (10 s, then 1 and 5 minutes: portal.queue.DEFAULT_RETRY).
    wait_until(retry_scheduled, what="RQ to schedule the retry")
