"""Who may use the content library, sharing and tracked links (merged into tests/access_rules.py)."""

from __future__ import annotations

from tests.access_rules import LOGIN, MANAGER, PUBLIC

RULES: dict[str, str] = {
    "content.index": LOGIN,
    "content.item": LOGIN,
    "content.check": LOGIN,
    "content.share": LOGIN,
    "content.remind": LOGIN,
    "content.suggest": LOGIN,
    "library.index": MANAGER,
    "library.new": MANAGER,
    "library.edit": MANAGER,
    "library.review": MANAGER,
    "links.follow": PUBLIC,
}
