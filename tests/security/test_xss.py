"""Cross-site scripting: hostile text through every text and Markdown input, then every page.

`ENTRIES` (xss_entries.py) says, for each form that takes text, who submits it, through which
real route, and on which pages the value then shows (full pages, fragments,
public pages). Each field is filled with a marker and a chunk of `PAYLOADS`
(as many per submission as the field's `maxlength` allows; xss_kit.py), and every page is
parsed with the standard library's HTML parser: no payload may become an
element or attribute that runs script (see `tests/security/site.py`), and no
template expression may be evaluated. The marker must then show on one of the
pages, so a field that silently stopped being displayed (or saved) is noticed.

`test_every_text_field_is_covered` collects every StringField (and its
subclasses: TextAreaField, URLField, EmailField, HiddenField, PasswordField)
of every form class in `portal`, and fails for one that is neither in
`ENTRIES` nor in `EXEMPT` with a reason.

One Beacon with the demo data serves the whole module; CSV is checked in
test_csv_injection.py.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

import portal
from portal.db import db
from portal.learning.models import Lesson
from tests.security.site import (
    ADMIN,
    JORDAN,
    LEADER,
    SAM,
    Site,
    form_posting_to,
    page_problems,
    scan,
)
from tests.security.xss_entries import ENTRIES, EXEMPT
from tests.security.xss_kit import (
    ANON,
    BOARD,
    EVALUATED,
    LINE,
    MODULE,
    NEW_MODULE,
    PAYLOADS,
    STRICT,
    TAGS,
    TEXT,
    Entry,
    path_of,
    scalar,
    values_for,
)


def _covered() -> set[str]:
    return {f.covers for entry in ENTRIES for f in entry.fill.values()}


# --- the form classes ---------------------------------------------------------------------


def _text_fields() -> set[str]:
    """`domain.FormClass.field` for every text-taking field of every form class in portal."""
    from wtforms import Form, StringField
    from wtforms.fields.core import UnboundField

    for module in pkgutil.walk_packages(portal.__path__, "portal."):
        if module.name.rsplit(".", 1)[-1].endswith(("forms", "views")):
            importlib.import_module(module.name)

    def subclasses(cls: type) -> Iterator[type]:
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    found = set()
    for cls in subclasses(Form):
        if not cls.__module__.startswith("portal."):
            continue
        domain = cls.__module__.split(".")[1]
        for name in dir(cls):
            attr = getattr(cls, name)
            if isinstance(attr, UnboundField) and issubclass(attr.field_class, StringField):
                found.add(f"{domain}.{cls.__qualname__}.{name}")
    return found


def test_every_text_field_is_covered():
    """A form field that takes text needs an entry (or a reason it needs none)."""
    fields = _text_fields()
    assert len(fields) > 60  # the walk found the forms
    covered = {c for c in _covered() if not c.startswith("request.")}
    missing = sorted(fields - covered - EXEMPT.keys())
    assert not missing, f"text fields with no XSS entry or exemption: {missing}"
    stale = sorted((covered | EXEMPT.keys()) - fields)
    assert not stale, f"entries or exemptions for fields that no longer exist: {stale}"


# --- submitting and looking ---------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> Iterator[Site]:
    built = Site.build()
    yield built
    built.close()


@dataclass
class Outcome:
    """What one entry's submissions found: markup that runs, markers seen, refusals."""

    problems: list[str] = field(default_factory=list)
    shown: set[str] = field(default_factory=set)  # markers seen on a page
    refusals: list[str] = field(default_factory=list)  # why submissions were refused


_ERROR = re.compile(r'class="field__error"[^>]*>(?:<span[^>]*>[^<]*</span>)?\s*([^<]+)')


def _look(client: FlaskClient, label: str, path: str, markers: list[str], out: Outcome) -> None:
    response = client.get(path)
    html = response.get_data(as_text=True)
    out.problems += page_problems(f"{label} {path}", html, EVALUATED)
    out.shown.update(m for m in markers if m in html)
    if response.status_code >= 500:
        out.problems.append(f"{label} {path}: {response.status_code}")


def _client(site: Site, who: str) -> FlaskClient:
    return site.anonymous() if who == ANON else site.browser(who)


def _form_data(site: Site, entry: Entry, client: FlaskClient, out: Outcome) -> tuple[str, dict]:
    """Where the entry's form posts, and what it sends unchanged."""
    action = entry.action
    if callable(action):
        action = action(site)
    if entry.page is None:
        assert isinstance(action, str)
        return action, dict(entry.fixed)
    page = path_of(site, entry.page)
    html = client.get(page).get_data(as_text=True)
    out.problems += page_problems(f"{entry.name} form {page}", html, EVALUATED)
    form = form_posting_to(html, page if action is None else action, page)
    return form.action or page, form.data(**entry.fixed)


