"""Digests: at each person's local morning, once per day or week, never empty, sent for real."""

from __future__ import annotations

from datetime import date

import time_machine

from jobs.notifications import deliver_emails, send_digests
from portal.accounts.models import User
from portal.db import db
from portal.gamification.points import award_points
from portal.notifications import preferences as prefs
from portal.notifications.models import DigestRun, EmailDelivery
from tests.conftest import body_text
from tests.notifications.conftest import assign, set_timezone, to, utc

MONDAY = (2026, 11, 30)


def _digest_daily(app, user: User) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        prefs.save_preferences(user.id, {}, "daily", True, 21, 8)
        db.session.commit()


def _earn(app, user: User, subject: str, when) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        award_points(db.session.get(User, user.id), "module_completed", subject, now=when)
        db.session.commit()


def _send_all(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = [
            d.id for d in db.session.query(EmailDelivery).filter_by(kind="digest", status="pending")
        ]
        if ids:
            deliver_emails(ids)


def test_a_daily_digest_arrives_at_the_persons_morning_with_points_and_what_is_due(
    app, people, mail_in_process
):
    sam = people.person(email="sam@example.com", name="Sam Lee")
    rival = people.person()
    set_timezone(app, sam, "Asia/Tokyo")
    _digest_daily(app, sam)
    assign(app, sam, date(2026, 11, 27), title="Finding your following")
    _earn(app, rival, "m:1", utc(2026, 11, 20))
    _earn(app, rival, "m:2", utc(2026, 11, 20))
    _earn(app, sam, "m:0", utc(2026, 11, 20))  # last week: #2 behind the rival
    # 07:00 in Tokyo: not yet.
    with time_machine.travel(utc(2026, 11, 24, 22), tick=False), app.app_context():
        assert send_digests()["due"] == 0
    # 08:05 in Tokyo on Wednesday 25 Nov: the first digest (nothing earned today, one item due).
    with time_machine.travel(utc(2026, 11, 24, 23, 5), tick=False):
        with app.app_context():
            assert send_digests()["queued"] == 1
        _send_all(app)
    [first] = to(mail_in_process, "sam@example.com")
    assert first["Subject"] == "Your Beacon digest for Wednesday 25 November"
    text = body_text(first)
    assert "What is due" in text and "Finding your following (due Fri 27 Nov)" in text
    assert "Your points" not in text
    assert "/unsubscribe/" in first["List-Unsubscribe"]

    # Sam earns points during the day and overtakes the rival; the next morning says so.
    _earn(app, sam, "m:3", utc(2026, 11, 25, 3))
    _earn(app, sam, "m:4", utc(2026, 11, 25, 4))
    _earn(app, sam, "m:5", utc(2026, 11, 25, 5))
    with app.app_context():
        assert db.session.query(DigestRun).filter_by(user_id=sam.id).one().rank == 2
    with time_machine.travel(utc(2026, 11, 25, 23, 5), tick=False):
        with app.app_context():
            send_digests()
            send_digests()  # a second run (or scheduler) in the same hour: nothing more
        _send_all(app)
    second = to(mail_in_process, "sam@example.com")[1]
    text = body_text(second)
    assert second["Subject"] == "Your Beacon digest for Thursday 26 November"
    assert "You earned 150 points (200 in all)" in text
    assert "You moved up to #1 on the leaderboard (from #2)" in text
    assert len(to(mail_in_process, "sam@example.com")) == 2


def test_an_empty_digest_is_not_sent(app, people, mail_in_process):
    quiet = people.person(email="quiet@example.com")
    _digest_daily(app, quiet)
    with time_machine.travel(utc(2026, 11, 25, 8, 30), tick=False), app.app_context():
        result = send_digests()
        assert result["due"] == 1 and result["empty"] == 1 and result["queued"] == 0
        run = db.session.query(DigestRun).one()
        assert (run.status, run.period) == ("empty", "day:2026-11-25")
    assert to(mail_in_process, "quiet@example.com") == []


def test_weekly_digests_go_out_on_monday_mornings_only(app, people, mail_in_process):
    weekly = people.person(email="weekly@example.com")  # the default: weekly
    never = people.person(email="never@example.com")
    with app.app_context():
        prefs.save_preferences(never.id, {}, "never", True, 21, 8)
        db.session.commit()
    for who in (weekly, never):
        assign(app, who, date(2026, 12, 2))
    with time_machine.travel(utc(2026, 11, 29, 8, 30), tick=False), app.app_context():  # Sunday
        assert send_digests()["due"] == 0
    with time_machine.travel(utc(*MONDAY, 8, 30), tick=False):
        with app.app_context():
            assert send_digests()["queued"] == 1
        _send_all(app)
    with time_machine.travel(utc(*MONDAY, 9, 30), tick=False), app.app_context():
        assert send_digests()["queued"] == 0  # this week's is done
    [msg] = to(mail_in_process, "weekly@example.com")
    assert msg["Subject"] == "Your week on Beacon: the week of 30 November"
    assert to(mail_in_process, "never@example.com") == []
    with app.app_context():
        assert db.session.query(DigestRun).one().period == "week:2026-W49"


def test_time_zones_decide_whose_morning_it_is(app, people):
    names = {"Asia/Tokyo": None, "Europe/London": None, "America/New_York": None}
    for zone in names:
        person = people.person()
        set_timezone(app, person, zone)
        _digest_daily(app, person)
        names[zone] = person.id  # type: ignore[assignment]
    # 13:10 UTC: 22:10 in Tokyo, 13:10 in London, 08:10 in New York.
    with time_machine.travel(utc(2026, 11, 25, 13, 10), tick=False), app.app_context():
        send_digests()
        runs = {r.user_id for r in db.session.query(DigestRun)}
    assert runs == {names["America/New_York"]}


def test_unsubscribing_from_the_digest(app, client, people, mail_in_process):
    sam = people.person(email="sam@example.com")
    assign(app, sam, date(2026, 12, 2))
    with time_machine.travel(utc(*MONDAY, 8, 30), tick=False):
        with app.app_context():
            send_digests()
        _send_all(app)
    [msg] = to(mail_in_process, "sam@example.com")
    from urllib.parse import urlsplit

    page = client.get(urlsplit(msg["List-Unsubscribe"].strip("<>")).path)
    assert "the Beacon digest" in page.get_data(as_text=True)
    with app.app_context():
        assert prefs.prefs_for(sam.id).digest == "never"
