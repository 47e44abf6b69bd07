"""Keeping ordered things in order: lessons, cards, questions and the modules of a path.

Positions run 0, 1, 2 ... without gaps; every change renumbers the whole list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from portal.db import db
from portal.learning.authoring_checks import AuthoringError
from portal.learning.models import Card, Lesson, PathModule, Question

M = TypeVar("M", Lesson, Card, Question, PathModule)


def renumber(items: Sequence[M]) -> None:
    """Give `items` the positions 0, 1, 2 ... in the order they come."""
    for position, item in enumerate(items):
        item.position = position


def move_item(items: Sequence[M], item: M, direction: str) -> None:
    """Swap `item` with its neighbour "up" or "down" (no-op at either end); AuthoringError else."""
    if direction not in ("up", "down"):
        raise AuthoringError("Move up or down.")
    ordered = list(items)
    index = ordered.index(item)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    renumber(ordered)


def reorder(items: Sequence[M], ids: Sequence[int]) -> None:
    """Put `items` in the order of `ids`; AuthoringError unless it lists each exactly once."""
    by_id = {item.id: item for item in items}
    if sorted(ids) != sorted(by_id):
        raise AuthoringError("The new order must list each item exactly once.")
    renumber([by_id[i] for i in ids])


def settle(parent: object, collection: str) -> None:
    """Flush, and have `parent` reload `collection` in its new order on next access."""
    db.session.flush()
    db.session.expire(parent, [collection])
