"""Who may use the notifications blueprint's endpoints (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN, MANAGER, PUBLIC

RULES: dict[str, str] = {
    "notifications.index": LOGIN,
    "notifications.bell": LOGIN,
    "notifications.open_notification": LOGIN,
    "notifications.mark_read": LOGIN,
    "notifications.mark_all_read": LOGIN,
    "notifications.preferences": LOGIN,
    "notifications.save_preferences": LOGIN,
    # Signed links from emails: they work without logging in (the token is the key).
    "notifications.unsubscribe": PUBLIC,
    "notifications.unsubscribe_post": PUBLIC,
    "notifications.resubscribe": PUBLIC,
    "notifications.deliveries": ADMIN,
    "notifications.retry_delivery": ADMIN,
    # Leaders of the person's team and admins; anyone else's team member is a 404.
    "notifications.nudge_form": MANAGER,
    "notifications.nudge": MANAGER,
}
