"""Rendering an email delivery: HTML and text from templates, unsubscribe link and headers."""

from __future__ import annotations

import hashlib
from email.message import EmailMessage
from urllib.parse import urlsplit

from flask import current_app

from portal.accounts.models import User
from portal.mail import build_message
from portal.notifications import preferences as prefs
from portal.notifications.models import EmailDelivery
from portal.web.urls import external_url, safe_next


def message_id(row: EmailDelivery) -> str:
    """The same Message-ID for every copy of one delivery, so copies can be recognised."""
    host = urlsplit(current_app.config["BASE_URL"]).hostname or "beacon.invalid"
    digest = hashlib.sha256(row.key.encode()).hexdigest()[:16]
    return f"<beacon.{row.id}.{digest}@{host}>"


def build_email(row: EmailDelivery, person: User) -> EmailMessage:
    """Render a delivery into a multipart email with its unsubscribe link and headers."""
    from portal.notifications.unsubscribe import unsubscribe_token

    scope = prefs.DIGEST if row.kind == prefs.DIGEST else prefs.topic_of(row.kind)
    unsubscribe_url = external_url(
        "notifications.unsubscribe", token=unsubscribe_token(person.id, scope)
    )
    base = current_app.config["BASE_URL"]
    payload = dict(row.payload or {})
    link = safe_next(str(payload.get("url") or ""), "")
    sections = [
        {
            "heading": str(section.get("heading", "")),
            "items": [
                {
                    "title": str(item.get("title", "")),
                    "detail": str(item.get("detail", "") or ""),
                    "link": base + path
                    if (path := safe_next(str(item.get("url") or ""), ""))
                    else None,
                }
                for item in section.get("items", [])
            ],
        }
        for section in payload.get("sections", [])
    ]
    template = "digest" if row.kind == prefs.DIGEST else "notification"
    msg = build_message(
        person.email,
        row.subject,
        template,
        headers={
            "Message-ID": message_id(row),
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
            "X-Beacon-Kind": row.kind,
        },
        person=person,
        payload=payload,
        sections=sections,
        link=base + link if link else None,
        base_url=base,
        unsubscribe_url=unsubscribe_url,
        unsubscribe_label=prefs.scope_label(scope),
        preferences_url=external_url("notifications.preferences"),
    )
    # Mail clients read List-Unsubscribe as a plain URL: allow RFC 5322's 998-character
    # lines so the long signed link is not folded into encoded words.
    msg.policy = msg.policy.clone(max_line_length=998)
    return msg
