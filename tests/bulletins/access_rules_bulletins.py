"""Who may use the bulletins blueprint's endpoints (merged into tests/access_rules.py).

Readers outside a bulletin's audience get a 404 (tested in test_reading.py).
"""

from __future__ import annotations

from tests.access_rules import ADMIN, LOGIN

RULES: dict[str, str] = {
    "bulletins.index": LOGIN,
    "bulletins.show": LOGIN,
    "bulletins.acknowledge": LOGIN,
    "bulletins.manage": ADMIN,
    "bulletins.new": ADMIN,
    "bulletins.edit": ADMIN,
    "bulletins.cancel": ADMIN,
    "bulletins.statistics": ADMIN,
    "bulletins.remind": ADMIN,
}
