"""Who may use the boards blueprint's endpoints (merged into tests/access_rules.py).

Finer rules (a team board is a 404 outside its team, only the owner or an
admin runs a board, only the author edits an idea) are in tests/boards/.
"""

from __future__ import annotations

from tests.access_rules import LOGIN, MANAGER

RULES: dict[str, str] = {
    "boards.index": LOGIN,
    "boards.board": LOGIN,
    "boards.live": LOGIN,
    "boards.post_idea": LOGIN,
    "boards.idea": LOGIN,
    "boards.edit_idea": LOGIN,
    "boards.vote": LOGIN,
    "boards.comment": LOGIN,
    "boards.new_board": MANAGER,
    "boards.edit_board": MANAGER,
    "boards.set_phase": MANAGER,
    "boards.set_status": MANAGER,
    "boards.merge": MANAGER,
}
