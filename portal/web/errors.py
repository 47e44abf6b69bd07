"""Error pages for 400, 403, 404, 405, 413, 429, 500 and 503, as full pages or htmx fragments."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, g
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.web import render

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Something in that request was off", "Please go back, reload the page and try again."),
    403: (
        "You don't have access to this",
        "Ask an admin or your advocacy leader if you think you should.",
    ),
    404: ("We couldn't find that page", "The link may be old, or the page may have moved."),
    405: ("That action isn't allowed here", "Please go back and use the page's own buttons."),
    413: ("That upload is too large", "Try a smaller file."),
    429: ("Too many attempts", "Please wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "It has been logged. Please try again in a moment."),
    503: ("Beacon is briefly unavailable", "Please try again in a minute."),
}
# Seconds a client (or a proxy) is asked to wait after a 503.
RETRY_AFTER = "30"


def error_response(code: int, detail: str | None = None) -> Response:
    """The error page (or fragment) for `code`."""
    title, hint = MESSAGES.get(code, MESSAGES[500])
    return render(
        "errors/page.html",
        "errors/_error.html",
        status=code,
        code=code,
        title=title,
        hint=detail or hint,
    )


# SQLSTATE classes that mean "not now" rather than "wrong": connection exceptions,
# insufficient resources (too many connections, disk full), operator intervention
# (shutting down, starting up, statement timeout) and transaction rollback
# (deadlock, serialization failure).
_UNAVAILABLE_SQLSTATE_CLASSES = ("08", "53", "57", "40")
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")


def database_is_unavailable(exc: OperationalError) -> bool:
    """Whether `exc` says the database cannot serve now (try again), not that SQL is wrong."""
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        return str(state)[:2] in _UNAVAILABLE_SQLSTATE_CLASSES
    if type(exc.orig).__module__.startswith("psycopg"):
        return True  # no SQLSTATE: the connection itself failed (refused, timed out, closed)
    return str(exc.orig).lower().startswith(_SQLITE_UNAVAILABLE)


def _without_the_person() -> None:
    """Render the next page as for a visitor: finding out who is logged in needs the database."""
    g._login_user = current_app.login_manager.anonymous_user()  # type: ignore[attr-defined]


def register_error_handlers(app: Flask) -> None:
    """Render friendly error pages instead of Werkzeug's defaults."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Response:
        return error_response(
            400, "Your form expired or came from somewhere else. Reload the page and try again."
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response | HTTPException:
        code = exc.code or 500
        if code < 400 or code in (401,):
            return exc
        response = error_response(code)
        if code == 429 and exc.get_response().headers.get("Retry-After"):
            response.headers["Retry-After"] = exc.get_response().headers["Retry-After"]
        return response

    @app.errorhandler(OperationalError)
    def database_unavailable(exc: OperationalError) -> Response:
        # The database is down, restarting or unreachable (or busy past its timeout): a
        # 503 that asks to come back soon, rendered without asking it who is logged in.
        # Any other OperationalError (a bad statement, a missing table) is a bug: raised
        # again, it takes the 500 path with its traceback.
        if not database_is_unavailable(exc):
            raise exc
        log.error("database unavailable: %s", exc.orig or exc, exc_info=exc)
        _without_the_person()
        response = error_response(503)
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    @app.errorhandler(InternalServerError)
    def server_error(exc: InternalServerError) -> Response:
        log.error("unhandled error", exc_info=exc.original_exception or exc)
        try:
            return error_response(500)
        except Exception:  # the page itself failed (it may need the database too)
            log.exception("error page failed; rendering it for a visitor")
            _without_the_person()
            return error_response(500)
