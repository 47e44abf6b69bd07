"""Who may use the insights endpoints (merged into tests/access_rules.py).

Finer rules (a leader sees only their own team, charts only for scopes the
viewer may see) are tested in tests/insights/test_access.py.
"""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN, MANAGER

RULES: dict[str, str] = {
    "insights.index": LOGIN,
    "insights.me": LOGIN,
    "insights.chart": LOGIN,
    "insights.my_data": LOGIN,
    "insights.team": MANAGER,
    "insights.goals_page": MANAGER,
    "insights.create_goal": MANAGER,
    "insights.delete_goal": MANAGER,
    "insights.segments_page": MANAGER,
    "insights.assign_emerging": MANAGER,
    "insights.invite_not_engaged": MANAGER,
    "insights.ask_champions": MANAGER,
    "insights.exports_page": MANAGER,
    "insights.export": MANAGER,
    "insights.company": ADMIN,
    "insights.settings_page": ADMIN,
    "insights.update_settings": ADMIN,
    "insights.recompute": ADMIN,
    "insights.privacy_page": ADMIN,
    "insights.confirm_delete": ADMIN,
    "insights.delete_person": ADMIN,
}
