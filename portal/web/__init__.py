"""The web layer's helpers: page-or-fragment rendering, htmx redirects, toasts, role checks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Response, flash, get_flashed_messages, make_response, redirect, render_template
from flask_login import current_user, login_required
from htmx_flask import request
from werkzeug.routing import IntegerConverter, Map

from portal.accounts.models import Role

F = TypeVar("F", bound=Callable[..., Any])


def wants_fragment() -> bool:
    """True for an htmx request that is not a boosted navigation or a history restore.

    With no history cache, htmx restores Back/Forward pages by asking the server
    again (with HX-Request set): those must get the whole page.
    """
    return (
        bool(request.htmx) and not request.htmx.boosted and not request.htmx.history_restore_request
    )


def render(page: str, partial: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render `partial` for an htmx (non-boosted) request, else the full `page`.

    Sets `Vary: HX-Request` so caches keep the two apart.
    """
    template = partial if partial and wants_fragment() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    response.vary.add("HX-History-Restore-Request")
    return response


def hx_redirect(location: str, status: int = 303) -> Response:
    """Redirect a normal request with a 303, an htmx one with `HX-Redirect`."""
    if request.htmx:
        response = make_response("", 204)
        response.headers["HX-Redirect"] = location
        return response
    return redirect(location, status)  # type: ignore[return-value]


def toast(message: str, category: str = "success") -> None:
    """Tell the person something: a flash on the next page, or a toast on an htmx swap."""
    flash(message, category)


def flashes_to_hx_trigger(response: Response) -> Response:
    """Move pending flashes into an `HX-Trigger: toast` header on fragment responses."""
    if (
        not wants_fragment()
        or response.status_code in (301, 302, 303)
        or "HX-Redirect" in response.headers
    ):
        return response
    messages: list[tuple[str, str]] = get_flashed_messages(with_categories=True)  # type: ignore[assignment]
    if messages:
        existing = response.headers.get("HX-Trigger")
        triggers: dict[str, Any] = (
            json.loads(existing) if existing and existing.startswith("{") else {}
        )
        triggers["toast"] = [{"category": c, "message": m} for c, m in messages]
        response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Let only logged-in people with one of `roles` through; others get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role not in roles:
                from flask import abort

                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


admin_required = roles_required(Role.ADMIN)
manager_required = roles_required(Role.ADMIN, Role.LEADER)


MAX_ID = 2**31 - 1
_ID = re.compile(r"[0-9]{1,10}")


def parse_id(value: str | None) -> int | None:
    """An id from a form or query value: a plain number within range, else None."""
    if value is None or not _ID.fullmatch(value.strip()):
        return None
    number = int(value.strip())
    return number if 0 < number <= MAX_ID else None


def parse_ids(values: list[str]) -> list[int] | None:
    """Ids from a multi-valued field; None if any of them is not a plain, in-range number."""
    ids = [parse_id(v) for v in values]
    return None if any(i is None for i in ids) else [i for i in ids if i is not None]


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` in URLs, capped so an absurd id is a 404, not a database overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
