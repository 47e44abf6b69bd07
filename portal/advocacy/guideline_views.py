"""Posting guidelines pages: read and acknowledge them; admins version them and set caption rules.

Blueprint `guidelines`. `/guidelines` shows the current version with its
acknowledge button; the share flow sends people there with `?next=<path>` and
gets them back after they acknowledge (only local paths are followed).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.advocacy import guidelines
from portal.advocacy.guideline_forms import (
    AcknowledgeForm,
    CaptionCheckForm,
    CaptionRulesForm,
    DraftForm,
)
from portal.advocacy.guidelines import GuidelinesError
from portal.db import db
from portal.markdown import render_markdown
from portal.web import admin_required, hx_redirect, parse_id, render, toast, wants_fragment
from portal.web.urls import safe_next

bp = Blueprint("guidelines", __name__)

T = "advocacy/guidelines/"
INVALID = "Please correct the fields marked below."


def _me() -> User:
    return current_user._get_current_object()


# --- everyone ----------------------------------------------------------------------------


def _show_page(
    check_form: CaptionCheckForm | None = None,
    check_result: guidelines.CaptionCheck | None = None,
    status: int = 200,
) -> Response:
    version = guidelines.current_version()
    acknowledgement = guidelines.acknowledgement_of(_me(), version) if version else None
    next_path = safe_next(request.args.get("next"), "")
    form = AcknowledgeForm(
        formdata=None, version_id=str(version.id) if version else "", next=next_path
    )
    return render(
        T + "show.html",
        status=status,
        version=version,
        acknowledgement=acknowledgement,
        form=form,
        next_path=next_path,
        history=guidelines.published_versions(),
        rules=guidelines.caption_rules(),
        networks=guidelines.NETWORKS,
        check_form=check_form or CaptionCheckForm(formdata=None),
        check_result=check_result,
    )


@bp.get("/guidelines")
@login_required
def show() -> Response:
    """The current guidelines, whether the person acknowledged them, and older versions."""
    return _show_page()


@bp.get("/guidelines/v<int:number>")
@login_required
def version(number: int) -> Response:
    """A published version, read-only (older ones are kept for the record)."""
    shown = guidelines.get_published(number)
    current = guidelines.current_version()
    return render(T + "version.html", version=shown, current=current)


@bp.post("/guidelines/acknowledge")
@login_required
def acknowledge() -> Response:
    """Acknowledge the current version, then go back to `next` (a local path) or the page."""
    form = AcknowledgeForm()
    page = url_for("guidelines.show")
    target = safe_next(form.next.data, page)
    version_id = parse_id(form.version_id.data)
    if not form.validate_on_submit() or version_id is None:
        toast("Something went wrong: please acknowledge again.", "error")
        return hx_redirect(page)
    try:
        first = guidelines.acknowledge(_me(), version_id)
    except GuidelinesError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        back = target if target != page else None
        return hx_redirect(url_for("guidelines.show", next=back))
    db.session.commit()
    toast("Thanks: you have acknowledged the posting guidelines." if first else "Already done.")
    return hx_redirect(target)


@bp.post("/guidelines/check")
@login_required
def check() -> Response:
    """Check a caption against the caption rules: the result fragment (or the page's box).

    With `fix=disclosure` the caption comes back with the disclosure added.
    """
    form = CaptionCheckForm()
    result = None
    if form.validate_on_submit():
        # No item here: the share screen checks captions against an item's shares itself.
        network = form.network.data or ""
        result = guidelines.check_caption(form.caption.data or "", network, None)
        if request.form.get("fix") == "disclosure" and result.suggested_caption is not None:
            form.caption.data = result.suggested_caption
            result = guidelines.check_caption(result.suggested_caption, network, None)
    status = 200 if result is not None else 422
    if wants_fragment():
        # Typing re-checks only the result; a button (the fix) swaps the whole box.
        fragment = (
            "_caption_check.html"
            if request.form.get("part") == "result"
            else "_caption_checker.html"
        )
        return render(T + fragment, form=form, result=result, status=status)
    return _show_page(check_form=form, check_result=result, status=status)


# --- admins ------------------------------------------------------------------------------


def _active_people() -> int:
    return db.session.scalar(select(func.count()).where(User.active.is_(True))) or 0


def _draft_form(draft: Any) -> DraftForm:
    if draft is not None:
        return DraftForm(formdata=None, title=draft.title, summary=draft.summary, body=draft.body)
    current = guidelines.current_version()
    if current is None:
        return DraftForm(formdata=None, title="Posting guidelines")
    # A new version starts from the current text: admins edit what changed.
    return DraftForm(formdata=None, title=current.title, body=current.body)


def _rules_form() -> CaptionRulesForm:
    rules = guidelines.caption_rules()
    return CaptionRulesForm(
        formdata=None,
        disclosure=rules.disclosure,
        blocked_terms=rules.blocked_terms,
        limit_x=rules.limit_x,
        limit_linkedin=rules.limit_linkedin,
        limit_facebook=rules.limit_facebook,
    )


def _admin_page(
    *,
    draft_form: DraftForm | None = None,
    draft_error: str | None = None,
    rules_form: CaptionRulesForm | None = None,
    rules_error: str | None = None,
    check_form: CaptionCheckForm | None = None,
    check_result: guidelines.CaptionCheck | None = None,
    partial: str | None = None,
    status: int = 200,
) -> Response:
    draft = guidelines.current_draft()
    history = guidelines.published_versions()
    return render(
        T + "admin.html",
        partial,
        status=status,
        draft=draft,
        history=history,
        current=history[0] if history else None,
        counts=guidelines.acknowledgement_counts(v.id for v in history),
        people=_active_people(),
        draft_form=draft_form or _draft_form(draft),
        draft_error=draft_error,
        rules_form=rules_form or _rules_form(),
        rules_error=rules_error,
        check_form=check_form or CaptionCheckForm(formdata=None),
        check_result=check_result,
    )


def _attach(form: Any, exc: GuidelinesError) -> str | None:
    """Show a service error on its field; return it when no field fits (for the summary)."""
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


@bp.get("/admin/guidelines")
@admin_required
def admin() -> Response:
    """Version history with acknowledgements, the next version's draft, and caption rules."""
    return _admin_page()


@bp.post("/admin/guidelines/draft")
@admin_required
def save_draft() -> Response:
    """Save the draft of the next version (it stays invisible until published)."""
    form = DraftForm()
    if not form.validate_on_submit():
        return _admin_page(
            draft_form=form, draft_error=INVALID, partial=T + "_draft.html", status=422
        )
    try:
        guidelines.save_draft(
            _me(),
            title=form.title.data or "",
            body=form.body.data or "",
            summary=form.summary.data or "",
        )
    except GuidelinesError as exc:
        db.session.rollback()
        error = _attach(form, exc) or INVALID
        return _admin_page(
            draft_form=form, draft_error=error, partial=T + "_draft.html", status=422
        )
    db.session.commit()
    toast("Draft saved. Publish it when it is ready.")
    if wants_fragment():
        return _admin_page(partial=T + "_draft.html")
    return hx_redirect(url_for("guidelines.admin", _anchor="draft"))


@bp.post("/admin/guidelines/draft/discard")
@admin_required
def discard_draft() -> Response:
    """Throw the draft away."""
    if guidelines.discard_draft(_me()):
        db.session.commit()
        toast("Draft discarded.")
    return hx_redirect(url_for("guidelines.admin"))


@bp.post("/admin/guidelines/publish")
@admin_required
def publish() -> Response:
    """Publish the draft: everyone is notified and must acknowledge it before sharing again."""
    draft_id = parse_id(request.form.get("version_id"))
    try:
        if draft_id is None:
            raise GuidelinesError("That draft no longer exists: it was published or discarded.")
        version = guidelines.publish_draft(_me(), draft_id)
    except GuidelinesError as exc:
        db.session.rollback()
        toast(str(exc), "error")
        return hx_redirect(url_for("guidelines.admin"))
    db.session.commit()
    toast(f"Version {version.number} is published. Everyone has been notified.")
    return hx_redirect(url_for("guidelines.admin"))


@bp.post("/admin/guidelines/preview")
@admin_required
def preview() -> Response:
    """The sanitised HTML of the draft's Markdown, for the live preview."""
    body = request.form.get("body", "")
    too_long = len(body) > guidelines.BODY_MAX
    html = "" if too_long else render_markdown(body)
    return render(T + "_preview.html", html=html, too_long=too_long)


@bp.post("/admin/guidelines/rules")
@admin_required
def update_rules() -> Response:
    """Save the caption rules; they apply to the next caption checked."""
    form = CaptionRulesForm()
    if not form.validate_on_submit():
        return _admin_page(
            rules_form=form, rules_error=INVALID, partial=T + "_rules.html", status=422
        )
    try:
        guidelines.update_caption_rules(
            _me(),
            disclosure=form.disclosure.data or "",
            blocked_terms=form.blocked_terms.data or "",
            limits={
                "x": form.limit_x.data,
                "linkedin": form.limit_linkedin.data,
                "facebook": form.limit_facebook.data,
            },
        )
    except GuidelinesError as exc:
        db.session.rollback()
        error = _attach(form, exc) or INVALID
        return _admin_page(
            rules_form=form, rules_error=error, partial=T + "_rules.html", status=422
        )
    db.session.commit()
    toast("Caption rules saved.")
    if wants_fragment():
        return _admin_page(partial=T + "_rules.html")
    return hx_redirect(url_for("guidelines.admin", _anchor="rules"))
