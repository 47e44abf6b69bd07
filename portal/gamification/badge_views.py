"""Badges: the person's page, the public Open Badges documents and pages, and the admin.

The Issuer, BadgeClass and Assertion JSON, the badge images and the page of
an issued badge are public: verifiers and the people a badge is shown to are
not logged in. None of them shows an email address.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, abort, current_app, redirect, request, url_for
from flask_login import current_user, login_required

from portal.db import db
from portal.gamification import badge_admin, badges, openbadges
from portal.gamification.badge_admin import BadgeError, BadgeSpec
from portal.gamification.badge_art import ICONS, PALETTE, render_badge_svg
from portal.gamification.badge_forms import BadgeForm, RevokeForm
from portal.gamification.badge_models import Badge
from portal.markdown import render_markdown
from portal.web import admin_required, render, toast
from portal.web.urls import external_url

bp = Blueprint("badges", __name__)

T = "gamification/badges/"
INVALID = "Please correct the fields marked below."
JSON_LD = "application/ld+json"
PREVIEW_NAME = "Badge name"  # on the preview until the name is typed


def _public(response: Response, cache: str = "no-cache") -> Response:
    response.headers["Access-Control-Allow-Origin"] = "*"
    response.headers["Cache-Control"] = cache
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _json(data: dict[str, Any], status: int = 200) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False)
    return _public(current_app.response_class(body, status=status, mimetype=JSON_LD))


def _svg(svg: str) -> Response:
    response = current_app.response_class(svg, mimetype="image/svg+xml")
    response.headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
    return _public(response, "public, max-age=300")


def _criteria(badge: Badge) -> str:
    """The badge's criteria as published: the admin's words, else its rule in words."""
    if badge.criteria_text:
        return badge.criteria_text
    return badges.rule_text(badge, badge_admin.path_titles().get(badge.subject))


# --- the person's badges ----------------------------------------------------------------


@bp.get("/badges")
@login_required
def mine() -> Response:
    """The badges the person earned, and every active badge with their progress towards it."""
    me = current_user._get_current_object()
    earned = badges.earned_badges(me)
    return render(
        T + "mine.html",
        earned=earned,
        statuses=badges.badge_statuses(me, earned),
        linkedin={a.id: openbadges.linkedin_url(a) for a in earned if not a.revoked},
    )


# --- public: Open Badges 2.0 hosted verification ----------------------------------------


@bp.get("/badges/issuer")
def issuer() -> Response:
    """The Issuer Profile JSON."""
    return _json(openbadges.issuer_profile())


@bp.get("/badges/classes/<int:badge_id>")
def badge_class(badge_id: int) -> Response:
    """A BadgeClass JSON (retired badges too: the badges issued stay valid)."""
    badge = db.session.get(Badge, badge_id)
    if badge is None:
        return _json({"error": "No such badge."}, 404)
    return _json(openbadges.badge_class(badge, _criteria(badge)))


@bp.get("/badges/classes/<int:badge_id>/image.svg")
def badge_image(badge_id: int) -> Response:
    """A badge's image, rendered from its icon, colour and name."""
    badge = badge_admin.get_badge(badge_id)
    return _svg(render_badge_svg(badge.icon, badge.colour, badge.name))


@bp.get("/badges/assertions/<uid>")
def assertion(uid: str) -> Response:
    """An Assertion JSON; 410 Gone with `revoked` and the reason once revoked."""
    issued = badge_admin.get_assertion(uid)
    if issued is None:
        return _json({"error": "No such badge."}, 404)
    return _json(openbadges.assertion(issued), 410 if issued.revoked else 200)


@bp.get("/badges/assertions/<uid>/image.svg")
def assertion_image(uid: str) -> Response:
    """An issued badge's image, baked with the URL of its assertion."""
    issued = badge_admin.get_assertion(uid)
    if issued is None:
        abort(404)
    badge = issued.badge
    verify = openbadges.assertion(issued)["id"]
    return _svg(render_badge_svg(badge.icon, badge.colour, badge.name, verify_url=verify))


