"""The bell in the header counts a new notification without a reload, and leads to it."""

from __future__ import annotations

from playwright.sync_api import expect

from portal.accounts.models import User
from portal.db import db
from portal.demo import DEMO_PASSWORD
from portal.notifications.services import notify, unread_count
from tests.e2e.conftest import log_in

SAM = "sam@example.com"


def test_the_bell_count_changes_when_a_notification_arrives(app, demo, page, console_errors):
    previous = app.config.get("NOTIFICATIONS_POLL_SECONDS")
    app.config["NOTIFICATIONS_POLL_SECONDS"] = 1  # poll every second instead of every 20
    try:
        log_in(page, SAM, DEMO_PASSWORD)
        bell = page.locator("#bell")
        with app.app_context():
            sam = db.session.query(User).filter_by(email=SAM).one()
            before = unread_count(sam.id)
        expect(bell.get_by_role("link")).to_have_accessible_name(
            f"Notifications, {before} unread" if before else "Notifications, none unread"
        )
        page.evaluate("window.__noReload = true")

        with app.app_context():
            notify(
                [sam.id],
                "nudge",
                "Time for a short lesson",
                "/learn/",
                subject="learning",
                period="e2e",
                body="A nudge from Lee.",
            )
            db.session.commit()

        expect(bell.locator(".bell__count")).to_have_text(str(before + 1), timeout=10_000)
        expect(bell.get_by_role("link")).to_have_accessible_name(
            f"Notifications, {before + 1} unread"
        )
        assert page.evaluate("window.__noReload === true"), "the page was reloaded"

        # The bell leads to the list; opening the notification reads it and goes to its page.
        bell.get_by_role("link").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Notifications")
        page.get_by_role("link", name="Time for a short lesson").click()
        expect(page).to_have_url(f"{page.url.split('/notifications')[0]}/learn/")
        if before == 0:
            expect(page.locator("#bell .bell__count")).to_have_count(0)
        else:
            expect(page.locator("#bell .bell__count")).to_have_text(str(before))
    finally:
        if previous is None:
            app.config.pop("NOTIFICATIONS_POLL_SECONDS", None)
        else:
            app.config["NOTIFICATIONS_POLL_SECONDS"] = previous
    assert console_errors == []
