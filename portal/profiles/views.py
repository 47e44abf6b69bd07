"""Personal-brand profile pages: a colleague's profile, and editing one's own.

Blueprint `profiles`. Profiles are for logged-in colleagues only; unknown and
deactivated people are a 404. The speaking log is edited in place with htmx
(each change answers with the updated log fragment); without JavaScript the
forms post and redirect. The one public page is /p/<slug>, for people who
opted in (portal.profiles.public); it is `noindex` unless they chose otherwise.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, url_for
from flask_login import current_user, login_required

from portal.accounts.models import User
from portal.db import db
from portal.profiles import public, reach, services
from portal.profiles.forms import ProfileForm, SpeakingForm
from portal.profiles.services import ProfileError
from portal.web import render, toast, wants_fragment
from portal.web.urls import external_url

bp = Blueprint("profiles", __name__)

T = "profiles/"
INVALID = "Please correct the fields marked below."


def _me() -> User:
    return current_user._get_current_object()


def _see_other(endpoint: str, anchor: str | None = None, **values: Any) -> Response:
    return redirect(url_for(endpoint, _anchor=anchor, **values), 303)  # type: ignore[return-value]


@bp.get("/profile")
@login_required
def mine() -> Response:
    """The person's own profile page."""
    return _see_other("profiles.show", person_id=current_user.id)


@bp.get("/people/<int:person_id>/profile")
@login_required
def show(person_id: int) -> Response:
    """A colleague's personal-brand profile (or one's own, with the completeness meter)."""
    person = services.visible_person(_me(), person_id)
    context = services.profile_context(_me(), person)
    profile = context["profile"]
    return render(
        T + "show.html",
        badge_art="badges.badge_image" in current_app.view_functions,
        reach_rows=reach.profile_reach_rows(
            profile, person.team, "You" if context["is_me"] else person.display_name
        ),
        vs_average=reach.network_vs_average(profile),
        average_user=reach.AVERAGE_USER,
        average_reach=reach.AVERAGE_REACH,
        **context,
    )


@bp.get("/p/<slug>")
def public_page(slug: str) -> Response:
    """A person's public profile, for anyone with the address (404 unless they opted in)."""
    shown = public.public_profile(slug)
    response = render(
        T + "public.html",
        public_profile=shown,
        badge_art="badges.badge_image" in current_app.view_functions,
    )
    response.headers["Cache-Control"] = "no-cache"
    if not shown.indexable:
        response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.app_template_global("team_reach")
def team_reach(team_id: int) -> dict[str, Any]:
    """The reach section of a leader's team roster: the team's and the company's."""
    return {
        "team": reach.reach_of(team_id),
        "company": reach.reach_of(),
        "networks": services.NETWORKS,
        "average_user": reach.AVERAGE_USER,
        "average_reach": reach.AVERAGE_REACH,
    }


def _profile_form() -> ProfileForm:
    profile = services.get_profile(_me()) or services.blank_profile(_me())
    return ProfileForm(
        formdata=None,
        headline=profile.headline,
        bio=profile.bio,
        expertise=", ".join(profile.expertise),
        linkedin_url=profile.linkedin_url,
        x_url=profile.x_url,
        facebook_url=profile.facebook_url,
        followers_linkedin=profile.followers_linkedin,
        followers_x=profile.followers_x,
        followers_facebook=profile.followers_facebook,
        public=profile.public,
        public_followers=profile.public_followers,
        public_indexable=profile.public_indexable,
    )


def _edit_page(
    *,
    form: ProfileForm | None = None,
    error: str | None = None,
    speaking_form: SpeakingForm | None = None,
    speaking_error: str | None = None,
    partial: str | None = None,
    status: int = 200,
) -> Response:
    me = _me()
    context = services.profile_context(me, me)
    slug = context["profile"].public_slug
    return render(
        T + "edit.html",
        partial,
        status=status,
        public_url=external_url("profiles.public_page", slug=slug) if slug else None,
        form=form or _profile_form(),
        error=error,
        speaking_form=speaking_form or SpeakingForm(formdata=None),
        speaking_error=speaking_error,
        **context,
    )


def _attach(form: Any, exc: ProfileError) -> str | None:
    field = getattr(form, exc.field, None) if exc.field else None
    if field is None:
        return str(exc)
    field.errors = [*field.errors, str(exc)]
    return None


@bp.get("/profile/edit")
@login_required
def edit() -> Response:
    """Edit one's own profile and speaking log."""
    return _edit_page()


@bp.post("/profile/edit")
@login_required
def update() -> Response:
    """Save one's own profile; errors re-render the form (422)."""
    form = ProfileForm()
    if not form.validate_on_submit():
        return _edit_page(form=form, error=INVALID, status=422)
    try:
        services.update_profile(
            _me(),
            headline=form.headline.data or "",
            bio=form.bio.data or "",
            expertise=form.expertise.data or "",
            links={
                "linkedin": form.linkedin_url.data or "",
                "x": form.x_url.data or "",
                "facebook": form.facebook_url.data or "",
            },
            followers={
                "linkedin": form.followers_linkedin.data,
                "x": form.followers_x.data,
                "facebook": form.followers_facebook.data,
            },
        )
        public.set_public(
            _me(),
            public=bool(form.public.data),
            show_followers=bool(form.public_followers.data),
            indexable=bool(form.public_indexable.data),
        )
    except ProfileError as exc:
        db.session.rollback()
        return _edit_page(form=form, error=_attach(form, exc) or INVALID, status=422)
    db.session.commit()
    toast("Your profile is saved.")
    return _see_other("profiles.show", person_id=current_user.id)


@bp.post("/profile/speaking")
@login_required
def add_speaking() -> Response:
    """Add a talk, podcast or article to one's speaking log; htmx gets the log back."""
    form = SpeakingForm()
    if not form.validate_on_submit():
        return _edit_page(
            speaking_form=form, speaking_error=INVALID, partial=T + "_speaking.html", status=422
        )
    try:
        services.add_speaking(
            _me(),
            kind=form.kind.data or "",
            title=form.title.data or "",
            event=form.event.data or "",
            happened_on=form.happened_on.data,
            link=form.link.data or "",
        )
    except ProfileError as exc:
        db.session.rollback()
        return _edit_page(
            speaking_form=form,
            speaking_error=_attach(form, exc) or INVALID,
            partial=T + "_speaking.html",
            status=422,
        )
    db.session.commit()
    toast("Added to your speaking log.")
    if wants_fragment():
        return _edit_page(partial=T + "_speaking.html")
    return _see_other("profiles.edit", "speaking")


@bp.post("/profile/speaking/<int:entry_id>/delete")
@login_required
def delete_speaking(entry_id: int) -> Response:
    """Remove an entry from one's own speaking log (404 for anyone else's)."""
    services.delete_speaking(_me(), entry_id)
    db.session.commit()
    toast("Removed from your speaking log.")
    if wants_fragment():
        return _edit_page(partial=T + "_speaking.html")
    return _see_other("profiles.edit", "speaking")
