"""The bell, the notification list, preferences, unsubscribe links, deliveries and nudges."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import Blueprint, Response, abort, current_app, make_response, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts import services as accounts
from portal.accounts.forms import options
from portal.accounts.models import User
from portal.db import db, reset_write_intent, set_write_intent, utcnow
from portal.extensions import csrf
from portal.notifications import nudges, redelivery, services
from portal.notifications import preferences as prefs
from portal.notifications import unsubscribe as unsubscribing
from portal.notifications.forms import NudgeForm, preferences_form
from portal.notifications.models import Notification
from portal.web import admin_required, manager_required, render, toast, wants_fragment
from portal.web.urls import safe_next

bp = Blueprint("notifications", __name__)

POLL_SECONDS = 20  # NOTIFICATIONS_POLL_SECONDS overrides it
CHANGED = "notifications-changed"  # the event that makes the bell look again


def _me() -> User:
    return current_user._get_current_object()


@bp.app_context_processor
def bell_context() -> dict[str, Any]:
    """`bell_count()` and the polling interval for the bell in the header."""

    def bell_count() -> int:
        if not current_user.is_authenticated:
            return 0
        return services.unread_count(current_user.id)

    return {
        "bell_count": bell_count,
        "bell_poll_seconds": current_app.config.get("NOTIFICATIONS_POLL_SECONDS", POLL_SECONDS),
        "notification_path": lambda url: safe_next(url, ""),
    }


@bp.app_template_filter("local_time")
def local_time(moment: datetime, person: User) -> str:
    """A moment as the person reads it: "25 Nov, 14:05" in their own time zone."""
    return prefs.local(moment, person.timezone).strftime("%-d %b, %H:%M")


@contextmanager
def _writing() -> Iterator[None]:
    """Let a GET write (opening a notification, a one-click unsubscribe link).

    GET requests begin their SQLite transactions deferred; this ends the read and
    starts the write the way POSTs do (BEGIN IMMEDIATE), so it waits its turn.
    """
    db.session.rollback()
    token = set_write_intent(True)
    try:
        yield
    finally:
        reset_write_intent(token)


def _changed(response: Response) -> Response:
    """Tell the bell (and anything else listening) that the unread count moved."""
    existing = response.headers.get("HX-Trigger")
    triggers: dict[str, Any] = json.loads(existing) if existing and existing.startswith("{") else {}
    triggers[CHANGED] = True
    response.headers["HX-Trigger"] = json.dumps(triggers)
    return response


# --- the bell and the list ----------------------------------------------------------------


@bp.get("/notifications/bell")
@login_required
def bell() -> Response:
    """The bell with the unread count; 204 (nothing to swap) when it is still `seen`."""
    count = services.unread_count(current_user.id)
    seen = request.args.get("seen", type=int)
    if seen is not None and seen == count:
        response = make_response("", 204)
    else:
        response = render("notifications/_bell.html", bell_unread=count)
    response.headers["Cache-Control"] = "no-store"
    return response


def _page_arg() -> int:
    page = request.args.get("page", 1, type=int) or 1
    return min(max(page, 1), 100_000)


@bp.get("/notifications")
@login_required
def index() -> Response:
    """The person's notifications, newest first, with links to what they are about."""
    result = services.list_notifications(_me(), _page_arg())
    return render(
        "notifications/index.html",
        "notifications/_list.html",
        result=result,
        endpoint="notifications.index",
    )


def _own_or_404(notification_id: int) -> Notification:
    found = services.get_own(_me(), notification_id)
    if found is None:
        abort(404)
    return found


@bp.get("/notifications/<int:notification_id>/open")
@login_required
def open_notification(notification_id: int) -> Response:
    """Mark a notification read and go to what it is about (only ever a path in Beacon)."""
    with _writing():
        found = _own_or_404(notification_id)
        services.mark_read(_me(), found)
        target = safe_next(found.url, url_for("notifications.index"))
        db.session.commit()
    return redirect(target, 303)  # type: ignore[return-value]


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int) -> Response:
    """Mark one notification read; htmx gets the updated item."""
    found = _own_or_404(notification_id)
    services.mark_read(_me(), found)
    db.session.commit()
    if wants_fragment():
        return _changed(render("notifications/_item.html", n=found, me=_me()))
    return redirect(url_for("notifications.index"), 303)  # type: ignore[return-value]


@bp.post("/notifications/read-all")
@login_required
def mark_all_read() -> Response:
    """Mark every notification read; htmx gets the updated list."""
    count = services.mark_all_read(_me())
    db.session.commit()
    toast("Everything is marked as read." if count else "Nothing was unread.")
    if wants_fragment():
        result = services.list_notifications(_me(), _page_arg())
        return _changed(
            render("notifications/_list.html", result=result, endpoint="notifications.index")
        )
    return redirect(url_for("notifications.index"), 303)  # type: ignore[return-value]


# --- preferences --------------------------------------------------------------------------


@bp.get("/settings/notifications")
@login_required
def preferences() -> Response:
    """What the person hears about, how, when, and their time zone."""
    me = _me()
    form = preferences_form(prefs.prefs_for(me.id), me.timezone)
    return render("notifications/preferences.html", form=form)


