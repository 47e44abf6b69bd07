"""The navigation each role sees, and the template globals every page needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user

from portal.accounts.models import Role


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation; current for the pages under its `prefix` (or `also`)."""

    label: str
    endpoint: str
    prefix: str
    also: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return url_for(self.endpoint)

    @property
    def current(self) -> bool:
        path = request.path
        if self.prefix == "/":
            return path == "/"
        return any(path.startswith(p) for p in (self.prefix, *self.also))


# Leaderboards, leagues, challenges and badges share one entry and a row of tabs.
COMPETE = NavItem(
    "Compete", "gamification.board", "/leaderboard", ("/leagues", "/challenges", "/badges")
)
MAIN = [
    NavItem("Home", "home.index", "/"),
    NavItem("Learn", "learning.index", "/learn"),
    NavItem("Share", "content.index", "/content", ()),
    NavItem("Boards", "boards.index", "/boards"),
    NavItem("Bulletins", "bulletins.index", "/bulletins"),
    COMPETE,
    # Everyone: their own figures; leaders land on their team's, admins on the company's.
    NavItem("Insights", "insights.index", "/insights"),
]
NAV_BY_ROLE: dict[Role, list[NavItem]] = {role: MAIN for role in Role}

# The "Manage" menu: what leaders and admins run.
MANAGE_BY_ROLE: dict[Role, list[NavItem]] = {
    Role.EMPLOYEE: [],
    Role.LEADER: [
        NavItem("My team", "people.team", "/team"),
        NavItem("Lessons", "authoring.index", "/author"),
        NavItem("Content library", "library.index", "/content/library"),
    ],
    Role.ADMIN: [
        NavItem("People", "people.index", "/admin/people"),
        NavItem("Teams", "people.teams", "/admin/teams"),
        NavItem("Lessons", "authoring.index", "/author"),
        NavItem("Content library", "library.index", "/content/library"),
        NavItem("Bulletins", "bulletins.manage", "/bulletins/manage"),
        NavItem("Posting guidelines", "guidelines.admin", "/admin/guidelines"),
        NavItem("Points", "gamification.admin_points", "/admin/points"),
        NavItem("Badges", "badges.admin_index", "/admin/badges"),
        NavItem("Email deliveries", "notifications.deliveries", "/admin/deliveries"),
        NavItem("Learning records", "learning_records.index", "/admin/learning-records"),
    ],
}

COMPETE_TABS = [
    NavItem("Leaderboard", "gamification.board", "/leaderboard"),
    NavItem("Leagues", "leagues.index", "/leagues"),
    NavItem("Challenges", "challenges.index", "/challenges"),
    NavItem("Badges", "badges.mine", "/badges"),
]


def register_navigation(app: Flask) -> None:
    """Expose `nav_items` and the htmx config to every template."""

    @app.context_processor
    def navigation() -> dict[str, Any]:
        items: list[NavItem] = []
        manage: list[NavItem] = []
        if has_request_context() and current_user and current_user.is_authenticated:
            items = NAV_BY_ROLE.get(current_user.role, [])
            manage = MANAGE_BY_ROLE.get(current_user.role, [])
        return {
            "nav_items": items,
            "manage_items": manage,
            "compete_tabs": COMPETE_TABS,
            "Role": Role,
        }
