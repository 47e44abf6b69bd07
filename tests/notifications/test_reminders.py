"""The reminder sweep: assignments due and overdue, streaks at risk, each in the person's own day."""

from __future__ import annotations

from datetime import date

import time_machine

from jobs.notifications import sweep_reminders
from portal.db import db
from portal.notifications.models import EmailDelivery, Notification
from portal.notifications.reminders import REMINDERS
from tests.notifications.conftest import assign, give_streak, set_timezone, utc


def _mine(app, kind: str) -> list[Notification]:  # type: ignore[no-untyped-def]
    with app.app_context():
        rows = db.session.query(Notification).filter_by(kind=kind).order_by(Notification.id).all()
        for row in rows:
            db.session.expunge(row)
        return rows


def test_every_domain_registered_its_reminders(app):
    expected = {
        "assignment_due",
        "assignment_overdue",
        "streak_at_risk",
        "bulletin_unacknowledged",
        "challenge_ending",
        "board_session",
        "newcomer_invite",
    }
    assert expected <= set(REMINDERS)


def test_an_assignment_due_tomorrow_is_reminded_when_its_last_day_begins(app, people):
    sam = people.person()
    set_timezone(app, sam, "America/Los_Angeles")
    assignment = assign(app, sam, date(2026, 11, 27), title="Finding your following")
    # Thursday 26 Nov, 20:00 in Los Angeles: due Friday, more than 24 h before it ends.
    with time_machine.travel(utc(2026, 11, 27, 4), tick=False), app.app_context():
        sweep_reminders()
    assert _mine(app, "assignment_due") == []
    # Friday 27 Nov, 00:30 in Los Angeles: the last day has begun.
    with time_machine.travel(utc(2026, 11, 27, 8, 30), tick=False), app.app_context():
        sweep_reminders()
        sweep_reminders()  # twice: still one reminder
    [due] = _mine(app, "assignment_due")
    assert due.title == "Due today: Finding your following"
    assert due.subject == f"assignment:{assignment}" and due.url.startswith("/learn/modules/")
    with app.app_context():
        email = db.session.query(EmailDelivery).filter_by(kind="assignment_due").one()
        # 00:30 is inside quiet hours: the email waits for 08:00 in Los Angeles.
        assert email.not_before == utc(2026, 11, 27, 16)


def test_an_overdue_assignment_is_reminded_once(app, people):
    sam = people.person()
    assign(app, sam, date(2026, 11, 20))
    done = assign(app, sam, date(2026, 11, 20), title="Done already")
    with app.app_context():
        from portal.learning.records import Assignment

        db.session.get(Assignment, done).completed_at = utc(2026, 11, 19)  # type: ignore[union-attr]
        db.session.commit()
    with time_machine.travel(utc(2026, 11, 21, 9), tick=False), app.app_context():
        sweep_reminders()
    with time_machine.travel(utc(2026, 11, 22, 9), tick=False), app.app_context():
        sweep_reminders()
    [overdue] = _mine(app, "assignment_overdue")
    assert overdue.title == "Overdue: Personal brand basics"
    # Long overdue: no more reminders (and none for a deployment's first sweep).
    old = people.person()
    assign(app, old, date(2026, 10, 1))
    with time_machine.travel(utc(2026, 11, 22, 10), tick=False), app.app_context():
        sweep_reminders()
    assert {n.user_id for n in _mine(app, "assignment_overdue")} == {sam.id}


def test_a_streak_at_risk_is_reminded_in_the_persons_evening_only(app, people):
    tokyo, berlin, none, learned = (people.person() for _ in range(4))
    set_timezone(app, tokyo, "Asia/Tokyo")
    set_timezone(app, berlin, "Europe/Berlin")
    give_streak(app, tokyo, 5, date(2026, 11, 24))
    give_streak(app, berlin, 3, date(2026, 11, 24))
    give_streak(app, learned, 9, date(2026, 11, 25))  # learned today already
    # 10:00 UTC on 25 Nov: 19:00 in Tokyo (evening), 11:00 in Berlin (not yet).
    with time_machine.travel(utc(2026, 11, 25, 10), tick=False), app.app_context():
        sweep_reminders()
    at_risk = _mine(app, "streak_at_risk")
    assert [n.user_id for n in at_risk] == [tokyo.id]
    assert at_risk[0].title == "Keep your 5-day streak going"
    # 18:30 in Berlin: now Berlin's turn; Tokyo is not reminded twice the same day.
    with time_machine.travel(utc(2026, 11, 25, 17, 30), tick=False), app.app_context():
        sweep_reminders()
    assert sorted(n.user_id for n in _mine(app, "streak_at_risk")) == sorted([tokyo.id, berlin.id])
    assert none.id not in {n.user_id for n in _mine(app, "streak_at_risk")}


def test_a_broken_streak_is_not_at_risk(app, people):
    lapsed = people.person()
    give_streak(app, lapsed, 4, date(2026, 11, 20))  # missed days, no freezes
    with time_machine.travel(utc(2026, 11, 25, 19), tick=False), app.app_context():
        sweep_reminders()
    assert _mine(app, "streak_at_risk") == []


def test_a_failing_provider_does_not_stop_the_others(app, people):
    from portal.notifications.reminders import reminder

    sam = people.person()
    assign(app, sam, date(2026, 11, 25))

    @reminder("broken_for_test", "Broken")
    def broken(now):  # type: ignore[no-untyped-def]
        raise RuntimeError("boom")

    try:
        with time_machine.travel(utc(2026, 11, 25, 9), tick=False), app.app_context():
            result = sweep_reminders()
    finally:
        REMINDERS.pop("broken_for_test")
    assert result["failed_providers"] == ["broken_for_test"]
    assert len(_mine(app, "assignment_due")) == 1
