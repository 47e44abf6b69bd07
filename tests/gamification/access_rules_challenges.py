"""Who may use the challenges blueprint's endpoints (merged into tests/access_rules.py).

Finer rules (only challenges one's team takes part in, only the setting team's
leaders edit and cancel) are tested in tests/gamification/test_challenges_views.py.
"""

from __future__ import annotations

from tests.access_rules import LOGIN, MANAGER

RULES: dict[str, str] = {
    "challenges.index": LOGIN,
    "challenges.detail": LOGIN,
    "challenges.live_progress": LOGIN,
    "challenges.new": MANAGER,
    "challenges.edit": MANAGER,
    "challenges.cancel": MANAGER,
}
