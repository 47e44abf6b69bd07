"""Points and countable activity for brainstorming boards, paid in the same transaction.

Posting ideas and voting pay a little (capped per day, so nobody farms them);
an idea accepted or implemented pays its author well. Anonymous ideas pay
their author too: anonymity hides the name from colleagues, not the credit.
"""

from __future__ import annotations

from portal.accounts.models import User
from portal.boards.events import IdeaAccepted, IdeaImplemented, IdeaPosted, IdeaVoted
from portal.db import db
from portal.events import subscribe
from portal.gamification.activity import record_activity, register_metric
from portal.gamification.points import award_points
from portal.gamification.subscribers import DEFAULT_RULES

# action -> (label, points, daily cap); seeded by migration 0010.
BOARD_RULES: dict[str, tuple[str, int, int | None]] = {
    "idea_posted": ("Post an idea on a board", 10, 5),
    "idea_voted": ("Vote for an idea", 1, 10),
    "idea_accepted": ("Have an idea accepted", 50, None),
    "idea_implemented": ("Have an idea implemented", 100, None),
}
DEFAULT_RULES.update(BOARD_RULES)

register_metric("ideas", "Ideas posted")
register_metric("ideas_accepted", "Ideas accepted")


def _person(user_id: int) -> User | None:
    return db.session.get(User, user_id)


@subscribe(IdeaPosted)
def _idea_posted(event: IdeaPosted) -> None:
    if (user := _person(event.user_id)) is not None:
        subject = f"idea:{event.idea_id}"
        award_points(user, "idea_posted", subject, now=event.occurred_at)
        record_activity(user, "ideas", subject, event.occurred_at)


@subscribe(IdeaVoted)
def _idea_voted(event: IdeaVoted) -> None:
    # Once per idea ever: voting, taking it back and voting again pays once.
    if (user := _person(event.user_id)) is not None:
        award_points(user, "idea_voted", f"idea:{event.idea_id}", now=event.occurred_at)


@subscribe(IdeaAccepted)
def _idea_accepted(event: IdeaAccepted) -> None:
    if (user := _person(event.user_id)) is not None:
        subject = f"idea:{event.idea_id}"
        award_points(user, "idea_accepted", subject, now=event.occurred_at)
        record_activity(user, "ideas_accepted", subject, event.occurred_at)


@subscribe(IdeaImplemented)
def _idea_implemented(event: IdeaImplemented) -> None:
    if (user := _person(event.user_id)) is not None:
        award_points(user, "idea_implemented", f"idea:{event.idea_id}", now=event.occurred_at)
