"""Tracked links: `/s/<code>` counts a unique visitor and redirects to the item's stored URL.

This is the busiest public route, so it does little: one indexed lookup
(link joined to its item by primary key) and, for a visitor that counts, one
`INSERT ... ON CONFLICT DO NOTHING` into `share_clicks`. A new row publishes
`ShareClicked`, whose subscribers pay the sharer (capped) and log the
activity in the same transaction.

Privacy: no IP address or user agent is stored. A visitor is an HMAC-SHA256
of "address + user agent" under a salt derived from SECRET_KEY and the UTC
day; the salt changes every day, so a visitor cannot be followed from one
day to the next, and "unique" means unique per link per day.

Not counted (still redirected): HEAD requests, prefetches, bots and
link-preview crawlers (the maintained CrawlerDetect patterns, plus an empty
user agent), the logged-in sharer, and the sharer's own browser (the same
visitor hash as when they shared, that day).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from crawlerdetect import CrawlerDetect
from flask import (
    Blueprint,
    Response,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
)
from sqlalchemy import Executable, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.advocacy.events import ShareClicked
from portal.advocacy.models import ContentItem, ContentStatus, Network, ShareClick, TrackedLink
from portal.db import db, set_write_intent, utcnow
from portal.events import publish

bp = Blueprint("links", __name__)

UTM_MEDIUM = "employee_advocacy"
_CODE = re.compile(r"[A-Za-z0-9_-]{6,24}")
_crawlers = CrawlerDetect()


# --- visitors and bots --------------------------------------------------------------------


def daily_salt(secret: str | bytes, day: date) -> bytes:
    """The visitor-hash salt of one UTC day: HMAC(SECRET_KEY, day). Never stored."""
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, f"beacon-visitor:{day.isoformat()}".encode(), hashlib.sha256).digest()


def visitor_hash(secret: str | bytes, day: date, address: str, user_agent: str) -> str:
    """Who a visitor is, for one day only: HMAC of address and user agent under the day's salt."""
    message = f"{address}\n{user_agent}".encode("utf-8", "replace")
    return hmac.new(daily_salt(secret, day), message, hashlib.sha256).hexdigest()[:32]


def is_bot(user_agent: str) -> bool:
    """True for crawlers, link-preview fetchers and scripts (and for an empty user agent).

    CrawlerDetect's patterns cover LinkedInBot, Twitterbot, facebookexternalhit,
    Slackbot, Discordbot, WhatsApp, TelegramBot, Googlebot, bingbot, curl, wget,
    HTTP libraries and headless browsers, and are kept up to date upstream.
    """
    agent = user_agent.strip()
    return not agent or _crawlers.is_crawler(agent[:1000])


def request_visitor(day: date) -> str:
    """The current request's visitor hash for `day`."""
    return visitor_hash(
        current_app.config["SECRET_KEY"],
        day,
        request.remote_addr or "",
        request.headers.get("User-Agent", "")[:1000],
    )


def _is_prefetch() -> bool:
    purpose = (request.headers.get("Sec-Purpose") or request.headers.get("Purpose") or "").lower()
    return "prefetch" in purpose or "prerender" in purpose


def _session_user_id() -> int | None:
    """The logged-in person's id from the signed session cookie, without a database query."""
    raw = str(session.get("_user_id") or "")
    head = raw.split(":", 1)[0]
    return int(head) if head.isdigit() else None


# --- where a link goes --------------------------------------------------------------------


def campaign_slug(campaign: str, item_id: int) -> str:
    """utm_campaign: the item's campaign in lower-case-with-dashes, or "content-<id>"."""
    slug = re.sub(r"[^a-z0-9]+", "-", campaign.lower()).strip("-")[:80]
    return slug or f"content-{item_id}"


