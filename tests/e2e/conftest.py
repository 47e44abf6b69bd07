"""Browser tests: the session app served over real HTTP, driven by Debian's Chromium.

`live_server` serves the session `app` fixture from a thread (no fork, so the
test, the server and the worker all see the same database). `browser` is one
Chromium for the session; `new_context()` makes a fresh, logged-out browser
context per call and `page` is a page in one. Console errors and uncaught
page errors of every context a test makes are collected in `console_errors`.
Without /usr/bin/chromium the tests are skipped, or fail with `CI=true`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IS_CI, ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1280, "height": 900}
ARTIFACTS = ROOT / "test-artifacts"
E2E_DIR = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Every test under tests/e2e is an `e2e` test (deselect them with `-m "not e2e"`)."""
    for item in items:
        if E2E_DIR in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each phase's report on the item, so fixtures can tell a failed test."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The session app on http://127.0.0.1:<free port>, served by threads of this process."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="beacon-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


# --- the browser ------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium (Debian's; Playwright's own download is not used)."""
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IS_CI:
            pytest.fail(message, pytrace=False)
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors and uncaught exceptions of every page this test opened."""
    return []


@pytest.fixture
def new_context(
    browser: Any, live_server: str, console_errors: list[str], request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """Make fresh browser contexts (own cookies, 1280x900, base URL = live server).

    Contexts are closed when the test ends; if the test failed, a screenshot of
    each open page goes to test-artifacts/e2e/ first.
    """
    contexts: list[Any] = []

    def make(**options: Any) -> Any:
        options.setdefault("viewport", VIEWPORT)
        options.setdefault("base_url", live_server)
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        label = f"context {len(contexts) + 1}"

        def on_console(msg: Any) -> None:
            if msg.type == "error":
                console_errors.append(f"{label}: {msg.text} ({msg.location.get('url', '')})")

        def on_page(page: Any) -> None:
            page.on("pageerror", lambda exc: console_errors.append(f"{label}: uncaught {exc}"))

        context.on("console", on_console)
        context.on("page", on_page)
        contexts.append(context)
        return context

    yield make

    failed = getattr(request.node, "report_call", None)
    if failed is not None and failed.failed:
        folder = ARTIFACTS / "e2e"
        folder.mkdir(parents=True, exist_ok=True)
        for i, context in enumerate(contexts, 1):
            for j, page in enumerate(context.pages, 1):
                try:
                    page.screenshot(
                        path=str(folder / f"{request.node.name}-{i}-{j}.png"), full_page=True
                    )
                except Exception:  # noqa: BLE001, S112 - best effort, the test already failed
                    continue
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh, logged-out browser context."""
    return new_context().new_page()


# --- data and actions -------------------------------------------------------------------


@pytest.fixture
def demo(app) -> None:  # type: ignore[no-untyped-def]
    """The demo data (teams Marketing and Engineering, admin@example.com and three more)."""
    from portal.db import db
    from portal.demo import load_demo_data

    with app.app_context():
        load_demo_data()
        db.session.commit()


def log_in(page: Any, email: str, password: str) -> None:
    """Log in through the login form, as a person would, and wait for the home page."""
    from playwright.sync_api import expect

    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Hello,")).to_be_visible()
