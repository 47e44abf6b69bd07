"""Open redirects: every redirect that takes its target from a request stays on the site.

The routes come from the code: `test_every_redirect_is_reviewed` finds each call
of `redirect()` and `hx_redirect()` in `portal/` and fails for a function that
is not in `REDIRECTS` with how it picks its target, so a new one gets a look
(and, if it reads the request, a case below). Each case sends every attempt in
`ATTACKS` where the target comes from (a query string, a form field, a header,
a stored notification) and checks the `Location` and `HX-Redirect` headers,
and the links a page builds from the value.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import db
from tests.security.site import ADMIN, DEMO_PASSWORD, SAM, Site, forms_on, scan

ATTACKS = [
    "//evil.example",
    "///evil.example",
    "https://evil.example",
    "http://evil.example/",
    "HTTPS://evil.example",
    "http:evil.example",
    "https:/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "\\/evil.example",
    "/\\/evil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "/%5Cevil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "\t//evil.example",
    "\r\n//evil.example",
    "/\r\nLocation: https://evil.example",
    "//evil.example%0d%0aSet-Cookie:%20x=1",
    "//localhost@evil.example",
    "https://localhost@evil.example",
    "//evil.example\\@localhost",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "\u3002evil.example",
    "/\u2215evil.example",
]
SITE_HOST = "localhost"


def off_site(location: str) -> str | None:
    """Why a browser would leave the site (or run script) for `location`, else None.

    Mirrors how browsers read a Location: leading spaces and control characters
    are dropped, tabs and newlines anywhere are removed, and a backslash counts
    as a slash.
    """
    if not location:
        return None
    cleaned = re.sub(r"[\t\n\r]", "", location.lstrip("\x00\x01\x02\x03\x04\x05\x06\x07\x08"
                                                       "\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14"
                                                       "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d"
                                                       "\x1e\x1f \t\n\r"))  # fmt: skip
    cleaned = cleaned.replace("\\", "/")
    if cleaned.startswith("//"):
        return f"protocol-relative: {location!r}"
    parts = urlsplit(urljoin(f"https://{SITE_HOST}/a/b", cleaned))
    if parts.scheme not in ("http", "https"):
        return f"scheme {parts.scheme!r}: {location!r}"
    if parts.hostname != SITE_HOST:
        return f"host {parts.hostname!r}: {location!r}"
    return None


def test_the_check_itself():
    for bad in ["//evil.example", "/\\evil.example", "\\\\evil.example", "https://evil.example",
                " //evil.example", "/\t/evil.example".replace("/\t", "\t/"), "javascript:x",
                "http:evil.example"]:  # fmt: skip
        assert off_site(bad), bad
    for good in ["/", "/content/1?x=1", "/%2F%2Fevil.example", "/guidelines?next=//evil",
                 "http://localhost/x", "relative"]:  # fmt: skip
        assert off_site(good) is None, good


# --- which functions redirect, and how they choose where ----------------------------------

FIXED = "a url_for() target worked out before the call"
REDIRECTS: dict[str, str] = {
    "portal/__init__.py:unauthorized": "/login with next = this request's own path (or the "
    "htmx request's HX-Current-URL path), through safe_next: checked below",
    "portal/accounts/views.py:login": "next from the query string through safe_next: below",
    "portal/advocacy/guideline_views.py:acknowledge": "the form's next through safe_next: below",
    "portal/advocacy/views.py:share": "the guidelines page or the item's page, built by url_for",
    "portal/advocacy/views.py:remind": FIXED,
    "portal/advocacy/links.py:follow": "the content item's stored URL (http(s) only, checked "
    "when saved) with UTM parameters; nothing from the request: below",
    "portal/boards/views.py:vote": "the form's next through safe_next: below",
    "portal/gamification/badge_views.py:revoke": FIXED,
    "portal/insights/views.py:index": FIXED,
    "portal/notifications/views.py:open_notification": "the notification's stored path "
    "through safe_next: below",
    "portal/web/__init__.py:hx_redirect": "the helper itself: callers pass the target",
}


def _redirects_to_review() -> Iterator[str]:
    """`file:function` of each redirect whose target is not simply a `url_for(...)` call."""
    root = Path(__file__).resolve().parents[2]

    class Finder(ast.NodeVisitor):
        def __init__(self, path: str) -> None:
            self.path, self.stack, self.found = path, [""], set()

        def visit_FunctionDef(self, node: ast.FunctionDef) -> None:  # noqa: N802
            self.stack.append(node.name)
            self.generic_visit(node)
            self.stack.pop()

        def visit_Call(self, node: ast.Call) -> None:  # noqa: N802
            if isinstance(node.func, ast.Name) and node.func.id in ("redirect", "hx_redirect"):
                target = node.args[0] if node.args else None
                fixed = (
                    isinstance(target, ast.Call)
                    and isinstance(target.func, ast.Name)
                    and target.func.id == "url_for"
                    and not any(k.arg == "next" for k in target.keywords)
                )
                if not fixed:
                    self.found.add(f"{self.path}:{self.stack[-1]}")
            self.generic_visit(node)

    for path in sorted((root / "portal").rglob("*.py")):
        finder = Finder(str(path.relative_to(root)))
        finder.visit(ast.parse(path.read_text(), str(path)))
        yield from finder.found


def test_every_redirect_is_reviewed():
    found = set(_redirects_to_review())
    unknown = sorted(f for f in found if f not in REDIRECTS)
    assert not unknown, f"redirects nobody has checked for open redirects: {unknown}"
    gone = sorted(set(REDIRECTS) - found)
    assert not gone, f"reviewed redirects that no longer exist: {gone}"


# --- the cases ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    built = Site.build()
    yield built
    built.close()


def _targets(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [response.headers[h] for h in ("Location", "HX-Redirect") if h in response.headers]


def _check(label: str, response, failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    if response.status_code >= 500:
        failures.append(f"{label}: {response.status_code}")
    for target in _targets(response):
        if why := off_site(target):
            failures.append(f"{label}: {why}")
        # A login redirect carries the page to come back to: that must be local too.
        for value in parse_qs(urlsplit(target).query).get("next", []):
            if why := off_site(value):
                failures.append(f"{label}: next={why}")


def _query_forms(attack: str) -> list[str]:
    """The attack as the app should receive it, and as typed raw into a query string."""
    return [quote(attack, safe=""), attack.replace("\t", "%09").replace("\r", "%0d").replace(
        "\n", "%0a").replace(" ", "%20").replace("#", "%23").replace("&", "%26")]  # fmt: skip


def test_login_next(site):
    failures: list[str] = []
    logged_in = site.browser(SAM)
    for attack in ATTACKS:
        for raw in _query_forms(attack):
            _check(f"GET /login?next={raw}", logged_in.get(f"/login?next={raw}"), failures)
            fresh = site.anonymous()
            response = fresh.post(
                f"/login?next={raw}", data={"email": SAM, "password": DEMO_PASSWORD}
            )
            assert response.status_code == 303
            _check(f"POST /login?next={raw}", response, failures)
    assert not failures, "\n".join(failures)


def test_login_form_keeps_next_in_its_own_action_only(site):
    failures: list[str] = []
    for attack in ATTACKS:
        html = site.anonymous().get(f"/login?next={quote(attack, safe='')}").get_data(True)
        for form in forms_on(html):
            if why := off_site(form.action):
                failures.append(f"login form action: {why}")
        failures += [f"login page: {p}" for p in scan(html).problems]
    assert not failures, "\n".join(failures)


def _unacknowledge(site: Site) -> None:
    from portal.advocacy.guideline_models import GuidelineAcknowledgement

    with site.app.app_context():
        db.session.execute(GuidelineAcknowledgement.__table__.delete())
        db.session.commit()


def test_guidelines_next(site):
    failures: list[str] = []
    sam = site.browser(SAM)
    for attack in ATTACKS:
        for htmx in (False, True):
            _unacknowledge(site)
            html = sam.get(f"/guidelines?next={quote(attack, safe='')}").get_data(True)
            form = next(f for f in forms_on(html) if f.action == "/guidelines/acknowledge")
            headers = {"HX-Request": "true"} if htmx else {}
            response = sam.post(
                "/guidelines/acknowledge", data=form.data(next=attack), headers=headers
            )
            _check(f"acknowledge next={attack!r} htmx={htmx}", response, failures)
        # Acknowledged: the page offers a "Continue" link to `next` when it is a local path.
        html = sam.get(f"/guidelines?next={quote(attack, safe='')}").get_data(True)
        for href in re.findall(r'<a class="btn btn--primary" href="([^"]*)">Continue', html):
            if why := off_site(href):
                failures.append(f"guidelines continue link: {why}")
    assert not failures, "\n".join(failures)


def test_vote_next(site):
    failures: list[str] = []
    jordan = site.browser("jordan@example.com")
    for attack in ATTACKS:
        response = jordan.post("/boards/ideas/1/vote", data={"action": "toggle", "next": attack})
        _check(f"vote next={attack!r}", response, failures)
    assert not failures, "\n".join(failures)


def test_login_redirect_of_a_protected_page(site):
    """The page to come back to after logging in: this request's path or HX-Current-URL."""
    failures: list[str] = []
    for attack in ATTACKS:
        anonymous = site.anonymous()
        for headers in (
            {"HX-Request": "true", "HX-Current-URL": attack},
            {"HX-Request": "true", "HX-Current-URL": f"https://evil.example/{attack}"},
            {"HX-Request": "true", "HX-Current-URL": f"http://localhost/{attack}"},
        ):
            try:
                response = anonymous.get("/notifications/bell", headers=headers)
            except ValueError:  # a header value the test client itself refuses to send
                continue
            _check(f"bell with {headers}", response, failures)
        for path in (f"/{attack}", f"//{attack}", "/content/" + attack):
            # The raw path, as a server hands it over (the test client would parse it as a URL).
            wsgi_path = path.encode().decode("latin-1")  # WSGI's str-of-bytes
            response = anonymous.get("/", environ_overrides={"PATH_INFO": wsgi_path})
            _check(f"GET {path!r}", response, failures)
    assert not failures, "\n".join(failures)


