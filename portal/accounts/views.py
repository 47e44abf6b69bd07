"""Logging in and out, invitations, password resets and a person's own settings."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, session, url_for
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from portal.accounts import invitations
from portal.accounts import services as accounts
from portal.accounts.forms import (
    AcceptInvitationForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    ResetPasswordForm,
    timezone_choices,
)
from portal.db import db
from portal.extensions import limiter
from portal.web import render, toast
from portal.web.urls import safe_next

bp = Blueprint("auth", __name__)
settings_bp = Blueprint("settings", __name__, url_prefix="/settings")

LINK_PROBLEMS = {
    "invalid": (
        404,
        "This link doesn't work",
        "It may have been mistyped or replaced by a newer one.",
    ),
    "expired": (
        410,
        "This link has expired",
        "Ask for a new one and use it within its time limit.",
    ),
    "used": (
        410,
        "This link was already used",
        "Each link works once. Log in, or ask for a new one.",
    ),
}


def _login_limit_per_ip() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_IP"])


def _login_limit_per_account() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])


def _login_limit_per_account_anywhere() -> str:
    return str(current_app.config["LOGIN_LIMIT_PER_ACCOUNT_ANYWHERE"])


def _login_email() -> str:
    return accounts.normalize_email(request.form.get("email", ""))[:254]


def _login_account_key() -> str:
    # Per account *and* address: someone else's failures cannot lock you out.
    return f"login-account:{_login_email()}:{get_remote_address()}"


def _login_account_anywhere_key() -> str:
    return f"login-account-anywhere:{_login_email()}"


def _login_failed(response: Response) -> bool:
    return response.status_code != 303


def _link_problem(reason: str) -> Response:
    status, title, hint = LINK_PROBLEMS[reason]
    return render("accounts/link_problem.html", status=status, title=title, hint=hint)


def _start_session(user: accounts.User, remember: bool = False) -> None:
    login_user(user, remember=remember)
    session.permanent = True


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit_per_ip, methods=["POST"])
@limiter.limit(
    _login_limit_per_account,
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account",
)
@limiter.limit(
    _login_limit_per_account_anywhere,
    key_func=_login_account_anywhere_key,
    methods=["POST"],
    deduct_when=_login_failed,
    scope="login-account-anywhere",
)
def login() -> Response:
    """Log in with email and password; the same message for every kind of failure."""
    next_url = safe_next(request.args.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(next_url, 303)  # type: ignore[return-value]
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = accounts.authenticate(form.email.data or "", form.password.data or "")
        if user is not None:
            db.session.commit()
            _start_session(user, remember=bool(form.remember.data))
            return redirect(next_url, 303)  # type: ignore[return-value]
        db.session.rollback()
        error = "That email and password don't match an active account."
    elif form.is_submitted():
        error = "Enter your email and password."
    return render("accounts/login.html", form=form, error=error)


@bp.post("/logout")
@login_required
def logout() -> Response:
    """Log out, and end every other session of this person too."""
    accounts.end_all_sessions(current_user._get_current_object())
    db.session.commit()
    logout_user()
    toast("You are logged out.", "info")
    return redirect(url_for("auth.login"), 303)  # type: ignore[return-value]


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str) -> Response:
    """Set a name and password from an invitation link, then land on the home page."""
    try:
        invitation = invitations.load_invitation(token)
    except invitations.InvalidLink as exc:
        return _link_problem(exc.reason)
    form = AcceptInvitationForm()
    error = None
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(
                token, form.display_name.data or "", form.password.data or ""
            )
        except invitations.InvalidLink as exc:
            db.session.rollback()
            return _link_problem(exc.reason)
        except accounts.AccountError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            _start_session(user)
            toast(f"Welcome to Beacon, {user.display_name}!")
            return redirect(url_for("home.index"), 303)  # type: ignore[return-value]
    return render("accounts/accept_invitation.html", form=form, invitation=invitation, error=error)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgot_password() -> Response:
    """Ask for a reset link; the answer never tells whether the address has an account."""
    form = ForgotPasswordForm()
    sent = False
    if form.validate_on_submit():
        invitations.request_password_reset(form.email.data or "")
        db.session.commit()
        sent = True
    return render("accounts/forgot_password.html", form=form, sent=sent)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
def reset_password(token: str) -> Response:
    """Choose a new password from a reset link; every other session ends."""
    try:
        invitations.load_reset_token(token)
    except invitations.InvalidLink as exc:
        return _link_problem(exc.reason)
    form = ResetPasswordForm()
    error = None
    if form.validate_on_submit():
        try:
            invitations.reset_password(token, form.password.data or "")
        except invitations.InvalidLink as exc:
            db.session.rollback()
            return _link_problem(exc.reason)
        except accounts.AccountError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            toast("Your password is changed. Log in with the new one.")
            return redirect(url_for("auth.login"), 303)  # type: ignore[return-value]
    return render("accounts/reset_password.html", form=form, error=error)


# --- a person's own settings ------------------------------------------------------------


def _settings_page(
    profile_form: ProfileForm | None = None,
    password_form: ChangePasswordForm | None = None,
    status: int = 200,
) -> Response:
    if profile_form is None:
        profile_form = ProfileForm(
            formdata=None,
            display_name=current_user.display_name,
            timezone=current_user.timezone,
            hide_from_boards=current_user.hide_from_boards,
        )
    profile_form.timezone.choices = timezone_choices()
    return render(
        "accounts/settings.html",
        profile_form=profile_form,
        password_form=password_form or ChangePasswordForm(formdata=None),
        status=status,
    )


@settings_bp.get("/")
@login_required
def index() -> Response:
    """The person's own profile and password."""
    return _settings_page()


@settings_bp.post("/profile")
@login_required
def update_profile() -> Response:
    """Save name and time zone."""
    form = ProfileForm()
    form.timezone.choices = timezone_choices()
    if form.validate_on_submit():
        try:
            accounts.update_profile(
                current_user._get_current_object(),
                form.display_name.data or "",
                form.timezone.data,
                hide_from_boards=bool(form.hide_from_boards.data),
            )
        except accounts.AccountError as exc:
            db.session.rollback()
            form.display_name.errors = [str(exc)]
        else:
            db.session.commit()
            toast("Your profile is saved.")
            return redirect(url_for("settings.index"), 303)  # type: ignore[return-value]
    return _settings_page(profile_form=form, status=200)


@settings_bp.post("/password")
@login_required
def change_password() -> Response:
    """Change the password; every other session of this person ends, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            accounts.change_password(user, form.current.data or "", form.password.data or "")
        except accounts.AccountError as exc:
            db.session.rollback()
            form.current.errors = [str(exc)]
        else:
            db.session.commit()
            # Keep "remember me" working on this device: the old cookie carries the old version.
            remembered = current_app.config["REMEMBER_COOKIE_NAME"] in request.cookies
            _start_session(user, remember=remembered)
            toast("Your password is changed. Other devices have been logged out.")
            return redirect(url_for("settings.index"), 303)  # type: ignore[return-value]
    return _settings_page(password_form=form, status=200)
