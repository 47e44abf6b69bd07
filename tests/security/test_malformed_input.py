"""Malformed, oversized and hostile form data on every state-changing route: 4xx, never 500.

One test walks the app's URL map, so a new route is covered the day it lands.
Each POST route gets random forms from hypothesis (field names the app uses,
values from empty to oversized, control characters, markup, SQL-ish text),
posted by an admin with the demo data loaded so ids in the URL exist.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal import create_app
from portal.db import db

# Field names the forms of Beacon use, plus some they do not.
FIELDS = [
    "title", "body", "summary", "name", "display_name", "email", "password", "confirm",
    "current", "timezone", "role", "team_id", "points", "reason", "daily_cap",
    "cooldown_seconds", "active", "target", "metric", "starts_on", "ends_on", "start", "end",
    "caption", "network", "url", "tags", "q", "query", "category", "status", "phase",
    "prompt", "scope", "due_on", "module_id", "path_id", "option", "options", "answer",
    "text", "note", "headline", "bio", "followers", "icon", "colour", "color", "criteria",
    "threshold", "kind", "value", "publish_at", "audience", "teams", "next", "weekday_only",
    "hide_from_boards", "budget", "markdown", "content", "frequency", "quiet_start",
    "quiet_end", "position", "order", "ids", "format", "file", "unknown_field",
]  # fmt: skip
HOSTILE = [
    "", " ", "0", "-1", "99999999999999999999", "1e309", "NaN", "null", "true", "[]", "{}",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "javascript:alert(1)",
    "' OR 1=1 --", "%s%s%s", "../../etc/passwd", "\x00", "\ud7ff", "😀" * 50,
    "=HYPERLINK(\"http://evil.example\")", "a" * 5000, "2026-13-45", "25:99",
    "https://evil.example/", "//evil.example", "-2147483649",
]  # fmt: skip
values = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=300))
forms = st.dictionaries(st.sampled_from(FIELDS), st.one_of(values, st.lists(values, max_size=3)))


def _post_routes() -> list[tuple[str, str]]:
    app = create_app("test")
    return sorted(
        (rule.endpoint, rule.rule)
        for rule in app.url_map.iter_rules()
        if "POST" in (rule.methods or set()) and rule.endpoint not in {"auth.logout", "static"}
    )


def _fill(rule: str, number: int) -> str:
    path = re.sub(r"<int:[a-z_]+>", str(number), rule)
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "not-a-token", path)


@pytest.fixture
def demo(app) -> None:  # type: ignore[no-untyped-def]
    from portal.demo import load_demo_data

    with app.app_context():
        load_demo_data()
        db.session.commit()


def _fuzz(client, endpoint: str, rule: str, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    @settings(max_examples=3, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(data=forms, number=st.sampled_from([1, 2, 999999]))
    def post(data: dict[str, object], number: int) -> None:
        path = _fill(rule, number)
        try:
            status = client.post(path, data=data).status_code
        except Exception as exc:  # the test app propagates errors: they are 500s
            failures.append(f"{endpoint} {path}: {type(exc).__name__}: {exc} with {data!r:.200}")
            return
        if status >= 500:
            failures.append(f"{endpoint} {path}: {status} with {data!r:.200}")

    post()


def test_no_form_makes_any_post_route_fail(client, auth, demo):
    failures: list[str] = []
    for endpoint, rule in _post_routes():
        auth.login("admin@example.com", "beacon-demo-password")
        _fuzz(client, endpoint, rule, failures)
    assert not failures, "\n".join(failures[:30])


def test_oversized_body_is_refused_with_413(client, auth, demo):
    auth.login("admin@example.com", "beacon-demo-password")

    response = client.post("/settings/profile", data={"display_name": "x" * (3 * 1024 * 1024)})

    assert response.status_code == 413


def test_query_strings_on_every_page_never_fail(client, auth, demo):
    app = create_app("test")
    pages = sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint != "static"
    )
    auth.login("admin@example.com", "beacon-demo-password")
    failures = []
    for rule in pages:
        for query in (
            "page=-1&q=%00&period=%3Cx%3E&scope=x",
            "page=99999999999999999999&sort=';--",
        ):
            try:
                response = client.get(f"{_fill(rule, 1)}?{query}")
                response.get_data()  # run streamed bodies to the end
                response.close()
            except Exception as exc:  # the test app propagates errors: they are 500s
                failures.append(f"{rule}?{query}: {type(exc).__name__}: {exc}")
                continue
            if response.status_code >= 500:
                failures.append(f"{rule}?{query}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_a_nul_character_in_a_query_or_form_is_a_400(client, auth, demo):
    auth.login("admin@example.com", "beacon-demo-password")

    assert client.get("/admin/people?q=%00").status_code == 400
    assert client.get("/content?q=a%00b").status_code == 400
    response = client.post(
        "/settings/profile", data={"display_name": "Al\x00ex", "timezone": "UTC"}
    )
    assert response.status_code == 400
    assert client.get("/admin/people?q=alex").status_code == 200
