"""Who may use the gamification blueprint's endpoints (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN

RULES: dict[str, str] = {
    "gamification.points": LOGIN,
    "gamification.board": LOGIN,
    "gamification.buy_freeze": LOGIN,
    "gamification.streak_settings": LOGIN,
    "gamification.admin_points": ADMIN,
    "gamification.update_rule": ADMIN,
    "gamification.adjust": ADMIN,
    "gamification.rebuild": ADMIN,
}