@bp.get("/badges/earned/<uid>")
def earned(uid: str) -> Response:
    """The page of an issued badge: what it is, who earned it and when, how to verify it."""
    issued = badge_admin.get_assertion(uid)
    if issued is None:
        abort(404)
    mine = current_user.is_authenticated and current_user.id == issued.user_id
    response = render(
        T + "earned.html",
        issued=issued,
        badge=issued.badge,
        criteria=render_markdown(_criteria(issued.badge)),
        issuer_name=openbadges.issuer_name(),
        assertion_url=external_url("badges.assertion", uid=issued.uid),
        mine=mine,
        linkedin=openbadges.linkedin_url(issued) if mine and not issued.revoked else None,
    )
    return _public(response)


# --- admin ------------------------------------------------------------------------------


def _path_choices() -> list[tuple[int, str]]:
    from portal.learning import authoring_paths

    return [
        (p.id, p.title + ("" if p.status.value == "published" else " (draft)"))
        for p in authoring_paths.list_paths(current_user)
    ]


def _spec(form: BadgeForm) -> BadgeSpec:
    kind = form.kind.data or ""
    return BadgeSpec(
        name=form.name.data or "",
        description=form.description.data or "",
        criteria_text=form.criteria_text.data or "",
        icon=form.icon.data or "",
        colour=form.colour.data or "",
        kind=kind,
        metric=form.metric.data or "",
        subject=f"path:{form.path_id.data}" if kind == "path" else "",
        threshold=form.threshold.data or 1,
    )


def _attach(form: BadgeForm, exc: BadgeError) -> str | None:
    field = getattr(form, exc.field or "", None)
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


def _form_page(
    form: BadgeForm,
    badge: Badge | None,
    error: str | None,
    status: int,
    revoke_errors: dict[str, str] | None = None,
) -> Response:
    return render(
        T + "form.html",
        status=status,
        form=form,
        badge=badge,
        error=error,
        icons=ICONS,
        palette=PALETTE,
        preview=render_badge_svg(
            form.icon.data or "", form.colour.data or "", form.name.data or PREVIEW_NAME
        ),
        issued=badge_admin.list_assertions(current_user, badge) if badge else [],
        revoke_errors=revoke_errors or {},
    )


@bp.get("/admin/badges")
@admin_required
def admin_index() -> Response:
    """Every badge with how many hold it; the suggested badges to add if some are missing."""
    rows = badge_admin.list_badges(current_user)
    seeded = {badge.seed_key for badge, _ in rows if badge.seed_key}
    return render(
        T + "admin.html",
        rows=rows,
        missing_defaults=[
            v["name"] for k, v in badge_admin.DEFAULT_BADGES.items() if k not in seeded
        ],
        rule_text=badges.rule_text,
        path_titles=badge_admin.path_titles(),
    )


@bp.route("/admin/badges/new", methods=["GET", "POST"])
@admin_required
def new_badge() -> Response:
    """Define a badge; those who already meet its rule get it from a job right after."""
    form = BadgeForm(paths=_path_choices())
    error = None
    if form.validate_on_submit():
        try:
            badge = badge_admin.create_badge(current_user, _spec(form))
        except BadgeError as exc:
            db.session.rollback()
            error = _attach(form, exc) or INVALID
        else:
            db.session.commit()
            toast(f"Badge “{badge.name}” created. Anyone who already meets it gets it shortly.")
            return redirect(url_for("badges.admin_index"), 303)  # type: ignore[return-value]
    elif form.is_submitted():
        error = INVALID
    return _form_page(form, None, error, 422 if form.is_submitted() else 200)


