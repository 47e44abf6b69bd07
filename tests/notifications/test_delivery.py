"""Email delivery through a real SMTP server: content, headers, unsubscribe, failures, retries."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from jobs.notifications import deliver_emails, sweep_reminders
from portal.accounts.models import Role
from portal.db import db, utcnow
from portal.mail import MailError
from portal.notifications import delivery, redelivery
from portal.notifications import preferences as prefs
from portal.notifications.models import DeliveryStatus, EmailDelivery, Notification
from portal.notifications.services import notify
from tests.conftest import body_text
from tests.notifications.conftest import deliveries, set_timezone, to, utc


@pytest.fixture(autouse=True)
def _afternoon():  # type: ignore[no-untyped-def]
    """Default quiet hours are 21:00-08:00: run these in the afternoon, whatever the clock says."""
    with time_machine.travel(utc(2026, 11, 25, 14), tick=True):
        yield


def _html(msg) -> str:  # type: ignore[no-untyped-def]
    for part in msg.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no html part")


def _queue(app, user_id: int, kind: str = "assignment_due", subject: str = "assignment:1") -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        notify(
            [user_id],
            kind,
            "Due today: Personal brand basics",
            "/learn/modules/1",
            subject=subject,
            body="“Personal brand basics” was assigned to you and is due today.",
        )
        db.session.commit()
        return db.session.query(EmailDelivery).filter_by(user_id=user_id).one().id


def test_a_reminder_email_has_html_text_and_one_click_unsubscribe(
    app, client, people, mail_in_process
):
    sam = people.person(name="Sam Lee", email="sam@example.com")
    delivery_id = _queue(app, sam.id)
    with app.app_context():
        assert deliver_emails([delivery_id]) == {"sent": 1, "skipped": 0, "failed": 0, "retry": 0}

    [msg] = to(mail_in_process, "sam@example.com")
    assert msg["Subject"] == "Due today: Personal brand basics"
    assert msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<beacon\.\d+\.[0-9a-f]{16}@localhost>", msg["Message-ID"])
    text = body_text(msg)
    assert "Hello Sam Lee," in text and "is due today" in text
    assert "http://localhost/learn/modules/1" in text
    html = _html(msg)
    assert 'href="http://localhost/learn/modules/1"' in html and "Open in Beacon" in html

    # The unsubscribe link in the body is the one in the header, and needs no login.
    header_url = msg["List-Unsubscribe"].strip("<>")
    assert header_url.startswith("http://localhost/unsubscribe/")
    assert header_url in text and header_url in html
    path = urlsplit(header_url).path
    page = client.get(path)
    assert page.status_code == 200
    assert "You're unsubscribed" in page.get_data(as_text=True)
    with app.app_context():
        assert not prefs.prefs_for(sam.id).wants("assignment_due", prefs.EMAIL)
        assert prefs.prefs_for(sam.id).wants("assignment_overdue", prefs.EMAIL)  # only that kind
        assert db.session.get(EmailDelivery, delivery_id).status == DeliveryStatus.SENT

    # Undo from the same page (a form with its CSRF token).
    undo = client.post(f"{path}/undo")
    assert undo.status_code == 200 and "You'll get these emails again" in undo.get_data(
        as_text=True
    )
    with app.app_context():
        assert prefs.prefs_for(sam.id).wants("assignment_due", prefs.EMAIL)


def test_rfc_8058_one_click_post_needs_no_csrf_token(app, client, people, mail_in_process):
    sam = people.person(email="sam@example.com")
    delivery_id = _queue(app, sam.id)
    with app.app_context():
        deliver_emails([delivery_id])
    [msg] = to(mail_in_process, "sam@example.com")
    path = urlsplit(msg["List-Unsubscribe"].strip("<>")).path
    # What a mail client sends: no cookies, no CSRF token.
    response = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"}, csrf=False)
    assert response.status_code == 200
    with app.app_context():
        assert not prefs.prefs_for(sam.id).wants("assignment_due", prefs.EMAIL)
    # Any other post without a token is refused like every form.
    refused = app.test_client().post(path, data={"anything": "else"}, csrf=False)
    assert refused.status_code == 400


@pytest.mark.parametrize("tamper", [lambda t: t[:-3] + "abc", lambda t: "garbage"])
def test_a_tampered_unsubscribe_link_changes_nothing(app, client, people, tamper):
    from portal.notifications.unsubscribe import unsubscribe_token

    sam = people.person()
    with app.app_context():
        token = unsubscribe_token(sam.id, "assignment_due")
    assert client.get(f"/unsubscribe/{tamper(token)}").status_code == 404
    with app.app_context():
        assert prefs.prefs_for(sam.id).wants("assignment_due", prefs.EMAIL)


def test_unsubscribing_after_queueing_skips_the_email(app, people, mail_in_process):
    sam = people.person(email="sam@example.com")
    delivery_id = _queue(app, sam.id)
    with app.app_context():
        prefs.unsubscribe(sam.id, "assignment_due")
        db.session.commit()
        assert deliver_emails([delivery_id])["skipped"] == 1
    assert to(mail_in_process, "sam@example.com") == []
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.SKIPPED and "turned these emails off" in row.last_error


def test_quiet_hours_email_goes_out_after_they_end_in_the_persons_zone(
    app, people, mail_in_process
):
    sam = people.person(email="sam@example.com")
    set_timezone(app, sam, "Asia/Tokyo")
    # 23:00 in Tokyo: the bell now, the email at 08:00 Tokyo time (23:00 UTC).
    with time_machine.travel(utc(2026, 11, 25, 14), tick=False):
        delivery_id = _queue(app, sam.id)
        with app.app_context():
            assert deliver_emails([delivery_id])["sent"] == 0  # not due: nothing claimed
            sweep_reminders()
    assert to(mail_in_process, "sam@example.com") == []
    with time_machine.travel(utc(2026, 11, 25, 23, 5), tick=False), app.app_context():
        assert redelivery.dispatch_due() == 1
        db.session.commit()
        assert deliver_emails([delivery_id])["sent"] == 1
    assert len(to(mail_in_process, "sam@example.com")) == 1


def test_temporary_failures_back_off_then_fail_and_admins_see_them(
    app, client, auth, people, refusing_smtp
):
    admin = people.person(role=Role.ADMIN, email="admin@example.com")
    sam = people.person(email="sam@example.com", name="Sam Lee")
    delivery_id = _queue(app, sam.id)
    app.config["MAIL_URL"] = refusing_smtp.url
    try:
        with app.app_context():
            for attempt in range(1, delivery.MAX_ATTEMPTS):
                with pytest.raises(MailError):  # the job raises: RQ retries it with backoff
                    deliver_emails([delivery_id])
                row = db.session.get(EmailDelivery, delivery_id)
                assert (row.status, row.attempts) == (DeliveryStatus.PENDING, attempt)
                assert "451" in row.last_error
                db.session.rollback()
            assert deliver_emails([delivery_id])["failed"] == 1  # the last attempt
    finally:
        app.config["MAIL_URL"] = ""
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.FAILED and row.attempts == delivery.MAX_ATTEMPTS
    with app.app_context():
        told = db.session.query(Notification).filter_by(user_id=admin.id).one()
        assert told.kind == "delivery_failed" and told.url == "/admin/deliveries"

    auth.login(admin.email)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "Due today: Personal brand basics" in page and "sam@example.com" in page
    assert "451" in page
    response = client.post(f"/admin/deliveries/{delivery_id}/retry")
    assert response.status_code == 303
    [row] = deliveries(app)
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)


def test_a_refused_address_fails_at_once(app, people, refusing_smtp):
    nobody = people.person(email="nobody@example.com")
    delivery_id = _queue(app, nobody.id)
    app.config["MAIL_URL"] = refusing_smtp.url
    try:
        with app.app_context():
            assert deliver_emails([delivery_id])["failed"] == 1
    finally:
        app.config["MAIL_URL"] = ""
    [row] = deliveries(app)
    assert row.status == DeliveryStatus.FAILED and "550" in row.last_error and row.attempts == 1


def test_an_unreachable_server_hands_the_batch_back(app, people):
    ids = [_queue(app, people.person().id) for _ in range(3)]
    app.config["MAIL_URL"] = "smtp://127.0.0.1:9"  # nothing listens there
    try:
        with app.app_context(), pytest.raises(MailError):
            deliver_emails(ids)
    finally:
        app.config["MAIL_URL"] = ""
    rows = deliveries(app)
    assert [r.status for r in rows] == [DeliveryStatus.PENDING] * 3
    # Only the one that was tried counts an attempt.
    assert [r.attempts for r in rows] == [1, 0, 0]


def test_a_stalled_claim_is_taken_back_and_sent_once(app, people, mail_in_process):
    sam = people.person(email="sam@example.com")
    delivery_id = _queue(app, sam.id)
    with app.app_context():
        assert delivery.claim([delivery_id], utcnow()) is not None  # a worker took it, then died
        assert deliver_emails([delivery_id])["sent"] == 0  # still claimed: nobody else sends it
    later = utcnow() + delivery.CLAIM_TIMEOUT + timedelta(minutes=1)
    with time_machine.travel(later), app.app_context():
        result = sweep_reminders()
        assert result["reclaimed"] == 1 and result["dispatched"] == 1
        assert deliver_emails([delivery_id])["sent"] == 1
        assert deliver_emails([delivery_id])["sent"] == 0
    assert len(to(mail_in_process, "sam@example.com")) == 1
    [row] = deliveries(app)
    assert row.attempts == 2 and row.sent_at is not None
