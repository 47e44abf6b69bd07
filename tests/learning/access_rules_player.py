"""Access rules for learning, review and assignment routes (merged in tests/access_rules.py)."""

from tests.access_rules import LOGIN, MANAGER

RULES = {
    "learning.index": LOGIN,
    "learning.browse": LOGIN,
    "learning.module": LOGIN,
    "learning.path": LOGIN,
    "learning.lesson": LOGIN,
    "learning.step": LOGIN,
    "learning.answer": LOGIN,
    "learning.retry": LOGIN,
    "learning.complete": LOGIN,
    "learning.done": LOGIN,
    "review.session": LOGIN,
    "review.answer": LOGIN,
    "assignments.index": MANAGER,
    "assignments.create": MANAGER,
}
