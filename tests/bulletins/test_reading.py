"""Reading bulletins: the archive, audiences, reads, "Got it", points and the unread count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from portal.accounts.models import Role, User
from portal.bulletins import audience, reading, services
from portal.bulletins.events import BulletinAcknowledged
from portal.bulletins.models import BulletinRead
from portal.db import db, utcnow
from portal.events import _subscribers, subscribers_of
from portal.gamification.activity import count_activity
from portal.gamification.points import total_points
from portal.learning.models import Status
from tests.bulletins.factories import make_bulletin
from tests.conftest import HTMX
from tests.learning.factories import build_module


@pytest.fixture
def org(people):  # type: ignore[no-untyped-def]
    """Two teams, an admin, and one employee in each team."""
    blue, green = people.team("Blue"), people.team("Green")
    return {
        "blue": blue,
        "green": green,
        "admin": people.person(role=Role.ADMIN, team=blue, name="Ada Admin"),
        "sam": people.person(team=blue, name="Sam Blue"),
        "gil": people.person(team=green, name="Gil Green"),
    }


def _unread(html: str) -> str | None:
    """The accessible unread count in the navigation ("2 unread"), or None when hidden."""
    match = re.search(r'<span id="nav-bulletins-unread"[^>]*>(.*?)</span>\s*</a>', html, re.S)
    assert match, "the unread count element is missing from the navigation"
    label = re.search(r'visually-hidden"> \((\d+ unread)\)<', match.group(1))
    return label.group(1) if label else None


def test_archive_shows_the_audience_pinned_first(app, client, auth, org):
    admin = org["admin"]
    now = utcnow()
    make_bulletin(app, admin, "Old pinned policy", at=now - timedelta(days=30), pinned=True,
                  category="policy")  # fmt: skip
    make_bulletin(app, admin, "Fresh best practice", at=now - timedelta(hours=1),
                  category="best_practice")  # fmt: skip
    make_bulletin(app, admin, "Green team only", teams=[org["green"]])
    make_bulletin(app, admin, "Still a draft", status="draft")
    make_bulletin(app, admin, "Scheduled later", status="scheduled", at=now + timedelta(days=1))

    auth.login(org["sam"].email)
    html = client.get("/bulletins/").get_data(as_text=True)
    titles = re.findall(r'id="bulletin-\d+-title"><a [^>]*>([^<]+)</a>', html)
    assert titles == ["Old pinned policy", "Fresh best practice"]
    assert "2 bulletins" in html

    auth.logout()
    auth.login(org["gil"].email)
    html = client.get("/bulletins/").get_data(as_text=True)
    titles = re.findall(r'id="bulletin-\d+-title"><a [^>]*>([^<]+)</a>', html)
    assert titles == ["Old pinned policy", "Green team only", "Fresh best practice"]


def test_people_outside_the_audience_get_404(app, client, auth, org):
    admin = org["admin"]
    green_only = make_bulletin(app, admin, "Green team only", teams=[org["green"]])
    draft = make_bulletin(app, admin, "Draft", status="draft")
    auth.login(org["sam"].email)
    assert client.get(f"/bulletins/{green_only}").status_code == 404
    assert client.get(f"/bulletins/{draft}").status_code == 404
    assert client.get("/bulletins/999999").status_code == 404
    assert client.post(f"/bulletins/{green_only}/acknowledge").status_code == 404
    assert client.post(f"/bulletins/{draft}/acknowledge").status_code == 404
    with app.app_context():
        assert db.session.query(BulletinRead).count() == 0

    auth.logout()
    auth.login(org["gil"].email)
    assert client.get(f"/bulletins/{green_only}").status_code == 200
    # An admin previews drafts and other teams' bulletins, but is not counted as a reader.
    auth.logout()
    auth.login(admin.email)
    page = client.get(f"/bulletins/{draft}").get_data(as_text=True)
    assert "Only admins see this bulletin" in page and "Got it" not in page
    assert "You see this as an admin" in client.get(f"/bulletins/{green_only}").get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.query(BulletinRead).filter_by(user_id=admin.id).count() == 0


def test_opening_a_bulletin_records_one_read(app, client, auth, org):
    bulletin_id = make_bulletin(app, org["admin"])
    auth.login(org["sam"].email)
    for _ in range(3):
        page = client.get(f"/bulletins/{bulletin_id}")
        assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "LinkedIn favours conversations" in html and "Reply within the hour" in html
    assert "<h2>What changed</h2>" in html
    with app.app_context():
        reads = db.session.query(BulletinRead).all()
        assert [(r.user_id, r.acknowledged_at) for r in reads] == [(org["sam"].id, None)]


@pytest.fixture
def acknowledgements(monkeypatch):  # type: ignore[no-untyped-def]
    """The BulletinAcknowledged events published during the test."""
    seen: list[BulletinAcknowledged] = []
    monkeypatch.setitem(
        _subscribers, BulletinAcknowledged, [*subscribers_of(BulletinAcknowledged), seen.append]
    )
    return seen


def test_got_it_acknowledges_once_and_updates_the_nav_count(
    app, client, auth, org, acknowledgements
):
    admin = org["admin"]
    first = make_bulletin(app, admin, "First")
    make_bulletin(app, admin, "Second")
    seen = acknowledgements

    auth.login(org["sam"].email)
    page = client.get(f"/bulletins/{first}").get_data(as_text=True)
    assert _unread(page) == "2 unread"
    assert "Got it" in page

    response = client.post(f"/bulletins/{first}/acknowledge", headers=HTMX)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "<html" not in fragment and "Acknowledged" in fragment and "Got it" not in fragment
    oob = re.search(r'<span id="nav-bulletins-unread"[^>]*hx-swap-oob="true"[^>]*>(.*?)</span>\s*$',
                    fragment.strip(), re.S)  # fmt: skip
    assert oob and " (1 unread)" in oob.group(1)
    assert "+5 points" in response.headers["HX-Trigger"]

    # Pressing again (or without JavaScript) changes nothing.
    again = client.post(f"/bulletins/{first}/acknowledge")
    assert again.status_code == 303 and again.headers["Location"] == f"/bulletins/{first}"
    assert len(seen) == 1 and seen[0].bulletin_id == first and seen[0].user_id == org["sam"].id
    with app.app_context():
        assert total_points(org["sam"].id) == 5
        assert count_activity(org["sam"].id, "bulletins_acknowledged") == 1
    page = client.get(f"/bulletins/{first}").get_data(as_text=True)
    assert "You acknowledged this on" in page and _unread(page) == "1 unread"
    archive = client.get("/bulletins/").get_data(as_text=True)
    assert archive.count("Acknowledged</span>") == 1 and archive.count("To read</span>") == 1


def test_acknowledging_the_last_one_hides_the_count(app, client, auth, org):
    only = make_bulletin(app, org["admin"], "Only one")
    auth.login(org["sam"].email)
    fragment = client.post(f"/bulletins/{only}/acknowledge", headers=HTMX).get_data(as_text=True)
    assert re.search(r'<span id="nav-bulletins-unread" class="nav-count" hx-swap-oob="true" hidden>',
                     fragment)  # fmt: skip
    assert _unread(client.get("/").get_data(as_text=True)) is None


def test_points_for_acknowledging_are_capped_per_day(app, client, auth, org):
    ids = [make_bulletin(app, org["admin"], f"Bulletin {i}") for i in range(7)]
    auth.login(org["sam"].email)
    for bulletin_id in ids:
        assert client.post(f"/bulletins/{bulletin_id}/acknowledge").status_code == 303
    with app.app_context():
        assert total_points(org["sam"].id) == 25  # 5 points, at most 5 a day
        assert count_activity(org["sam"].id, "bulletins_acknowledged") == 7
        assert reading.unread_count(db.session.get(User, org["sam"].id), utcnow()) == 0


def test_the_unread_count_costs_one_query_per_page(app, client, auth, org):
    for i in range(3):
        make_bulletin(app, org["admin"], f"Bulletin {i}")
    auth.login(org["sam"].email)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    def unread_queries(url: str, **kwargs: object) -> tuple[str, int]:
        statements.clear()
        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            html = client.get(url, **kwargs).get_data(as_text=True)
        finally:
            event.remove(engine, "before_cursor_execute", record)
        counted = [s for s in statements if "count(" in s and "acknowledged_at IS NOT NULL" in s]
        return html, len(counted)

    html, queries = unread_queries("/settings/")
    assert _unread(html) == "3 unread" and queries == 1
    html, queries = unread_queries("/bulletins/")
    assert _unread(html) == "3 unread" and queries == 1
    # Fragments have no navigation, and do not pay for the count.
    html, queries = unread_queries("/bulletins/?q=zzz", headers=HTMX)
    assert "nav-bulletins-unread" not in html and queries == 0


def test_unread_counts_recent_and_pinned_bulletins_only(app, org):
    admin = org["admin"]
    now = utcnow()
    make_bulletin(app, admin, "Ancient", at=now - timedelta(days=120))
    make_bulletin(app, admin, "Ancient but pinned", at=now - timedelta(days=200), pinned=True)
    make_bulletin(app, admin, "Recent", at=now - timedelta(days=89))
    make_bulletin(app, admin, "For green", teams=[org["green"]])
    with app.app_context():
        sam = db.session.get(User, org["sam"].id)
        gil = db.session.get(User, org["gil"].id)
        assert reading.unread_count(sam, now) == 2
        assert reading.unread_count(gil, now) == 3


def test_search_filters_and_pagination(app, client, auth, org):
    admin = org["admin"]
    now = utcnow()
    make_bulletin(app, admin, "Reach grew 100% on X", networks=["x"], at=now - timedelta(hours=3))
    make_bulletin(app, admin, "Reach grew 1000 times", networks=["x"], at=now - timedelta(hours=2))
    make_bulletin(app, admin, "Posting policy", category="policy", networks=["linkedin", "x"],
                  body="Say you work here: use #employee_post.", at=now - timedelta(hours=1))  # fmt: skip
    for i in range(11):
        make_bulletin(app, admin, f"Tip {i:02d}", category="best_practice", networks=["facebook"],
                      at=now - timedelta(days=1, minutes=i))  # fmt: skip
    auth.login(org["sam"].email)

    def titles(url: str) -> list[str]:
        html = client.get(url, headers=HTMX).get_data(as_text=True)
        return re.findall(r'id="bulletin-\d+-title"><a [^>]*>([^<]+)</a>', html)

    # LIKE wildcards are searched for literally.
    assert titles("/bulletins/?q=100%25") == ["Reach grew 100% on X"]
    assert titles("/bulletins/?q=employee_post") == ["Posting policy"]  # found in the body
    assert titles("/bulletins/?q=e_p") == ["Posting policy"]
    assert titles("/bulletins/?q=%25%25") == []
    assert titles("/bulletins/?q=REACH") == ["Reach grew 1000 times", "Reach grew 100% on X"]
    assert titles("/bulletins/?category=policy") == ["Posting policy"]
    assert titles("/bulletins/?network=x") == [
        "Posting policy",
        "Reach grew 1000 times",
        "Reach grew 100% on X",
    ]
    assert titles("/bulletins/?network=x&category=policy&q=nothing") == []
    assert len(titles("/bulletins/?category=nonsense")) == 10  # unknown filters are ignored

    page_one = client.get("/bulletins/?category=best_practice").get_data(as_text=True)
    assert "Page 1 of 2" in page_one
    assert 'href="/bulletins/?page=2&amp;category=best_practice"' in page_one
    assert titles("/bulletins/?category=best_practice&page=2") == ["Tip 10"]
    assert titles("/bulletins/?category=best_practice&page=99") == ["Tip 10"]
    assert len(titles("/bulletins/?page=abc")) == 10


def test_markdown_is_sanitised(app, client, auth, org):
    body = (
        "Hello <script>alert(1)</script>\n\n[click](javascript:alert(1)) "
        "<img src=x onerror=alert(1)>\n\n[ok](https://example.com)"
    )
    bulletin_id = make_bulletin(app, org["admin"], body=body)
    auth.login(org["sam"].email)
    html = client.get(f"/bulletins/{bulletin_id}").get_data(as_text=True)
    assert "<script>alert" not in html and 'href="javascript' not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown as text, not run
    assert 'href="https://example.com"' in html


def test_the_lesson_link_shows_only_when_the_reader_can_take_it(app, client, auth, org):
    open_module = build_module(app, "Feed basics", lessons=1)
    green_module = build_module(app, "Green secrets", lessons=1, teams=[org["green"]])
    admin = org["admin"]
    for_all = make_bulletin(app, admin, "Open lesson", lesson_id=open_module.lesson_ids[0])
    green_lesson = make_bulletin(app, admin, "Green lesson", lesson_id=green_module.lesson_ids[0])
    auth.login(org["sam"].email)
    html = client.get(f"/bulletins/{for_all}").get_data(as_text=True)
    assert f'href="/learn/lessons/{open_module.lesson_ids[0]}"' in html
    html = client.get(f"/bulletins/{green_lesson}").get_data(as_text=True)
    assert "/learn/lessons/" not in html and "Learn it in a lesson" not in html


def test_a_deactivated_person_is_not_in_the_audience(app, people, org):
    gone = people.person(team=org["blue"], active=False)
    bulletin_id = make_bulletin(app, org["admin"])
    with app.app_context():
        from portal.bulletins.models import Bulletin

        bulletin = db.session.get(Bulletin, bulletin_id)
        ids = audience.audience_ids(bulletin)
        assert gone.id not in ids
        assert set(ids) == {org["admin"].id, org["sam"].id, org["gil"].id}


def test_lessons_offered_are_the_published_ones(app, org):
    published = build_module(app, "Shown", lessons=2)
    build_module(app, "Hidden draft", lessons=1, status=Status.DRAFT)
    with app.app_context():
        lessons = services.linkable_lessons()
        assert [lesson.id for lesson in lessons] == published.lesson_ids
