"""Password reset by email: the same answer for every address, a link that works once."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta
from urllib.parse import urlsplit

import time_machine

from jobs.accounts import send_password_reset_email, send_password_reset_email_to
from portal.accounts import invitations
from portal.accounts.models import User
from portal.db import db, utcnow
from portal.queue import OutboxJob, get_redis
from tests.conftest import PASSWORD, body_text

NEW = "my new passphrase here"


def _reset_path(app, mailbox, person_id: int) -> str:  # type: ignore[no-untyped-def]
    app.config["MAIL_URL"] = mailbox.url
    try:
        with app.app_context():
            assert send_password_reset_email(person_id) is True
    finally:
        app.config["MAIL_URL"] = ""
    text = body_text(mailbox.messages[-1])
    match = re.search(r"https?://\S+/reset-password/\S+", text)
    assert match, text
    return urlsplit(match.group(0)).path


def test_asking_for_a_link_answers_the_same_for_any_address(app, client, people):
    """The request does the same work for every address: the job looks the account up."""
    person = people.person()
    for email in (person.email, "nobody@example.com"):
        response = client.post("/forgot-password", data={"email": email})
        assert response.status_code == 200
        assert b"If an account uses that address" in response.data
    with app.app_context():
        jobs = db.session.query(OutboxJob).order_by(OutboxJob.id).all()
        assert [(j.func, j.args) for j in jobs] == [
            ("jobs.accounts.send_password_reset_email_to", [person.email]),
            ("jobs.accounts.send_password_reset_email_to", ["nobody@example.com"]),
        ]


def test_the_reset_job_mails_real_accounts_at_most_once_per_five_minutes(app, people, mailbox):
    person = people.person()
    throttle_key = "beacon:password-reset-sent:" + hashlib.sha256(person.email.encode()).hexdigest()
    app.config["MAIL_URL"] = mailbox.url
    try:
        with app.app_context():
            get_redis().delete(throttle_key)
            assert send_password_reset_email_to("nobody@example.com") is False
            assert send_password_reset_email_to(person.email) is True
            assert send_password_reset_email_to(person.email) is False
    finally:
        app.config["MAIL_URL"] = ""
    assert [m["To"] for m in mailbox.messages] == [person.email]


def test_reset_link_sets_a_new_password_and_works_once(app, client, auth, people, mailbox):
    person = people.person(name="Kim Park")
    path = _reset_path(app, mailbox, person.id)
    assert mailbox.messages[-1]["Subject"] == "Reset your Beacon password"

    response = client.post(path, data={"password": NEW, "confirm": NEW})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert auth.login(person.email, PASSWORD).status_code == 200
    assert auth.login(person.email, NEW).status_code == 303

    again = app.test_client().post(
        path, data={"password": "yet another passphrase", "confirm": "yet another passphrase"}
    )
    assert again.status_code == 410
    assert b"This link was already used" in again.data


def test_reset_ends_every_session(app, client, auth, people, mailbox):
    person = people.person()
    auth.login(person.email)
    path = _reset_path(app, mailbox, person.id)
    other = app.test_client()
    other.post(path, data={"password": NEW, "confirm": NEW, "csrf_token": other.csrf_token()})
    assert client.get("/").status_code == 303


def test_an_expired_reset_link_is_refused(app, client, people, mailbox):
    person = people.person()
    path = _reset_path(app, mailbox, person.id)
    with time_machine.travel(utcnow() + timedelta(hours=2), tick=False):
        response = client.get(path)
    assert response.status_code == 410
    assert b"This link has expired" in response.data


def test_a_tampered_reset_link_is_refused(app, client, people, mailbox):
    person = people.person()
    path = _reset_path(app, mailbox, person.id)
    response = client.post(path[:-3] + "xyz", data={"password": NEW, "confirm": NEW})
    assert response.status_code == 404
    with app.app_context():
        assert invitations.load_reset_token(path.rsplit("/", 1)[1]).id == person.id


def test_mismatched_passwords_rerender_with_an_error(app, client, people, mailbox):
    person = people.person()
    path = _reset_path(app, mailbox, person.id)
    response = client.post(path, data={"password": NEW, "confirm": NEW + "!"})
    assert response.status_code == 200
    assert b"The two passwords differ." in response.data
    with app.app_context():
        assert db.session.get(User, person.id).session_version == 1


def test_no_email_for_a_deactivated_person(app, people, mailbox):
    person = people.person(active=False)
    with app.app_context():
        assert send_password_reset_email(person.id) is False
    assert mailbox.messages == []
