"""The home page: what a person sees first, in a bounded number of queries."""

from __future__ import annotations

from sqlalchemy import event

from portal.db import db
from portal.demo import DEMO_PASSWORD, load_demo_data


def _demo(app) -> None:  # type: ignore[no-untyped-def]
    with app.app_context():
        load_demo_data()
        db.session.commit()


def test_home_brings_every_part_together(app, client, auth):
    _demo(app)
    auth.login("sam@example.com", DEMO_PASSWORD)

    html = client.get("/").get_data(as_text=True)

    assert "Hello, Sam" in html
    assert "Level 1 · Newcomer" in html  # the demo gives Sam a few points, not a level
    assert "Learning streak" in html
    assert "Badges" in html
    assert "waits for your “Got it”" in html or "wait for your “Got it”" in html
    assert "Your team's challenges" in html and "Lesson sprint" in html
    assert "Something to share" in html
    assert "Brainstorming" in html


def test_home_costs_the_same_number_of_queries_however_much_there_is(app, client, auth):
    _demo(app)
    auth.login("sam@example.com", DEMO_PASSWORD)
    client.get("/")  # warm up: first-request work is not what we measure
    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)

    assert len(statements) < 60, "\n".join(statements)
