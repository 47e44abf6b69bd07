"""Who may use the guidelines blueprint's endpoints (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN

RULES: dict[str, str] = {
    "guidelines.show": LOGIN,
    "guidelines.version": LOGIN,
    "guidelines.acknowledge": LOGIN,
    "guidelines.check": LOGIN,
    "guidelines.admin": ADMIN,
    "guidelines.save_draft": ADMIN,
    "guidelines.discard_draft": ADMIN,
    "guidelines.publish": ADMIN,
    "guidelines.preview": ADMIN,
    "guidelines.update_rules": ADMIN,
}
