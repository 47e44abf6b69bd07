"""Who may use the leagues blueprint's endpoints (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import LOGIN

RULES: dict[str, str] = {
    "leagues.index": LOGIN,
}
