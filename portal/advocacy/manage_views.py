"""Curating the library (leaders and admins): items, their numbers, and suggestions to review.

Every route is for managers; the services decide what each may touch (a
leader asking for another team's item or suggestion gets a 404).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, redirect, request, url_for
from flask_login import current_user

from portal.accounts.forms import options
from portal.accounts.models import Role, User
from portal.accounts.services import list_teams
from portal.advocacy import services
from portal.advocacy.forms import ItemForm, ReviewForm, local_end, local_start
from portal.advocacy.models import ContentItem, Network
from portal.advocacy.services import ContentError, ItemInput
from portal.db import db, utcnow
from portal.web import manager_required, render, toast

bp = Blueprint("library", __name__, url_prefix="/content/library")

T = "advocacy/"
INVALID = "Please correct the fields marked below."


def _me() -> User:
    return current_user._get_current_object()


def _attach(form: Any, exc: ContentError) -> str | None:
    """Show a service error on its field; return it when no field fits."""
    field = getattr(form, exc.field or "", None)
    if field is None or not isinstance(getattr(field, "errors", None), list | tuple):
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


@bp.get("/")
@manager_required
def index() -> Response:
    """The items the person curates, with shares and clicks, and suggestions to review."""
    me = _me()
    services.require_curator(me)
    items = services.editable_items(me)
    return render(
        T + "library.html",
        items=items,
        clicks=services.click_counts([i.id for i in items]),
        suggestions=services.pending_suggestions(me),
        review_form=ReviewForm(),
        now=utcnow(),
    )


def _setup(form: ItemForm) -> ItemForm:
    form.teams.choices = options([(t.id, t.name) for t in list_teams()])
    return form


def _input(form: ItemForm) -> ItemInput:
    me = _me()
    audience = form.audience.data if form.audience.raw_data else None
    admin = me.role == Role.ADMIN
    return ItemInput(
        url=form.url.data or "",
        title=form.title.data or "",
        summary=form.summary.data or "",
        image_url=form.image_url.data or "",
        tags=form.tags.data or "",
        campaign=form.campaign.data or "",
        captions={n: getattr(form, f"caption_{n.value}").data or "" for n in Network},
        starts_at=local_start(form.starts_on.data, me.timezone),
        expires_at=local_end(form.expires_on.data, me.timezone),
        for_everyone=(audience == "everyone") if admin and audience else None,
        team_ids=list(form.teams.data or []) if admin and audience == "teams" else None,
    )


def _form_page(form: ItemForm, item: ContentItem | None, error: str | None) -> Response:
    return render(T + "edit.html", form=form, item=item, error=error, INVALID=INVALID)


@bp.route("/new", methods=["GET", "POST"])
@manager_required
def new() -> Response:
    """Add an item to the library (published at once; dates limit when it shows)."""
    me = _me()
    services.require_curator(me)
    form = _setup(ItemForm(audience="everyone"))
    error = None
    if form.validate_on_submit():
        try:
            item = services.create_item(me, _input(form))
        except ContentError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast(f"“{item.title}” is in the library.")
            return redirect(url_for("library.index"), 303)  # type: ignore[return-value]
    if form.is_submitted() and error is None:
        error = INVALID
    return _form_page(form, None, error)


def _local_day(moment: datetime | None, zone: str, end: bool = False) -> date | None:
    """The date a stored start (or end: the midnight after the last day) shows in the form."""
    if moment is None:
        return None
    local = moment.astimezone(ZoneInfo(zone))
    return (local - timedelta(microseconds=1)).date() if end else local.date()


@bp.route("/<int:item_id>/edit", methods=["GET", "POST"])
@manager_required
def edit(item_id: int) -> Response:
    """Change an item: text, captions, dates, audience."""
    me = _me()
    item = services.get_editable(me, item_id)
    if request.method == "POST":
        form = _setup(ItemForm())
    else:
        form = _setup(
            ItemForm(
                url=item.url,
                title=item.title,
                summary=item.summary,
                image_url=item.image_url or "",
                tags=", ".join(item.tags or []),
                campaign=item.campaign,
                caption_linkedin=item.caption_linkedin,
                caption_x=item.caption_x,
                caption_facebook=item.caption_facebook,
                starts_on=_local_day(item.starts_at, me.timezone),
                expires_on=_local_day(item.expires_at, me.timezone, end=True),
                audience="everyone" if item.for_everyone else "teams",
                teams=[t.id for t in item.teams],
            )
        )
    error = None
    if form.validate_on_submit():
        try:
            services.update_item(me, item, _input(form))
        except ContentError as exc:
            db.session.rollback()
            error = _attach(form, exc)
        else:
            db.session.commit()
            toast("Saved.")
            return redirect(url_for("library.index"), 303)  # type: ignore[return-value]
    if form.is_submitted() and error is None:
        error = INVALID
    return _form_page(form, item, error)


@bp.post("/suggestions/<int:item_id>/review")
@manager_required
def review(item_id: int) -> Response:
    """Approve or reject a suggestion with a note; the person who suggested it is told."""
    me = _me()
    item = services.get_suggestion(me, item_id)
    form = ReviewForm()
    if not form.validate():
        toast("Choose approve or reject.", "error")
        return redirect(url_for("library.index", _anchor="suggestions"), 303)  # type: ignore[return-value]
    approve = form.decision.data == "approve"
    try:
        services.review_suggestion(
            me,
            item,
            approve,
            form.note.data or "",
            everyone=bool(form.everyone.data),
            item_path=url_for("content.item", item_id=item.id),
        )
    except ContentError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return redirect(url_for("library.index", _anchor="suggestions"), 303)  # type: ignore[return-value]
    db.session.commit()
    if approve:
        toast(f"“{item.title}” is in the library. Add captions and tags if it needs them.")
        return redirect(url_for("library.edit", item_id=item.id), 303)  # type: ignore[return-value]
    toast("Suggestion rejected; the person has your note.")
    return redirect(url_for("library.index", _anchor="suggestions"), 303)  # type: ignore[return-value]
