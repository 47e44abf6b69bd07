"""Tracked links: the redirect, unique visitors, bots and own clicks, expiry, events and points."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from portal.accounts.models import User
from portal.advocacy import links, sharing
from portal.advocacy.events import ShareClicked
from portal.advocacy.models import ContentItem, Network, ShareClick
from portal.db import db, utcnow
from portal.events import _subscribers, subscribe
from portal.gamification.activity import count_activity
from portal.gamification.models import PointAward

CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
BOTS = [
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Twitterbot/1.0",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "WhatsApp/2.23.20.0",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "curl/8.5.0",
    "Wget/1.21.4",
    "python-requests/2.32.3",
    "",
]


def _visit(client, code: str, agent: str = CHROME, ip: str = "203.0.113.7", query: str = ""):  # type: ignore[no-untyped-def]
    return client.get(
        f"/s/{code}{query}", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": ip}
    )


def _make_link(app, person, item_id: int, network: Network = Network.LINKEDIN) -> str:  # type: ignore[no-untyped-def]
    with app.app_context():
        me = db.session.get_one(User, person.id)
        result = sharing.record_share(
            me, db.session.get_one(ContentItem, item_id), network, "My caption"
        )
        db.session.commit()
        return result.link.code


def _clicks(app) -> int:  # type: ignore[no-untyped-def]
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ShareClick)) or 0


@pytest.fixture
def link(app, people):  # type: ignore[no-untyped-def]
    """A sharer, an item for everyone and the sharer's LinkedIn link code."""
    from tests.advocacy.factories import build_item

    sharer = people.person(name="Sharer")
    item_id = build_item(
        app,
        url="https://example.com/jobs?ref=careers&utm_source=old#apply",
        campaign="Spring Hiring",
    )
    return sharer, item_id, _make_link(app, sharer, item_id)


def test_redirects_to_the_stored_url_with_utm_parameters(client, link):
    _, item_id, code = link
    response = _visit(client, code)
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert (target.scheme, target.netloc, target.path, target.fragment) == (
        "https", "example.com", "/jobs", "apply",
    )  # fmt: skip
    assert parse_qs(target.query) == {
        "ref": ["careers"],
        "utm_source": ["linkedin"],
        "utm_medium": ["employee_advocacy"],
        "utm_campaign": ["spring-hiring"],
    }
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers  # anonymous visitors get no cookie


def test_redirect_target_never_comes_from_the_request(client, link):
    _, _, code = link
    for query in (
        "?next=https://evil.example/",
        "?url=https://evil.example/&u=//evil.example",
        "?utm_source=evil&redirect=https://evil.example",
    ):
        location = _visit(client, code, query=query).headers["Location"]
        assert location.startswith("https://example.com/jobs?")
        assert "evil" not in location
    assert client.get("/s/../../evil.example").status_code == 404
    # Werkzeug merges doubled slashes with a redirect on this same host, never elsewhere.
    merged = client.get("/s/%2F%2Fevil.example")
    assert merged.status_code == 308
    assert urlsplit(merged.headers["Location"]).netloc == "localhost"


def test_unique_visitors_per_link_per_day(app, client, link):
    _, _, code = link
    for _ in range(3):
        _visit(client, code, CHROME, "203.0.113.7")
    _visit(client, code, SAFARI, "203.0.113.7")  # another browser on the same network
    _visit(client, code, CHROME, "198.51.100.20")  # another address
    assert _clicks(app) == 3
    with time_machine.travel(utcnow() + timedelta(days=1), tick=False):
        _visit(client, code, CHROME, "203.0.113.7")  # the same visitor, the next day
    assert _clicks(app) == 4
    with app.app_context():
        days = db.session.scalars(select(ShareClick.day).order_by(ShareClick.id)).all()
        stored = db.session.scalars(select(ShareClick.visitor)).all()
    assert len(set(days)) == 2
    assert all("203.0.113" not in v and len(v) == 32 for v in stored)  # no raw IPs


