"""Who may use each endpoint: the table the role matrix (tests/web/test_role_matrix.py) checks.

Each domain keeps its own rules in `tests/<domain>/access_rules*.py`; they are
merged here. PUBLIC: anyone; LOGIN: anyone logged in; MANAGER: leaders and
admins; ADMIN: admins only. Finer rules (own team only, audience) are tested
in the domain's own tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

PUBLIC, LOGIN, MANAGER, ADMIN = "public", "login", "manager", "admin"

FOUNDATION_RULES: dict[str, str] = {
    "auth.login": PUBLIC,
    "auth.accept_invitation": PUBLIC,
    "auth.forgot_password": PUBLIC,
    "auth.reset_password": PUBLIC,
    "home.health": PUBLIC,
    "auth.logout": LOGIN,
    "home.index": LOGIN,
    "settings.index": LOGIN,
    "settings.update_profile": LOGIN,
    "settings.change_password": LOGIN,
    "people.team": MANAGER,
    "people.invite": MANAGER,
    "people.index": ADMIN,
    "people.person": ADMIN,
    "people.update_person": ADMIN,
    "people.deactivate": ADMIN,
    "people.reactivate": ADMIN,
    "people.teams": ADMIN,
}


def _domain_rules() -> dict[str, str]:
    rules: dict[str, str] = {}
    tests_dir = Path(__file__).parent
    for module in pkgutil.walk_packages([str(tests_dir)], prefix="tests."):
        if module.name.rsplit(".", 1)[-1].startswith("access_rules_"):
            rules.update(importlib.import_module(module.name).RULES)
    return rules


RULES: dict[str, str] = {**FOUNDATION_RULES, **_domain_rules()}
