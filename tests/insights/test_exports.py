"""CSV exports: their columns, escaping against formula injection, ranges, and who sees what."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from portal.advocacy.models import Share
from portal.db import db, utcnow
from portal.gamification.points import adjust_points
from portal.insights.exports import safe_cell
from portal.insights.rollups import recompute
from portal.insights.segments import compute
from tests.insights.factories import NOW, build_world, day

RANGE = {"start": day(0).isoformat(), "end": day(6).isoformat()}
HEADERS = {
    "people": [
        "person_id", "name", "email", "team", "role", "status", "joined_on", "segment",
        "active_days", "shares", "clicks", "lessons_completed", "quizzes_passed", "ideas",
        "points",
    ],
    "shares": ["shared_at", "person_id", "name", "email", "team", "item_id", "title", "network",
               "caption"],
    "clicks": ["clicked_at", "person_id", "name", "team", "item_id", "title", "network"],
    "completions": ["completed_at", "person_id", "name", "email", "team", "kind", "id", "title",
                    "score"],
    "points": ["awarded_at", "person_id", "name", "email", "team", "action", "subject", "points",
               "reason"],
}  # fmt: skip


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://evil")', '\'=HYPERLINK("http://evil")'),
        ("+1+1", "'+1+1"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTab", "'\tTab"),
        ("\rReturn", "'\rReturn"),
        ("Plain text - with a dash", "Plain text - with a dash"),
        ("a=b", "a=b"),
        (-5, -5),  # numbers are written as numbers
        (None, ""),
        (True, "yes"),
    ],
)
def test_cells_that_look_like_formulas_are_quoted(value, cell):
    assert safe_cell(value) == cell


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    recompute(day(0), day(6), now=NOW)
    compute(NOW)
    db.session.commit()
    return built


def _csv(client, kind: str, **args: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    response = client.get(f"/insights/exports/{kind}.csv", query_string=RANGE | args)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="beacon-')
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    header = next(reader)
    assert header == HEADERS[kind]
    return [dict(zip(header, row, strict=True)) for row in reader]


def test_every_export_has_its_columns_and_rows(world, client, auth):
    auth.login("admin@example.com")

    people = _csv(client, "people")
    shares = _csv(client, "shares")
    clicks = _csv(client, "clicks")
    completions = _csv(client, "completions")
    points = _csv(client, "points")

    ana = next(p for p in people if p["name"] == "Ana")
    assert [ana[k] for k in ("team", "active_days", "shares", "clicks")] == ["Blue", "2", "3", "4"]
    eve = next(p for p in people if p["name"] == "Eve")
    assert (eve["segment"], eve["active_days"], eve["points"]) == ("Not yet engaged", "0", "0")
    assert len(people) == 6
    assert [(s["name"], s["network"]) for s in shares] == [
        ("Ana", "LinkedIn"), ("Ana", "X"), ("Ana", "LinkedIn"), ("Cat", "Facebook"),
    ]  # fmt: skip
    assert shares[0]["shared_at"] == "2026-11-03T09:00:00+00:00"
    assert shares[0]["caption"] == "Worth a read"
    assert sorted(c["network"] for c in clicks) == ["Facebook"] + ["LinkedIn"] * 3 + ["X"]
    assert "visitor" not in "".join(clicks[0])  # no visitor data leaves Beacon
    assert [(c["name"], c["kind"], c["title"], c["score"]) for c in completions] == [
        ("Ben", "lesson", "Lesson", "80"),
        ("Ben", "lesson", "Lesson", "60"),
    ]
    assert completions[0]["completed_at"] == "2026-11-04T09:00:00+00:00"
    assert {p["action"] for p in points} == {"content_shared", "share_clicked"}
    assert sum(int(p["points"]) for p in points if p["name"] == "Ana") == int(ana["points"])


def test_the_range_limits_the_rows(world, client, auth):
    auth.login("admin@example.com")

    shares = _csv(client, "shares", start=day(3).isoformat(), end=day(3).isoformat())

    assert [s["shared_at"] for s in shares] == ["2026-11-05T23:59:59+00:00"]


def test_formulas_in_names_captions_and_reasons_are_quoted(world, client, auth):
    ana, admin = world.user("ana"), world.user("admin")
    ana.display_name = '=HYPERLINK("http://evil.example","Click")'
    for share, caption in zip(
        db.session.scalars(select(Share).order_by(Share.id)), ["+1", "@cmd", "\tx"], strict=False
    ):
        share.caption = caption
    adjust_points(admin, ana, -5, "=2+5 (typo)")
    db.session.commit()
    auth.login("admin@example.com")

    shares = _csv(client, "shares")
    points = _csv(client, "points", end=utcnow().date().isoformat())

    assert shares[0]["name"] == '\'=HYPERLINK("http://evil.example","Click")'
    assert [s["caption"] for s in shares[:3]] == ["'+1", "'@cmd", "'\tx"]
    adjustment = next(p for p in points if p["action"] == "adjustment")
    assert (adjustment["points"], adjustment["reason"]) == ("-5", "'=2+5 (typo)")


def test_a_leader_exports_only_their_team(world, client, auth):
    auth.login("dan@example.com")

    people = _csv(client, "people", team=str(world.green))  # asking for Green changes nothing
    shares = _csv(client, "shares")
    clicks = _csv(client, "clicks")

    assert {p["name"] for p in people} == {"Ana", "Ben", "Dan"}
    assert {s["name"] for s in shares} == {"Ana"}
    assert {c["name"] for c in clicks} == {"Ana"}
    page = client.get("/insights/exports")
    assert page.status_code == 200
    assert "Green" not in page.get_data(as_text=True)


def test_an_admin_exports_one_team(world, client, auth):
    auth.login("admin@example.com")

    people = _csv(client, "people", team=str(world.green))

    assert {p["name"] for p in people} == {"Cat", "Eve"}
    assert client.get("/insights/exports/people.csv?team=999999").status_code == 404


def test_employees_cannot_export_and_unknown_exports_are_404(world, client, auth):
    auth.login("ana@example.com")
    assert client.get("/insights/exports/people.csv").status_code == 403
    auth.logout()
    auth.login("admin@example.com")
    assert client.get("/insights/exports/secrets.csv").status_code == 404