def test_bots_link_previews_head_and_prefetch_are_not_counted(app, client, link):
    _, _, code = link
    for agent in BOTS:
        response = _visit(client, code, agent)
        assert response.status_code == 302, agent  # previews still get the destination
    assert client.head(f"/s/{code}", headers={"User-Agent": CHROME}).status_code == 302
    client.get(f"/s/{code}", headers={"User-Agent": CHROME, "Sec-Purpose": "prefetch"})
    assert _clicks(app) == 0
    assert links.is_bot(BOTS[0]) and not links.is_bot(CHROME) and not links.is_bot(SAFARI)


def test_the_sharers_own_clicks_are_not_counted(app, client, auth, link):
    sharer, item_id, code = link
    auth.login(sharer.email)
    _visit(client, code, CHROME, "203.0.113.7")  # logged in as the sharer
    assert _clicks(app) == 0
    # Sharing from a browser remembers its visitor hash: a logged-out click from it is theirs.
    shared = client.post(
        f"/content/{item_id}/share",
        data={"network": "linkedin", "caption": "Again"},
        headers={"User-Agent": SAFARI, "Accept": "application/json"},
        environ_base={"REMOTE_ADDR": "192.0.2.44"},
    )
    assert shared.status_code == 200
    auth.logout()
    _visit(client, code, SAFARI, "192.0.2.44")
    assert _clicks(app) == 0
    _visit(client, code, SAFARI, "192.0.2.45")  # a colleague on another address counts
    assert _clicks(app) == 1


def test_unknown_and_expired_codes_get_a_friendly_404(app, client, link):
    _, item_id, code = link
    for path in ("/s/doesnotexist", "/s/x", "/s/" + "a" * 40):
        response = client.get(path)
        assert response.status_code == 404
        assert "This link has expired" in response.get_data(as_text=True)
    with app.app_context():
        item = db.session.get_one(ContentItem, item_id)
        item.expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = _visit(client, code)
    assert response.status_code == 404
    assert "no longer being shared" in response.get_data(as_text=True)
    assert _clicks(app) == 0


def test_clicks_emit_events_and_pay_the_sharer_capped(app, client, link):
    sharer, item_id, code = link
    seen: list[ShareClicked] = []

    @subscribe(ShareClicked)
    def _spy(event: ShareClicked) -> None:
        seen.append(event)

    try:
        for n in range(30):
            _visit(client, code, CHROME, f"198.51.100.{n + 1}")
        _visit(client, code, CHROME, "198.51.100.1")  # a repeat: no event
    finally:
        _subscribers[ShareClicked].remove(_spy)
    assert len(seen) == 30
    assert {(e.user_id, e.item_id, e.network) for e in seen} == {(sharer.id, item_id, "linkedin")}
    with app.app_context():
        paid = db.session.scalars(
            select(PointAward.points).where(
                PointAward.user_id == sharer.id, PointAward.action == "share_clicked"
            )
        ).all()
        assert paid == [2] * 25  # the daily cap
        assert count_activity(sharer.id, "clicks") == 30  # activity still counts every click


def test_visitor_hash_rotates_daily_and_depends_on_the_secret():
    day = date(2026, 11, 25)
    one = links.visitor_hash("secret", day, "203.0.113.7", CHROME)
    assert one == links.visitor_hash("secret", day, "203.0.113.7", CHROME)
    assert one != links.visitor_hash("secret", day + timedelta(days=1), "203.0.113.7", CHROME)
    assert one != links.visitor_hash("other", day, "203.0.113.7", CHROME)
    assert one != links.visitor_hash("secret", day, "203.0.113.8", CHROME)


def test_follow_link_counts_once_per_day_directly(app, link):
    _, _, code = link
    moment = datetime(2026, 11, 25, 12, tzinfo=UTC)
    with app.app_context():
        first = links.follow_link(code, "v1", countable=True, now=moment)
        second = links.follow_link(code, "v1", countable=True, now=moment + timedelta(hours=1))
        bot = links.follow_link(code, "v2", countable=False, now=moment)
        db.session.commit()
    assert first is not None and first.counted
    assert second is not None and not second.counted
    assert bot is not None and not bot.counted
