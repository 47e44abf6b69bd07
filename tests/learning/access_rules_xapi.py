"""Who may use the learning records pages (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import ADMIN

RULES: dict[str, str] = {
    "learning_records.index": ADMIN,
    "learning_records.statements": ADMIN,
}
