"""The admin's people list and teams, and a leader's roster."""

from __future__ import annotations

from portal.accounts.models import Role, User
from portal.db import db
from tests.conftest import HTMX


def _admin(client, auth, people):  # type: ignore[no-untyped-def]
    admin = people.person(role=Role.ADMIN, name="Alex Admin")
    auth.login(admin.email)
    return admin


def test_people_page_is_a_full_page_and_search_returns_a_fragment(client, auth, people):
    _admin(client, auth, people)
    people.person(name="Zoe Quinn")
    people.person(name="Yusuf Ali")
    full = client.get("/admin/people")
    assert b"<html" in full.data and b"Zoe Quinn" in full.data and b"Yusuf Ali" in full.data
    assert "HX-Request" in full.headers["Vary"]

    fragment = client.get("/admin/people?q=zoe", headers=HTMX)
    assert b"<html" not in fragment.data
    assert b"Zoe Quinn" in fragment.data and b"Yusuf Ali" not in fragment.data
    assert "HX-Request" in fragment.headers["Vary"]

    boosted = client.get("/admin/people?q=zoe", headers={**HTMX, "HX-Boosted": "true"})
    assert b"<html" in boosted.data


def test_search_matches_email_and_treats_wildcards_literally(client, auth, people):
    _admin(client, auth, people)
    people.person(name="Ann", email="ann.lee@example.com")
    people.person(name="Bob", email="bob@example.com")
    assert b"Ann" in client.get("/admin/people?q=ANN.LEE").data
    page = client.get("/admin/people?q=%25").data
    assert b"No one matches" in page


def test_people_are_paged(app, client, auth, people):
    app.config["PEOPLE_PER_PAGE"] = 3
    try:
        _admin(client, auth, people)
        for i in range(6):
            people.person(name=f"Member {i}")
        first = client.get("/admin/people").get_data(as_text=True)
        assert "Page 1 of 3" in first and "Member 0" in first and "Member 4" not in first
        # Alex Admin and Member 0-5, by name: page 3 holds only Member 5.
        last = client.get("/admin/people?page=3").get_data(as_text=True)
        assert "Member 5" in last and "Member 4" not in last and "Member 0" not in last
        assert "Page 3 of 3" in client.get("/admin/people?page=99").get_data(as_text=True)
        assert client.get("/admin/people?page=abc").status_code == 200
    finally:
        app.config["PEOPLE_PER_PAGE"] = 25


def test_admin_changes_role_and_team_from_the_row(app, client, auth, people):
    _admin(client, auth, people)
    team = people.team("Support")
    person = people.person(name="Lee Chan")
    response = client.post(
        f"/admin/people/{person.id}", data={"role": "leader", "team_id": str(team.id)}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.data.lstrip().startswith(b"<tr")
    assert b"Advocacy leader" in response.data and b"Support" in response.data
    assert "Saved Lee Chan." in response.headers["HX-Trigger"]
    with app.app_context():
        saved = db.session.get(User, person.id)
        assert saved.role == Role.LEADER and saved.team_id == team.id


def test_role_change_without_htmx_redirects(client, auth, people):
    _admin(client, auth, people)
    person = people.person()
    response = client.post(f"/admin/people/{person.id}", data={"role": "admin", "team_id": "0"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/admin/people/{person.id}"


def test_bad_role_or_team_changes_nothing(app, client, auth, people):
    _admin(client, auth, people)
    person = people.person()
    assert (
        client.post(
            f"/admin/people/{person.id}", data={"role": "owner", "team_id": "0"}
        ).status_code
        == 400
    )
    assert (
        client.post(
            f"/admin/people/{person.id}", data={"role": "admin", "team_id": "999"}
        ).status_code
        == 400
    )
    with app.app_context():
        assert db.session.get(User, person.id).role == Role.EMPLOYEE


def test_admin_cannot_demote_or_deactivate_themself(app, client, auth, people):
    admin = _admin(client, auth, people)
    response = client.post(
        f"/admin/people/{admin.id}", data={"role": "employee", "team_id": "0"}, headers=HTMX
    )
    assert "You cannot remove your own admin role." in response.headers["HX-Trigger"]
    client.post(f"/admin/people/{admin.id}/deactivate")
    with app.app_context():
        saved = db.session.get(User, admin.id)
        assert saved.role == Role.ADMIN and saved.active


def test_reactivated_person_can_log_in_again(app, client, auth, people):
    _admin(client, auth, people)
    person = people.person()
    client.post(f"/admin/people/{person.id}/deactivate")
    assert b"Deactivated" in client.get(f"/admin/people/{person.id}").data
    client.post(f"/admin/people/{person.id}/reactivate")
    other = app.test_client()
    response = other.post(
        "/login",
        data={
            "email": person.email,
            "password": "correct horse battery",
            "csrf_token": other.csrf_token(),
        },
    )
    assert response.status_code == 303


def test_unknown_person_is_404(client, auth, people):
    _admin(client, auth, people)
    assert client.get("/admin/people/9999").status_code == 404
    assert (
        client.post("/admin/people/9999", data={"role": "admin", "team_id": "0"}).status_code == 404
    )
    assert client.post("/admin/people/9999/deactivate").status_code == 404


def test_leader_sees_only_their_own_team(client, auth, people):
    mine, other = people.team("Mine"), people.team("Other")
    leader = people.person(role=Role.LEADER, team=mine, name="Lena Lead")
    people.person(team=mine, name="Mia Mine")
    people.person(team=other, name="Otto Other")
    auth.login(leader.email)
    page = client.get("/team").get_data(as_text=True)
    assert "Mia Mine" in page and "Otto Other" not in page
    assert "Otto" not in client.get("/team?q=otto").get_data(as_text=True)
    assert client.get("/admin/people").status_code == 403


def test_teams_page_lists_leaders_and_creates_teams(app, client, auth, people):
    _admin(client, auth, people)
    team = people.team("Design")
    people.person(role=Role.LEADER, team=team, name="Dana Lead")
    page = client.get("/admin/teams").get_data(as_text=True)
    assert "Design" in page and "Dana Lead" in page
    assert client.post("/admin/teams", data={"name": "Research"}).status_code == 303
    duplicate = client.post("/admin/teams", data={"name": "research"})
    assert duplicate.status_code == 200
    assert b"A team with that name exists already." in duplicate.data
    empty = client.post("/admin/teams", data={"name": "  "})
    assert empty.status_code == 200 and b"aria-invalid" in empty.data


def test_settings_update_profile_and_reject_unknown_time_zone(app, client, auth, people):
    person = people.person(name="Old Name")
    auth.login(person.email)
    ok = client.post(
        "/settings/profile", data={"display_name": "New Name", "timezone": "Europe/Paris"}
    )
    assert ok.status_code == 303
    bad = client.post("/settings/profile", data={"display_name": "X", "timezone": "Mars/Olympus"})
    assert bad.status_code == 200 and b"Choose a time zone from the list." in bad.data
    with app.app_context():
        saved = db.session.get(User, person.id)
        assert (saved.display_name, saved.timezone) == ("New Name", "Europe/Paris")


def test_person_page_links_to_deleting_the_account_but_not_for_yourself(client, auth, people):
    admin = _admin(client, auth, people)
    person = people.person(name="Lee Chan")

    theirs = client.get(f"/admin/people/{person.id}").get_data(as_text=True)
    mine = client.get(f"/admin/people/{admin.id}").get_data(as_text=True)

    assert f'href="/insights/privacy/people/{person.id}"' in theirs
    assert "/insights/privacy/people/" not in mine
