"""Who may use the badges blueprint's endpoints (merged into tests/access_rules.py).

The Open Badges documents, the badge images and the page of an issued badge
are public: verifiers and the people a badge is shown to are not logged in.
"""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN, PUBLIC

RULES: dict[str, str] = {
    "badges.mine": LOGIN,
    "badges.issuer": PUBLIC,
    "badges.badge_class": PUBLIC,
    "badges.badge_image": PUBLIC,
    "badges.assertion": PUBLIC,
    "badges.assertion_image": PUBLIC,
    "badges.earned": PUBLIC,
    "badges.admin_index": ADMIN,
    "badges.new_badge": ADMIN,
    "badges.edit_badge": ADMIN,
    "badges.preview": ADMIN,
    "badges.retire": ADMIN,
    "badges.reactivate": ADMIN,
    "badges.add_suggested": ADMIN,
    "badges.revoke": ADMIN,
}
