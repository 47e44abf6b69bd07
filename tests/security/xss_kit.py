"""What the XSS tests send, and the helpers their table of forms uses.

`PAYLOADS` go into text fields, `URL_SUFFIXES` and `URL_PAYLOADS` into URL
fields; `values_for()` packs them into as few values as a field takes, each
starting with a unique marker (`mk<n>x`) so a page that shows the value can be
found. `Field` and `Entry` describe one form (see xss_entries.py); the
functions below find the pages and ids an entry needs, and prepare the site
before a submission.
"""

from __future__ import annotations

import importlib
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from portal.db import db
from tests.security.site import ADMIN, JORDAN, SAM, Site, form_posting_to, forms_on

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '"><svg onload=alert(1)>',
    "'><svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "<iframe src=javascript:alert(1)>",
    "<a href=javascript:alert(1)>a</a>",
    "<details open ontoggle=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "[a](javascript:alert(1))",
    "![a](javascript:alert(1))",
    "[a](JaVaScRiPt:alert(1))",
    "[a](&#106;avascript:alert(1))",
    "[a](data:text/html,<script>alert(1)</script>)",
    "<javascript:alert(1)>",
    '[a](https://x.example "t"onmouseover=alert(1))',
    "`<img src=x onerror=alert(1)>`",
    "{{1337*7331}}",
    "${1337*7331}",
    "{{config.SECRET_KEY}}",
    "\uff1cscript\uff1ealert(1)\uff1c/script\uff1e",
    "<scr\u200bipt>alert(1)</scr\u200bipt>",
    "\u202egpj.exe<b onmouseover=alert(1)>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
]
# Values a URL field may take: the hostile suffixes follow a valid https address, the
# others are not https addresses at all (most should be refused, none may run).
URL_SUFFIXES = [
    "?q=<script>alert(1)</script>",
    '/"><svg onload=alert(1)>',
    "#'onmouseover='alert(1)",
]
URL_PAYLOADS = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "//evil.example/x.js",
    '@"><svg onload=alert(1)>',
]
# What an evaluated template expression among the payloads would leave on a page.
EVALUATED = ["9801547", "test-only-not-secret"]

# How a field is filled: Markdown or long text (payloads on lines of their own), one line,
# a comma-separated list, one item per line, a URL, or a strict identifier such as a slug.
TEXT, LINE, TAGS, LINES, URL, SLUG = "text", "line", "tags", "lines", "url", "slug"
HANDLE = "handle"  # a social profile: a URL on the network's site, or a bare handle
STRICT = (URL, HANDLE, SLUG)  # fields that refuse most payloads: tried one value at a time


@dataclass(frozen=True)
class Field:
    """One form control and the form field it stands for (`domain.FormClass.field`).

    `echoed` is False for a control whose value is never shown back (a password):
    the pages are still checked, but its marker need not appear.
    """

    covers: str
    kind: str = LINE
    echoed: bool = True
    suffix: str = ""  # appended to every value (a disclosure a caption must carry)


Path = str | Callable[["Site"], str]
View = tuple[str, Path]  # who looks, and where (a path or a function of the site)


@dataclass(frozen=True)
class Entry:
    """One form that takes text: who posts it, where, and where its values show."""

    name: str
    actor: str  # a demo person's email, or "anonymous"
    page: Path | None  # the page with the form (None: post `fixed` and the values directly)
    fill: dict[str, Field]  # control name -> the field it covers
    shows: tuple[View, ...] = ()  # pages where the saved values show: after each submission
    listed: tuple[View, ...] = ()  # pages that list what each submission made: once, at the end
    action: Path | re.Pattern[str] | None = None  # where the form posts: default the page
    fixed: dict[str, Any] = field(default_factory=dict)  # other controls to set
    echo_only: bool = False  # never saved: only the response to the post shows the value
    before: Callable[[Site], None] | None = None  # run before each submission
    after: Callable[[Site, FlaskClient], None] | None = None  # run after a saved submission
    accepted: tuple[int, ...] = (302, 303)


def path_of(site: Site, where: Path) -> str:
    return where if isinstance(where, str) else where(site)


def scalar(site: Site, stmt: Any) -> Any:
    with site.app.app_context():
        return db.session.scalar(stmt)


def latest(model_path: str, **where: Any) -> Callable[[Site], int]:
    """The id of the newest row of a model (by id), optionally filtered."""

    def find(site: Site) -> int:
        module, name = model_path.rsplit(".", 1)
        model = getattr(importlib.import_module(module), name)
        stmt = select(model.id).filter_by(**where).order_by(model.id.desc()).limit(1)
        found = scalar(site, stmt)
        assert found is not None, f"no {name} {where}"
        return int(found)

    return find


def at(template: str, *ids: Callable[[Site], int]) -> Callable[[Site], str]:
    return lambda site: template.format(*(i(site) for i in ids))


def user(email: str) -> Callable[[Site], int]:
    return lambda site: site.user_id(email)


def public_page(email: str) -> Callable[[Site], str]:
    def find(site: Site) -> str:
        from portal.profiles.models import BrandProfile

        slug = scalar(
            site,
            select(BrandProfile.public_slug).where(BrandProfile.user_id == site.user_id(email)),
        )
        return f"/p/{slug}" if slug else "/profile"

    return find


def invitation(site: Site) -> str:
    """A fresh invitation's page (an invitation is accepted once)."""
    from portal.accounts import invitations
    from portal.accounts.models import Role
    from portal.accounts.services import get_user_by_email

    with site.app.app_context():
        n = scalar(site, select(db.func.count()).select_from(invitations.Invitation))
        admin = get_user_by_email(ADMIN)
        invitation = invitations.invite(admin, f"new{n}@example.com", Role.EMPLOYEE, None)  # type: ignore[arg-type]
        db.session.commit()
        return f"/invitations/{invitations.invitation_token(invitation)}"


