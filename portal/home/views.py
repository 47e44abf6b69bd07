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

    from portal.db import utcnow
    from portal.learning import catalogue

    me = current_user._get_current_object()
    team = current_user.team
    teammates = [m for m in team.members if m.active and m.id != current_user.id] if team else []
    today = accounts.local_date(me)
    learning = catalogue.my_learning(me, today, catalogue.count_due_reviews(me, utcnow()))
    return render(
        "home/index.html",
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