def _submit(
    site: Site, entry: Entry, client: FlaskClient, values: dict[str, str], out: Outcome
) -> bool:
    """Post `values` through the form; look at the answer and, if saved, where it shows."""
    if entry.before:
        entry.before(site)
    target, data = _form_data(site, entry, client, out)
    response = client.post(target, data=data | values)
    body = response.get_data(as_text=True)
    markers = re.findall(r"mk\d+x", " ".join(values.values()))
    out.problems += page_problems(f"{entry.name} POST {target}", body, EVALUATED)
    if response.status_code >= 500:
        out.problems.append(f"{entry.name} POST {target}: {response.status_code}")
    if entry.echo_only:
        out.shown.update(m for m in markers if m in body)
        return True
    if response.status_code not in entry.accepted:
        reasons = _ERROR.findall(body) or [f"status {response.status_code}"]
        out.refusals.append(f"{sorted(values)}: {'; '.join(r.strip() for r in reasons)}"[:300])
        return False
    if entry.after:
        entry.after(site, client)
    location = response.headers.get("Location", "")
    if location.startswith("/"):
        _look(client, entry.name, location, markers, out)
    for who, where in entry.shows:
        _look(_client(site, who), f"{entry.name} as {who}", path_of(site, where), markers, out)
    return True


def _limits(site: Site, entry: Entry) -> dict[str, int]:
    if entry.page is None:
        return {}
    if entry.before:
        entry.before(site)
    page = path_of(site, entry.page)
    html = _client(site, entry.actor).get(page).get_data(as_text=True)
    action = entry.action
    if callable(action):
        action = action(site)
    return form_posting_to(html, page if action is None else action, page).maxlength


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_payloads_stay_inert(site, entry):
    """Every payload through the entry's form; no page that shows the values runs them."""
    limits = _limits(site, entry)
    plan = {
        name: [(m, v + f.suffix) for m, v in values_for(f.kind, limits.get(name))]
        for name, f in entry.fill.items()
    }
    strict = [name for name, f in entry.fill.items() if f.kind in STRICT]
    free = [name for name in plan if name not in strict]
    out = Outcome()
    # Free text together, strict fields at their plain first value; a field that runs out
    # of values keeps its first one (a required field stays filled).
    for n in range(max((len(plan[name]) for name in free), default=1)):
        values = {
            name: plan[name][n if name in free and n < len(plan[name]) else 0][1] for name in plan
        }
        if not _submit(site, entry, _client(site, entry.actor), values, out):
            # Refused as a whole: one field may refuse what the others take. Try each alone.
            for name in free:
                _submit(site, entry, _client(site, entry.actor), {name: values[name]}, out)
    # Each hostile value of a strict field on its own: refused, or saved and inert.
    for name in strict:
        for _, value in plan[name][1:]:
            _submit(site, entry, _client(site, entry.actor), {name: value}, out)
    markers = [m for values in plan.values() for m, _ in values]
    for who, where in entry.listed:
        _look(_client(site, who), f"{entry.name} as {who}", path_of(site, where), markers, out)
    assert not out.problems, "\n".join(out.problems[:40])
    for name, values in plan.items():
        if not entry.fill[name].echoed:
            continue
        markers = [m for m, _ in values]
        assert out.shown & set(markers), (
            f"{entry.fill[name].covers}: none of its values showed on any page "
            f"({', '.join(str(path_of(site, w)) for _, w in entry.shows + entry.listed)}); "
            "refusals:\n" + "\n".join(out.refusals[:20])
        )


# --- values longer than any field takes ------------------------------------------------------

_MESSAGE = r'class="(field__error|form-errors)'
OVERLONG = 100_000  # past every field's limit (the longest, a card or a bulletin body, is 20,000)


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.name for e in ENTRIES])
def test_overlong_values_are_refused(site, entry):
    """Each text field alone, far too long: a form error (4xx, or the form again), never 500."""
    failures = []
    for name in entry.fill:
        client = _client(site, entry.actor)
        if entry.before:
            entry.before(site)
        out = Outcome()
        target, data = _form_data(site, entry, client, out)
        response = client.post(target, data=data | {name: "x" * OVERLONG})
        status, body = response.status_code, response.text
        if status in (302, 303) and not entry.echo_only:
            # Refused the Post/Redirect/Get way: the next page says why, in an error toast.
            body = client.get(response.headers["Location"]).text
            if "toast--error" not in body:
                failures.append(f"{entry.fill[name].covers}: saved ({status})")
        elif status >= 500:
            failures.append(f"{entry.fill[name].covers}: {status}")
        elif status == 200 and not entry.echo_only and not re.search(_MESSAGE, body):
            failures.append(f"{entry.fill[name].covers}: 200 without a message")
    assert not failures, failures


