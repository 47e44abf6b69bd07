"""Two people on one board during a live session see each other's ideas and votes arrive live."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from portal.accounts.services import get_user_by_email
from portal.boards import services
from portal.db import db, utcnow
from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in

LIVE = 10_000  # ms: the board polls every 3 s during a session


def _live_board(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        admin = get_user_by_email("admin@example.com")
        assert admin is not None
        now = utcnow()
        board = services.create_board(
            admin,
            services.BoardSettings(
                "What should we try next quarter?", session_at=now - timedelta(minutes=1)
            ),
            now - timedelta(minutes=2),
        )
        db.session.commit()
        return board.id


def test_two_people_see_each_others_ideas_and_votes_live(app, demo, new_context, console_errors):
    board_id = _live_board(app)
    sam = new_context().new_page()
    jordan = new_context().new_page()
    for page, email in ((sam, "sam@example.com"), (jordan, "jordan@example.com")):
        log_in(page, email, DEMO_PASSWORD)
        page.goto(f"/boards/{board_id}")
        expect(page.get_by_text("Live session now")).to_be_visible()
    same_page = {
        p: p.evaluate("() => (window.__sameDocument = Math.random())") for p in (sam, jordan)
    }

    # Sam is halfway through typing an idea when Jordan posts one.
    sam_title = sam.get_by_label("Your idea")
    sam_title.fill("Half-typed thou")
    jordan.get_by_label("Your idea").fill("Record the lunch talks")
    jordan.get_by_label("Tags").fill("video")
    jordan.get_by_role("button", name="Post idea").click()
    expect(jordan.locator("#idea-list")).to_contain_text("Record the lunch talks")
    expect(jordan.get_by_label("Your idea")).to_have_value("")  # a fresh form for the next one

    # Sam's board shows it without a reload, and Sam's words and focus are untouched.
    expect(sam.locator("#idea-list")).to_contain_text("Record the lunch talks", timeout=LIVE)
    expect(sam_title).to_have_value("Half-typed thou")
    expect(sam_title).to_be_focused()
    sam_title.press_sequentially("ght")
    expect(sam_title).to_have_value("Half-typed thought")

    # Sam votes with one click; Jordan sees the count change live.
    sam.get_by_role("button", name="Vote for “Record the lunch talks”").click()
    sam_card = sam.locator(".idea-card", has_text="Record the lunch talks")
    expect(sam_card.get_by_text("You voted")).to_be_visible()
    expect(sam_card.locator(".vote__count")).to_have_text("1 vote")
    jordan_card = jordan.locator(".idea-card", has_text="Record the lunch talks")
    expect(jordan_card.locator(".vote__count")).to_have_text("1 vote", timeout=LIVE)
    expect(jordan_card.get_by_text("You voted")).to_have_count(0)

    # Jordan votes too, and Sam sees two; Sam's own marker stays.
    jordan.get_by_role("button", name="Vote for “Record the lunch talks”").click()
    expect(jordan_card.locator(".vote__count")).to_have_text("2 votes")
    expect(sam_card.locator(".vote__count")).to_have_text("2 votes", timeout=LIVE)
    expect(sam_card.get_by_text("You voted")).to_be_visible()

    # Sam finally posts the idea; it reaches Jordan live as well.
    sam.get_by_role("button", name="Post idea").click()
    expect(jordan.locator("#idea-list")).to_contain_text("Half-typed thought", timeout=LIVE)

    for page, marker in same_page.items():  # all of it without a page load
        assert page.evaluate("() => window.__sameDocument") == marker
    assert console_errors == []
