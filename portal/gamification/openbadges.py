"""Open Badges 2.0 documents for hosted verification: the Issuer, each BadgeClass, each Assertion.

Every id is an absolute URL on BASE_URL where the document is served, so a
verifier can fetch the assertion, then its badge class and the issuer, all on
one origin (the default verification scope). The recipient is only ever a
salted SHA-256 hash of their email address.
"""

from __future__ import annotations

import os
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlencode

from flask import current_app

from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.web.urls import external_url

CONTEXT = "https://w3id.org/openbadges/v2"
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def _setting(name: str, default: str) -> str:
    value = current_app.config.get(name) or os.environ.get(name) or ""
    return value.strip() or default


def issuer_name() -> str:
    """The organisation that issues the badges (`BADGE_ISSUER_NAME`, default "Beacon")."""
    return _setting("BADGE_ISSUER_NAME", "Beacon")


def issuer_email() -> str:
    """The issuer's contact address (`BADGE_ISSUER_EMAIL`, default MAIL_FROM's address)."""
    fallback = parseaddr(current_app.config.get("MAIL_FROM", ""))[1] or "beacon@localhost"
    return _setting("BADGE_ISSUER_EMAIL", fallback)


def issuer_url() -> str:
    """The issuer's home page (`BADGE_ISSUER_URL`, default BASE_URL)."""
    return _setting("BADGE_ISSUER_URL", current_app.config["BASE_URL"])


def issuer_profile() -> dict[str, Any]:
    """The Issuer Profile: id, type, name, url and email (all required for an issuer)."""
    return {
        "@context": CONTEXT,
        "type": "Issuer",
        "id": external_url("badges.issuer"),
        "name": issuer_name(),
        "url": issuer_url(),
        "email": issuer_email(),
        "image": external_url("static", filename="img/beacon.svg"),
    }


def badge_class(badge: Badge, criteria: str) -> dict[str, Any]:
    """The BadgeClass of `badge`; `criteria` is its criteria in words (Markdown allowed)."""
    return {
        "@context": CONTEXT,
        "type": "BadgeClass",
        "id": external_url("badges.badge_class", badge_id=badge.id),
        "name": badge.name,
        "description": badge.description,
        "image": external_url("badges.badge_image", badge_id=badge.id),
        "criteria": {"narrative": criteria},
        "issuer": external_url("badges.issuer"),
    }


def assertion(issued: BadgeAssertion) -> dict[str, Any]:
    """The hosted Assertion; a revoked one is cut down to its id, `revoked` and the reason."""
    url = external_url("badges.assertion", uid=issued.uid)
    if issued.revoked:
        return {
            "@context": CONTEXT,
            "type": "Assertion",
            "id": url,
            "revoked": True,
            "revocationReason": issued.revocation_reason,
        }
    return {
        "@context": CONTEXT,
        "type": "Assertion",
        "id": url,
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": issued.salt,
            "identity": issued.identity_hash,
        },
        "badge": external_url("badges.badge_class", badge_id=issued.badge_id),
        "verification": {"type": "hosted"},
        "issuedOn": issued.issued_at.isoformat(timespec="seconds"),
        "image": external_url("badges.assertion_image", uid=issued.uid),
        "evidence": external_url("badges.earned", uid=issued.uid),
    }


def linkedin_url(issued: BadgeAssertion) -> str:
    """LinkedIn's "Add to profile" link for the badge, as a certification pointing back here."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": issued.badge.name,
        "organizationName": issuer_name(),
        "issueYear": issued.issued_at.year,
        "issueMonth": issued.issued_at.month,
        "certUrl": external_url("badges.earned", uid=issued.uid),
        "certId": issued.uid,
    }
    return f"{LINKEDIN_ADD}?{urlencode(query)}"