# --- a module imported from a file ------------------------------------------------------------

# Which kind of text each key of the module file holds (tests/.../learning-content-format.md).
IMPORTED_KINDS = {"title": (LINE, 140), "summary": (TEXT, 1000), "cards": (TEXT, 5000),
                  "prompt": (TEXT, 1000), "text": (LINE, 500), "explanation": (LINE, 500),
                  "tags": (TAGS, 40)}  # fmt: skip


def test_an_imported_module_is_inert(site):
    """Payloads in every text of a module file (ImportForm.file), then the module's pages."""
    import io
    import json

    admin = site.browser(ADMIN)
    template = json.loads(admin.get(f"/author/modules/{MODULE}/export.json").get_data())
    template["lessons"] = template["lessons"][:1]
    out = Outcome()
    plans: dict[str, list[tuple[str, str]]] = {}  # a fresh list of values per position

    def values(position: str, kind: str, limit: int) -> list[tuple[str, str]]:
        return plans.setdefault(position, values_for(kind, limit))

    def fill(node: Any, n: int, position: str = "", key: str = "") -> Any:
        if isinstance(node, dict):
            return {k: fill(v, n, f"{position}.{k}", k) for k, v in node.items()}
        if isinstance(node, list) and key == "tags":
            return [t for _, v in values(position, TAGS, 40)[:1] for t in v.split(", ")]
        if isinstance(node, list):
            return [fill(v, n, f"{position}.{i}", key) for i, v in enumerate(node)]
        if isinstance(node, str) and key in IMPORTED_KINDS:
            kind, limit = IMPORTED_KINDS[key]
            chosen = values(position, kind, limit)
            value = chosen[n % len(chosen)][1]
            # The importer refuses a title with "-->" (it would end a lesson marker).
            return value.replace("-->", "- ->") if key == "title" else value
        return node

    fill(template, 0)
    rounds = max(len(v) for v in plans.values())
    for n in range(rounds):
        document = fill(template, n) | {"slug": f"imported-{n}", "status": "published"}
        response = admin.post(
            "/author/import",
            data={"file": (io.BytesIO(json.dumps(document).encode()), "module.json")},
            content_type="multipart/form-data",
        )
        out.problems += page_problems("import", response.get_data(as_text=True), EVALUATED)
        assert response.status_code == 303, scan(response.get_data(as_text=True)).text[-3000:]
        module = NEW_MODULE(site)
        lesson = scalar(site, select(Lesson.id).where(Lesson.module_id == module))
        markers = [m for chosen in plans.values() for m, _ in chosen]
        for who, path in (
            (ADMIN, f"/author/modules/{module}"),
            (ADMIN, f"/author/lessons/{lesson}"),
            (ADMIN, f"/author/lessons/{lesson}/preview"),
            (SAM, f"/learn/modules/{module}"),
            (SAM, f"/learn/lessons/{lesson}"),
        ):
            _look(site.browser(who), "imported", path, markers, out)
    assert not out.problems, "\n".join(out.problems[:40])
    unseen = [p for p, chosen in plans.items() if not out.shown & {m for m, _ in chosen}]
    assert not unseen, f"imported texts shown nowhere: {unseen}"


# --- values echoed from the query string ------------------------------------------------------

SEARCHES: list[tuple[str, str, bool]] = [  # who, the page ({} is the value), shown back?
    (ADMIN, "/admin/people?q={}", True),
    (SAM, "/content/?q={}", True),
    (SAM, "/content/?tag={}", False),
    (SAM, "/learn/catalogue?q={}", True),
    (SAM, "/learn/catalogue?tag={}", False),
    (SAM, "/bulletins/?q={}", True),
    (ADMIN, "/insights/privacy?q={}", True),
    (SAM, f"/boards/{BOARD}?q={{}}", True),
    (SAM, "/guidelines?next={}", False),  # not a local path: dropped
    (ADMIN, "/admin/badges/preview?name={}", True),
    (ANON, "/login?next={}", False),
]


@pytest.mark.parametrize(("who", "page", "shown"), SEARCHES, ids=[s[1] for s in SEARCHES])
def test_search_boxes_echo_inertly(site, who, page, shown):
    from urllib.parse import quote

    out = Outcome()
    markers = []
    for marker, value in values_for(LINE, 100):  # searches keep the first 100 characters
        markers.append(marker)
        _look(_client(site, who), "search", page.format(quote(value)), [marker], out)
    assert not out.problems, "\n".join(out.problems[:40])
    assert not shown or out.shown, f"{page}: the value was not shown back"


