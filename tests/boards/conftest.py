"""Fixtures for the boards tests: a team with its leader, people, and a client per person."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from portal.accounts.models import Role, Team, User
from tests.conftest import PASSWORD, CSRFClient, People


@dataclass
class Cast:
    """Who is who in a boards test."""

    blue: Team
    green: Team
    leader: User  # leads Blue, owns the boards
    other_leader: User  # also leads Blue, owns nothing
    admin: User
    ann: User  # Blue
    bob: User  # Blue
    gail: User  # Green


@pytest.fixture
def cast(people: People) -> Cast:
    blue, green = people.team("Blue"), people.team("Green")
    return Cast(
        blue=blue,
        green=green,
        leader=people.person(Role.LEADER, blue, name="Lee Leader"),
        other_leader=people.person(Role.LEADER, blue, name="Otto Other"),
        admin=people.person(Role.ADMIN, blue, name="Ada Admin"),
        ann=people.person(team=blue, name="Ann Able"),
        bob=people.person(team=blue, name="Bob Baker"),
        gail=people.person(team=green, name="Gail Green"),
    )


@pytest.fixture
def login_as(app: Any) -> Callable[[User], CSRFClient]:
    """A fresh client logged in as `person` (several people can act in one test)."""

    def make(person: User) -> CSRFClient:
        app.test_client_class = CSRFClient
        client: CSRFClient = app.test_client()
        response = client.post("/login", data={"email": person.email, "password": PASSWORD})
        assert response.status_code == 303, response.status_code
        return client

    return make
