"""The home page and the health check."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user, login_required
from sqlalchemy import text

from portal.accounts import services as accounts
from portal.db import db
from portal.extensions import limiter
from portal.web import render

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index() -> Response:
    """The person's home: who they are, their team, and where to go next."""

    from portal.advocacy import services as advocacy
    from portal.boards.listing import list_boards
    from portal.bulletins.reading import unread_count
    from portal.db import utcnow
    from portal.gamification import streaks
    from portal.gamification.badges import earned_badges
    from portal.gamification.challenge_progress import team_challenges_summary
    from portal.gamification.points import level_for, total_points
    from portal.learning import catalogue

    me = current_user._get_current_object()
    now = utcnow()
    team = current_user.team
    teammates = [m for m in team.members if m.active and m.id != current_user.id] if team else []
    today = accounts.local_date(me)
    learning = catalogue.my_learning(me, today, catalogue.count_due_reviews(me, now))
    points = total_points(me.id)
    badges = [a for a in earned_badges(me) if a.revoked_at is None]
    boards = [b for b in list_boards(me, now) if b.live or b.upcoming][:3]
    return render(
        "home/index.html",
        points=points,
        level=level_for(points),
        streak_days=streaks.streak_for(me),
        badges=badges[:3],
        badge_count=len(badges),
        team_challenges=team_challenges_summary(me, now),
        to_share=advocacy.feed(me, now)[:3],
        sessions=boards,
        unread_bulletins=unread_count(me, now),
        learning=learning,
        team=team,
        teammates=teammates[:8],
        teammate_count=len(teammates),
        team_count=len(accounts.list_teams()) if current_user.is_admin else None,
    )


@bp.get("/healthz")
@limiter.exempt
def health() -> tuple[Response, int]:
    """Liveness for load balancers: the database answers."""
    db.session.execute(text("SELECT 1"))
    return jsonify(status="ok"), 200
