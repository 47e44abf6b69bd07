"""Learning records (xAPI statements) for admins: what is stored, what waits, a JSON download."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request, stream_with_context

from portal.db import db, utcnow
from portal.learning import xapi
from portal.web import admin_required, render

bp = Blueprint("learning_records", __name__, url_prefix="/admin/learning-records")

EXPORT_CHUNK = 500


class BadBound(ValueError):
    """A `since` or `until` that is not an ISO 8601 date or date-time."""


def _parse_bound(name: str, value: str, end_of_day: bool) -> datetime | None:
    """An aware datetime from an ISO date or date-time (naive ones are UTC); None if blank.

    A plain date means the start of that day, or for `until` the start of the next
    one, so `until=2025-03-31` includes the whole of 31 March.
    """
    value = value.strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        pass
    else:
        moment = datetime.combine(day, time(), tzinfo=UTC)
        if not end_of_day:
            return moment
        try:
            return moment + timedelta(days=1)
        except OverflowError:
            raise BadBound(f"“{value}” is too far in the future.") from None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise BadBound(
            f"“{value}” is not a date: give {name} as YYYY-MM-DD (or an ISO 8601 date-time)."
        ) from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise BadBound(f"“{value}” is out of range.") from None
    return moment


def _display_endpoint(endpoint: str) -> str:
    """The LRS address without any credentials written into it."""
    parts = urlsplit(endpoint)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return parts._replace(netloc=host).geturl()


def _page(errors: dict[str, str] | None = None, status: int = 200) -> Response:
    config = current_app.config
    endpoint = config.get("XAPI_ENDPOINT") or ""
    return render(
        "learning/records/index.html",
        status=status,
        summary=xapi.summarise(),
        endpoint=_display_endpoint(endpoint) if endpoint else None,
        lrs_username=config.get("XAPI_USERNAME") or None,
        verb_ids=xapi.VERB_IDS,
        errors=errors or {},
        since=request.args.get("since", ""),
        until=request.args.get("until", ""),
    )


@bp.get("/")
@admin_required
def index() -> Response:
    """Statements by verb, the forwarding backlog and the LRS, and the download form."""
    return _page()


@bp.get("/statements.json")
@admin_required
def statements() -> Response:
    """Every statement stored in the optional [since, until] range, newest first, as a download.

    A bad date answers 400 with the form and its message.
    """
    errors: dict[str, str] = {}
    bounds: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        try:
            bounds[name] = _parse_bound(name, request.args.get(name, ""), name == "until")
        except BadBound as exc:
            errors[name] = str(exc)
    since, until = bounds.get("since"), bounds.get("until")
    if not errors and since and until and since >= until:
        errors["until"] = "“until” must come after “since”."
    if errors:
        return _page(errors, status=400)

    def generate() -> Iterator[str]:
        yield "["
        after: tuple[datetime, str] | None = None
        first = True
        while True:
            rows = xapi.statements_page(since, until, after, EXPORT_CHUNK)
            # End each read at once: on SQLite it holds the write lock while it lasts,
            # and a slow download must not keep everyone else from writing.
            db.session.rollback()
            for _stored_at, _id, statement in rows:
                yield ("" if first else ",\n") + json.dumps(statement, ensure_ascii=False)
                first = False
            if len(rows) < EXPORT_CHUNK:
                break
            after = (rows[-1][0], rows[-1][1])
        yield "]\n"

    filename = f"beacon-xapi-statements-{utcnow():%Y%m%d-%H%M%S}.json"
    response = Response(stream_with_context(generate()), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
