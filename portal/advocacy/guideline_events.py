"""Events of the posting guidelines (gamification subscribes to them)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class GuidelinesAcknowledged(Event):
    """A person acknowledged a published guidelines version for the first time."""

    version_id: int
    version_number: int
