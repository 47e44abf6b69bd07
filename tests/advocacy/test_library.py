"""The content library: audience, start and expiry dates, the feed, and who curates what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.advocacy import services
from portal.advocacy.models import ContentItem, Network
from portal.advocacy.services import ContentError, ItemInput
from portal.db import db, utcnow
from tests.advocacy.factories import build_item
from tests.conftest import HTMX


def _titles(html: str, *titles: str) -> dict[str, bool]:
    return {t: t in html for t in titles}


def test_team_items_never_appear_to_or_open_for_other_teams(app, client, auth, people):
    blue, green = people.team("Blue"), people.team("Green")
    outsider = people.person(team=green)
    insider = people.person(team=blue)
    admin_elsewhere = people.person(role=Role.ADMIN, team=green)
    team_item = build_item(app, "Blue team launch", teams=[blue])
    build_item(app, "Company news")

    for person, sees in ((outsider, False), (insider, True), (admin_elsewhere, False)):
        auth.login(person.email)
        feed = client.get("/content/").get_data(as_text=True)
        assert _titles(feed, "Blue team launch", "Company news") == {
            "Blue team launch": sees,
            "Company news": True,
        }
        expected = 200 if sees else 404
        assert client.get(f"/content/{team_item}").status_code == expected
        check = client.post(f"/content/{team_item}/share/check", data={"caption": "hi"})
        assert check.status_code == expected
        share = client.post(f"/content/{team_item}/share", data={"network": "x", "caption": "x"})
        assert share.status_code == (303 if sees else 404)
        remind = client.post(f"/content/{team_item}/remind", data={"when": "later"})
        assert remind.status_code == (303 if sees else 404)
        auth.logout()


def test_start_and_expiry_dates_bound_the_feed(app, client, auth, people):
    person = people.person()
    now = utcnow()
    future = build_item(app, "Not yet", starts_at=now + timedelta(days=1))
    expired = build_item(app, "Too late", expires_at=now - timedelta(minutes=1))
    live = build_item(
        app,
        "Just right",
        starts_at=now - timedelta(days=1),
        expires_at=now + timedelta(days=1),
    )
    suggested = build_item(app, "Only a suggestion", status=services.ContentStatus.SUGGESTED)
    auth.login(person.email)
    feed = client.get("/content/").get_data(as_text=True)
    assert _titles(feed, "Not yet", "Too late", "Just right", "Only a suggestion") == {
        "Not yet": False,
        "Too late": False,
        "Just right": True,
        "Only a suggestion": False,
    }
    for hidden in (future, expired, suggested):
        assert client.get(f"/content/{hidden}").status_code == 404
    page = client.get(f"/content/{live}")
    assert page.status_code == 200
    assert "Share it by" in page.get_data(as_text=True)


def test_feed_search_tags_and_order(app, client, auth, people):
    person = people.person()
    now = utcnow()
    build_item(app, "Older but popular", tags=["product"], share_count=9,
               published_at=now - timedelta(days=3))  # fmt: skip
    build_item(app, "Newest hiring post", tags=["hiring"], published_at=now)
    build_item(app, "Middle product news", tags=["product", "news"],
               published_at=now - timedelta(days=1))  # fmt: skip
    auth.login(person.email)

    page = client.get("/content/").get_data(as_text=True)
    assert page.index("Newest hiring post") < page.index("Middle product news")
    assert page.index("Middle product news") < page.index("Older but popular")
    assert '<option value="product">' in page  # the tag filter offers every tag once

    shared = client.get("/content/?sort=shared", headers=HTMX)
    body = shared.get_data(as_text=True)
    assert "<html" not in body  # the htmx fragment only
    assert body.index("Older but popular") < body.index("Newest hiring post")

    tagged = client.get("/content/?tag=product", headers=HTMX).get_data(as_text=True)
    assert "Older but popular" in tagged and "Middle product news" in tagged
    assert "Newest hiring post" not in tagged
    assert "2 items to share" in tagged

    searched = client.get("/content/?q=NEWEST", headers=HTMX).get_data(as_text=True)
    assert "Newest hiring post" in searched and "Older but popular" not in searched
    assert client.get("/content/?q=%25&tag=nothing").status_code == 200


def test_card_image_is_a_plain_img_and_text_is_escaped(app, client, auth, people):
    person = people.person()
    with app.app_context():
        item = ContentItem(
            url="https://example.com/a",
            title="<script>alert(1)</script> Launch",
            summary="",
            image_url="https://images.example.com/launch.png",
            tags=[],
            published_at=utcnow(),
        )
        db.session.add(item)
        db.session.commit()
    auth.login(person.email)
    html = client.get("/content/").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html
    assert (
        '<img class="content-card__image" src="https://images.example.com/launch.png" alt=""'
        in html
    )


def _input(**overrides: object) -> ItemInput:
    values: dict[str, object] = {
        "url": "https://example.com/post",
        "title": "Our product launch",
        "summary": "It is out.",
        "image_url": "https://example.com/cover.png",
        "tags": "Product, launch, product",
        "campaign": "Launch week",
        "captions": {Network.LINKEDIN: "Proud of the team", Network.X: "Shipped!"},
    }
    values.update(overrides)
    return ItemInput(**values)  # type: ignore[arg-type]


def test_curators_create_items_with_validated_input(app_ctx, people):
    admin = db.session.get(User, people.person(role=Role.ADMIN).id)
    assert admin is not None
    item = services.create_item(admin, _input())
    assert item.tags == ["product", "launch"]
    assert item.for_everyone is True and item.published_at is not None
    assert item.caption_for(Network.X) == "Shipped!"
    assert item.caption_for(Network.FACEBOOK) == ""

    bad = [
        ({"url": "javascript:alert(1)"}, "url"),
        ({"url": "/relative/path"}, "url"),
        ({"url": "https://user:pw@example.com/"}, "url"),
        ({"image_url": "http://example.com/cover.png"}, "image_url"),  # https only (CSP)
        ({"title": "   "}, "title"),
        ({"tags": ",".join(f"t{i}" for i in range(20))}, "tags"),
        ({"starts_at": utcnow(), "expires_at": utcnow() - timedelta(days=1)}, "expires_at"),
        ({"for_everyone": False, "team_ids": []}, "teams"),
    ]
    for overrides, field in bad:
        with pytest.raises(ContentError) as caught:
            services.create_item(admin, _input(**overrides))
        assert caught.value.field == field, overrides
        db.session.rollback()


def test_leaders_curate_their_own_team_only(app, people):
    blue, green = people.team("Blue"), people.team("Green")
    leader = people.person(role=Role.LEADER, team=blue)
    other = people.person(role=Role.LEADER, team=green)
    employee = people.person(team=blue)
    admin_item = build_item(app, "Admin's item")
    with app.app_context():
        me = db.session.get_one(User, leader.id)
        item = services.create_item(me, _input(for_everyone=True))  # ignored for leaders
        db.session.commit()
        assert item.for_everyone is False
        assert [t.name for t in item.teams] == ["Blue"]
        assert item.owner_team_id == blue.id
        assert [i.id for i in services.editable_items(me)] == [item.id]
        with pytest.raises(NotFound):
            services.get_editable(me, admin_item)
        with pytest.raises(NotFound):
            services.get_editable(db.session.get_one(User, other.id), item.id)
        with pytest.raises(PermissionDenied):
            services.create_item(db.session.get_one(User, employee.id), _input())


def test_library_pages_create_and_edit(app, client, auth, people):
    admin = people.person(role=Role.ADMIN)
    team = people.team("Blue")
    auth.login(admin.email)
    assert client.get("/content/library/").status_code == 200
    form = {
        "url": "https://example.com/launch",
        "title": "Launch day",
        "summary": "We shipped.",
        "tags": "product",
        "campaign": "Launch week",
        "caption_linkedin": "Proud of this team.",
        "caption_x": "Shipped!",
        "caption_facebook": "",
        "expires_on": "2099-12-31",
        "audience": "teams",
        "teams": str(team.id),
    }
    response = client.post("/content/library/new", data=form)
    assert response.status_code == 303
    with app.app_context():
        item = db.session.scalar(select(ContentItem).where(ContentItem.title == "Launch day"))
        assert item is not None and [t.name for t in item.teams] == ["Blue"]
        assert item.expires_at is not None and item.expires_at.year == 2100  # end of that day
        item_id = item.id
    page = client.get(f"/content/library/{item_id}/edit").get_data(as_text=True)
    assert 'value="2099-12-31"' in page and "Proud of this team." in page

    invalid = client.post("/content/library/new", data={**form, "url": "ftp://nope"})
    assert invalid.status_code == 200
    assert "Use a full http(s):// address." in invalid.get_data(as_text=True)

    form.update(title="Launch day, updated", audience="everyone")
    assert client.post(f"/content/library/{item_id}/edit", data=form).status_code == 303
    with app.app_context():
        item = db.session.get_one(ContentItem, item_id)
        assert item.title == "Launch day, updated" and item.for_everyone and item.teams == []
    listing = client.get("/content/library/").get_data(as_text=True)
    assert "Launch day, updated" in listing
