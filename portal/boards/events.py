"""Events of the boards domain (gamification and notifications subscribe to them).

`user_id` is the person the event credits: the author for a posted, accepted
or implemented idea (even an anonymous one: anonymity hides the name from
colleagues, not the points from the author), the voter for a vote.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.events import Event


@dataclass(frozen=True)
class IdeaPosted(Event):
    idea_id: int
    board_id: int


@dataclass(frozen=True)
class IdeaVoted(Event):
    """The person's first vote (or dot) on an idea; taking it back and voting again is not new."""

    idea_id: int
    board_id: int


@dataclass(frozen=True)
class IdeaAccepted(Event):
    idea_id: int
    board_id: int
    by_id: int  # the owner or admin who accepted it


@dataclass(frozen=True)
class IdeaImplemented(Event):
    idea_id: int
    board_id: int
    by_id: int
