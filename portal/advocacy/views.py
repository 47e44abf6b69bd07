"""Sharing pages for everyone: the content feed, an item's share page, suggestions.

The share form works three ways. With static/js/share.js (loaded by a full
page load of the share page) the click copies the caption, opens a tab, posts
the share as JSON and sends the tab to the network's share page with the
person's tracked link. Without it the form posts normally and the page comes
back with the ready-made share link to open. The live caption check is htmx.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.accounts.services import PermissionDenied
from portal.advocacy import services, sharing
from portal.advocacy.forms import RemindForm, ShareForm, SuggestForm
from portal.advocacy.links import request_visitor
from portal.advocacy.models import ContentItem, Network, Share
from portal.advocacy.services import ContentError
from portal.advocacy.sharing import AcknowledgementNeeded, CaptionRefused
from portal.db import db, utcnow
from portal.web import render, toast
from portal.web.urls import external_url

bp = Blueprint("content", __name__, url_prefix="/content")

T = "advocacy/"


def _me() -> User:
    return current_user._get_current_object()


@bp.app_template_filter("domain")
def domain(url: str) -> str:
    """The host a URL points to, without "www." (what a card shows as the source)."""
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


@bp.app_template_filter("content_until")
def content_until(expires_at: datetime) -> str:
    """The last day an item can be shared, in the viewer's time zone ("5 Dec 2026")."""
    zone = ZoneInfo(getattr(current_user, "timezone", None) or "UTC")
    last = expires_at.astimezone(zone) - timedelta(microseconds=1)
    return f"{last.day} {last:%b %Y}"


def _wants_json() -> bool:
    accept = request.accept_mimetypes
    return accept.best == "application/json"


# --- the feed ----------------------------------------------------------------------------


@bp.get("/")
@login_required
def index() -> Response:
    """What there is to share, for the person's audience: search, tag filter, sort."""
    me, now = _me(), utcnow()
    query, tag = request.args.get("q", "")[:100], request.args.get("tag", "")[:40]
    sort = request.args.get("sort", "newest")
    sort = sort if sort in services.SORTS else "newest"
    return render(
        T + "feed.html",
        T + "_feed_results.html",
        items=services.feed(me, now, query, tag, sort),
        tags=services.feed_tags(me, now),
        query=query,
        tag=tag,
        sort=sort,
        can_curate=services.can_curate(me),
        pending=services.suggestion_count(me),
    )


# --- one item: the share page ------------------------------------------------------------


def _guidelines_url(item: ContentItem, network: Network) -> str:
    return url_for(
        "guidelines.show", next=url_for("content.item", item_id=item.id, network=network.value)
    )


def _tracked_url(code: str) -> str:
    return external_url("links.follow", code=code)


def _ready(me: User, item: ContentItem, network: Network) -> dict[str, Any] | None:
    """The person's last share on this network: the link to open, and its caption."""
    share = db.session.scalar(
        db.select(Share)
        .where(Share.user_id == me.id, Share.item_id == item.id, Share.network == network)
        .order_by(Share.id.desc())
        .limit(1)
    )
    if share is None:
        return None
    links = services.my_links(me, item)
    if network not in links:
        return None
    tracked = _tracked_url(links[network][0].code)
    return {
        "caption": share.caption,
        "tracked_url": tracked,
        "share_url": sharing.share_page_url(network, tracked, share.caption),
    }


def _share_page(
    item: ContentItem,
    network: Network,
    form: ShareForm | None = None,
    status: int = 200,
    error: str | None = None,
    shared: bool = False,
) -> Response:
    from portal.advocacy import guidelines

    me = _me()
    if form is None:
        form = ShareForm(network=network.value, caption=item.caption_for(network))
    caption = form.caption.data or ""
    return render(
        T + "item.html",
        T + "_share_panel.html",
        status=status,
        item=item,
        network=network,
        networks=list(Network),
        form=form,
        check=guidelines.check_caption(caption, network.value, item.id),
        needs_ack=guidelines.needs_acknowledgement(me),
        guidelines_url=_guidelines_url(item, network),
        links=services.my_links(me, item),
        ready=_ready(me, item, network) if shared else None,
        remind_form=RemindForm(),
        remind_choices=sharing.REMIND_CHOICES,
        error=error,
    )


@bp.get("/<int:item_id>")
@login_required
def item(item_id: int) -> Response:
    """An item and its share panel for one network (LinkedIn by default)."""
    found = services.get_item_for(_me(), item_id, utcnow())
    network = sharing.parse_network(request.args.get("network")) or Network.LINKEDIN
    return _share_page(found, network, shared=request.args.get("shared") == "1")