def test_a_notification_opens_only_a_local_path(site):
    from portal.notifications.models import Notification

    failures: list[str] = []
    sam = site.browser(SAM)
    with site.app.app_context():
        sam_id = site.user_id(SAM)
        rows = [
            Notification(key=f"redirect-test-{n}", user_id=sam_id, kind="test", title="x", url=a)
            for n, a in enumerate(ATTACKS)
        ]
        db.session.add_all(rows)
        db.session.commit()
        ids = [r.id for r in rows]
    for notification_id, attack in zip(ids, ATTACKS, strict=True):
        response = sam.get(f"/notifications/{notification_id}/open")
        assert response.status_code == 303
        _check(f"notification url={attack!r}", response, failures)
    listing = sam.get("/notifications").get_data(True)
    failures += [
        f"notifications list: {why}"
        for href in re.findall(r'href="([^"]*)"', listing)
        if (why := off_site(href)) and "evil" in href
    ]
    assert not failures, "\n".join(failures)


def test_a_tracked_link_goes_only_to_its_stored_url(site):
    """Nothing in the query string, path or headers changes where /s/<code> goes."""
    from portal.accounts.services import get_user_by_email
    from portal.advocacy import sharing
    from portal.advocacy.models import ContentItem, Network, TrackedLink

    with site.app.app_context():
        link = db.session.scalars(select(TrackedLink).order_by(TrackedLink.id)).first()
        if link is None:
            item = db.session.scalars(select(ContentItem).order_by(ContentItem.id)).first()
            sam = get_user_by_email(SAM)
            assert item is not None and sam is not None
            link = sharing.record_share(sam, item, Network.LINKEDIN, "A caption #employee").link
            db.session.commit()
        code = link.code
        stored = db.session.get(ContentItem, link.item_id).url  # type: ignore[union-attr]
    visitor: FlaskClient = site.anonymous()
    plain = visitor.get(f"/s/{code}")
    assert plain.status_code == 302
    expected = plain.headers["Location"]
    assert expected.startswith(stored.split("?")[0])
    failures: list[str] = []
    for attack in ATTACKS:
        value = quote(attack, safe="")
        for query in (f"url={value}", f"next={value}", f"u={value}", f"to={value}",
                      f"redirect={value}", f"target={value}"):  # fmt: skip
            sendable = attack.isascii() and not re.search(r"[\r\n]", attack)
            headers = {"Referer": attack} if sendable else {}
            response = visitor.get(f"/s/{code}?{query}", headers=headers)
            if response.headers.get("Location") != expected:
                failures.append(f"/s/{code}?{query} went to {response.headers.get('Location')}")
        response = visitor.get(f"/s/{code}/{value}")
        if response.status_code in (301, 302, 303, 307, 308):
            _check(f"/s/{code}/{value}", response, failures)
    assert not failures, "\n".join(failures)


def test_logout_goes_to_the_login_page(site):
    client = site.anonymous()
    client.post("/login", data={"email": ADMIN, "password": DEMO_PASSWORD})
    response = client.post("/logout?next=//evil.example", data={"next": "//evil.example"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
