"""The leagues page: the viewer's cohort this week, last week's result, and the tiers."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Response
from flask_login import current_user, login_required

from portal.db import utcnow
from portal.gamification import league_rules, league_standings
from portal.web import render

bp = Blueprint("leagues", __name__)

REFRESH_SECONDS = 45


def time_left(delta: timedelta) -> str:
    """A short, human "2 days 5 hours" for the time until the week ends."""
    minutes = max(int(delta.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def unit(n: int, name: str) -> str:
        return f"{n} {name}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute") if minutes else "less than a minute"


def local_end(ends_at: datetime, timezone: str) -> datetime:
    """When the week ends, in the viewer's own time zone."""
    return ends_at.astimezone(ZoneInfo(timezone))


@bp.get("/leagues")
@login_required
def index() -> Response:
    """The viewer's cohort (the table alone for htmx polls), last result and the tiers."""
    viewer = current_user._get_current_object()
    now = utcnow()
    week = league_rules.week_of(now)
    ends_at = league_rules.week_end(week)
    return render(
        "gamification/leagues/index.html",
        "gamification/leagues/_standings.html",
        standings=league_standings.standings(viewer, now),
        last=league_standings.last_league(viewer, now),
        starting=league_standings.starting_tier(viewer, now),
        tiers=league_rules.TIERS,
        move=league_rules.MOVE,
        cohort_size=league_rules.COHORT_SIZE,
        week=week,
        ends_local=local_end(ends_at, viewer.timezone),
        left=time_left(ends_at - now),
        refresh=REFRESH_SECONDS,
        ordinal=league_rules.ordinal,
    )
