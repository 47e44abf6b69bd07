"""Jobs of the accounts domain: the emails that carry invitation and reset links."""

from __future__ import annotations

import hashlib
import logging

from rq import get_current_job

from portal.accounts.invitations import invitation_token, reset_token
from portal.accounts.models import Invitation, User
from portal.accounts.services import get_user_by_email
from portal.db import db
from portal.mail import build_message, send
from portal.queue import get_redis
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
    db.session.rollback()  # end the transaction before talking to the mail server
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
    db.session.rollback()  # end the transaction before talking to the mail server
    send(msg)
    return True


RESET_THROTTLE_SECONDS = 300


def send_password_reset_email_to(email: str) -> bool:
    """Email a reset link to the active account with this address, at most once per 5 minutes.

    Unknown addresses get nothing; so does an address that got a link in the
    last five minutes, however often someone asks.
    """
    user = get_user_by_email(email)
    if user is None or not user.active:
        return False
    if not _take_reset_slot(email):
        log.info("a reset link went to this address recently; not sending another")
        return False
    return send_password_reset_email(user.id)


def _take_reset_slot(email: str) -> bool:
    """Claim the address's one reset email of the next 5 minutes; True if this run may send it.

    The claim holds the RQ job's id, so RQ's retry of the same job (after the mail
    server failed, or its worker died before sending) keeps the slot it took
    instead of finding it taken and sending nothing.
    """
    key = "beacon:password-reset-sent:" + hashlib.sha256(email.encode()).hexdigest()
    job = get_current_job()
    holder = job.id if job is not None else "1"
    client = get_redis()
    if client.set(key, holder, nx=True, ex=RESET_THROTTLE_SECONDS):
        return True
    return job is not None and client.get(key) == holder.encode()
