"""Guidelines pages: reading and acknowledging (with a safe `next`), the admin's versions and rules."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.advocacy import guidelines
from portal.advocacy.guideline_models import GuidelineAcknowledgement
from portal.db import db
from tests.conftest import HTMX


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    team = people.team("Blue")
    return SimpleNamespace(
        admin=people.person(role=Role.ADMIN, team=team, email="admin@example.com"),
        leader=people.person(role=Role.LEADER, team=team, email="leader@example.com"),
        employee=people.person(team=team, email="sam@example.com", name="Sam Carter"),
    )


def publish(
    app, admin_id: int, body: str = "## Be yourself\n\nDisclose that you work here."
) -> int:
    with app.app_context():
        admin = db.session.get(User, admin_id)
        assert admin is not None
        draft = guidelines.save_draft(admin, title="Posting guidelines", body=body)
        guidelines.publish_draft(admin, draft.id)
        db.session.commit()
        return draft.id


def acknowledged(app, user_id: int) -> int:
    with app.app_context():
        return len(
            db.session.scalars(
                select(GuidelineAcknowledgement).where(GuidelineAcknowledgement.user_id == user_id)
            ).all()
        )


def test_empty_state_before_anything_is_published(client, auth, cast):
    auth.login(cast.employee.email)
    page = client.get("/guidelines").get_data(as_text=True)
    assert "No guidelines yet" in page


def test_read_and_acknowledge_then_back_to_next(app, client, auth, cast):
    version_id = publish(app, cast.admin.id)
    auth.login(cast.employee.email)
    page = client.get("/guidelines?next=/learn").get_data(as_text=True)
    assert "Be yourself" in page
    assert "Please read and acknowledge these guidelines before you share." in page
    assert 'name="next" type="hidden" value="/learn"' in page

    response = client.post(
        "/guidelines/acknowledge", data={"version_id": str(version_id), "next": "/learn"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/learn"
    assert acknowledged(app, cast.employee.id) == 1

    page = client.get("/guidelines").get_data(as_text=True)
    assert "You acknowledged version 1" in page
    # Acknowledging again records nothing new.
    client.post("/guidelines/acknowledge", data={"version_id": str(version_id)})
    assert acknowledged(app, cast.employee.id) == 1


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"],
)
def test_off_site_next_is_ignored(app, client, auth, cast, target):
    version_id = publish(app, cast.admin.id)
    auth.login(cast.employee.email)
    response = client.post(
        "/guidelines/acknowledge", data={"version_id": str(version_id), "next": target}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/guidelines"
    # An off-site next is not even carried on the page.
    page = client.get("/guidelines", query_string={"next": target}).get_data(as_text=True)
    assert "evil.example" not in page


def test_htmx_acknowledge_redirects_with_hx_redirect(app, client, auth, cast):
    version_id = publish(app, cast.admin.id)
    auth.login(cast.employee.email)
    response = client.post(
        "/guidelines/acknowledge",
        data={"version_id": str(version_id), "next": "/learn"},
        headers=HTMX,
    )
    assert response.headers["HX-Redirect"] == "/learn"


def test_acknowledging_a_replaced_version_asks_to_read_the_new_one(app, client, auth, cast):
    old = publish(app, cast.admin.id)
    publish(app, cast.admin.id, body="Version two")
    auth.login(cast.employee.email)
    response = client.post(
        "/guidelines/acknowledge", data={"version_id": str(old), "next": "/learn"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/guidelines?next=/learn"
    assert acknowledged(app, cast.employee.id) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "replaced" in page


def test_guidelines_markdown_is_sanitised(app, client, auth, cast):
    publish(app, cast.admin.id, body="Hello <script>alert(1)</script> [x](javascript:alert(2))")
    auth.login(cast.employee.email)
    page = client.get("/guidelines").get_data(as_text=True)
    assert "<script>alert" not in page
    assert 'href="javascript' not in page


def test_old_versions_are_read_only_and_drafts_hidden(app, client, auth, cast):
    publish(app, cast.admin.id, body="The first text")
    publish(app, cast.admin.id, body="The second text")
    with app.app_context():
        admin = db.session.get(User, cast.admin.id)
        assert admin is not None
        guidelines.save_draft(admin, title="Draft", body="Secret draft text")
        db.session.commit()
    auth.login(cast.employee.email)
    page = client.get("/guidelines").get_data(as_text=True)
    assert "The second text" in page
    assert "Secret draft text" not in page
    old = client.get("/guidelines/v1").get_data(as_text=True)
    assert "The first text" in old
    assert "replaced by" in old
    assert "acknowledge" not in old.lower().split("<main", 1)[1]
    assert client.get("/guidelines/v3").status_code == 404  # the draft


@pytest.mark.parametrize("who", ["employee", "leader"])
def test_admin_pages_are_for_admins_only(client, auth, cast, who):
    auth.login(getattr(cast, who).email)
    assert client.get("/admin/guidelines").status_code == 403
    assert (
        client.post("/admin/guidelines/draft", data={"title": "x", "body": "y"}).status_code == 403
    )
    assert client.post("/admin/guidelines/rules", data={"disclosure": "x"}).status_code == 403
    assert client.post("/admin/guidelines/publish", data={"version_id": "1"}).status_code == 403


def test_admin_drafts_previews_and_publishes(app, client, auth, cast):
    auth.login(cast.admin.email)
    page = client.get("/admin/guidelines").get_data(as_text=True)
    assert "Nothing published yet" in page

    bad = client.post("/admin/guidelines/draft", data={"title": "", "body": ""}, headers=HTMX)
    assert bad.status_code == 422
    assert "Please correct the fields marked below." in bad.get_data(as_text=True)

    preview = client.post("/admin/guidelines/preview", data={"body": "**Bold** <script>x</script>"})
    assert "<strong>Bold</strong>" in preview.get_data(as_text=True)
    assert "<script>" not in preview.get_data(as_text=True)

    saved = client.post(
        "/admin/guidelines/draft",
        data={"title": "Posting guidelines", "summary": "First version", "body": "Be kind."},
    )
    assert saved.status_code == 303
    page = client.get("/admin/guidelines").get_data(as_text=True)
    assert "Draft of version 1" in page
    assert "Publish version 1" in page
    with app.app_context():
        draft = guidelines.current_draft()
        assert draft is not None
        draft_id = draft.id

    published = client.post("/admin/guidelines/publish", data={"version_id": str(draft_id)})
    assert published.status_code == 303
    page = client.get("/admin/guidelines").get_data(as_text=True)
    assert "Current" in page
    assert "0 of 3 people" in page
    # A stale publish (already published) is refused politely.
    again = client.post("/admin/guidelines/publish", data={"version_id": str(draft_id)})
    assert again.status_code == 303
    assert "no longer exists" in client.get("/admin/guidelines").get_data(as_text=True)


def test_admin_saves_caption_rules_and_sees_errors(app, client, auth, cast):
    auth.login(cast.admin.email)
    bad = client.post(
        "/admin/guidelines/rules",
        data={"disclosure": "#employee", "blocked_terms": "", "limit_x": "-5"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    assert "Number must be between" in bad.get_data(as_text=True)

    ok = client.post(
        "/admin/guidelines/rules",
        data={
            "disclosure": "#employee",
            "blocked_terms": "Project Falcon\nBluebird",
            "limit_x": "280",
            "limit_linkedin": "3000",
            "limit_facebook": "",
        },
    )
    assert ok.status_code == 303
    with app.app_context():
        rules = guidelines.caption_rules()
        assert rules.terms == ["Project Falcon", "Bluebird"]
        assert rules.limit_facebook is None
    auth.login(cast.employee.email)
    publish(app, cast.admin.id)
    page = client.get("/guidelines").get_data(as_text=True)
    assert "Project Falcon" in page
    assert "#employee" in page


def test_caption_check_fragment_and_one_click_fix(app, client, auth, cast):
    with app.app_context():
        admin = db.session.get(User, cast.admin.id)
        assert admin is not None
        guidelines.update_caption_rules(
            admin, disclosure="#employee", blocked_terms="Project Falcon", limits={"x": 280}
        )
        db.session.commit()
    auth.login(cast.employee.email)
    result = client.post(
        "/guidelines/check",
        data={"caption": "Soon: project falcon!", "network": "x", "part": "result"},
        headers=HTMX,
    )
    text = result.get_data(as_text=True)
    assert result.status_code == 200
    assert "Remove “Project Falcon”" in text
    assert "Add the disclosure" in text

    fixed = client.post(
        "/guidelines/check",
        data={"caption": "Our new office", "network": "linkedin", "fix": "disclosure"},
        headers=HTMX,
    )
    text = fixed.get_data(as_text=True)
    assert "Our new office #employee</textarea>" in text
    assert "Ready to share" in text

    # Without htmx the guidelines page shows the result.
    page = client.post("/guidelines/check", data={"caption": "x" * 300, "network": "x"})
    assert "Too long for X: 300 of 280 characters" in page.get_data(as_text=True)

    bad = client.post(
        "/guidelines/check", data={"caption": "hi", "network": "myspace"}, headers=HTMX
    )
    assert bad.status_code == 422
