"""The web layer: CSRF, error pages, security headers, the htmx conventions."""

from __future__ import annotations

import re

import pytest
from flask import Blueprint

from portal.accounts.models import Role, User
from portal.db import db
from tests.conftest import HTMX
from tests.web.test_role_matrix import ROUTES

POST_ROUTES = sorted({rule for _, method, rule in ROUTES if method == "POST"})


@pytest.mark.parametrize("rule", POST_ROUTES)
@pytest.mark.parametrize("token", [None, "wrong"], ids=["missing", "wrong"])
def test_every_state_change_needs_a_csrf_token(app, client, auth, people, rule, token):
    admin = people.person(role=Role.ADMIN)
    target = people.person(name="Target")
    auth.login(admin.email)
    path = re.sub(r"<int:[a-z_]+>", str(target.id), rule)
    path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "t", path)
    data = {"role": "employee", "team_id": "0", "name": "X", "email": admin.email}
    if token:
        data["csrf_token"] = token
    response = client.post(path, data=data, csrf=False)
    assert response.status_code == 400
    assert b"Your form expired" in response.data
    with app.app_context():
        assert db.session.get(User, target.id).active
        assert db.session.get(User, admin.id).role == Role.ADMIN


def test_htmx_requests_carry_the_token_in_a_header(app, client, auth, people):
    admin = people.person(role=Role.ADMIN)
    target = people.person(name="Target")
    auth.login(admin.email)
    token = client.csrf_token()
    page = client.get("/").get_data(as_text=True)
    assert "hx-headers='{&#34;X-CSRFToken&#34;" in page or 'hx-headers=\'{"X-CSRFToken"' in page
    response = client.post(
        f"/admin/people/{target.id}",
        data={"role": "leader", "team_id": "0"},
        headers={**HTMX, "X-CSRFToken": token},
        csrf=False,
    )
    assert response.status_code == 200


def test_unknown_page_is_a_friendly_404_page_and_fragment(client, auth, people):
    anonymous = client.get("/no/such/page")
    assert anonymous.status_code == 404
    assert b"We couldn" in anonymous.data and b"<html" in anonymous.data
    auth.login(people.person().email)
    full = client.get("/no/such/page")
    assert full.status_code == 404 and b"site-header" in full.data
    fragment = client.get("/no/such/page", headers=HTMX)
    assert fragment.status_code == 404
    assert b"<html" not in fragment.data and b"We couldn" in fragment.data


def test_forbidden_is_a_friendly_403(client, auth, people):
    auth.login(people.person().email)
    response = client.get("/admin/people")
    assert response.status_code == 403
    assert b"You don" in response.data


def test_wrong_method_is_405(client):
    response = client.get("/logout")
    assert response.status_code == 405


def test_server_error_is_logged_and_shown_politely(app, caplog):
    bp = Blueprint("boom", __name__)

    @bp.get("/boom")
    def boom():  # type: ignore[no-untyped-def]
        raise RuntimeError("kaboom")

    from portal import create_app

    other = create_app("test", {"PROPAGATE_EXCEPTIONS": False})
    other.register_blueprint(bp)
    response = other.test_client().get("/boom")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data
    assert b"kaboom" not in response.data
    assert "kaboom" in caplog.text


@pytest.mark.parametrize(
    ("statement", "code", "title"),
    [
        # A wrong statement is a bug: the 500 page, with the traceback in the log.
        ("SELEC 1", 500, b"Something went wrong on our side"),
        ("SELECT * FROM no_such_table_here", 500, b"Something went wrong on our side"),
    ],
)
def test_a_database_bug_is_a_500_not_unavailable(app, caplog, statement, code, title):
    from sqlalchemy import text

    from portal import create_app

    bp = Blueprint("bad_sql", __name__)

    @bp.get("/bad-sql")
    def bad_sql():  # type: ignore[no-untyped-def]
        db.session.execute(text(statement))
        return "unreachable"

    other = create_app("test", {"PROPAGATE_EXCEPTIONS": False})
    other.register_blueprint(bp)
    response = other.test_client().get("/bad-sql")
    assert response.status_code == code
    assert title in response.data
    assert "Retry-After" not in response.headers
    assert "Traceback" in caplog.text


def test_a_busy_database_is_a_503_that_asks_to_come_back(app, caplog):
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from portal import create_app

    bp = Blueprint("busy", __name__)

    @bp.get("/busy")
    def busy():  # type: ignore[no-untyped-def]
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    other = create_app("test", {"PROPAGATE_EXCEPTIONS": False})
    other.register_blueprint(bp)
    response = other.test_client().get("/busy")
    assert response.status_code == 503
    assert b"Beacon is briefly unavailable" in response.data
    assert response.headers["Retry-After"] == "30"
    assert "database unavailable" in caplog.text


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in response.headers  # only in production


def test_htmx_is_configured_for_a_strict_csp(client):
    page = client.get("/login").get_data(as_text=True)
    assert '"allowEval": false' in page
    assert '"includeIndicatorStyles": false' in page
    assert "<style" not in page and " style=" not in page and "hx-on" not in page
    assert "/static/vendor/htmx.min.js" in page
    assert "cdn" not in page.lower()


def test_vendored_htmx_is_served(client):
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in response.data[:2000]
    response.close()


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_flash_becomes_a_toast_on_the_next_full_page(client, auth, people):
    person = people.person()
    auth.login(person.email)
    client.post("/settings/profile", data={"display_name": "Renamed", "timezone": "UTC"})
    page = client.get("/settings/").get_data(as_text=True)
    assert 'class="toast toast--success"' in page and "Your profile is saved." in page


def test_production_refuses_to_start_without_a_secret_key():
    from portal import ConfigurationError, create_app

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production", {"SECRET_KEY": ""})


def test_unknown_environment_name_is_refused():
    from portal import create_app

    with pytest.raises(RuntimeError, match="BEACON_ENV"):
        create_app("staging")
