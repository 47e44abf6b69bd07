"""A whole Beacon for one test module, and the HTML checks the security tests share.

`Site` builds the app once per module on the test database with the demo data
loaded (two teams, the four demo people, the curriculum, boards, bulletins,
content, badges, a challenge, guidelines), keeps one logged-in browser per demo
person, and empties the database again at the end. The login limits are
raised and each anonymous browser has an address of its own, so a module may
log in and post as often as it needs to.

`live_markup()` parses a response with the standard library's HTML parser (a
tokenizer that reads tags and attributes the way a browser's tokenizer does)
and names every element or attribute that could run script: a payload that
shows up as one of those escaped its context.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from portal import create_app
from portal.db import db
from tests.conftest import CSRFClient

DEMO_PASSWORD = "beacon-demo-password"  # noqa: S105 - the documented demo logins
ADMIN, LEADER, SAM, JORDAN = (
    "admin@example.com",
    "leader@example.com",
    "sam@example.com",
    "jordan@example.com",
)


# The login limits read the config on each request: the tests here log in often, on purpose.
GENEROUS_LOGIN_LIMITS = {
    "LOGIN_LIMIT_PER_IP": "10000 per minute",
    "LOGIN_LIMIT_PER_ACCOUNT": "10000 per minute",
    "LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE": "10000 per minute",
}
_addresses = itertools.count(1)


def empty_database(app: Flask) -> None:
    """Empty every table, Beacon's Redis keys and the queue, as tests/conftest.py does."""
    import redis
    from rq import Queue

    from portal.gamification.subscribers import ensure_default_rules

    with app.app_context():
        db.session.remove()
        tables = list(reversed(db.metadata.sorted_tables))
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                names = ", ".join(t.name for t in tables)
                conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            else:
                for table in tables:
                    conn.execute(table.delete())
        ensure_default_rules()
        db.session.commit()
        connection = redis.Redis.from_url(app.config["REDIS_URL"])
        Queue(app.config["RQ_QUEUE"], connection=connection).empty()
        stale = list(connection.scan_iter(match="beacon:*", count=1000))
        stale += list(connection.scan_iter(match="rq:*", count=1000))
        if stale:
            connection.delete(*stale)


@dataclass
class Site:
    """The app with the demo data, and a logged-in browser per person (made on first use)."""

    app: Flask
    browsers: dict[str, FlaskClient] = field(default_factory=dict)

    @classmethod
    def build(cls, environment: str = "test", **overrides: Any) -> Site:
        """The app for `environment` on the test database and Redis, with the demo data."""
        from flask_migrate import upgrade

        from config import TestConfig
        from portal.demo import load_demo_data

        if environment != "test":  # the test database, Redis and queue in any environment
            overrides = {
                "SQLALCHEMY_DATABASE_URI": TestConfig.SQLALCHEMY_DATABASE_URI,
                "REDIS_URL": TestConfig.REDIS_URL,
                "RATELIMIT_STORAGE_URI": TestConfig.REDIS_URL,
                "RATELIMIT_KEY_PREFIX": TestConfig.RATELIMIT_KEY_PREFIX,
                "RQ_QUEUE": TestConfig.RQ_QUEUE,
                "MAIL_URL": "",
                **overrides,
            }
        app = create_app(environment, {**GENEROUS_LOGIN_LIMITS, **overrides})
        app.test_client_class = CSRFClient
        with app.app_context():
            upgrade()
        empty_database(app)
        with app.app_context():
            load_demo_data()
            db.session.commit()
        return cls(app)

    def close(self) -> None:
        """Leave the database empty for the tests that come after.

        Flask-Limiter is one object for every app: building a test app again binds it
        back to the test configuration, as the rest of the suite expects.
        """
        empty_database(self.app)
        create_app("test")

    def anonymous(self) -> FlaskClient:
        """A new browser, from an address of its own (per-address limits do not add up)."""
        client = self.app.test_client()
        n = next(_addresses)
        client.environ_base["REMOTE_ADDR"] = f"127.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        return client

    def browser(self, email: str) -> FlaskClient:
        """A client logged in as the demo person with `email`."""
        if email not in self.browsers:
            client = self.app.test_client()
            response = client.post("/login", data={"email": email, "password": DEMO_PASSWORD})
            assert response.status_code == 303, f"could not log in as {email}"
            self.browsers[email] = client
        return self.browsers[email]

    def user_id(self, email: str) -> int:
        from portal.accounts.services import get_user_by_email

        with self.app.app_context():
            user = get_user_by_email(email)
            assert user is not None
            return user.id


# --- forms on a page ------------------------------------------------------------------------


