"""Bulletin pages: the archive and reading for everyone; writing, scheduling and stats for admins.

A bulletin outside a person's audience (or not yet published) is a 404 for
them. Opening a bulletin records that it was read; "Got it" acknowledges it
and, on an htmx request, answers with the acknowledgement box plus the
navigation's unread count as an out-of-band swap.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, g, has_request_context, redirect, request, url_for
from flask_login import current_user, login_required
from werkzeug.exceptions import NotFound

from portal.accounts.forms import options
from portal.accounts.models import User
from portal.accounts.services import list_teams
from portal.bulletins import audience, notices, reading, services, stats
from portal.bulletins.forms import BulletinForm
from portal.bulletins.models import Bulletin, BulletinRead, BulletinStatus, Category, Network
from portal.bulletins.services import BulletinError, BulletinInput
from portal.db import db, reset_write_intent, set_write_intent, utcnow
from portal.learning import catalogue
from portal.learning.models import Lesson
from portal.web import admin_required, render, toast, wants_fragment

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")

T = "bulletins/"
INVALID = "Please correct the fields marked below."
MAX_PAGE = 10_000


def _me() -> User:
    return current_user._get_current_object()


def see_other(endpoint: str, **values: Any) -> Response:
    """A 303 to `endpoint`: the answer to a plain form post."""
    return redirect(url_for(endpoint, **values), 303)  # type: ignore[return-value]


def local_time(moment: datetime | None, with_zone: bool = True) -> str:
    """`moment` in the viewer's time zone: "25 Nov 2026, 09:30 CET"."""
    if moment is None:
        return ""
    local = moment.astimezone(ZoneInfo(current_user.timezone))
    text = local.strftime("%-d %b %Y, %H:%M")
    return f"{text} {local.tzname()}" if with_zone else text


def unread_bulletins() -> int:
    """The viewer's unread bulletins: one query per request, only when a page shows it."""
    if not has_request_context() or not current_user.is_authenticated:
        return 0
    if "bulletins_unread" not in g:
        g.bulletins_unread = reading.unread_count(_me(), utcnow())
    count: int = g.bulletins_unread
    return count


@bp.app_context_processor
def _unread_in_navigation() -> dict[str, Any]:
    # A function, not a number: the query runs only when the navigation is rendered.
    return {"bulletins_unread": unread_bulletins}


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "local_time": local_time,
        "Category": Category,
        "Network": Network,
        "BulletinStatus": BulletinStatus,
    }


# --- reading -------------------------------------------------------------------------------


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and 0 < int(raw) <= MAX_PAGE else 1


@bp.get("/")
@login_required
def index() -> Response:
    """The archive: every bulletin of the person's audience, searchable, pinned ones first."""
    result = reading.archive(
        _me(),
        query=request.args.get("q", ""),
        category=request.args.get("category", ""),
        network=request.args.get("network", ""),
        page=_page_number(request.args.get("page")),
    )
    return render(T + "index.html", T + "_results.html", result=result)


def _record_read(me: User, bulletin_id: int) -> BulletinRead | None:
    """Remember that `me` opened the bulletin, in a write transaction of its own.

    GET requests read in deferred transactions; on SQLite one that later writes
    can fail with "database is locked", so the read ends first and the write
    begins as a writer.
    """
    db.session.commit()  # nothing written yet: just ends the read transaction
    token = set_write_intent(True)
    try:
        bulletin = db.session.get(Bulletin, bulletin_id)
        if bulletin is None:
            raise NotFound()
        reading.mark_read(me, bulletin, utcnow())
        db.session.commit()
    finally:
        reset_write_intent(token)
    return reading.reading_of(me, bulletin)


def _visible_lesson(me: User, bulletin: Bulletin) -> Lesson | None:
    if bulletin.lesson_id is None:
        return None
    try:
        return catalogue.get_lesson(me, bulletin.lesson_id)
    except NotFound:
        return None