def target_url(url: str, network: str, campaign: str, item_id: int) -> str:
    """The item's stored URL with the UTM parameters set (any UTM it had is replaced)."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query = [(k, v) for k, v in query if not k.lower().startswith("utm_")]
    query += [
        ("utm_source", network),
        ("utm_medium", UTM_MEDIUM),
        ("utm_campaign", campaign_slug(campaign, item_id)),
    ]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


# Built once: this route runs often enough for statement construction to show.
_LOOKUP = (
    select(
        TrackedLink.id,
        TrackedLink.user_id,
        TrackedLink.item_id,
        TrackedLink.network,
        TrackedLink.sharer_visitor,
        ContentItem.url,
        ContentItem.campaign,
        ContentItem.status,
        ContentItem.expires_at,
    )
    .join(ContentItem, ContentItem.id == TrackedLink.item_id)
    .where(TrackedLink.code == bindparam("code"))
)
_INSERTS: dict[str, Executable] = {}


def _insert_click() -> Executable:
    """`INSERT ... ON CONFLICT DO NOTHING RETURNING id` into share_clicks, for this database."""
    dialect = db.session.get_bind().dialect.name
    if dialect not in _INSERTS:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        _INSERTS[dialect] = (
            insert(ShareClick)
            .values(
                link_id=bindparam("link_id"),
                day=bindparam("day"),
                visitor=bindparam("visitor"),
                clicked_at=bindparam("clicked_at"),
            )
            .on_conflict_do_nothing()
            .returning(ShareClick.id)
        )
    return _INSERTS[dialect]


@dataclass(frozen=True)
class Followed:
    """Where a tracked link goes, and whether this visit was counted."""

    target: str
    counted: bool


def follow_link(
    code: str,
    visitor: str,
    *,
    countable: bool,
    viewer_id: int | None = None,
    now: datetime | None = None,
) -> Followed | None:
    """Resolve a code and count the visit; None for an unknown code or an expired item.

    `countable` is False for bots, prefetches and HEAD requests. The sharer's
    own visits (logged in as them, or the visitor hash of their share) are not
    counted. A counted visit is one row per link, day and visitor: repeats
    the same day change nothing.
    """
    now = now or utcnow()
    row = db.session.execute(_LOOKUP, {"code": code}).first()
    if row is None or row.status != ContentStatus.PUBLISHED:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    network = Network(row.network)
    target = target_url(row.url, network.value, row.campaign, row.item_id)
    own = viewer_id == row.user_id or visitor == row.sharer_visitor
    if not countable or own:
        return Followed(target, False)
    click_id = db.session.execute(
        _insert_click(),
        {"link_id": row.id, "day": now.date(), "visitor": visitor, "clicked_at": now},
    ).scalar_one_or_none()
    if click_id is None:
        return Followed(target, False)
    publish(ShareClicked(row.user_id, now, row.item_id, network.value, row.id, click_id))
    return Followed(target, True)


# --- the route ----------------------------------------------------------------------------


def _missing() -> Response:
    response = make_response(render_template("advocacy/link_missing.html"), 404)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/s/<code>")
def follow(code: str) -> Response:
    """Count the visit (if it counts) and redirect (302) to the stored URL with UTM parameters.

    Public, GET only, nothing from the query string is used.
    """
    if not _CODE.fullmatch(code):
        return _missing()
    agent = request.headers.get("User-Agent", "")
    countable = request.method == "GET" and not _is_prefetch() and not is_bot(agent)
    # A visit that may be counted writes: on SQLite take the write lock up front.
    set_write_intent(countable)
    now = utcnow()
    followed = follow_link(
        code,
        request_visitor(now.date()),
        countable=countable,
        viewer_id=_session_user_id(),
        now=now,
    )
    if followed is None:
        db.session.rollback()
        return _missing()
    db.session.commit()
    # The points went to the sharer, not to this visitor: no "+2 points" toast here.
    from portal.gamification.points import pop_new_awards

    pop_new_awards()
    response = redirect(followed.target, 302)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response  # type: ignore[return-value]
