"""Production headers and cookies on every kind of response, and the request size limit.

tests/web/test_web_layer.py checks the CSP of one page under the test config.
Here Beacon runs with `BEACON_ENV=production` (a SECRET_KEY, the test database
and Redis), and every kind of response it sends is checked: full pages,
htmx fragments, redirects, error pages (400, 403, 404, 405, 413, 500),
static files (CSS, JavaScript, an SVG), the SVG charts and badge images,
JSON and CSV. Each must carry HSTS, `nosniff`, and a CSP whose scripts
need no 'unsafe-inline' or 'unsafe-eval' and which no page may frame; every
cookie set along the way must be Secure, HttpOnly and SameSite.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Blueprint
from werkzeug.test import TestResponse

from tests.security.site import ADMIN, DEMO_PASSWORD, SAM, Site

HTTPS = "https://localhost"
# Over https, Flask-WTF also wants a same-site Referer on every form post, as a browser sends.
SAME_SITE = {"Referer": f"{HTTPS}/"}


@pytest.fixture(scope="module")
def production() -> Iterator[Site]:
    built = Site.build("production", SECRET_KEY="production-like-secret-" + "k" * 40)
    assert built.app.config["ENV_NAME"] == "production" and not built.app.testing
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def fail() -> str:
        raise RuntimeError("a bug")

    built.app.register_blueprint(boom)
    yield built
    built.close()


def _login(site: Site, email: str, remember: bool = False) -> tuple[object, TestResponse]:
    client = site.app.test_client()
    data = {"email": email, "password": DEMO_PASSWORD} | ({"remember": "y"} if remember else {})
    response = client.post("/login", data=data, headers=SAME_SITE, base_url=HTTPS)
    assert response.status_code == 303, response.status_code
    return client, response


def _directives(csp: str) -> dict[str, list[str]]:
    out = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            out[words[0].lower()] = words[1:]
    return out


def _problems(label: str, response: TestResponse) -> list[str]:
    problems = []
    headers = response.headers
    hsts = headers.get("Strict-Transport-Security", "")
    max_age = int(hsts.split("max-age=")[1].split(";")[0]) if "max-age=" in hsts else 0
    if max_age < 180 * 24 * 3600:
        problems.append(f"HSTS {hsts!r}")
    if headers.get("X-Content-Type-Options") != "nosniff":
        problems.append(f"X-Content-Type-Options {headers.get('X-Content-Type-Options')!r}")
    csp = _directives(headers.get("Content-Security-Policy", ""))
    scripts = csp.get("script-src", csp.get("default-src"))
    if scripts is None:
        problems.append("no CSP limiting scripts")
    elif {"'unsafe-inline'", "'unsafe-eval'", "*", "data:"} & set(scripts):
        problems.append(f"script-src {scripts}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if "object-src" not in csp and csp.get("default-src") != ["'none'"]:
        problems.append("object-src not limited")
    for cookie in headers.getlist("Set-Cookie"):
        flags = {f.strip().split("=")[0].lower() for f in cookie.split(";")[1:]}
        if not {"secure", "httponly", "samesite"} <= flags:
            problems.append(f"cookie {cookie.split('=')[0]} has only {sorted(flags)}")
    return [f"{label} ({response.status_code}): {p}" for p in problems]


def test_every_kind_of_response_carries_the_headers(production):
    anonymous = production.app.test_client()
    sam, _ = _login(production, SAM)
    admin, _ = _login(production, ADMIN)
    htmx = {"HX-Request": "true"}
    cases: list[tuple[str, object, str, dict[str, str], int]] = [
        ("login page", anonymous, "/login", {}, 200),
        ("home page", sam, "/", {}, 200),
        ("a fragment", sam, "/notifications/bell", htmx, 200),
        ("a fragment of a page", sam, "/bulletins/", htmx, 200),
        ("a redirect", admin, "/insights/", {}, 303),
        ("a login redirect", anonymous, "/points", {}, 303),
        ("an htmx login redirect", anonymous, "/notifications/bell", htmx, 303),
        ("404 page", sam, "/no/such/page", {}, 404),
        ("404 fragment", sam, "/no/such/page", htmx, 404),
        ("403 page", sam, "/admin/people", {}, 403),
        ("405 page", sam, "/logout", {}, 405),
        ("500 page", sam, "/boom", {}, 500),
        ("500 fragment", sam, "/boom", htmx, 500),
        ("static CSS", anonymous, "/static/css/app.css", {}, 200),
        ("static JavaScript", anonymous, "/static/vendor/htmx.min.js", {}, 200),
        ("static SVG", anonymous, "/static/img/beacon.svg", {}, 200),
        ("chart SVG", admin, "/insights/charts/participation.svg?scope=company", {}, 200),
        ("badge image SVG", anonymous, "/badges/classes/1/image.svg", {}, 200),
        ("badge class JSON", anonymous, "/badges/classes/1", {}, 200),
        ("health JSON", anonymous, "/healthz", {}, 200),
        ("CSV export", admin, "/insights/exports/people.csv", {}, 200),
    ]
    problems = []
    for label, client, path, headers, status in cases:
        response = client.get(path, headers=headers, base_url=HTTPS)  # type: ignore[attr-defined]
        assert response.status_code in (status, 204 if status == 303 else status), (label, path)
        problems += _problems(label, response)
        response.close()
    for label, path, data, csrf, status in [
        ("400 page (no CSRF token)", "/settings/profile", {"display_name": "x"}, False, 400),
        ("413 page", "/settings/profile", {"display_name": "x" * (3 * 1024 * 1024)}, True, 413),
        (
            "a redirect after a form",
            "/settings/profile",
            {"display_name": "Sam", "timezone": "UTC"},
            True,
            303,
        ),
    ]:
        response = sam.post(path, data=data, headers=SAME_SITE, base_url=HTTPS, csrf=csrf)  # type: ignore[attr-defined]
        assert response.status_code == status, (label, response.status_code)
        problems += _problems(label, response)
    assert not problems, "\n".join(problems)


def test_session_and_remember_cookies_are_secure_httponly_samesite(production):
    _, response = _login(production, SAM, remember=True)
    cookies = {c.split("=")[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert {"beacon_session", "beacon_remember"} <= cookies.keys(), list(cookies)
    for name in ("beacon_session", "beacon_remember"):
        flags = [f.strip().lower() for f in cookies[name].split(";")[1:]]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags, cookies[name]
    assert _problems("login", response) == []


@pytest.mark.parametrize(
    ("path", "data", "headers"),
    [
        ("/settings/profile", {"display_name": "x" * (3 * 1024 * 1024)}, {}),
        ("/settings/profile", {"display_name": "x" * (3 * 1024 * 1024)}, {"HX-Request": "true"}),
        ("/boards/1/ideas", {"title": "t", "body": "x" * (2 * 1024 * 1024 + 1)}, {}),
    ],
    ids=["form", "htmx form", "just over the limit"],
)
def test_a_body_over_the_limit_is_a_friendly_413(production, path, data, headers):
    limit = production.app.config["MAX_CONTENT_LENGTH"]
    assert limit == 2 * 1024 * 1024
    sam, _ = _login(production, SAM)

    response = sam.post(path, data=data, headers=headers | SAME_SITE, base_url=HTTPS)  # type: ignore[attr-defined]

    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "That upload is too large" in page
    assert ("<html" in page) is not bool(headers)  # a page, or a fragment for htmx


def test_an_upload_over_the_limit_is_a_friendly_413(production):
    import io

    admin, _ = _login(production, ADMIN)
    big = io.BytesIO(b"x" * (3 * 1024 * 1024))

    response = admin.post(  # type: ignore[attr-defined]
        "/author/import",
        data={"file": (big, "module.json")},
        content_type="multipart/form-data",
        headers=SAME_SITE,
        base_url=HTTPS,
    )

    assert response.status_code == 413
    assert "That upload is too large" in response.get_data(as_text=True)