@bp.post("/<int:item_id>/share/check")
@login_required
def check(item_id: int) -> Response:
    """The live caption check (an htmx fragment), as the person types."""
    from portal.advocacy import guidelines

    found = services.get_item_for(_me(), item_id, utcnow())
    network = sharing.parse_network(request.form.get("network")) or Network.LINKEDIN
    caption = request.form.get("caption", "")[: services.MAX_CAPTION + 1000]
    result = guidelines.check_caption(caption, network.value, found.id)
    if request.form.get("apply") == "disclosure" and result.suggested_caption:
        form = ShareForm(formdata=None, network=network.value, caption=result.suggested_caption)
        result = guidelines.check_caption(form.caption.data or "", network.value, found.id)
        return render(
            T + "_share_fields.html", item=found, network=network, form=form, check=result
        )
    return render(T + "_caption_check.html", item=found, network=network, check=result)


def _share_refused(
    found: ContentItem, network: Network, form: ShareForm, message: str, problems: list[str]
) -> Response:
    if _wants_json():
        return jsonify(error=message, problems=problems), 422  # type: ignore[return-value]
    return _share_page(found, network, form, status=422, error=message)


@bp.post("/<int:item_id>/share")
@login_required
def share(item_id: int) -> Response:
    """Record a share and hand back the network's share page with the person's tracked link."""
    me, now = _me(), utcnow()
    found = services.get_item_for(me, item_id, now)
    form = ShareForm()
    network = sharing.parse_network(form.network.data)
    if network is None:
        return _share_refused(found, Network.LINKEDIN, form, "Choose a network.", [])
    if not form.validate():
        message = f"Keep the caption under {services.MAX_CAPTION:,} characters."
        return _share_refused(found, network, form, message, [message])
    try:
        result = sharing.record_share(
            me, found, network, form.caption.data or "", request_visitor(now.date()), now
        )
    except AcknowledgementNeeded:
        db.session.rollback()
        target = _guidelines_url(found, network)
        if _wants_json():
            return jsonify(redirect=target), 409  # type: ignore[return-value]
        toast("Please read and acknowledge the posting guidelines before you share.", "info")
        return redirect(target, 303)  # type: ignore[return-value]
    except CaptionRefused as exc:
        db.session.rollback()
        return _share_refused(found, network, form, "Fix the caption first.", exc.problems)
    except ContentError as exc:
        db.session.rollback()
        return _share_refused(found, network, form, str(exc), [str(exc)])
    db.session.commit()
    tracked = _tracked_url(result.link.code)
    if not _wants_json():
        return redirect(  # type: ignore[return-value]
            url_for("content.item", item_id=found.id, network=network.value, shared="1"), 303
        )
    from portal.gamification.points import pop_new_awards

    earned = sum(a.points for a in pop_new_awards())
    copy = not network.caption_in_link
    return jsonify(
        share_url=sharing.share_page_url(network, tracked, result.share.caption),
        tracked_url=tracked,
        network=network.label,
        copy_caption=copy,
        message=(
            f"Caption copied: paste it into your {network.label} post."
            if copy
            else f"{network.label} opened in a new tab with your caption and link."
        ),
        points=earned,
    )


@bp.post("/<int:item_id>/remind")
@login_required
def remind(item_id: int) -> Response:
    """Share later: a reminder at the chosen time (a notification)."""
    me = _me()
    found = services.get_item_for(me, item_id, utcnow())
    form = RemindForm()
    network = sharing.parse_network(request.form.get("network")) or Network.LINKEDIN
    back = url_for("content.item", item_id=found.id, network=network.value)
    if not form.validate():
        toast("Choose when to be reminded.", "error")
        return redirect(back, 303)  # type: ignore[return-value]
    sharing.remind_later(me, found, form.when.data or "")
    db.session.commit()
    label = sharing.REMIND_CHOICES[form.when.data or ""].lower()
    toast(f"We'll remind you to share it {label}.")
    return redirect(back, 303)  # type: ignore[return-value]


# --- suggestions -------------------------------------------------------------------------


@bp.route("/suggest", methods=["GET", "POST"])
@login_required
def suggest() -> Response:
    """Suggest something for the library; see what happened to earlier suggestions."""
    me = _me()
    form = SuggestForm()
    error = None
    if form.validate_on_submit():
        try:
            services.suggest_item(
                me,
                form.url.data or "",
                form.title.data or "",
                form.summary.data or "",
                form.caption.data or "",
                review_path=url_for("library.index", _anchor="suggestions"),
            )
        except ContentError as exc:
            db.session.rollback()
            field = getattr(form, exc.field or "", None)
            if field is not None:
                field.errors = [*field.errors, str(exc)]
            else:
                error = str(exc)
        except PermissionDenied:
            db.session.rollback()
            raise
        else:
            db.session.commit()
            toast("Thanks! Your suggestion is with your advocacy leader.")
            return redirect(url_for("content.suggest"), 303)  # type: ignore[return-value]
    if form.is_submitted() and error is None:
        error = "Please correct the fields marked below."
    return render(
        T + "suggest.html",
        form=form,
        error=error,
        mine=services.my_suggestions(me),
        now=utcnow(),
    )