def unrevoked_badge_page(site: Site) -> str:
    """The admin page of a badge someone holds, unrevoked (one is issued if none is)."""
    from portal.accounts.models import User
    from portal.gamification import badges
    from portal.gamification.badge_models import Badge, BadgeAssertion

    with site.app.app_context():
        held = db.session.scalar(
            select(BadgeAssertion.badge_id)
            .where(BadgeAssertion.revoked_at.is_(None))
            .order_by(BadgeAssertion.id)
        )
        if held is None:
            for person in db.session.scalars(select(User).order_by(User.id)):
                for badge in db.session.scalars(select(Badge).order_by(Badge.id)):
                    issued = badges.issue(person, badge)
                    if issued is not None:
                        db.session.commit()
                        return f"/admin/badges/{badge.id}"
            raise AssertionError("every badge is held and revoked: nothing left to revoke")
        return f"/admin/badges/{held}"


def earned_page(site: Site) -> str:
    """Sam's badge page of a badge that `badge edit` renames (Sam holds it)."""
    from portal.accounts.services import get_user_by_email
    from portal.gamification import badges
    from portal.gamification.badge_models import Badge, BadgeAssertion

    with site.app.app_context():
        sam = get_user_by_email(SAM)
        badge = db.session.get(Badge, 1)
        assert sam is not None and badge is not None
        uid = db.session.scalar(
            select(BadgeAssertion.uid).where(
                BadgeAssertion.badge_id == 1, BadgeAssertion.user_id == sam.id
            )
        )
        if uid is None:
            issued = badges.issue(sam, badge)
            assert issued is not None
            db.session.commit()
            uid = issued.uid
        return f"/badges/earned/{uid}"


def acknowledge_guidelines(site: Site) -> None:
    """Sam acknowledges the current guidelines, so a share is not sent to read them first."""
    client = site.browser(SAM)
    html = client.get("/guidelines").get_data(as_text=True)
    forms = [f for f in forms_on(html) if f.action == "/guidelines/acknowledge"]
    if forms:  # not yet acknowledged
        client.post("/guidelines/acknowledge", data=forms[0].data())


def publish_draft(site: Site, client: FlaskClient) -> None:
    """Publish the guidelines draft just saved, so everyone sees it."""
    html = client.get("/admin/guidelines").get_data(as_text=True)
    form = form_posting_to(html, "/admin/guidelines/publish")
    response = client.post("/admin/guidelines/publish", data=form.data())
    assert response.status_code in (200, 303), response.status_code


def pending_suggestion(site: Site) -> None:
    """Jordan suggests a link, so there is one to review."""
    site.browser(JORDAN).post(
        "/content/suggest",
        data={"url": "https://example.com/suggested", "title": "A suggestion", "summary": ""},
    )


SAM_ID = user(SAM)
BOARD = 1  # the demo board that is collecting ideas
SAMS_IDEA = 1  # Sam's idea on it
ITEM = 1  # a published content item
MODULE, LESSON, CARD, QUESTION, PATH = 1, 1, 1, 1, 1  # from the starter curriculum
NEW_BULLETIN = latest("portal.bulletins.models.Bulletin")
NEW_ITEM = latest("portal.advocacy.models.ContentItem")
NEW_MODULE = latest("portal.learning.models.Module")
NEW_CHALLENGE = latest("portal.gamification.challenge_models.Challenge")
NEW_BOARD = latest("portal.boards.models.Board")
NEW_IDEA = latest("portal.boards.models.Idea")
ANON = "anonymous"


_markers = itertools.count(1)


def new_marker() -> str:
    return f"mk{next(_markers)}x"


def _pack(items: list[str], joiner: str, most: int, item_room: int, room: int) -> list[list[str]]:
    """`items` (each cut to `item_room`) in groups of at most `most` within `room` joined."""
    groups: list[list[str]] = [[]]
    for item in items:
        item = item[:item_room]
        group = groups[-1]
        if group and (len(joiner.join([*group, item])) > room or len(group) >= most):
            groups.append(group := [])
        group.append(item)
    return groups


def values_for(kind: str, limit: int | None) -> list[tuple[str, str]]:
    """(marker, value) pairs that carry every payload in values the field can take."""
    if kind in (URL, HANDLE, SLUG):
        # First a plain value the field certainly takes, so the marker shows where it is saved.
        first = new_marker()
        values = [(first, f"https://example.com/{first}" if kind == URL else first)]
        if kind == SLUG:  # anything but lower-case letters, digits and dashes is refused
            return values + [(new_marker(), p) for p in PAYLOADS[:3]]
        for suffix in URL_SUFFIXES:
            marker = new_marker()
            values.append((marker, f"https://example.com/{marker}{suffix}"))
        return values + [(new_marker(), url) for url in URL_PAYLOADS]
    joiner, item_room, most, room = {
        TEXT: ("\n\n", 2000, 100, 2000),
        LINE: (" ", 200, 100, 200),
        TAGS: (", ", 30, 4, 1000),  # boards allow 5 tags of 30 characters, content 8
        LINES: ("\n", 200, 4, 1000),  # bulletins allow 5 action items of 200 characters
    }[kind]
    room = min(room, (limit or room)) - 8  # room for the marker
    out = []
    for group in _pack(PAYLOADS, joiner, most, min(item_room, room), room):
        marker = new_marker()
        out.append((marker, joiner.join([marker, *group])))
    return out