@bp.post("/settings/notifications")
@login_required
def save_preferences() -> Response:
    """Save the preferences; errors re-render the form (422)."""
    me = _me()
    form = preferences_form(formdata=request.form)
    if form.validate_on_submit():
        try:
            prefs.save_preferences(
                me.id,
                form.channels(),
                form.digest.data or prefs.DEFAULT_DIGEST,
                bool(form.quiet_hours.data),
                int(form.quiet_from.data or 0),
                int(form.quiet_to.data or 0),
            )
            if form.timezone.data != me.timezone:
                accounts.update_profile(me, me.display_name, form.timezone.data or "UTC")
        except (prefs.PreferencesError, accounts.AccountError) as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            toast("Your notification settings are saved.")
            return redirect(url_for("notifications.preferences"), 303)  # type: ignore[return-value]
    return render("notifications/preferences.html", form=form, status=422)


# --- unsubscribe: public, signed, one click -----------------------------------------------


def _unsubscription_or_404(token: str) -> unsubscribing.Unsubscription:
    found = unsubscribing.read_token(token)
    if found is None:
        abort(404)
    return found


@bp.get("/unsubscribe/<token>")
def unsubscribe(token: str) -> Response:
    """Stop the emails the link names at once (no login), with an undo button."""
    with _writing():
        found = _unsubscription_or_404(token)
        unsubscribing.apply(found)
        db.session.commit()
    return render("notifications/unsubscribed.html", found=found, token=token, undone=False)


@bp.post("/unsubscribe/<token>")
@csrf.exempt
def unsubscribe_post(token: str) -> Response:
    """RFC 8058 one-click unsubscribe from a mail client (no CSRF token: the link is the secret).

    Any other form post here needs the page's CSRF token, as every form does.
    """
    one_click = request.form.get("List-Unsubscribe") == "One-Click"
    if not one_click:
        csrf.protect()
    found = _unsubscription_or_404(token)
    unsubscribing.apply(found)
    db.session.commit()
    if one_click:
        return make_response("Unsubscribed.\n", 200, {"Content-Type": "text/plain; charset=utf-8"})
    return render("notifications/unsubscribed.html", found=found, token=token, undone=False)


@bp.post("/unsubscribe/<token>/undo")
def resubscribe(token: str) -> Response:
    """Undo an unsubscribe from its own page."""
    found = _unsubscription_or_404(token)
    unsubscribing.undo(found)
    db.session.commit()
    return render("notifications/unsubscribed.html", found=found, token=token, undone=True)


# --- admins: deliveries -------------------------------------------------------------------


@bp.get("/admin/deliveries")
@admin_required
def deliveries() -> Response:
    """Failed email deliveries with their errors, and how the last week's emails went."""
    return render(
        "notifications/deliveries.html",
        failed=redelivery.failed_deliveries(),
        counts=redelivery.status_counts(utcnow() - timedelta(days=7)),
    )


@bp.post("/admin/deliveries/<int:delivery_id>/retry")
@admin_required
def retry_delivery(delivery_id: int) -> Response:
    """Send a failed email again."""
    try:
        row = redelivery.retry_failed(_me(), delivery_id)
    except LookupError:
        abort(404)
    except redelivery.DeliveryError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast(f"“{row.subject}” will be sent again.")
    return redirect(url_for("notifications.deliveries"), 303)  # type: ignore[return-value]


# --- leaders: nudges ----------------------------------------------------------------------


def _teammate_or_404(person_id: int) -> User:
    """A person the current leader may nudge; 404 for anyone outside their team."""
    person = accounts.get_user(person_id)
    if person is None:
        abort(404)
    try:
        accounts.require_manager_of(_me(), person)
    except accounts.PermissionDenied:
        abort(404)
    return person


def _nudge_form(person: User) -> NudgeForm:
    form = NudgeForm()
    form.subject.choices = options([(o.subject, o.label) for o in nudges.options_for(person)])
    return form


def _nudge_page(
    person: User, form: NudgeForm, status: int = 200, error: str = "", sent: bool = False
) -> Response:
    return render(
        "notifications/nudge.html",
        "notifications/_nudge_form.html",
        status=status,
        person=person,
        form=form,
        error=error,
        sent=sent,
        nudged=nudges.nudged_today(person),
    )


@bp.get("/team/<int:person_id>/nudge")
@manager_required
def nudge_form(person_id: int) -> Response:
    """Choose what to nudge a team member about (a fragment for the roster's menu)."""
    person = _teammate_or_404(person_id)
    return _nudge_page(person, _nudge_form(person))


@bp.post("/team/<int:person_id>/nudge")
@manager_required
def nudge(person_id: int) -> Response:
    """Nudge a team member; a second nudge the same day gets a friendly 429."""
    person = _teammate_or_404(person_id)
    form = _nudge_form(person)
    if not form.validate_on_submit():
        return _nudge_page(person, form, status=422)
    try:
        nudges.nudge(_me(), person, form.subject.data or "")
    except nudges.AlreadyNudged as exc:
        db.session.rollback()
        return _nudge_page(person, form, status=429, error=str(exc))
    except nudges.NudgeError as exc:
        db.session.rollback()
        return _nudge_page(person, form, status=422, error=str(exc))
    except accounts.PermissionDenied:
        db.session.rollback()
        abort(403)
    db.session.commit()
    toast(f"{person.display_name} got your nudge.")
    if wants_fragment():
        return _nudge_page(person, form, sent=True)
    return redirect(url_for("people.team"), 303)  # type: ignore[return-value]
