"""Who may open which route, for every route in the app's URL map.

Each endpoint must have a rule in `tests/access_rules.py` (or a domain's
`tests/<domain>/access_rules*.py`, merged there): a new route without one fails
`test_every_route_has_a_rule`, so nobody forgets to decide who may use it.
"""

from __future__ import annotations

import re

import pytest

from portal import create_app
from portal.accounts.models import Role
from tests.access_rules import ADMIN, LOGIN, MANAGER, PUBLIC, RULES

ALLOWED = {
    PUBLIC: {"anonymous", "employee", "leader", "other_leader", "admin"},
    LOGIN: {"employee", "leader", "other_leader", "admin"},
    MANAGER: {"leader", "other_leader", "admin"},
    ADMIN: {"admin"},
}
ACTORS = ["anonymous", "employee", "leader", "other_leader", "admin"]


def _routes() -> list[tuple[str, str, str]]:
    app = create_app("test")
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((rule.endpoint, method, rule.rule))
    return sorted(found)


ROUTES = _routes()


def test_every_route_has_a_rule():
    missing = sorted({endpoint for endpoint, _, _ in ROUTES} - RULES.keys())
    assert not missing, f"routes without an access rule in {__file__}: {missing}"


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("endpoint", "method", "rule"), ROUTES, ids=[f"{m} {r}" for _, m, r in ROUTES]
)
def test_access(client, auth, people, endpoint, method, rule, actor):
    team, other_team = people.team("Blue"), people.team("Green")
    target = people.person(team=team, name="Target Person")
    actors = {
        "employee": people.person(team=team),
        "leader": people.person(role=Role.LEADER, team=team),
        "other_leader": people.person(role=Role.LEADER, team=other_team),
        "admin": people.person(role=Role.ADMIN, team=team),
    }
    if actor != "anonymous":
        assert auth.login(actors[actor].email).status_code == 303

    path = re.sub(r"<int:[a-z_]+>", str(target.id), rule.replace("<int:person_id>", str(target.id)))
    path = re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "not-a-token", path)
    response = client.post(path, data={}) if method == "POST" else client.get(path)

    allowed = actor in ALLOWED[RULES[endpoint]]
    if allowed:
        assert response.status_code not in (401, 403), response.status_code
        if actor != "anonymous" and endpoint != "auth.logout":
            assert not response.headers.get("Location", "").startswith("/login"), (
                "a logged-in person with access was sent to the login page"
            )
    elif actor == "anonymous":
        assert response.status_code == 303
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == 403
