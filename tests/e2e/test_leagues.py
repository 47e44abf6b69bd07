"""The leagues page in a real Chromium: the cohort, its refresh in place, and a phone-sized audit."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal.accounts.models import User
from portal.db import db, utcnow
from portal.gamification import leagues
from portal.gamification.league_rules import week_of
from tests.conftest import PASSWORD
from tests.e2e.conftest import log_in
from tests.e2e.test_screens import AUDIT_JS, PHONE
from tests.gamification.league_factories import crowd, play, seat


def _silver_week(app, people) -> tuple[str, list[int]]:  # type: ignore[no-untyped-def]
    """Vera and eleven others in a Silver league this week: her email and the others' ids."""
    vera = people.person(email="vera@example.com", name="Vera Viewer")
    with app.app_context():
        now = utcnow()
        before = week_of(now - timedelta(days=14))
        others = crowd(11, prefix="o")
        viewer = db.session.get_one(User, vera.id)
        for i, person in enumerate([viewer, *others]):
            seat(person, 2, week=before)
            play(person, 300 if person is viewer else 10 * (i + 1), now - timedelta(seconds=i))
        db.session.commit()
        return vera.email, [p.id for p in others]


def test_the_league_table_refreshes_in_place(app, people, new_context, console_errors):
    email, others = _silver_week(app, people)
    page = new_context(reduced_motion="reduce").new_page()
    log_in(page, email, PASSWORD)

    page.get_by_role("link", name="Compete").click()
    page.get_by_role("navigation", name="Compete").get_by_role("link", name="Leagues").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Leagues")
    expect(page.get_by_role("heading", name="Silver league")).to_be_visible()
    me = page.locator("tr[aria-current=true]")
    expect(me).to_contain_text("Vera Viewer")
    expect(me).to_contain_text("1")
    expect(page.get_by_text("In the promotion zone")).to_be_visible()

    with app.app_context():  # someone overtakes Vera
        rival = db.session.get(User, others[0])
        assert rival is not None
        leagues.add_league_xp(rival, 1000, utcnow())
        db.session.commit()
    # What the 45 s poll does: ask for the fragment and swap it in.
    page.evaluate("htmx.ajax('GET', '/leagues', {target: '#league-standings', swap: 'outerHTML'})")

    expect(page.locator("tr[aria-current=true] .league-row__rank")).to_have_text("2")
    expect(page.locator("tbody tr.league-row").first).to_contain_text("O Person 0")
    expect(page.locator("#league-standings")).to_have_count(1)
    assert page.evaluate(AUDIT_JS) == []
    assert console_errors == []


def test_the_league_page_on_a_phone(app, people, new_context, console_errors):
    email, _ = _silver_week(app, people)
    page = new_context(
        viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce"
    ).new_page()
    log_in(page, email, PASSWORD)

    page.goto("/leagues")

    expect(page.get_by_role("heading", name="Silver league")).to_be_visible()
    assert page.evaluate(AUDIT_JS) == []
    assert console_errors == []
