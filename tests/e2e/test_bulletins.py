"""Reading a bulletin in Chromium and pressing "Got it": the unread count drops without a reload."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in


def test_read_a_bulletin_and_press_got_it(app, demo, new_context, console_errors):
    page = new_context().new_page()
    log_in(page, "sam@example.com", DEMO_PASSWORD)
    count = page.locator("#nav-bulletins-unread")
    # Sam acknowledged the demo policy already; two bulletins are left.
    expect(count).to_have_text("2 (2 unread)")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name=re.compile(r"^Bulletins")).click()
    expect(page.get_by_role("heading", level=1, name="Bulletins")).to_be_visible()
    page.get_by_label("Search bulletins").fill("LinkedIn now favours")
    page.get_by_role(
        "link", name="LinkedIn now favours comments that start a real conversation"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "LinkedIn now favours comments that start a real conversation"
    )
    expect(page.get_by_role("heading", name="What to do")).to_be_visible()
    expect(page.get_by_role("link", name="Open the lesson")).to_be_visible()
    marker = page.evaluate("() => (window.__sameDocument = Math.random())")

    page.get_by_role("button", name="Got it").click()
    expect(page.get_by_role("heading", name="Acknowledged")).to_be_focused()
    expect(page.get_by_text("You acknowledged this on")).to_be_visible()
    expect(page.get_by_role("button", name="Got it")).to_have_count(0)
    expect(count).to_have_text("1 (1 unread)")
    expect(nav.get_by_role("link", name="Bulletins (1 unread)", exact=True)).to_be_visible()
    expect(page.locator(".toast", has_text="+5 points")).to_be_visible()
    assert page.evaluate("() => window.__sameDocument") == marker  # no reload

    # After a reload the count is still right, and the archive shows it acknowledged.
    page.reload()
    expect(count).to_have_text("1 (1 unread)")
    nav.get_by_role("link", name="Bulletins (1 unread)", exact=True).click()
    card = page.locator(".bulletin-card", has_text="LinkedIn now favours comments")
    expect(card.get_by_text("Acknowledged")).to_be_visible()
    assert console_errors == []
