"""Events of the bulletins domain (gamification and notifications subscribe to them)."""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class BulletinPublished(Event):
    """A bulletin went out to its audience (`user_id`: its author, 0 if unknown)."""

    bulletin_id: int


@dataclass(frozen=True)
class BulletinAcknowledged(Event):
    """The person pressed "Got it" on a bulletin (once per person and bulletin)."""

    bulletin_id: int
