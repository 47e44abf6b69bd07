"""Domain events: how one domain tells the others what happened, inside the same transaction.

A service calls `publish(SomethingHappened(...))` after it has flushed its own
rows; each subscriber runs at once, in the caller's transaction, so points
and records written by a subscriber commit or roll back with the event's
cause. Subscribers that need slow work (email, HTTP) enqueue a job through the
outbox instead of doing it inline.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E", bound="Event")
_subscribers: dict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)


@dataclass(frozen=True)
class Event:
    """Base class: who did it and when."""

    user_id: int
    occurred_at: datetime


def subscribe(event_type: type[E]) -> Callable[[Callable[[E], None]], Callable[[E], None]]:
    """Register the decorated function to run whenever `event_type` is published."""

    def decorator(func: Callable[[E], None]) -> Callable[[E], None]:
        if func not in _subscribers[event_type]:
            _subscribers[event_type].append(func)
        return func

    return decorator


def publish(event: Event) -> None:
    """Run every subscriber of this event's type (and its base types), in order."""
    for event_type in type(event).__mro__:
        for subscriber in _subscribers.get(event_type, []):
            subscriber(event)


def subscribers_of(event_type: type[Event]) -> list[Callable[[Any], None]]:
    """The functions subscribed to exactly this event type (for tests and introspection)."""
    return list(_subscribers.get(event_type, []))