def test_query_strings_on_every_page_are_inert(site):
    """Every page, with every parameter name Beacon reads set to the payloads at once."""
    from urllib.parse import urlencode

    names = ["q", "tag", "next", "name", "sort", "period", "scope", "network", "category",
             "page", "phase", "shared", "seen", "theme", "size", "team", "start", "end", "days",
             "since", "until", "icon", "colour", "v"]  # fmt: skip
    hostile = " ".join(PAYLOADS)
    query = urlencode({name: hostile for name in names})
    out = Outcome()
    pages = sorted(
        rule.rule
        for rule in site.app.url_map.iter_rules()
        if "GET" in (rule.methods or set()) and rule.endpoint not in {"static", "links.follow"}
    )
    admin = site.browser(ADMIN)
    for rule in pages:
        path = re.sub(r"<int:[a-z_]+>", "1", rule)
        path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "x", path)
        response = admin.get(f"{path}?{query}")
        if response.mimetype == "text/html":
            out.problems += page_problems(path, response.get_data(as_text=True), EVALUATED)
        response.close()
    assert len(pages) > 80
    assert not out.problems, "\n".join(out.problems[:40])


# --- notifications and emails -----------------------------------------------------------------


def test_notifications_and_emails_are_inert(site):
    """What the jobs made of the values above: the bell, the list, and every email's HTML.

    Runs last: the entries above queued the jobs (bulletin notices, comment and review
    notices, invitations). Each notification is also rendered as the email it becomes,
    and each person's weekly digest as it would be sent today.
    """
    from datetime import timedelta

    from flask import template_rendered

    from portal.accounts.models import User
    from portal.db import utcnow
    from portal.notifications import preferences as prefs
    from portal.notifications.emails import build_email
    from portal.notifications.models import EmailDelivery, Notification
    from portal.notifications.sweep import DigestResult, _sections
    from tests.security.site import run_queued_jobs

    mails: list[tuple[Any, dict[str, Any]]] = []

    def record(sender: Any, template: Any, context: dict[str, Any], **extra: Any) -> None:
        if (template.name or "").startswith("mail/") and template.name.endswith(".html"):
            mails.append((template, dict(context)))

    out = Outcome()
    with template_rendered.connected_to(record, site.app):
        run_queued_jobs(site.app)
        for who in (ADMIN, LEADER, SAM, JORDAN):
            for path in ("/notifications", "/notifications/bell"):
                _look(site.browser(who), "notifications", path, [], out)
        with site.app.app_context():
            people = {u.id: u for u in db.session.scalars(select(User))}
            notices = list(db.session.scalars(select(Notification)))
            carried = [n for n in notices if re.search(r"mk\d+x", n.title + n.body)]
            for notice in notices:
                row = EmailDelivery(
                    key=notice.key,
                    user_id=notice.user_id,
                    kind=notice.kind,
                    subject=notice.title,
                    payload={"title": notice.title, "body": notice.body, "url": notice.url},
                )
                build_email(row, people[notice.user_id])
            now = utcnow()
            digests = _sections(list(people), now - timedelta(days=7), now, DigestResult())
            for user_id, sections in digests.items():
                payload = {"frequency": "weekly", "label": "this week", "sections": sections}
                row = EmailDelivery(
                    key=f"digest:{user_id}", user_id=user_id, kind=prefs.DIGEST,
                    subject="Your week on Beacon", payload=payload,
                )  # fmt: skip
                build_email(row, people[user_id])
            # The account emails: an invitation to the newest team (named by the team entry)
            # from Sam, and a password reset for Sam (renamed by the display-name entry).
            from jobs.accounts import send_invitation_email, send_password_reset_email
            from portal.accounts import invitations
            from portal.accounts.models import Team
            from portal.accounts.services import get_user_by_email

            sam = get_user_by_email(SAM)
            team = db.session.scalars(select(Team).order_by(Team.id.desc())).first()
            assert sam is not None
            invited = invitations.invite(get_user_by_email(ADMIN), "x@example.com", sam.role, team)  # type: ignore[arg-type]
            invited.invited_by = sam
            db.session.commit()
            send_invitation_email(invited.id)
            send_password_reset_email(sam.id)
            for template, context in mails:
                html = template.render(context)
                out.problems += page_problems(f"email {template.name}", html, EVALUATED)
                out.shown.update(re.findall(r"mk\d+x", html))
    assert notices and {t.name for t, _ in mails} >= {
        "mail/notification.html", "mail/digest.html", "mail/invitation.html",
        "mail/password_reset.html",
    }  # fmt: skip
    assert not out.problems, "\n".join(out.problems[:40])
    assert not carried or out.shown, "the notifications carrying payloads made no email"
