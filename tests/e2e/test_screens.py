"""Every main screen: a full-page screenshot for a human to look at, plus checks a machine can do.

Screenshots go to test-artifacts/screens/. Each screen must have one <h1>, one
<main>, a titled document, unique ids, a label for every form control, a name
for every button and link, no horizontal scrolling and no console errors.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from portal.demo import DEMO_PASSWORD
from tests.e2e.conftest import ARTIFACTS, log_in

SCREENS = ARTIFACTS / "screens"
PHONE = {"width": 390, "height": 844}

# Returns a list of problems found on the current page.
AUDIT_JS = """
() => {
  const problems = [];
  const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  const text = (el) => (el ? (el.innerText || el.textContent || "").trim() : "");
  const byIds = (ids) =>
    ids.split(/\\s+/).map((id) => text(document.getElementById(id))).join(" ").trim();
  const name = (el) =>
    (el.getAttribute("aria-labelledby") && byIds(el.getAttribute("aria-labelledby"))) ||
    (el.getAttribute("aria-label") || "").trim() ||
    Array.from(el.labels || []).map(text).join(" ").trim() ||
    (el.getAttribute("title") || "").trim();

  const h1 = document.querySelectorAll("h1");
  if (h1.length !== 1) problems.push(`${h1.length} <h1> elements`);
  const mains = document.querySelectorAll("main, [role=main]");
  if (mains.length !== 1) problems.push(`${mains.length} main landmarks`);
  if (!document.documentElement.lang) problems.push("no lang on <html>");
  if (!/ · Beacon$/.test(document.title)) problems.push(`title ${JSON.stringify(document.title)}`);

  const seen = new Map();
  for (const el of document.querySelectorAll("[id]")) seen.set(el.id, (seen.get(el.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) problems.push(`id ${JSON.stringify(id)} used ${n} times`);

  for (const el of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!name(el)) problems.push(`unlabelled ${el.tagName.toLowerCase()} name=${el.name}`);
  }
  for (const el of document.querySelectorAll("button, a[href], summary")) {
    if (visible(el) && !text(el) && !name(el)) {
      problems.push(`nameless ${el.outerHTML.slice(0, 80)}`);
    }
  }
  const overflow = document.documentElement.scrollWidth - document.documentElement.clientWidth;
  if (overflow > 0) problems.push(`scrolls sideways by ${overflow}px`);

  // Text wider than its own box (that does not scroll): report the innermost such box.
  const spilling = Array.from(document.querySelectorAll("main *")).filter(
    (el) => el.clientWidth > 0 && getComputedStyle(el).overflowX === "visible" &&
      el.scrollWidth > el.clientWidth + 2 && text(el)
  );
  for (const el of spilling) {
    if (spilling.some((other) => other !== el && el.contains(other))) continue;
    const cls = el.className ? "." + el.className.split(" ")[0] : "";
    const what = `<${el.tagName.toLowerCase()}${cls}>`;
    problems.push(`${what} overflows its box by ${el.scrollWidth - el.clientWidth}px: ` +
      JSON.stringify(text(el).slice(0, 40)));
  }
  return problems;
}
"""


# What the audit finds today (app bugs, reported to the app's owners), by screen and
# message prefix. Each must still be found: once fixed, remove its entry.
KNOWN_PROBLEMS: dict[str, list[str]] = {}


def shoot(page: Any, name: str, problems: dict[str, list[str]]) -> None:
    """Screenshot the current page and record what the audit finds on it beyond the known."""
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(SCREENS / f"{name}.png"), full_page=True)
    found: list[str] = page.evaluate(AUDIT_JS)
    known = KNOWN_PROBLEMS.get(name, [])
    new = [p for p in found if not any(p.startswith(k) for k in known)]
    fixed = [
        f"fixed (remove from KNOWN_PROBLEMS): {k}"
        for k in known
        if not any(p.startswith(k) for p in found)
    ]
    if new or fixed:
        problems[name] = new + fixed


def test_screens(demo, new_context, console_errors):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}

    page = new_context(reduced_motion="reduce").new_page()
    page.goto("/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in to Beacon")
    shoot(page, "login", problems)

    log_in(page, "admin@example.com", DEMO_PASSWORD)
    for name, path, heading in [
        ("home-admin", "/", "Hello, Alex"),
        ("people", "/admin/people", "People"),
        ("invite", "/invite", "Invite someone"),
        ("settings", "/settings/", "Settings"),
    ]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        shoot(page, name, problems)
    assert console_errors == []

    response = page.goto("/no-such-page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("We couldn't find that page")
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()  # the logged-in frame
    shoot(page, "404-logged-in", problems)
    assert [e for e in console_errors if "status of 404" not in e] == []
    console_errors.clear()

    phone = new_context(viewport=PHONE, is_mobile=True, has_touch=True, reduced_motion="reduce")
    small = phone.new_page()
    small.goto("/login")
    expect(small.get_by_role("heading", level=1)).to_have_text("Log in to Beacon")
    shoot(small, "login-390", problems)
    log_in(small, "admin@example.com", DEMO_PASSWORD)
    small.goto("/")
    expect(small.get_by_role("navigation", name="Main")).to_be_hidden()  # folded into "Menu"
    shoot(small, "home-390", problems)
    small.get_by_text("Menu", exact=True).click()
    expect(small.get_by_role("navigation", name="Main")).to_be_visible()
    shoot(small, "home-390-menu", problems)
    small.goto("/admin/people")
    shoot(small, "people-390", problems)

    assert problems == {}
    assert console_errors == []


def test_home_reached_by_logging_in_has_the_app_layout(demo, page):
    """A boosted swap replaces the body's content, so the layout class must live inside it."""
    log_in(page, "admin@example.com", DEMO_PASSWORD)
    SCREENS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENS / "home-after-login-form.png"), full_page=True)
    expect(page.locator("body > .page")).to_have_class(re.compile(r"\blayout-app\b"), timeout=2_000)


