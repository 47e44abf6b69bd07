"""The spaced-review session: one due question at a time, with feedback."""

from __future__ import annotations

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_login import current_user, login_required

from portal.db import db, utcnow
from portal.learning import review
from portal.web import parse_ids, render, toast, wants_fragment

bp = Blueprint("review", __name__, url_prefix="/learn/review")


@bp.get("/")
@login_required
def session() -> Response:
    """The next question due for review, or a note that nothing is due."""
    me = current_user._get_current_object()
    due = review.due_items(me, utcnow())
    return render(
        "learning/review.html",
        "learning/_review_item.html",
        item=due[0] if due else None,
        remaining=len(due),
        outcome=None,
        error=None,
    )


@bp.post("/<int:item_id>")
@login_required
def answer(item_id: int) -> Response:
    """Answer a review question; the feedback replaces it, with a link to the next."""
    me = current_user._get_current_object()
    option_ids = parse_ids(request.form.getlist("option"))
    if option_ids is None:
        abort(400)
    now = utcnow()
    try:
        outcome = review.answer_review(me, item_id, option_ids, now)
    except review.ReviewRejected as exc:
        db.session.rollback()
        if not wants_fragment():
            toast(str(exc), "error")
            return redirect(url_for("review.session"), 303)  # type: ignore[return-value]
        due = review.due_items(me, now)
        item = next((i for i in due if i.id == item_id), due[0] if due else None)
        return render(
            "learning/_review_item.html",
            status=422,
            item=item,
            remaining=len(due),
            outcome=None,
            error=str(exc),
        )
    db.session.commit()
    if not wants_fragment():
        toast("Right!" if outcome.correct else "Not quite: it will come back tomorrow.")
        return redirect(url_for("review.session"), 303)  # type: ignore[return-value]
    return render(
        "learning/_review_item.html",
        item=outcome.item,
        remaining=len(review.due_items(me, now)),
        outcome=outcome,
        error=None,
    )
