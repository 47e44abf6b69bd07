"""Jobs of team challenges: settling one when it is due, and the periodic sweep that finds them."""

from __future__ import annotations

import logging

from portal.db import db, utcnow
from portal.gamification.challenge_settlement import due_challenge_ids
from portal.gamification.challenge_settlement import settle_challenge as settle

log = logging.getLogger(__name__)


def settle_challenge(challenge_id: int) -> bool:
    """Settle the challenge if it is due; True if this run settled it.

    Safe to run any number of times, at once or one after the other: only the
    run that claims the challenge's settlement marker pays anyone.
    """
    result = settle(challenge_id)
    if result is None:
        db.session.rollback()
        return False
    db.session.commit()
    log.info(
        "challenge %s settled: teams %s won, %d people rewarded",
        challenge_id,
        result.winning_team_ids,
        len(result.winner_ids),
    )
    return True


def settle_due_challenges() -> int:
    """Settle every challenge that is over or whose team reached its target; return how many."""
    settled = 0
    for challenge_id in due_challenge_ids(utcnow()):
        settled += settle_challenge(challenge_id)
    return settled