def _edit_form(badge: Badge) -> BadgeForm:
    data = {
        "name": badge.name,
        "description": badge.description,
        "criteria_text": badge.criteria_text,
        "icon": badge.icon,
        "colour": badge.colour,
        "kind": badge.kind,
        "metric": badge.metric,
        "path_id": badge.subject.partition(":")[2],
        "threshold": badge.threshold,
    }
    return BadgeForm(formdata=None, data=data, paths=_path_choices())


@bp.route("/admin/badges/<int:badge_id>", methods=["GET", "POST"])
@admin_required
def edit_badge(badge_id: int) -> Response:
    """Change a badge's words and look (and its rule while nobody holds it); see who holds it."""
    badge = badge_admin.get_badge(badge_id)
    if request.method == "GET":
        return _form_page(_edit_form(badge), badge, None, 200)
    form = BadgeForm(paths=_path_choices())
    error = None
    if form.validate_on_submit():
        try:
            badge_admin.update_badge(current_user, badge, _spec(form))
        except BadgeError as exc:
            db.session.rollback()
            error = _attach(form, exc) or INVALID
        else:
            db.session.commit()
            toast(f"Saved “{badge.name}”.")
            return redirect(url_for("badges.edit_badge", badge_id=badge.id), 303)  # type: ignore[return-value]
    else:
        error = INVALID
    return _form_page(form, badge_admin.get_badge(badge_id), error, 422)


@bp.get("/admin/badges/preview")
@admin_required
def preview() -> Response:
    """The badge image for the form's current icon, colour and name (the form's live preview)."""
    svg = render_badge_svg(
        request.args.get("icon", ""),
        request.args.get("colour", ""),
        request.args.get("name", "").strip() or PREVIEW_NAME,
    )
    return render(T + "_preview.html", preview=svg)


@bp.post("/admin/badges/<int:badge_id>/retire")
@admin_required
def retire(badge_id: int) -> Response:
    """Stop awarding a badge; the ones issued stay valid."""
    badge = badge_admin.get_badge(badge_id)
    badge_admin.retire_badge(current_user, badge)
    db.session.commit()
    toast(f"“{badge.name}” is retired: no one new gets it; those who hold it keep it.")
    return redirect(url_for("badges.admin_index"), 303)  # type: ignore[return-value]


@bp.post("/admin/badges/<int:badge_id>/reactivate")
@admin_required
def reactivate(badge_id: int) -> Response:
    """Award a retired badge again."""
    badge = badge_admin.get_badge(badge_id)
    badge_admin.reactivate_badge(current_user, badge)
    db.session.commit()
    toast(f"“{badge.name}” is awarded again.")
    return redirect(url_for("badges.admin_index"), 303)  # type: ignore[return-value]


@bp.post("/admin/badges/suggested")
@admin_required
def add_suggested() -> Response:
    """Add the suggested badges that are missing."""
    added = badge_admin.ensure_default_badges()
    db.session.commit()
    toast(f"Added {added} suggested badge{'' if added == 1 else 's'}." if added else
          "The suggested badges are all there already.")  # fmt: skip
    return redirect(url_for("badges.admin_index"), 303)  # type: ignore[return-value]


@bp.post("/admin/badges/assertions/<uid>/revoke")
@admin_required
def revoke(uid: str) -> Response:
    """Revoke one issued badge, with the reason its assertion will publish."""
    issued = badge_admin.get_assertion(uid)
    if issued is None:
        abort(404)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            badge_admin.revoke(current_user, issued, form.reason.data or "")
        except BadgeError as exc:
            db.session.rollback()
            message = str(exc)
        else:
            db.session.commit()
            toast(f"Revoked {issued.user.display_name}'s “{issued.badge.name}” badge.")
            target = url_for("badges.edit_badge", badge_id=issued.badge_id, _anchor="issued")
            return redirect(target, 303)  # type: ignore[return-value]
    else:
        message = " ".join(form.reason.errors) or INVALID
    badge = issued.badge
    return _form_page(_edit_form(badge), badge, None, 422, revoke_errors={uid: message})
