"""The navigation each role sees, and the template globals every page needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user

from portal.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    """A link in the main navigation; `prefix` marks it current for the pages under it."""

    label: str
    endpoint: str
    prefix: str

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def current(self) -> bool:
        path = request.path
        return path == self.prefix if self.prefix == "/" else path.startswith(self.prefix)


NAV_BY_ROLE: dict[Role, list[NavItem]] = {
    Role.EMPLOYEE: [
        NavItem("Home", "home.index", "/"),
        NavItem("Learn", "learning.index", "/learn"),
        NavItem("Leaderboard", "gamification.board", "/leaderboard"),
    ],
    Role.LEADER: [
        NavItem("Home", "home.index", "/"),
        NavItem("Learn", "learning.index", "/learn"),
        NavItem("Leaderboard", "gamification.board", "/leaderboard"),
        NavItem("Authoring", "authoring.index", "/author"),
        NavItem("My team", "people.team", "/team"),
    ],
    Role.ADMIN: [
        NavItem("Home", "home.index", "/"),
        NavItem("Learn", "learning.index", "/learn"),
        NavItem("Leaderboard", "gamification.board", "/leaderboard"),
        NavItem("Authoring", "authoring.index", "/author"),
        NavItem("People", "people.index", "/admin/people"),
        NavItem("Teams", "people.teams", "/admin/teams"),
        NavItem("Points", "gamification.admin_points", "/admin/points"),
        NavItem("Records", "learning_records.index", "/admin/learning-records"),
    ],
}


def register_navigation(app: Flask) -> None:
    """Expose `nav_items` and the htmx config to every template."""

    @app.context_processor
    def navigation() -> dict[str, Any]:
        items: list[NavItem] = []
        if has_request_context() and current_user and current_user.is_authenticated:
            items = NAV_BY_ROLE.get(current_user.role, [])
        return {"nav_items": items, "Role": Role}