@bp.get("/<int:bulletin_id>")
@login_required
def show(bulletin_id: int) -> Response:
    """A bulletin, with its action items, its lesson and the "Got it" button."""
    me = _me()
    if me.is_admin:  # admins preview drafts and see every audience's bulletins
        bulletin = services.get_bulletin(me, bulletin_id)
    else:
        bulletin = reading.get_for_reader(me, bulletin_id)
    member = bulletin.is_published and audience.in_audience(me, bulletin)
    row = reading.reading_of(me, bulletin) if member else None
    if member and row is None:
        row = _record_read(me, bulletin_id)
    return render(
        T + "show.html",
        bulletin=bulletin,
        member=member,
        reading=row,
        lesson=_visible_lesson(me, bulletin),
    )


@bp.post("/<int:bulletin_id>/acknowledge")
@login_required
def acknowledge(bulletin_id: int) -> Response:
    """ "Got it": acknowledge the bulletin (once); htmx gets the box and the new unread count."""
    me = _me()
    reading.acknowledge(me, bulletin_id, utcnow())
    db.session.commit()
    if not wants_fragment():
        return see_other("bulletins.show", bulletin_id=bulletin_id)
    bulletin = reading.get_for_reader(me, bulletin_id)
    return render(
        T + "_acknowledge.html",
        bulletin=bulletin,
        member=True,
        reading=reading.reading_of(me, bulletin),
        oob_count=True,
    )


# --- writing (admins) ----------------------------------------------------------------------


@bp.get("/manage")
@admin_required
def manage() -> Response:
    """Every bulletin, scheduled ones first, with acknowledgement rates of the published ones."""
    bulletins = services.all_bulletins(_me())
    return render(T + "manage.html", bulletins=bulletins, rates=stats.rates_for(bulletins))


def _setup(form: BulletinForm) -> BulletinForm:
    form.teams.choices = options([(t.id, t.name) for t in list_teams()])
    lessons = [(lesson.id, f"{lesson.module.title} — {lesson.title}")
               for lesson in services.linkable_lessons()]  # fmt: skip
    form.lesson_id.choices = options([(0, "No lesson"), *lessons])
    return form


def _form_data(bulletin: Bulletin) -> dict[str, Any]:
    local = None
    if bulletin.publish_at is not None and bulletin.status == BulletinStatus.SCHEDULED:
        local = bulletin.publish_at.astimezone(ZoneInfo(current_user.timezone)).replace(
            tzinfo=None, second=0, microsecond=0
        )
    return {
        "title": bulletin.title,
        "summary": bulletin.summary,
        "body": bulletin.body,
        "category": bulletin.category.value,
        "networks": [n.value for n in bulletin.networks],
        "action_items": "\n".join(bulletin.action_items or []),
        "lesson_id": bulletin.lesson_id or 0,
        "audience": "everyone" if bulletin.for_everyone else "teams",
        "teams": [t.id for t in bulletin.teams],
        "pinned": bulletin.pinned,
        "when": "later" if local else "now",
        "publish_at": local,
    }


def _input(form: BulletinForm) -> BulletinInput:
    return BulletinInput(
        title=form.title.data or "",
        summary=form.summary.data or "",
        body=form.body.data or "",
        category=form.category.data or "",
        networks=list(form.networks.data or []),
        action_items=form.action_items.data or "",
        lesson_id=form.lesson_id.data or None,
        for_everyone=form.audience.data != "teams",
        team_ids=list(form.teams.data or []),
        pinned=bool(form.pinned.data),
    )


