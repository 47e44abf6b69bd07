"""Jobs of the accounts domain: the emails that carry invitation and reset links."""

from __future__ import annotations

import logging

from portal.accounts.invitations import invitation_token, reset_token
from portal.accounts.models import Invitation, User
from portal.db import db
from portal.mail import build_message, send
from portal.web.urls import external_url

log = logging.getLogger(__name__)


def send_invitation_email(invitation_id: int) -> bool:
    """Email the invitation link; skip (return False) if it was used, revoked or expired."""
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or not invitation.is_pending:
        log.info("invitation %s is no longer pending; no email sent", invitation_id)
        return False
    link = external_url("auth.accept_invitation", token=invitation_token(invitation))
    inviter = invitation.invited_by.display_name if invitation.invited_by else "Your admin"
    msg = build_message(
        invitation.email,
        f"{inviter} invited you to Beacon",
        "invitation",
        link=link,
        inviter=inviter,
        team=invitation.team.name if invitation.team else None,
        expires_at=invitation.expires_at,
    )
    send(msg)
    return True


def send_password_reset_email(user_id: int) -> bool:
    """Email a password reset link to an active person; return False if there is none."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return False
    link = external_url("auth.reset_password", token=reset_token(user))
    msg = build_message(
        user.email, "Reset your Beacon password", "password_reset", link=link, user=user
    )
    send(msg)
    return True
