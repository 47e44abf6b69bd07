"""Sharing in Chromium: the live caption check, then one click copies the caption and opens LinkedIn."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from portal.accounts.models import User
from portal.advocacy.models import Share, TrackedLink
from portal.db import db
from portal.demo import DEMO_PASSWORD
from tests.advocacy.factories import build_item, set_caption_rules
from tests.e2e.conftest import log_in

CAPTION = "Proud of what my team ships every week. Come and work with us! #employee"


def _acknowledge_guidelines(app, email: str) -> None:  # type: ignore[no-untyped-def]
    from portal.advocacy import guidelines

    with app.app_context():
        version = guidelines.current_version()
        if version is not None:
            me = db.session.scalar(select(User).where(User.email == email))
            guidelines.acknowledge(me, version.id)
            db.session.commit()


def test_live_check_then_share_copies_the_caption_and_opens_linkedin(
    app, demo, new_context, console_errors
):
    item_id = build_item(app, "Join our platform team", caption="We are hiring! #employee")
    set_caption_rules(app, blocked="Project Falcon", disclosure="#employee")
    _acknowledge_guidelines(app, "sam@example.com")
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    # No network here: LinkedIn's share page is answered by a stand-in.
    context.route(
        re.compile(r"^https://www\.linkedin\.com/.*"),
        lambda route: route.fulfill(status=200, content_type="text/html", body="<h1>LinkedIn</h1>"),
    )
    page = context.new_page()
    log_in(page, "sam@example.com", DEMO_PASSWORD)

    page.get_by_role("link", name="Share", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Share")).to_be_visible()
    page.get_by_role("link", name="Share “Join our platform team”").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Join our platform team")
    caption = page.get_by_label("Your caption for LinkedIn")
    expect(caption).to_have_value("We are hiring! #employee")
    share = page.get_by_role("button", name="Share on LinkedIn")
    expect(share).to_be_enabled()

    # Typing checks the caption live: a blocked term disables sharing ...
    caption.fill("Sneak peek of Project Falcon, coming soon")
    expect(page.get_by_text("Fix the caption before sharing")).to_be_visible()
    expect(page.get_by_text("Remove “Project Falcon”")).to_be_visible()
    expect(page.get_by_text("so readers know you work here")).to_be_visible()
    expect(share).to_be_disabled()
    # ... and a good caption enables it again.
    caption.fill(CAPTION)
    expect(page.get_by_text("Ready to share")).to_be_visible()
    expect(page.get_by_text(f"{len(CAPTION)} / 3,000 characters")).to_be_visible()
    expect(share).to_be_enabled()

    with context.expect_page() as opened:
        share.click()
    tab = opened.value
    tab.wait_for_url(re.compile(r"^https://www\.linkedin\.com/sharing/share-offsite/\?url="))
    tracked = parse_qs(urlsplit(tab.url).query)["url"][0]
    assert re.search(r"/s/[A-Za-z0-9_-]{11}$", tracked), tracked
    expect(tab.get_by_role("heading", name="LinkedIn")).to_be_visible()

    expect(page.get_by_text("Caption copied: paste it into your LinkedIn post.")).to_be_visible()
    assert page.evaluate("() => navigator.clipboard.readText()") == CAPTION

    with app.app_context():
        shares = db.session.scalars(select(Share)).all()
        assert [(s.item_id, s.network.value, s.caption) for s in shares] == [
            (item_id, "linkedin", CAPTION)
        ]
        link = db.session.get_one(TrackedLink, shares[0].link_id)
        assert tracked.endswith(f"/s/{link.code}")
    assert console_errors == []


def test_without_javascript_the_share_form_still_leads_to_linkedin(app, demo, new_context):
    item_id = build_item(app, "Graduate programme", caption="Know a graduate? #employee")
    _acknowledge_guidelines(app, "jordan@example.com")
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill("jordan@example.com")
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/content/{item_id}?network=facebook")
    page.get_by_role("button", name="Share on Facebook").click()
    expect(page.get_by_text("Your tracked link is ready.")).to_be_visible()
    link = page.get_by_role("link", name=re.compile(r"^Open Facebook"))
    href = link.get_attribute("href") or ""
    assert href.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert link.get_attribute("target") == "_blank"
    assert "/s/" in parse_qs(urlsplit(href).query)["u"][0]