def test_a_boosted_link_to_a_missing_page_shows_the_404_page(demo, page):
    """htmx is configured to swap error pages in, so a dead link shows the 404 page."""
    log_in(page, "admin@example.com", DEMO_PASSWORD)
    page.goto("/invite")
    # A stale link inside the app, as an old bookmark or a deleted person's page would be.
    page.evaluate(
        """() => {
          const a = document.createElement("a");
          a.href = "/admin/people/999999";
          a.textContent = "Old link";
          document.querySelector("main").append(a);
          htmx.process(a);
        }"""
    )
    page.get_by_role("link", name="Old link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "We couldn't find that page", timeout=2_000
    )


# Every section's main pages, for the person who uses them, on a desktop and a phone.
SECTION_PAGES: dict[str, list[tuple[str, str]]] = {
    "sam@example.com": [
        ("learn", "/learn/"),
        ("share", "/content/"),
        ("boards", "/boards/"),
        ("bulletins", "/bulletins/"),
        ("leaderboard", "/leaderboard"),
        ("leagues", "/leagues"),
        ("challenges", "/challenges/"),
        ("badges", "/badges"),
        ("points", "/points"),
        ("notifications", "/notifications"),
        ("notification-settings", "/settings/notifications"),
        ("profile-edit", "/profile/edit"),
        ("guidelines", "/guidelines"),
    ],
    "admin@example.com": [
        ("content-library", "/content/library/"),
        ("bulletins-manage", "/bulletins/manage"),
        ("admin-guidelines", "/admin/guidelines"),
        ("admin-points", "/admin/points"),
        ("admin-badges", "/admin/badges"),
        ("admin-deliveries", "/admin/deliveries"),
        ("authoring", "/author/"),
    ],
}


@pytest.mark.parametrize("width", [1280, 390])
def test_every_section_passes_the_audit(demo, new_context, console_errors, width):
    SCREENS.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}
    for email, pages in SECTION_PAGES.items():
        context = new_context(
            viewport={"width": width, "height": 900}, reduced_motion="reduce", is_mobile=width < 500
        )
        page = context.new_page()
        log_in(page, email, DEMO_PASSWORD)
        for name, path in pages:
            response = page.goto(path)
            assert response is not None and response.status == 200, path
            shoot(page, f"{name}-{width}", problems)
        context.close()
    assert problems == {}
    assert console_errors == []
