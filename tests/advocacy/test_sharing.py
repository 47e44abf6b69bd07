"""Sharing: the share page, the live caption check, recording shares, links, points, reminders."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from portal.accounts.models import User
from portal.advocacy import services, sharing
from portal.advocacy.events import ContentShared
from portal.advocacy.models import ContentItem, Network, Share, ShareReminder, TrackedLink
from portal.db import db, utcnow
from portal.events import subscribe
from portal.gamification.activity import count_activity
from portal.gamification.models import PointAward
from portal.notifications.models import Notification
from tests.advocacy.factories import build_item, publish_guidelines, set_caption_rules
from tests.conftest import HTMX

JSON = {"Accept": "application/json"}


def _share(client, item_id: int, network: str = "linkedin", caption: str = "My take", **kw):  # type: ignore[no-untyped-def]
    return client.post(
        f"/content/{item_id}/share", data={"network": network, "caption": caption}, **kw
    )


def test_share_page_prefills_the_networks_caption_and_checks_it(app, client, auth, people):
    person = people.person()
    item_id = build_item(app, caption="Join us at the launch")
    auth.login(person.email)
    page = client.get(f"/content/{item_id}?network=x").get_data(as_text=True)
    assert "Join us at the launch</textarea>" in page
    assert "Share on X" in page and "Ready to share" in page
    assert 'hx-trigger="input changed delay:400ms"' in page
    assert "js/share.js" in page
    # Switching networks with htmx returns the panel only.
    panel = client.get(f"/content/{item_id}?network=facebook", headers=HTMX)
    body = panel.get_data(as_text=True)
    assert "<html" not in body and "Share on Facebook" in body
    assert "Copies your caption" in body


def test_live_check_shows_problems_and_disables_sharing(app, client, auth, people):
    person = people.person()
    item_id = build_item(app)
    set_caption_rules(app, blocked="Project Falcon", disclosure="#employee")
    auth.login(person.email)
    url = f"/content/{item_id}/share/check"
    bad = client.post(url, data={"network": "x", "caption": "Sneak peek of project falcon!"},
                      headers=HTMX)  # fmt: skip
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200
    assert "Fix the caption before sharing" in html
    assert "Remove “Project Falcon”" in html
    assert "disabled" in html
    assert "Add the disclosure for me" in html

    long = client.post(url, data={"network": "x", "caption": "a" * 300 + " #employee"},
                       headers=HTMX).get_data(as_text=True)  # fmt: skip
    assert "Too long for X" in long and "310 / 280 characters" in long

    good = client.post(url, data={"network": "x", "caption": "Proud of this #employee"},
                       headers=HTMX).get_data(as_text=True)  # fmt: skip
    assert "Ready to share" in good and "disabled" not in good

    fixed = client.post(url, data={"network": "linkedin", "caption": "Great read",
                                   "apply": "disclosure"}, headers=HTMX)  # fmt: skip
    text = fixed.get_data(as_text=True)
    assert "Great read #employee</textarea>" in text and "Ready to share" in text


def test_share_records_the_share_and_reuses_one_link_per_network(app, client, auth, people):
    person = people.person()
    item_id = build_item(app, url="https://example.com/jobs?ref=careers")
    auth.login(person.email)

    first = _share(client, item_id, "linkedin", "Great place to work", headers=JSON)
    assert first.status_code == 200
    data = first.get_json()
    assert data["copy_caption"] is True
    assert data["message"] == "Caption copied: paste it into your LinkedIn post."
    assert data["points"] == 5
    share_url = urlsplit(data["share_url"])
    assert share_url.netloc == "www.linkedin.com"
    assert share_url.path == "/sharing/share-offsite/"
    tracked = parse_qs(share_url.query)["url"][0]
    assert tracked == data["tracked_url"]
    assert "/s/" in tracked

    again = _share(client, item_id, "linkedin", "Still a great place", headers=JSON).get_json()
    assert again["tracked_url"] == tracked  # same person, item and network: one link
    assert again["points"] == 0  # paid once per item and network

    x = _share(client, item_id, "x", "Hiring! Come work with me", headers=JSON).get_json()
    assert x["tracked_url"] != tracked
    query = parse_qs(urlsplit(x["share_url"]).query)
    assert urlsplit(x["share_url"]).netloc == "twitter.com"
    assert query["text"] == ["Hiring! Come work with me"] and query["url"] == [x["tracked_url"]]
    assert x["copy_caption"] is False

    fb = _share(client, item_id, "facebook", "", headers=JSON).get_json()
    assert urlsplit(fb["share_url"]).netloc == "www.facebook.com"
    assert parse_qs(urlsplit(fb["share_url"]).query)["u"] == [fb["tracked_url"]]

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Share)) == 4
        assert db.session.scalar(select(func.count()).select_from(TrackedLink)) == 3
        item = db.session.get_one(ContentItem, item_id)
        assert item.share_count == 3  # distinct person-and-network links
        me = db.session.get_one(User, person.id)
        assert count_activity(me.id, "shares") == 3
        assert services.recent_captions(item_id, "linkedin") == ["Still a great place"]


def test_plain_form_share_comes_back_with_the_link_to_open(app, client, auth, people):
    person = people.person()
    item_id = build_item(app)
    auth.login(person.email)
    response = _share(client, item_id, "linkedin", "Worth a read")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/content/{item_id}?network=linkedin&shared=1"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your tracked link is ready." in page
    assert 'href="https://www.linkedin.com/sharing/share-offsite/?url=' in page
    assert 'target="_blank" rel="noopener noreferrer"' in page
    assert "Worth a read</textarea>" in page


def test_blocked_caption_is_refused_and_nothing_recorded(app, client, auth, people):
    person = people.person()
    item_id = build_item(app)
    set_caption_rules(app, blocked="confidential")
    auth.login(person.email)
    refused = _share(client, item_id, "x", "This is CONFIDENTIAL news", headers=JSON)
    assert refused.status_code == 422
    assert any("confidential" in p for p in refused.get_json()["problems"])
    too_long = _share(client, item_id, "x", "b" * 400, headers=JSON)
    assert too_long.status_code == 422
    page = _share(client, item_id, "x", "This is confidential news")
    assert page.status_code == 422
    assert "Fix the caption first." in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Share)) == 0
        assert db.session.scalar(select(func.count()).select_from(TrackedLink)) == 0
        assert db.session.scalar(select(func.count()).select_from(PointAward)) == 0


def test_guidelines_must_be_acknowledged_before_sharing(app, client, auth, people):
    person = people.person()
    item_id = build_item(app)
    version_id = publish_guidelines(app)
    auth.login(person.email)
    page = client.get(f"/content/{item_id}").get_data(as_text=True)
    assert "Read the posting guidelines first." in page
    assert 'id="share-form"' not in page
    response = _share(client, item_id)
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/guidelines?next=")
    as_json = _share(client, item_id, headers=JSON)
    assert as_json.status_code == 409
    assert as_json.get_json()["redirect"].startswith(f"/guidelines?next=/content/{item_id}")

    with app.app_context():
        from portal.advocacy import guidelines

        guidelines.acknowledge(db.session.get_one(User, person.id), version_id)
        db.session.commit()
    assert _share(client, item_id, headers=JSON).status_code == 200


def test_content_shared_event_and_daily_cap(app, people):
    person = people.person()
    items = [build_item(app, f"Item {i}") for i in range(7)]
    seen: list[ContentShared] = []

    @subscribe(ContentShared)
    def _spy(event: ContentShared) -> None:
        seen.append(event)

    try:
        with app.app_context():
            me = db.session.get_one(User, person.id)
            for item_id in items:
                item = db.session.get_one(ContentItem, item_id)
                sharing.record_share(me, item, Network.LINKEDIN, "Read this")
            db.session.commit()
            paid = db.session.scalars(
                select(PointAward.points).where(PointAward.action == "content_shared")
            ).all()
    finally:
        from portal.events import _subscribers

        _subscribers[ContentShared].remove(_spy)
    assert len(seen) == 7
    assert {e.network for e in seen} == {"linkedin"}
    assert paid == [5] * 5  # capped at five shares a day


def test_share_later_schedules_a_job_that_notifies_once(app, client, auth, people):
    from rq.registry import ScheduledJobRegistry

    from jobs.advocacy import send_share_reminder
    from portal.advocacy.notices import due_share_reminders
    from portal.queue import get_queue

    person = people.person()
    item_id = build_item(app, "Remind me about this")
    with (
        app.app_context()
    ):  # other tests' scheduled jobs (the queue fixture empties only the queue)
        registry = ScheduledJobRegistry(queue=get_queue())
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
    auth.login(person.email)
    response = client.post(f"/content/{item_id}/remind", data={"when": "later", "network": "x"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/content/{item_id}?network=x"
    with app.app_context():
        reminder = db.session.scalar(select(ShareReminder))
        assert reminder is not None
        wait = reminder.remind_at - utcnow()
        assert timedelta(hours=2, minutes=59) < wait <= timedelta(hours=3)
        registry = ScheduledJobRegistry(queue=get_queue())
        jobs = [get_queue().fetch_job(j) for j in registry.get_job_ids()]
        assert [j.func_name for j in jobs if j] == ["jobs.advocacy.send_share_reminder"]
        assert jobs[0].args == [reminder.id] or jobs[0].args == (reminder.id,)

        # Too early: nothing happens. At its time: one notification, however often it runs.
        assert send_share_reminder(reminder.id) is False
        reminder = db.session.get_one(ShareReminder, reminder.id)
        reminder.remind_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        due = due_share_reminders(utcnow())  # the sweep's safety net sees it meanwhile
        assert [(d.user_id, d.subject, d.url) for d in due] == [
            (person.id, f"content:{item_id}", f"/content/{item_id}")
        ]
        assert send_share_reminder(reminder.id) is True
        assert send_share_reminder(reminder.id) is False
        from portal.notifications.services import notify

        for d in due:  # the sweep delivering the same reminder adds nothing
            assert notify([d.user_id], "share_later", d.title, d.url, subject=d.subject,
                          period=d.period) == []  # fmt: skip
        notes = db.session.scalars(select(Notification)).all()
        assert [(n.kind, n.title) for n in notes] == [
            ("share_later", "Reminder: share “Remind me about this”")
        ]
        assert due_share_reminders(utcnow()) == []


def test_digest_section_lists_new_content_per_audience(app, people):
    from portal.advocacy.notices import new_content

    blue, green = people.team("Blue"), people.team("Green")
    in_blue, in_green = people.person(team=blue), people.person(team=green)
    since = utcnow() - timedelta(days=7)
    build_item(app, "For everyone")
    build_item(app, "For blue", teams=[blue])
    build_item(app, "Old news", published_at=since - timedelta(days=1))
    with app.app_context():
        found = new_content([in_blue.id, in_green.id], since, utcnow() + timedelta(seconds=1))
    assert [i.title for i in found[in_blue.id]] == ["For blue", "For everyone"]
    assert [i.title for i in found[in_green.id]] == ["For everyone"]
