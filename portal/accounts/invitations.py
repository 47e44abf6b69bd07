"""Invitations and password resets: signed, expiring, single-use links sent by email.

An invitation link carries the invitation's id and a random nonce, signed with
the secret key; the row says when it expires and whether it was used. A reset
link carries the person's id and a fingerprint of their password hash, signed
with a timestamp: it dies after `PASSWORD_RESET_TTL` or once the password changes.
"""

from __future__ import annotations

import secrets
from typing import Literal

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import select, update

from portal.accounts.models import Invitation, Role, Team, User
from portal.accounts.services import (
    AccountError,
    PermissionDenied,
    check_password_rules,
    clean_display_name,
    create_user,
    get_user,
    get_user_by_email,
    normalize_email,
    password_fingerprint,
    set_password,
)
from portal.db import db, utcnow
from portal.queue import enqueue_after_commit

INVITE_SALT = "beacon.invitation"
RESET_SALT = "beacon.password-reset"


class InvalidLink(ValueError):
    """A link that cannot be used; `reason` says why, for the page to explain."""

    def __init__(self, reason: Literal["invalid", "expired", "used"]) -> None:
        super().__init__(reason)
        self.reason = reason


def invite(actor: User, email: str, role: Role, team: Team | None) -> Invitation:
    """Invite `email` to Beacon and send the link by email (after commit).

    Admins invite anyone with any role; a leader invites employees to their own
    team only (PermissionDenied otherwise). Raises AccountError if the address
    already has an account. Earlier pending invitations to the same address are
    revoked so only the newest link works.
    """
    email = normalize_email(email)
    if actor.role == Role.LEADER and actor.active:
        if team is None or team.id != actor.team_id or role != Role.EMPLOYEE:
            raise PermissionDenied("Leaders can invite employees to their own team only.")
    elif not (actor.role == Role.ADMIN and actor.active):
        raise PermissionDenied("Only admins and leaders can invite people.")
    if get_user_by_email(email) is not None:
        raise AccountError("That person already has an account.")
    now = utcnow()
    for earlier in db.session.scalars(
        select(Invitation).where(
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
    ):
        earlier.revoked_at = now
    invitation = Invitation(
        email=email,
        role=role,
        team=team,
        invited_by=actor,
        nonce=secrets.token_hex(16),
        expires_at=now + current_app.config["INVITATION_TTL"],
    )
    db.session.add(invitation)
    db.session.flush()
    enqueue_after_commit("jobs.accounts.send_invitation_email", invitation.id)
    return invitation


def invitation_token(invitation: Invitation) -> str:
    """The signed token for an invitation's link."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)
    return serializer.dumps([invitation.id, invitation.nonce])


def load_invitation(token: str) -> Invitation:
    """The invitation a token names; raise InvalidLink if tampered, expired, used or revoked."""
    serializer = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)
    try:
        invitation_id, nonce = serializer.loads(token)
    except (BadSignature, ValueError, TypeError):
        raise InvalidLink("invalid") from None
    invitation = (
        db.session.get(Invitation, invitation_id) if isinstance(invitation_id, int) else None
    )
    if invitation is None or not secrets.compare_digest(str(nonce), invitation.nonce):
        raise InvalidLink("invalid")
    if invitation.accepted_at is not None:
        raise InvalidLink("used")
    if invitation.revoked_at is not None:
        raise InvalidLink("invalid")
    if invitation.expires_at <= utcnow():
        raise InvalidLink("expired")
    return invitation


def accept_invitation(token: str, display_name: str, password: str) -> User:
    """Create the invited person's account and use up the invitation.

    Raises InvalidLink for a bad link and AccountError for a weak password or a
    taken address. Accepting is a single conditional update, so two tabs
    submitting the same link create one account.
    """
    invitation = load_invitation(token)
    display_name = clean_display_name(display_name)
    check_password_rules(password)
    now = utcnow()
    claimed = db.session.execute(
        update(Invitation)
        .where(
            Invitation.id == invitation.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
        .values(accepted_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidLink("used")
    user = create_user(
        invitation.email, display_name, password, role=invitation.role, team=invitation.team
    )
    db.session.refresh(invitation)
    return user


def pending_invitations(actor: User) -> list[Invitation]:
    """Invitations still waiting for an answer that `actor` may see."""
    stmt = select(Invitation).where(
        Invitation.accepted_at.is_(None),
        Invitation.revoked_at.is_(None),
        Invitation.expires_at > utcnow(),
    )
    if actor.role != Role.ADMIN:
        if actor.team_id is None:
            return []
        stmt = stmt.where(Invitation.team_id == actor.team_id, Invitation.role == Role.EMPLOYEE)
    return list(db.session.scalars(stmt.order_by(Invitation.created_at.desc())).all())


def request_password_reset(email: str) -> None:
    """Queue a reset email for this address; the job looks the account up.

    The request does the same work whether or not the address has an account,
    so neither the answer nor its timing tells which addresses exist.
    """
    enqueue_after_commit("jobs.accounts.send_password_reset_email_to", normalize_email(email)[:254])


def reset_token(user: User) -> str:
    """The signed, timed token for a person's reset link."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)
    return serializer.dumps([user.id, password_fingerprint(user)])


def load_reset_token(token: str) -> User:
    """The person a reset token names; raise InvalidLink if tampered, expired or used."""
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RESET_SALT)
    max_age = int(current_app.config["PASSWORD_RESET_TTL"].total_seconds())
    try:
        user_id, fingerprint = serializer.loads(token, max_age=max_age)
    except SignatureExpired:
        raise InvalidLink("expired") from None
    except (BadSignature, ValueError, TypeError):
        raise InvalidLink("invalid") from None
    user = get_user(user_id) if isinstance(user_id, int) else None
    if user is None or not user.active:
        raise InvalidLink("invalid")
    if not secrets.compare_digest(str(fingerprint), password_fingerprint(user)):
        raise InvalidLink("used")
    return user


def reset_password(token: str, password: str) -> User:
    """Set a new password from a reset link; raise InvalidLink or AccountError."""
    user = load_reset_token(token)
    set_password(user, password)
    return user
