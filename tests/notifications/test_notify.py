"""`notify`: once per (person, kind, subject, period), per preferences, in bounded statements."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import event

from portal.db import db
from portal.notifications import preferences as prefs
from portal.notifications.models import EmailDelivery, Notification
from portal.notifications.services import notify, unread_count
from portal.queue import OutboxJob
from tests.notifications.conftest import set_timezone, utc


def test_the_same_notice_is_delivered_once_per_key(app_ctx, people):
    sam = people.person(name="Sam")
    first = notify([sam.id], "idea_status", "Your idea was picked", "/boards", subject="idea:1")
    again = notify(
        [sam.id, sam.id], "idea_status", "Your idea was picked", "/boards", subject="idea:1"
    )
    later = notify([sam.id], "idea_status", "Picked again", "/boards", subject="idea:1", period="2")
    db.session.commit()
    assert len(first) == 1 and again == [] and len(later) == 1
    assert unread_count(sam.id) == 2


def test_defaults_email_assignments_only(app_ctx, people):
    sam = people.person()
    with time_machine.travel(utc(2026, 11, 25, 12), tick=False):
        notify([sam.id], "assignment_due", "Due today: Basics", "/learn/", subject="assignment:1")
        notify([sam.id], "bulletin_published", "New bulletin", "/bulletins/1", subject="b:1")
        notify([sam.id], "streak_at_risk", "Keep your streak", "/learn/", subject="streak")
        db.session.commit()
    emails = db.session.query(EmailDelivery).all()
    assert [e.kind for e in emails] == ["assignment_due"]
    assert db.session.query(Notification).filter_by(in_app=True).count() == 3
    # One job per batch, handed to RQ through the outbox after commit.
    assert (
        db.session.query(OutboxJob).filter_by(func="jobs.notifications.deliver_emails").count() == 1
    )


def test_in_app_off_keeps_the_key_but_not_the_bell(app_ctx, people):
    sam = people.person()
    prefs.save_preferences(
        sam.id, {"assignment_due": {"in_app": False, "email": True}}, "weekly", True, 21, 8
    )
    notify([sam.id], "assignment_due", "Due today", "/learn/", subject="assignment:1")
    db.session.commit()
    assert unread_count(sam.id) == 0
    assert db.session.query(EmailDelivery).count() == 1
    # ...and a second call still finds the key taken: no second email.
    notify([sam.id], "assignment_due", "Due today", "/learn/", subject="assignment:1")
    db.session.commit()
    assert db.session.query(EmailDelivery).count() == 1


def test_both_channels_off_means_nothing_at_all(app_ctx, people):
    sam = people.person()
    prefs.save_preferences(
        sam.id, {"other": {"in_app": False, "email": False}}, "weekly", True, 21, 8
    )
    assert notify([sam.id], "unnamed_notice", "Picked", "/boards", subject="idea:1") == []
    db.session.commit()
    assert db.session.query(Notification).count() == 0


def test_quiet_hours_hold_the_email_but_not_the_bell(app_ctx, people):
    sam = people.person()
    set_timezone(app_ctx, sam, "America/New_York")
    # 22:30 in New York (03:30 UTC): inside the default quiet hours 21:00-08:00.
    with time_machine.travel(utc(2026, 11, 26, 3, 30), tick=False):
        notify([sam.id], "assignment_due", "Due today", "/learn/", subject="assignment:1")
        db.session.commit()
    assert unread_count(sam.id) == 1
    email = db.session.query(EmailDelivery).one()
    assert email.not_before == utc(2026, 11, 26, 13, 0)  # 08:00 in New York
    assert email.dispatched_at is None  # no job yet: the sweep hands it over after 08:00
    assert db.session.query(OutboxJob).count() == 0


def test_urgent_reminders_are_not_emailed_after_quiet_hours(app_ctx, people):
    sam = people.person()
    prefs.save_preferences(
        sam.id, {"streak_at_risk": {"in_app": True, "email": True}}, "weekly", True, 21, 8
    )
    with time_machine.travel(utc(2026, 11, 25, 21, 30), tick=False):  # 21:30 UTC: quiet
        notify([sam.id], "streak_at_risk", "Keep your streak", "/learn/", subject="streak")
        db.session.commit()
    assert unread_count(sam.id) == 1
    assert db.session.query(EmailDelivery).count() == 0  # by 08:00 the streak is gone


def test_notifying_many_people_takes_a_bounded_number_of_statements(app_ctx, people):
    team = people.team("Everyone")
    ids = [people.person(team=team).id for _ in range(60)]
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        made = notify(ids, "assignment_due", "Due today", "/learn/", subject="assignment:9")
        db.session.flush()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    db.session.commit()
    assert len(made) == 60
    assert len(statements) <= 8, statements


def test_quiet_hours_across_midnight_and_dst():
    # 23:00 -> 07:00 the next morning; 02:00 -> 07:00 the same day; 12:00 is not quiet.
    assert prefs.after_quiet_hours(utc(2026, 11, 25, 23), "UTC", 22, 7) == utc(2026, 11, 26, 7)
    assert prefs.after_quiet_hours(utc(2026, 11, 25, 2), "UTC", 22, 7) == utc(2026, 11, 25, 7)
    assert prefs.after_quiet_hours(utc(2026, 11, 25, 12), "UTC", 22, 7) == utc(2026, 11, 25, 12)
    # Berlin springs forward on 29 March 2026: 08:00 local is 06:00 UTC that day.
    assert prefs.after_quiet_hours(utc(2026, 3, 28, 22), "Europe/Berlin", 21, 8) == utc(
        2026, 3, 29, 6
    )
    assert not prefs.in_quiet_hours(10, 9, 9)


def test_deactivated_people_get_no_email(app_ctx, people):
    gone = people.person(active=False)
    notify([gone.id], "assignment_due", "Due today", "/learn/", subject="assignment:1")
    db.session.commit()
    assert db.session.query(EmailDelivery).count() == 0


def test_email_only_when_user_exists(app_ctx, people):
    sam = people.person()
    assert notify([sam.id, 999_999], "idea_status", "Hi", "/", subject="x") != []
    db.session.commit()
    assert {n.user_id for n in db.session.query(Notification)} == {sam.id}


def test_preferences_reject_bad_values(app_ctx, people):
    sam = people.person()
    with pytest.raises(prefs.PreferencesError):
        prefs.save_preferences(sam.id, {}, "hourly", True, 21, 8)
    with pytest.raises(prefs.PreferencesError):
        prefs.save_preferences(sam.id, {}, "daily", True, 9, 9)
    prefs.save_preferences(sam.id, {"nope": {"email": True}}, "daily", False, 9, 9)
    db.session.commit()
    saved = prefs.prefs_for(sam.id)
    assert saved.digest == "daily" and not saved.quiet_hours and saved.channels == {}
