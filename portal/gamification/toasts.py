"""Tell the person what they just earned: a toast on the response that earned it."""

from __future__ import annotations

from flask import Flask, Response
from flask_login import current_user

from portal.gamification.badges import pop_new_badges
from portal.gamification.points import pop_new_awards
from portal.web import toast


def register_point_toasts(app: Flask) -> None:
    """After each request, turn the awards it committed into toasts (flash or HX-Trigger)."""

    @app.after_request
    def point_toasts(response: Response) -> Response:
        awards = pop_new_awards()
        new_badges = pop_new_badges()
        if response.status_code >= 400:
            return response
        if awards:
            earned = sum(a.points for a in awards)
            if earned > 0:
                toast(f"+{earned} points", "success")
            top = max(awards, key=lambda a: a.level_after.number)
            if any(a.levelled_up for a in awards):
                toast(
                    f"Level up! You are now level {top.level_after.number}: {top.level_after.name}."
                )
        # Only the person's own: a request can give badges to others (a team's challenge won).
        for badge in new_badges:
            if current_user.is_authenticated and badge.user_id == current_user.id:
                toast(f"Badge earned: {badge.name}", "success")
        return response
