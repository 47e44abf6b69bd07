"""Finishing a lesson in Chromium: points, the level-up and a badge arrive as toasts, no reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.accounts.models import User
from portal.accounts.services import get_user_by_email
from portal.db import db
from portal.demo import DEMO_PASSWORD
from portal.gamification.points import adjust_points, level_for, total_points
from tests.e2e.conftest import log_in
from tests.learning.factories import build_module


def test_finish_a_lesson_and_see_points_level_up_and_badge_without_reload(
    app, demo, new_context, console_errors
):
    built = build_module(app, "Badge practice", lessons=1, cards=2, questions=1)
    with app.app_context():
        sam = get_user_by_email("sam@example.com")
        admin = get_user_by_email("admin@example.com")
        assert isinstance(sam, User) and isinstance(admin, User)
        # Just short of level 2, which starts at 100 (the demo may have given some already).
        if (short := 90 - total_points(sam.id)) != 0:
            adjust_points(admin, sam, short, "Just short of level 2")
        db.session.commit()
        assert level_for(total_points(sam.id)).number == 1
    page = new_context().new_page()
    log_in(page, "sam@example.com", DEMO_PASSWORD)
    page.goto(f"/learn/lessons/{built.lesson_ids[0]}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Badge practice lesson 1")
    marker = page.evaluate("() => (window.__sameDocument = Math.random())")

    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Take the quiz").click()
    question = page.locator(".question").filter(has_text="Question 1 of lesson 1?")
    question.get_by_label("Right 1").check()
    question.get_by_role("button", name="Check answer").click()

    expect(page.get_by_text("You passed with 100%.")).to_be_visible()
    toasts = page.locator("#toasts")
    expect(toasts.locator(".toast", has_text=re.compile(r"^\+\d+ points"))).to_be_visible()
    expect(toasts.get_by_text("Level up! You are now level 2: Explorer.")).to_be_visible()
    expect(toasts.get_by_text("Badge earned: First lesson")).to_be_visible()
    # All of it arrived in the same document: no page load happened.
    assert page.evaluate("() => window.__sameDocument") == marker

    # The badge is there to show off, with its verifiable page.
    page.goto("/badges")
    earned = page.locator(".badge-card").filter(has_text="First lesson").first
    expect(earned.get_by_text("Earned", exact=False).first).to_be_visible()
    earned.get_by_role("link", name="Show and verify").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("First lesson")
    expect(page.locator("#main").get_by_text("Sam Carter")).to_be_visible()
    expect(page.get_by_role("link", name="Add to LinkedIn profile")).to_be_visible()
    assert console_errors == []
