"""Signed unsubscribe links: one click, no login, and no expiry (old emails keep working).

A token carries the person's id and what to stop ("digest", "all" or a topic
such as "assignment_due"), signed with the secret key under its own salt, so
it cannot be forged or turned into any other kind of link.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from portal.accounts.models import User
from portal.db import db
from portal.notifications import preferences as prefs

SALT = "beacon.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(user_id: int, scope: str) -> str:
    """A token that stops emails of `scope` for this person."""
    return _serializer().dumps([user_id, scope])


@dataclass(frozen=True)
class Unsubscription:
    """What a valid token names."""

    user: User
    scope: str

    @property
    def label(self) -> str:
        return prefs.scope_label(self.scope)


def read_token(token: str) -> Unsubscription | None:
    """The person and scope of a valid token, else None (tampered, unknown person)."""
    try:
        data = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2
        or not isinstance(data[0], int)
        or not isinstance(data[1], str)
    ):
        return None
    user = db.session.get(User, data[0])
    if user is None:
        return None
    return Unsubscription(user, data[1])


def apply(unsubscription: Unsubscription) -> None:
    """Stop the emails the token names (flushes; idempotent)."""
    prefs.unsubscribe(unsubscription.user.id, unsubscription.scope)


def undo(unsubscription: Unsubscription) -> None:
    """Start them again, as the defaults have them (flushes)."""
    prefs.resubscribe(unsubscription.user.id, unsubscription.scope)