@dataclass
class PageForm:
    """One <form> of a page: where it posts and the values a browser would send as they are."""

    action: str
    method: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)  # every named control, sent or not
    maxlength: dict[str, int] = field(default_factory=dict)

    def data(self, **overrides: str | list[str]) -> dict[str, Any]:
        """The form's current values with `overrides`, ready for the test client."""
        values: dict[str, Any] = {
            name: (vals if len(vals) != 1 else vals[0]) for name, vals in self.fields.items()
        }
        values.update(overrides)
        return values


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: tuple[str, bool] | None = None
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = PageForm(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        form = self._form
        if form is None or "name" not in a or "disabled" in a:
            if tag == "option" and self._select is not None:
                self._options.append((a.get("value", ""), "selected" in a))
            return
        name = a["name"]
        if a.get("maxlength", "").isdigit():
            form.maxlength[name] = int(a["maxlength"])
        if tag == "input":
            kind = a.get("type", "text").lower()
            form.names.append(name)
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    form.fields.setdefault(name, []).append(a.get("value", "on"))
            elif kind not in ("submit", "button", "image", "reset", "file"):
                form.fields.setdefault(name, []).append(a.get("value", ""))
        elif tag == "textarea":
            form.names.append(name)
            self._textarea, self._text = name, []
        elif tag == "select":
            form.names.append(name)
            self._select, self._options = (name, "multiple" in a), []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            self._form.fields.setdefault(self._textarea, []).append(
                text.removeprefix("\r\n") if text.startswith("\r\n") else text.removeprefix("\n")
            )
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, multiple = self._select
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not multiple and self._options:
                chosen = [self._options[0][0]]
            if chosen:
                self._form.fields.setdefault(name, []).extend(chosen)
            self._select = None


def forms_on(html: str) -> list[PageForm]:
    """Every form of a page, with the values a browser would submit unchanged."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_posting_to(html: str, action: str | re.Pattern[str], page: str = "") -> PageForm:
    """The form whose action is `action` (a path, or a pattern it must match).

    A form without an action posts to its own page: give the page's path as `page`.
    """

    def matches(form: PageForm) -> bool:
        posts_to = form.action or page
        if isinstance(action, str):
            return posts_to == action
        return bool(action.fullmatch(posts_to))

    found = [f for f in forms_on(html) if matches(f)]
    assert found, f"no form posting to {action!r}; actions: {[f.action for f in forms_on(html)]}"
    return found[0]


# --- live markup ------------------------------------------------------------------------------

URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "data", "poster", "background",
    "srcset", "lowsrc", "dynsrc", "hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete",
    "ping", "cite", "longdesc", "manifest", "codebase", "archive",
}  # fmt: skip
ACTIVE_TAGS = {"iframe", "frame", "object", "embed", "applet", "base", "frameset", "portal"}
BAD_SCHEMES = ("javascript:", "vbscript:", "data:text/html", "data:image/svg", "livescript:")
_NOISE = re.compile(r"[\x00-\x20\x7f]+")


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        described = f"<{tag} {' '.join(f'{k}={v!r}' for k, v in attrs)}>"[:160]
        if tag in ACTIVE_TAGS:
            self.problems.append(f"active element {described}")
        if tag == "script" and not (dict(attrs).get("src") or "").startswith("/static/"):
            self.problems.append(f"script {described}")
        if tag == "meta" and (dict(attrs).get("http-equiv") or "").lower() == "refresh":
            self.problems.append(f"meta refresh {described}")
        for name, value in attrs:
            self.text.append(value or "")
            if name.startswith("on"):
                self.problems.append(f"event handler {name} in {described}")
            elif name in ("hx-on", "x-on") or name.startswith(("hx-on:", "hx-on::", "hx-on-")):
                self.problems.append(f"htmx handler {name} in {described}")
            elif name in URL_ATTRIBUTES or name == "style":
                squashed = _NOISE.sub("", value or "").lower()
                if squashed.startswith(BAD_SCHEMES):
                    self.problems.append(f"script URL in {name} of {described}")
                if name == "style" and ("expression(" in squashed or "url(" in squashed):
                    self.problems.append(f"style that loads or runs in {described}")

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


@dataclass(frozen=True)
class Scan:
    """What one page holds: markup that could run, and all its text and attribute values."""

    problems: list[str]
    text: str


def scan(html: str) -> Scan:
    """Parse `html` and report every element or attribute that could run script."""
    scanner = _Scanner()
    scanner.feed(html)
    scanner.close()
    return Scan(scanner.problems, "\n".join(scanner.text))


def page_problems(label: str, html: str, evaluated: Iterable[str] = ()) -> list[str]:
    """`live_markup` problems of a page, plus any evaluated template expression it shows."""
    found = scan(html)
    problems = [f"{label}: {p}" for p in found.problems]
    problems += [f"{label}: evaluated {e!r}" for e in evaluated if e in found.text]
    return problems


def run_queued_jobs(app: Flask) -> None:
    """Run every job waiting in the queue in this process (what a worker would do), then stop."""
    from rq import SimpleWorker

    from portal.queue import get_queue, get_redis
    from portal.worker import AppWorker

    class InlineWorker(AppWorker, SimpleWorker):
        """Beacon's worker, running each job here instead of in a forked work horse."""

    with app.app_context():
        worker = InlineWorker([get_queue()], connection=get_redis(), app=app)
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")
