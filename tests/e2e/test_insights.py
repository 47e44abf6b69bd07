"""Insights in Chromium: changing the date range swaps the dashboard and its charts in place."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.db import utcnow
from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import log_in


def _loaded(page, selector: str) -> bool:  # type: ignore[no-untyped-def]
    return bool(
        page.evaluate(
            "(s) => { const i = document.querySelector(s); return i.complete && i.naturalWidth > 0; }",
            selector,
        )
    )


def test_changing_the_date_range_updates_the_charts(demo, new_context, console_errors):
    page = new_context(reduced_motion="reduce").new_page()
    log_in(page, "admin@example.com", DEMO_PASSWORD)

    page.get_by_role("link", name="Insights", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Company insights")
    image = page.locator("#chart-shares img")
    rows = page.locator("#chart-shares tbody tr")
    expect(rows).to_have_count(30)
    page.wait_for_function("() => document.querySelector('#chart-shares img').complete")
    assert _loaded(page, "#chart-shares img")
    before = image.get_attribute("src")
    assert before is not None and "days=30" in before
    marker = page.evaluate("() => (window.__sameDocument = Math.random())")

    picker = page.get_by_label("Period")
    picker.focus()
    picker.select_option("7")

    expect(page.locator("#insights-period")).to_contain_text("(7 days, UTC)")
    expect(rows).to_have_count(7)
    expect(image).to_have_attribute("src", re.compile(r"days=7"))
    page.wait_for_function("() => document.querySelector('#chart-shares img').complete")
    assert _loaded(page, "#chart-shares img")
    alt = image.get_attribute("alt") or ""
    assert alt.startswith("Shares by network. Shares per day, ")
    assert page.evaluate("() => window.__sameDocument") == marker  # swapped, not reloaded
    assert page.evaluate("() => document.activeElement.id") == "range-days"  # focus kept
    assert "days=7" in page.url

    # A custom start date: the picker switches to custom dates.
    start = (utcnow() - timedelta(days=13)).date()
    page.get_by_label("From").fill(start.isoformat())
    expect(page.locator("#insights-period")).to_contain_text("(14 days, UTC)")
    expect(page.get_by_label("Period")).to_have_value("custom")
    expect(image).to_have_attribute("src", re.compile(rf"start={start.isoformat()}"))

    # The numbers behind a chart, one click away.
    page.locator("#chart-shares summary").click()
    expect(page.locator("#chart-shares table")).to_be_visible()
    assert console_errors == []


INSIGHTS_PAGES = {
    "sam@example.com": ["/insights/me"],
    "leader@example.com": ["/insights/", "/insights/goals", "/insights/segments"],
    "admin@example.com": [
        "/insights/company",
        "/insights/segments",
        "/insights/goals",
        "/insights/exports",
        "/insights/settings",
        "/insights/privacy",
    ],
}


@pytest.mark.parametrize("width", [1280, 390])
def test_the_insights_pages_pass_the_audit(app, demo, new_context, console_errors, width):
    from sqlalchemy import select

    from portal.accounts.models import User
    from portal.db import db
    from tests.e2e.test_screens import AUDIT_JS

    with app.app_context():
        sam_id = db.session.scalar(select(User.id).where(User.email == "sam@example.com"))
    pages = INSIGHTS_PAGES | {
        "admin@example.com": [
            *INSIGHTS_PAGES["admin@example.com"],
            f"/insights/privacy/people/{sam_id}",
        ]
    }
    problems: dict[str, list[str]] = {}
    for email, paths in pages.items():
        context = new_context(
            viewport={"width": width, "height": 900}, reduced_motion="reduce", is_mobile=width < 500
        )
        page = context.new_page()
        log_in(page, email, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            page.wait_for_load_state("networkidle")
            found = page.evaluate(AUDIT_JS)
            if found:
                problems[f"{email} {path}"] = found
            assert page.evaluate(
                "() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)"
            ), f"a chart did not load on {path}"
        context.close()
    assert problems == {}
    assert console_errors == []
