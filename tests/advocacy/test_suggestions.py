"""Employees suggest content; their team's leader (or an admin) approves or rejects with a note."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Role
from portal.advocacy.models import ContentItem, ContentStatus
from portal.db import db
from portal.notifications.models import Notification


def _suggest(client, title: str = "A great article on remote work"):  # type: ignore[no-untyped-def]
    return client.post(
        "/content/suggest",
        data={
            "url": "https://blog.example.com/remote",
            "title": title,
            "summary": "Our CTO is quoted.",
            "caption": "Worth a read for anyone leading remote teams.",
        },
    )


def _notes(app, user_id: int) -> list[tuple[str, str, str, str]]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return [
            (n.kind, n.title, n.url, n.body)
            for n in db.session.scalars(
                select(Notification)
                .where(Notification.user_id == user_id)
                .order_by(Notification.id)
            )
        ]


def test_suggestion_approved_by_the_teams_leader_reaches_the_team(app, client, auth, people):
    blue, green = people.team("Blue"), people.team("Green")
    employee = people.person(team=blue, name="Eve Employee")
    leader = people.person(role=Role.LEADER, team=blue)
    other_leader = people.person(role=Role.LEADER, team=green)
    colleague, outsider = people.person(team=blue), people.person(team=green)

    auth.login(employee.email)
    assert _suggest(client).status_code == 303
    page = client.get("/content/suggest").get_data(as_text=True)
    assert "A great article on remote work" in page and "Waiting for review" in page
    auth.logout()
    with app.app_context():
        item = db.session.scalar(select(ContentItem))
        assert item is not None and item.status == ContentStatus.SUGGESTED
        item_id = item.id
    assert _notes(app, leader.id) == [
        ("content_suggested",
         "Eve Employee suggested “A great article on remote work” for the content library",
         "/content/library/#suggestions", ""),
    ]  # fmt: skip
    assert _notes(app, other_leader.id) == []

    # Not in anyone's feed yet.
    auth.login(colleague.email)
    assert client.get(f"/content/{item_id}").status_code == 404
    auth.logout()

    # Another team's leader neither sees nor decides it.
    auth.login(other_leader.email)
    assert "remote work" not in client.get("/content/library/").get_data(as_text=True)
    denied = client.post(f"/content/library/suggestions/{item_id}/review",
                         data={"decision": "approve"})  # fmt: skip
    assert denied.status_code == 404
    auth.logout()

    auth.login(leader.email)
    assert "A great article on remote work" in client.get("/content/library/").get_data(
        as_text=True
    )
    done = client.post(f"/content/library/suggestions/{item_id}/review",
                       data={"decision": "approve", "note": "Great find!", "everyone": "y"})  # fmt: skip
    assert done.status_code == 303
    assert done.headers["Location"] == f"/content/library/{item_id}/edit"
    auth.logout()

    with app.app_context():
        item = db.session.get_one(ContentItem, item_id)
        assert item.status == ContentStatus.PUBLISHED and item.published_at is not None
        assert item.for_everyone is False  # a leader publishes for their team only
        assert [t.name for t in item.teams] == ["Blue"]
        assert item.review_note == "Great find!"
    assert _notes(app, employee.id) == [
        ("content_suggestion_reviewed",
         "Your suggestion “A great article on remote work” is in the content library",
         f"/content/{item_id}", "Great find!"),
    ]  # fmt: skip
    for person, status in ((colleague, 200), (outsider, 404)):
        auth.login(person.email)
        assert client.get(f"/content/{item_id}").status_code == status
        auth.logout()


def test_rejection_needs_a_note_and_tells_the_person(app, client, auth, people):
    team = people.team("Blue")
    employee = people.person(team=team)
    admin = people.person(role=Role.ADMIN)  # the team has no leader: admins review
    auth.login(employee.email)
    _suggest(client, "Competitor's pricing page")
    auth.logout()
    assert [k for k, *_ in _notes(app, admin.id)] == ["content_suggested"]
    with app.app_context():
        item_id = db.session.scalar(select(ContentItem.id))

    auth.login(admin.email)
    url = f"/content/library/suggestions/{item_id}/review"
    client.post(url, data={"decision": "reject", "note": ""})
    with app.app_context():
        assert db.session.get_one(ContentItem, item_id).status == ContentStatus.SUGGESTED
    assert client.post(url, data={"decision": "reject", "note": "We don't link to competitors."}
                       ).status_code == 303  # fmt: skip
    assert client.post(url, data={"decision": "approve"}).status_code == 404  # decided already
    auth.logout()

    with app.app_context():
        assert db.session.get_one(ContentItem, item_id).status == ContentStatus.REJECTED
    assert _notes(app, employee.id) == [
        ("content_suggestion_reviewed", "Your suggestion “Competitor's pricing page” was not added",
         "", "We don't link to competitors."),
    ]  # fmt: skip
    auth.login(employee.email)
    page = client.get("/content/suggest").get_data(as_text=True)
    assert "Not added" in page and "We don&#39;t link to competitors." in page


def test_admin_can_publish_a_suggestion_for_everyone(app, client, auth, people):
    team = people.team("Blue")
    employee, admin = people.person(team=team), people.person(role=Role.ADMIN)
    auth.login(employee.email)
    _suggest(client)
    auth.logout()
    with app.app_context():
        item_id = db.session.scalar(select(ContentItem.id))
    auth.login(admin.email)
    client.post(f"/content/library/suggestions/{item_id}/review",
                data={"decision": "approve", "everyone": "y"})  # fmt: skip
    with app.app_context():
        item = db.session.get_one(ContentItem, item_id)
        assert item.for_everyone is True and item.teams == []


def test_bad_suggestions_are_refused_with_field_errors(app, client, auth, people):
    employee = people.person()
    auth.login(employee.email)
    response = client.post(
        "/content/suggest", data={"url": "javascript:alert(1)", "title": "Sneaky"}
    )
    assert response.status_code == 200
    assert "Use a full http(s):// address." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ContentItem.id)) is None
