"""Profile pages: who sees them, editing with errors, the speaking log with htmx, safe bios."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.db import db
from portal.profiles import services
from portal.profiles.models import BrandProfile, SpeakingEntry
from tests.conftest import HTMX

VALID = {
    "headline": "Cloud architect for retailers",
    "bio": "I help **retailers** scale.",
    "expertise": "Kubernetes, Retail analytics",
    "linkedin_url": "https://www.linkedin.com/in/sam-carter",
    "x_url": "@samcarter",
    "facebook_url": "",
    "followers_linkedin": "850",
    "followers_x": "61",
    "followers_facebook": "",
}


@pytest.fixture
def cast(people):  # type: ignore[no-untyped-def]
    team, other = people.team("Blue"), people.team("Green")
    return SimpleNamespace(
        sam=people.person(team=team, email="sam@example.com", name="Sam Carter"),
        jordan=people.person(team=other, email="jordan@example.com", name="Jordan Lee"),
        gone=people.person(team=team, email="gone@example.com", name="Gone Person", active=False),
        admin=people.person(role=Role.ADMIN, team=team, email="admin@example.com"),
    )


def profile_of(app, user_id: int) -> BrandProfile | None:
    with app.app_context():
        profile = db.session.get(BrandProfile, user_id)
        if profile is not None:
            db.session.expunge(profile)
        return profile


def test_profiles_need_a_login(client, cast):
    response = client.get(f"/people/{cast.sam.id}/profile")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/login")
    assert client.get("/profile/edit").headers["Location"].startswith("/login")


def test_colleagues_from_any_team_see_a_profile(app, client, auth, cast):
    auth.login(cast.sam.email)
    assert client.post("/profile/edit", data=dict(VALID)).status_code == 303
    auth.logout()
    auth.login(cast.jordan.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "Sam Carter" in page
    assert "Cloud architect for retailers" in page
    assert "<strong>retailers</strong>" in page
    assert "Kubernetes" in page and "Retail analytics" in page
    assert 'href="https://www.linkedin.com/in/sam-carter"' in page
    assert 'href="https://x.com/samcarter"' in page
    assert "911" in page  # potential reach: 850 + 61
    assert "Edit profile" not in page
    assert "complete" not in page.lower().split("<main", 1)[1]  # no meter on others' profiles


def test_deactivated_and_unknown_people_are_404(client, auth, cast):
    auth.login(cast.sam.email)
    assert client.get(f"/people/{cast.gone.id}/profile").status_code == 404
    assert client.get("/people/999999/profile").status_code == 404


def test_my_profile_link_and_completeness_meter(client, auth, cast):
    auth.login(cast.sam.email)
    response = client.get("/profile")
    assert response.headers["Location"] == f"/people/{cast.sam.id}/profile"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your profile is 0 of 6 complete" in page
    assert "Write a headline" in page
    client.post("/profile/edit", data=dict(VALID))
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "Your profile is 5 of 6 complete" in page
    assert "Log a talk, podcast or article" in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("linkedin_url", "https://evil.example/in/sam", "linkedin.com"),
        ("linkedin_url", "http://www.linkedin.com/in/sam", "https://"),
        ("x_url", "https://x.com/sam/status/1", "personal X profile"),
        ("facebook_url", "javascript:alert(1)", "Facebook"),
        ("followers_x", "-5", "Use a whole number from 0."),
        ("followers_linkedin", "lots", "Not a valid integer value."),
        ("headline", "h" * 121, "Field cannot be longer than 120 characters."),
    ],
)
def test_bad_input_re_renders_with_errors(app, client, auth, cast, field, value, message):
    auth.login(cast.sam.email)
    response = client.post("/profile/edit", data={**VALID, field: value})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please correct the fields marked below." in page
    assert message in page
    assert f'id="{field}"' in page and 'aria-invalid="true"' in page
    assert profile_of(app, cast.sam.id) is None  # nothing saved


def test_bio_markdown_is_sanitised(app, client, auth, cast):
    auth.login(cast.sam.email)
    bio = 'Hi <script>alert("x")</script> <img src=x onerror=alert(1)> [me](javascript:alert(1))'
    assert client.post("/profile/edit", data={**VALID, "bio": bio}).status_code == 303
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "<script>alert" not in page
    assert "onerror" not in page.replace("&lt;img src=x onerror", "")
    assert "<img src=x" not in page
    assert 'href="javascript' not in page


def test_saving_normalises_links_and_followers(app, client, auth, cast):
    auth.login(cast.sam.email)
    client.post("/profile/edit", data={**VALID, "linkedin_url": "linkedin.com/in/sam-carter/"})
    profile = profile_of(app, cast.sam.id)
    assert profile is not None
    assert profile.linkedin_url == "https://www.linkedin.com/in/sam-carter"
    assert profile.x_url == "https://x.com/samcarter"
    assert (profile.followers_linkedin, profile.followers_x, profile.followers_facebook) == (
        850,
        61,
        0,
    )
    assert profile.expertise == ["Kubernetes", "Retail analytics"]
    # The edit form shows what was saved.
    page = client.get("/profile/edit").get_data(as_text=True)
    assert 'value="Kubernetes, Retail analytics"' in page


def test_speaking_log_with_htmx(app, client, auth, cast):
    auth.login(cast.sam.email)
    added = client.post(
        "/profile/speaking",
        data={
            "kind": "talk",
            "title": "Employee advocacy that works",
            "event": "B2B Marketing Summit",
            "happened_on": "2026-10-14",
            "link": "https://summit.example/talks/42",
        },
        headers=HTMX,
    )
    assert added.status_code == 200
    fragment = added.get_data(as_text=True)
    assert fragment.lstrip().startswith("<section")  # the log fragment, not a page
    assert "Employee advocacy that works" in fragment
    assert "B2B Marketing Summit" in fragment

    bad = client.post(
        "/profile/speaking",
        data={"kind": "talk", "title": "", "happened_on": "14/10/2026", "link": "ftp://x"},
        headers=HTMX,
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "This field is required." in text
    assert "Give the date (YYYY-MM-DD)." in text or "Not a valid date value." in text

    with app.app_context():
        entry_id = db.session.scalars(select(SpeakingEntry.id)).one()
    # Someone else cannot remove it.
    auth.logout()
    auth.login(cast.jordan.email)
    assert client.post(f"/profile/speaking/{entry_id}/delete").status_code == 404
    auth.logout()
    auth.login(cast.sam.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "Employee advocacy that works" in page
    removed = client.post(f"/profile/speaking/{entry_id}/delete", headers=HTMX)
    assert removed.status_code == 200
    assert "Nothing logged yet" in removed.get_data(as_text=True)


def test_speaking_log_without_javascript_redirects(client, auth, cast):
    auth.login(cast.sam.email)
    response = client.post(
        "/profile/speaking",
        data={"kind": "article", "title": "Why I post", "happened_on": "2026-02-01"},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/profile/edit#speaking"


def test_potential_reach_matches_what_people_declared(app, client, auth, cast):
    auth.login(cast.sam.email)
    client.post("/profile/edit", data=dict(VALID))
    auth.logout()
    auth.login(cast.jordan.email)
    client.post(
        "/profile/edit",
        data={**VALID, "x_url": "", "followers_linkedin": "150", "followers_x": "", "followers_facebook": "200"},
    )  # fmt: skip
    with app.app_context():
        assert services.potential_reach() == {"linkedin": 1000, "x": 61, "facebook": 200}
        jordan = db.session.get(User, cast.jordan.id)
        assert jordan is not None
        assert services.potential_reach(jordan.team_id) == {
            "linkedin": 150,
            "x": 0,
            "facebook": 200,
        }


def test_earned_badges_link_to_their_public_pages(app, client, auth, cast):
    from portal.gamification import badges
    from portal.gamification.badge_models import Badge

    with app.app_context():
        badge = Badge(
            name="First share", description="Shared once", icon="star", colour="amber",
            kind="metric", metric="shares", threshold=1,
        )  # fmt: skip
        db.session.add(badge)
        db.session.flush()
        sam = db.session.get(User, cast.sam.id)
        assert sam is not None
        issued = badges.issue(sam, badge)
        assert issued is not None
        uid = issued.uid
        db.session.commit()
    auth.login(cast.jordan.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert f'href="/badges/earned/{uid}"' in page
    assert "First share" in page
    assert "Add to LinkedIn profile" not in page  # only on your own profile
    auth.logout()
    auth.login(cast.sam.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "Add to LinkedIn profile" in page
    assert "linkedin.com/profile/add" in page
