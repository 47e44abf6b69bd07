"""Invitations: who may invite whom, and links that are signed, expiring and single-use."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import time_machine

from jobs.accounts import send_invitation_email
from portal.accounts import invitations
from portal.accounts.models import Invitation, Role, User
from portal.db import db, utcnow
from portal.queue import OutboxJob
from tests.conftest import PASSWORD, body_text

NEW_PASSWORD = "a long enough passphrase"


def _link_path(text: str) -> str:
    match = re.search(r"https?://\S+/invitations/\S+", text)
    assert match, text
    return urlsplit(match.group(0)).path


def _invite_as(
    client, auth, actor_email: str, email: str, role: str = "employee", team_id: int = 0
):  # type: ignore[no-untyped-def]
    auth.login(actor_email)
    return client.post("/invite", data={"email": email, "role": role, "team_id": str(team_id)})


def _make_invitation(app, people, email: str = "new@example.com") -> str:  # type: ignore[no-untyped-def]
    team = people.team("Sales")
    admin = people.person(role=Role.ADMIN)
    with app.app_context():
        invitation = invitations.invite(
            db.session.get(User, admin.id), email, Role.EMPLOYEE, team=db.session.merge(team)
        )
        db.session.commit()
        return invitations.invitation_token(invitation)


def _accept(client, token: str, name: str = "Nia Brown", password: str = NEW_PASSWORD):  # type: ignore[no-untyped-def]
    return client.post(
        f"/invitations/{token}",
        data={"display_name": name, "password": password, "confirm": password},
    )


def test_invitation_email_goes_out_from_a_real_worker(app, client, auth, people, worker, mailbox):
    """A job enqueued in a request runs on a real RQ worker against the real Redis."""
    team = people.team("Sales")
    admin = people.person(role=Role.ADMIN, name="Alex Morgan")
    response = _invite_as(client, auth, admin.email, "Nia.Brown@Example.com", team_id=team.id)
    assert response.status_code == 303
    assert "Invitation sent to nia.brown@example.com." in client.get("/invite").get_data(
        as_text=True
    )

    msg = mailbox.wait_for("nia.brown@example.com")
    assert msg["Subject"] == "Alex Morgan invited you to Beacon"
    text = body_text(msg)
    assert "Sales team" in text
    path = _link_path(text)

    page = client.get(path)
    assert page.status_code == 200
    assert b"nia.brown@example.com" in page.data
    with app.app_context():
        assert db.session.query(OutboxJob).one().status == "enqueued"


def test_accepting_creates_the_account_and_logs_in(app, client, people):
    token = _make_invitation(app, people)
    response = _accept(client, token)
    assert response.status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "Hello, Nia" in home
    assert "Sales" in home
    with app.app_context():
        user = db.session.query(User).filter_by(email="new@example.com").one()
        assert user.role == Role.EMPLOYEE
        assert user.team is not None and user.team.name == "Sales"
        assert db.session.query(Invitation).one().accepted_at is not None


def test_a_used_link_cannot_be_used_again(app, client, people):
    token = _make_invitation(app, people)
    assert _accept(client, token).status_code == 303
    other = app.test_client()
    response = other.get(f"/invitations/{token}")
    assert response.status_code == 410
    assert b"This link was already used" in response.data
    response = _accept(other, token, name="Mallory")
    assert response.status_code == 410
    with app.app_context():
        assert db.session.query(User).filter_by(email="new@example.com").count() == 1


def test_an_expired_link_is_refused(app, client, people):
    token = _make_invitation(app, people)
    with time_machine.travel(utcnow() + timedelta(days=8), tick=False):
        response = client.get(f"/invitations/{token}")
        assert response.status_code == 410
        assert b"This link has expired" in response.data
        assert _accept(client, token).status_code == 410
    with app.app_context():
        assert db.session.query(User).filter_by(email="new@example.com").count() == 0


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "WzEsImFiYyJd." + t.split(".", 1)[1],
        lambda t: "garbage",
    ],
    ids=["signature", "payload", "garbage"],
)
def test_a_tampered_link_is_refused(app, client, people, tamper):
    token = _make_invitation(app, people)
    response = client.get(f"/invitations/{tamper(token)}")
    assert response.status_code == 404
    assert b"This link doesn" in response.data
    assert _accept(client, tamper(token)).status_code == 404


def test_a_new_invitation_replaces_the_old_link(app, client, people):
    old = _make_invitation(app, people)
    with app.app_context():
        admin = db.session.query(User).filter_by(role=Role.ADMIN).one()
        new = invitations.invitation_token(
            invitations.invite(admin, "new@example.com", Role.EMPLOYEE, None)
        )
        db.session.commit()
    assert client.get(f"/invitations/{old}").status_code == 404
    assert client.get(f"/invitations/{new}").status_code == 200


def test_weak_password_rerenders_the_form_and_keeps_the_link(app, client, people):
    token = _make_invitation(app, people)
    response = _accept(client, token, password="short")
    assert response.status_code == 200
    assert b"aria-invalid" in response.data
    assert _accept(client, token).status_code == 303


def test_inviting_an_existing_person_is_refused(client, auth, people):
    admin = people.person(role=Role.ADMIN)
    existing = people.person()
    response = _invite_as(client, auth, admin.email, existing.email.upper())
    assert response.status_code == 200
    assert b"That person already has an account." in response.data


def test_leader_invites_employees_to_their_own_team_only(app, client, auth, people):
    mine, other = people.team("Mine"), people.team("Other")
    leader = people.person(role=Role.LEADER, team=mine)
    assert (
        _invite_as(client, auth, leader.email, "a@example.com", team_id=mine.id).status_code == 303
    )
    # Another team, or an admin role, is not even a choice on the form...
    response = client.post(
        "/invite", data={"email": "b@example.com", "role": "employee", "team_id": str(other.id)}
    )
    assert response.status_code == 200
    response = client.post(
        "/invite", data={"email": "c@example.com", "role": "admin", "team_id": str(mine.id)}
    )
    assert response.status_code == 200
    with app.app_context():
        assert [i.email for i in db.session.query(Invitation)] == ["a@example.com"]
        # ...and the service refuses it too.
        with pytest.raises(invitations.PermissionDenied):
            invitations.invite(
                db.session.get(User, leader.id),
                "d@example.com",
                Role.EMPLOYEE,
                db.session.merge(other),
            )


def test_employees_cannot_invite(client, auth, people):
    person = people.person()
    assert _invite_as(client, auth, person.email, "x@example.com").status_code == 403


def test_the_email_job_skips_an_invitation_that_was_used(app, people, mailbox):
    _make_invitation(app, people)
    with app.app_context():
        invitation = db.session.query(Invitation).one()
        invitation.accepted_at = utcnow()
        db.session.commit()
        assert send_invitation_email(invitation.id) is False
    assert mailbox.messages == []


def test_invite_page_lists_pending_invitations(app, client, auth, people):
    _make_invitation(app, people, email="waiting@example.com")
    with app.app_context():
        admin = db.session.query(User).filter_by(role=Role.ADMIN).one()
    auth.login(admin.email, PASSWORD)
    assert b"waiting@example.com" in client.get("/invite").data
