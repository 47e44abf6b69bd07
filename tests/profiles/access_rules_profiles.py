"""Who may use the profiles blueprint's endpoints (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import LOGIN, PUBLIC

RULES: dict[str, str] = {
    "profiles.mine": LOGIN,
    "profiles.show": LOGIN,
    "profiles.edit": LOGIN,
    "profiles.update": LOGIN,
    "profiles.add_speaking": LOGIN,
    "profiles.delete_speaking": LOGIN,
    "profiles.public_page": PUBLIC,  # 404 unless the person opted in
}
