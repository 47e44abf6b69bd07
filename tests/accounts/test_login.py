"""Logging in and out, sessions that really end, and the login rate limits."""

from __future__ import annotations

import pytest
from flask import Flask

from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.db import db
from tests.conftest import HTMX, PASSWORD

FAILED = "That email and password don&#39;t match an active account."


def _session_cookie(client) -> str:  # type: ignore[no-untyped-def]
    cookie = client.get_cookie("beacon_session")
    assert cookie is not None
    return cookie.value


def test_login_lands_on_home_and_logout_returns_to_login(client, auth, people):
    person = people.person(name="Sam Carter")
    response = auth.login(person.email)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert b"Hello, Sam" in client.get("/").data

    response = auth.logout()
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    assert client.get("/").status_code == 303  # back to the login page


def test_email_is_case_insensitive(client, auth, people):
    people.person(email="mixed@example.com")
    assert auth.login("  MIXED@Example.COM ").status_code == 303


@pytest.mark.parametrize("case", ["wrong password", "unknown email", "deactivated"])
def test_every_failure_gets_the_same_message(client, auth, people, case):
    person = people.person(active=case != "deactivated")
    email = "nobody@example.com" if case == "unknown email" else person.email
    password = "not the password" if case == "wrong password" else PASSWORD
    response = auth.login(email, password)
    assert response.status_code == 200
    assert FAILED.encode() in response.data
    assert client.get("/").status_code == 303


def test_next_parameter_is_followed_only_on_site(client, auth, people):
    person = people.person(role=Role.ADMIN)
    data = {"email": person.email, "password": PASSWORD}
    response = client.post("/login?next=/settings/", data=dict(data))
    assert response.headers["Location"] == "/settings/"
    auth.logout()
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ]:
        response = client.post("/login", query_string={"next": evil}, data=dict(data))
        assert response.headers["Location"] == "/", evil
        auth.logout()


def test_anonymous_is_sent_to_login_with_next(client):
    response = client.get("/settings/")
    assert response.status_code == 303
    assert response.headers["Location"] == "/login?next=/settings/"


def test_htmx_request_when_logged_out_gets_hx_redirect(client):
    """After logging in, the person returns to the page they were on, not to the fragment."""
    headers = {**HTMX, "HX-Current-URL": "http://localhost/admin/people?q=a"}
    response = client.get("/admin/people?q=a", headers=headers)
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/login?next=/admin/people?q%3Da"


def test_a_form_post_after_the_session_ended_returns_to_a_page(client):
    response = client.post("/settings/profile", data={"display_name": "X", "timezone": "UTC"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"


def test_cookie_captured_before_logout_no_longer_works(app, client, auth, people):
    person = people.person(name="Kim Park")
    auth.login(person.email)
    stolen = _session_cookie(client)
    auth.logout()

    thief = app.test_client()
    thief.set_cookie("beacon_session", stolen)
    response = thief.get("/")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")


def test_logout_ends_the_sessions_on_other_devices(app, people):
    person = people.person(name="Kim Park")
    laptop, phone = app.test_client(), app.test_client()
    for device in (laptop, phone):
        device.post(
            "/login",
            data={"email": person.email, "password": PASSWORD, "csrf_token": device.csrf_token()},
        )
        assert device.get("/").status_code == 200
    laptop.post("/logout", data={"csrf_token": laptop.csrf_token()})
    assert phone.get("/").status_code == 303


def test_remember_me_cookie_survives_the_session_but_not_a_logout(app, client, auth, people):
    person = people.person(name="Kim Park")
    auth.login(person.email, remember=True)
    remember = client.get_cookie("beacon_remember")
    assert remember is not None
    assert remember.http_only

    later = app.test_client()  # the browser was closed: only the remember cookie is left
    later.set_cookie("beacon_remember", remember.value)
    assert later.get("/").status_code == 200

    auth.logout()
    after_logout = app.test_client()
    after_logout.set_cookie("beacon_remember", remember.value)
    assert after_logout.get("/").status_code == 303


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, auth, people):
    person = people.person(name="Kim Park")
    other = app.test_client()
    other.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": other.csrf_token()},
    )
    auth.login(person.email)

    response = client.post(
        "/settings/password",
        data={
            "current": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 303
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 303
    auth.logout()
    assert auth.login(person.email, PASSWORD).status_code == 200  # old password refused
    assert auth.login(person.email, "a brand new passphrase").status_code == 303


def test_wrong_current_password_changes_nothing(client, auth, people, app):
    person = people.person()
    auth.login(person.email)
    response = client.post(
        "/settings/password",
        data={
            "current": "not it at all",
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
        },
    )
    assert response.status_code == 200
    assert b"That is not your current password." in response.data
    with app.app_context():
        assert accounts.authenticate(person.email, PASSWORD) is not None


def test_session_cookie_flags(client, auth, people):
    person = people.person()
    response = auth.login(person.email)
    header = next(
        h for h in response.headers.getlist("Set-Cookie") if h.startswith("beacon_session=")
    )
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header


def test_production_cookies_are_secure():
    app = Flask(__name__)
    from config import ProdConfig

    app.config.from_object(ProdConfig)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["REMEMBER_COOKIE_HTTPONLY"] is True


def test_account_is_locked_after_five_failures_even_with_the_right_password(client, auth, people):
    person = people.person()
    for _ in range(5):
        assert auth.login(person.email, "wrong password!").status_code == 200
    response = auth.login(person.email, PASSWORD)
    assert response.status_code == 429
    assert b"Too many attempts" in response.data
    assert "Retry-After" in response.headers
    # Another account from the same address is not locked by it.
    other = people.person()
    assert auth.login(other.email).status_code == 303


def test_successful_logins_do_not_count_towards_the_account_limit(client, auth, people):
    person = people.person()
    for _ in range(7):
        assert auth.login(person.email).status_code == 303
        auth.logout()


def test_per_ip_limit_stops_spraying_many_accounts(app, client, auth):
    limit = int(app.config["LOGIN_LIMIT_PER_IP"].split()[0])
    statuses = [
        auth.login(f"spray{i}@example.com", "whatever pass").status_code for i in range(limit + 1)
    ]
    assert statuses[:limit] == [200] * limit
    assert statuses[-1] == 429


def test_deactivated_person_is_logged_out_at_once(app, client, auth, people):
    admin = people.person(role=Role.ADMIN)
    person = people.person()
    victim = app.test_client()
    victim.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": victim.csrf_token()},
    )
    assert victim.get("/").status_code == 200

    auth.login(admin.email)
    assert client.post(f"/admin/people/{person.id}/deactivate").status_code == 303
    assert victim.get("/").status_code == 303
    fresh = app.test_client()
    response = fresh.post(
        "/login",
        data={"email": person.email, "password": PASSWORD, "csrf_token": fresh.csrf_token()},
    )
    assert response.status_code == 200
    with app.app_context():
        assert db.session.get(User, person.id) is not None  # nothing deleted
