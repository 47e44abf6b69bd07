"""Through the real UI: an admin invites someone, the email arrives, the link makes an account."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.conftest import body_text
from tests.e2e.conftest import log_in

ADMIN = "admin@example.com"
NEWCOMER = "robin.fischer@example.com"
NEW_PASSWORD = "a long and happy password"  # noqa: S105


def test_admin_invites_a_colleague_who_joins_from_the_emailed_link(
    demo, worker, mailbox, new_context, console_errors
):
    # The admin logs in and goes to the invite page from the home page.
    admin = new_context().new_page()
    log_in(admin, ADMIN, DEMO_PASSWORD)
    expect(admin.get_by_role("heading", level=1)).to_have_text("Hello, Alex")
    admin.get_by_role("link", name="Invite someone").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Invite someone")
    expect(admin).to_have_url(re.compile(r"/invite$"))

    # ...invites a new colleague to Engineering.
    admin.get_by_label("Email", exact=True).fill(NEWCOMER)
    admin.get_by_label("Team", exact=True).select_option(label="Engineering")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.locator("#toasts")).to_contain_text(f"Invitation sent to {NEWCOMER}.")
    pending = admin.get_by_role("region", name="Waiting for an answer")
    expect(pending).to_contain_text(NEWCOMER)
    expect(pending).to_contain_text("Engineering")

    # The real worker sends the email through the SMTP server.
    msg = mailbox.wait_for(NEWCOMER)
    assert msg["Subject"] == "Alex Morgan invited you to Beacon"
    text = body_text(msg)
    assert "Engineering" in text
    links = re.findall(r"https?://\S+/invitations/\S+", text)
    assert len(links) == 1, text
    path = urlsplit(links[0]).path
    assert re.fullmatch(r"/invitations/[\w.-]+", path), path

    # The newcomer opens the link, logged out, in their own browser.
    newcomer = new_context().new_page()
    response = newcomer.goto(path)
    assert response is not None and response.status == 200
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Join Beacon")
    expect(newcomer.get_by_role("main")).to_contain_text(f"You were invited as {NEWCOMER}")
    newcomer.get_by_label("Your name", exact=True).fill("Robin Fischer")
    newcomer.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_label("Repeat the password", exact=True).fill(NEW_PASSWORD)
    newcomer.get_by_role("button", name="Join Beacon").click()

    # ...and lands on the home page, in the Engineering team, logged in.
    expect(newcomer.get_by_role("heading", level=1)).to_have_text("Hello, Robin")
    expect(newcomer.get_by_role("main")).to_contain_text("You're part of Engineering.")
    expect(newcomer.get_by_role("region", name="Your team")).to_contain_text("Jordan Lee")
    expect(newcomer.locator("#toasts")).to_contain_text("Welcome to Beacon, Robin Fischer!")
    expect(newcomer).to_have_url(re.compile(r"/$"))
    assert console_errors == []

    # The link works once: opened again anywhere, it says so.
    again = new_context().new_page()
    response = again.goto(path)
    assert response is not None and response.status == 410
    expect(again.get_by_role("heading", level=1)).to_have_text("This link was already used")
    expect(again.get_by_label("New password")).to_have_count(0)


def test_keyboard_login_and_active_search_without_a_page_reload(demo, page, console_errors):
    response = page.goto("/login")
    assert response is not None
    csp = response.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp

    # Keyboard only: the email field has the focus, Tab moves on, Enter submits.
    email = page.get_by_label("Email", exact=True)
    expect(email).to_be_focused()
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password", exact=True)).to_be_focused()
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Alex")

    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_text("Manage", exact=True).click()  # admin pages live in the Manage menu
    nav.get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    rows = page.locator("#people-results tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.filter(has_text="Sam Carter")).to_have_count(1)

    # Active search swaps the results in place: same document, URL pushed by htmx.
    assert page.evaluate("typeof window.htmx") == "object"
    page.evaluate("window.__sameDocument = true")
    page.get_by_role("searchbox", name="Search by name or email").click()
    page.keyboard.type("jordan")
    expect(page).to_have_url(re.compile(r"/admin/people\?q=jordan$"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Jordan Lee")
    expect(rows.filter(has_text="Sam Carter")).to_have_count(0)
    expect(page.locator("#people-results")).to_contain_text("1 person matching “jordan”")
    assert page.evaluate("window.__sameDocument") is True

    assert console_errors == []
