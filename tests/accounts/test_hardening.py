"""Rules that keep accounts safe at the edges: lockouts, odd input, history restores."""

from __future__ import annotations

import pytest

from portal import create_app
from portal.accounts import invitations
from portal.accounts.models import Role, User
from portal.db import db
from tests.conftest import HTMX, PASSWORD, CSRFClient


def test_failures_from_one_address_do_not_lock_the_owner_out_elsewhere(app, people):
    app.test_client_class = CSRFClient
    person = people.person()
    attacker, owner = app.test_client(), app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    owner.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(6):
        attacker.post("/login", data={"email": person.email, "password": "guess guess guess"})
    assert (
        attacker.post("/login", data={"email": person.email, "password": PASSWORD}).status_code
        == 429
    )
    assert (
        owner.post("/login", data={"email": person.email, "password": PASSWORD}).status_code == 303
    )


def test_back_button_restore_gets_the_whole_page(client, auth, people):
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)
    restore = {**HTMX, "HX-History-Restore-Request": "true"}
    response = client.get("/admin/people?q=a", headers=restore)
    assert b"<html" in response.data
    assert "HX-History-Restore-Request" in response.headers["Vary"]


@pytest.mark.parametrize("page", ["%C2%B2", "9" * 5000, "-3", "0"])
def test_odd_page_numbers_are_not_errors(client, auth, people, page):
    admin = people.person(role=Role.ADMIN)
    auth.login(admin.email)
    assert client.get(f"/admin/people?page={page}").status_code == 200


def test_names_with_control_characters_are_refused(app, client, auth, people):
    person = people.person(name="Plain Name")
    auth.login(person.email)
    response = client.post(
        "/settings/profile", data={"display_name": "Evil\r\nBcc: x@y", "timezone": "UTC"}
    )
    assert response.status_code == 200
    assert b"Use letters, spaces and punctuation only." in response.data
    with app.app_context():
        assert db.session.get(User, person.id).display_name == "Plain Name"


def test_a_leader_without_a_team_sees_no_invitations(app, people):
    admin = people.person(role=Role.ADMIN)
    lonely = people.person(role=Role.LEADER)
    with app.app_context():
        invitations.invite(db.session.get(User, admin.id), "cfo@example.com", Role.ADMIN, None)
        db.session.commit()
        assert invitations.pending_invitations(db.session.get(User, lonely.id)) == []
        assert len(invitations.pending_invitations(db.session.get(User, admin.id))) == 1


def test_demo_data_refuses_to_run_in_production(app):
    prod = create_app(
        "production",
        {"SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]},
    )
    result = prod.test_cli_runner().invoke(args=["demo-data"])
    assert result.exit_code != 0
    assert "refusing in production" in result.output
    with app.app_context():
        assert db.session.query(User).count() == 0