def _attach_error(form: BulletinForm, exc: BulletinError) -> str | None:
    """Show a service error on its field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def _publish_as_asked(me: User, bulletin: Bulletin, form: BulletinForm) -> str:
    """Save as draft, publish now or schedule, per the button pressed; return what to say."""
    if bulletin.is_published:
        return "Changes saved."
    intent = request.form.get("intent", "draft")
    if intent == "draft":
        if bulletin.status != BulletinStatus.DRAFT:
            services.make_draft(me, bulletin)
        return "Draft saved."
    if intent != "publish":
        abort(400)
    if form.when.data == "later":
        if form.publish_at.data is None:
            raise BulletinError("Choose the date and time to publish it.", "publish_at")
        at = form.publish_at.data.replace(tzinfo=ZoneInfo(me.timezone))
        services.schedule(me, bulletin, at, utcnow())
        return f"Scheduled for {local_time(at)}."
    services.publish_now(me, bulletin, utcnow())
    return "Published. Its audience is being notified."


def _editor(form: BulletinForm, bulletin: Bulletin | None, error: str | None) -> Response:
    return render(
        T + "edit.html",
        T + "_form.html",
        status=422 if error or any(f.errors for f in form) else 200,
        form=form,
        bulletin=bulletin,
        error=error,
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new() -> Response:
    """Write a bulletin, then save it as a draft, publish it or schedule it."""
    me = _me()
    form = _setup(BulletinForm())
    error = None
    if form.validate_on_submit():
        try:
            bulletin = services.create_bulletin(me, _input(form))
            message = _publish_as_asked(me, bulletin, form)
        except BulletinError as exc:
            db.session.rollback()
            error = _attach_error(form, exc)
        else:
            db.session.commit()
            toast(message)
            return see_other("bulletins.manage")
    elif form.is_submitted():
        error = INVALID
    return _editor(form, None, error)


@bp.route("/<int:bulletin_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(bulletin_id: int) -> Response:
    """Change a bulletin; a new time reschedules it, "Save as draft" takes it off the schedule."""
    me = _me()
    bulletin = services.get_bulletin(me, bulletin_id)
    form = _setup(BulletinForm(**_form_data(bulletin)))
    error = None
    if form.validate_on_submit():
        try:
            services.update_bulletin(me, bulletin, _input(form))
            message = _publish_as_asked(me, bulletin, form)
        except BulletinError as exc:
            db.session.rollback()
            error = _attach_error(form, exc)
            bulletin = services.get_bulletin(me, bulletin_id)
        else:
            db.session.commit()
            toast(message)
            return see_other("bulletins.manage")
    elif form.is_submitted():
        error = INVALID
    return _editor(form, bulletin, error)


@bp.post("/<int:bulletin_id>/cancel")
@admin_required
def cancel(bulletin_id: int) -> Response:
    """Cancel a draft or scheduled bulletin: it will not go out."""
    me = _me()
    bulletin = services.get_bulletin(me, bulletin_id)
    try:
        services.cancel(me, bulletin)
    except BulletinError as exc:
        db.session.rollback()
        toast(str(exc), "error")
    else:
        db.session.commit()
        toast("Cancelled: it will not be published.")
    return see_other("bulletins.manage")


@bp.get("/<int:bulletin_id>/stats")
@admin_required
def statistics(bulletin_id: int) -> Response:
    """Read and acknowledgement rates of a published bulletin, overall and per team."""
    me = _me()
    bulletin = services.get_bulletin(me, bulletin_id)
    figures = stats.bulletin_stats(me, bulletin) if bulletin.is_published else None
    return render(T + "stats.html", bulletin=bulletin, stats=figures)


@bp.post("/<int:bulletin_id>/remind")
@admin_required
def remind(bulletin_id: int) -> Response:
    """Remind everyone in the audience who has not acknowledged (once a day at most)."""
    me = _me()
    bulletin = services.get_bulletin(me, bulletin_id)
    try:
        count = stats.remind_unacknowledged(
            me, bulletin, notices.bulletin_path(bulletin.id), utcnow()
        )
    except BulletinError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return see_other("bulletins.statistics", bulletin_id=bulletin_id)
    db.session.commit()
    if count:
        toast(f"Reminded {count} {'person' if count == 1 else 'people'}.")
    else:
        toast("No one to remind: everyone acknowledged, or was reminded today.", "info")
    return see_other("bulletins.statistics", bulletin_id=bulletin_id)
