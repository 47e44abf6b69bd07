"""Public profile pages, follower-count dates, "what to do next" and potential reach."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from portal.accounts.models import Role, User
from portal.db import db
from portal.profiles import public, reach, services
from portal.profiles.models import BrandProfile

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
        team=team,
        other=other,
        sam=people.person(team=team, email="sam@example.com", name="Sam Carter"),
        kim=people.person(team=team, email="kim@example.com", name="Kim Park"),
        jordan=people.person(team=other, email="jordan@example.com", name="Jordan Lee"),
        leader=people.person(role=Role.LEADER, team=team, email="lead@example.com", name="Lea"),
        admin=people.person(role=Role.ADMIN, email="admin@example.com", name="Ada Admin"),
    )


def profile_of(app, user_id: int) -> BrandProfile:
    with app.app_context():
        profile = db.session.get(BrandProfile, user_id)
        assert profile is not None
        db.session.expunge(profile)
        return profile


def _public_path(app, user_id: int) -> str:
    slug = profile_of(app, user_id).public_slug
    assert slug is not None
    return f"/p/{slug}"


def _add_talk_and_badge(app, user_id: int) -> None:
    from portal.gamification import badges
    from portal.gamification.badge_models import Badge

    with app.app_context():
        person = db.session.get(User, user_id)
        assert person is not None
        services.add_speaking(
            person, kind="talk", title="Advocacy that works", event="B2B Summit",
            happened_on=datetime(2026, 10, 14, tzinfo=UTC).date(),
        )  # fmt: skip
        badge = Badge(
            name="First share", description="Shared once", icon="star", colour="amber",
            kind="metric", metric="shares", threshold=1,
        )  # fmt: skip
        db.session.add(badge)
        db.session.flush()
        assert badges.issue(person, badge) is not None
        db.session.commit()


# --------------------------------------------------------------------------- public page


def test_public_page_is_off_by_default(app, client, auth, cast):
    auth.login(cast.sam.email)
    client.post("/profile/edit", data=dict(VALID))
    profile = profile_of(app, cast.sam.id)
    assert profile.public is False and profile.public_slug is None
    page = client.get("/profile/edit").get_data(as_text=True)
    assert 'id="public"' in page and "Make my profile public" in page
    assert re.search(r'<input[^>]*id="public"[^>]*checked', page) is None


def test_opted_in_page_shows_only_what_is_public(app, client, auth, cast):
    auth.login(cast.sam.email)
    assert client.post("/profile/edit", data={**VALID, "public": "y"}).status_code == 303
    _add_talk_and_badge(app, cast.sam.id)
    slug = profile_of(app, cast.sam.id).public_slug
    assert slug is not None and len(slug) >= 22  # random, not the name or the id
    assert re.fullmatch(r"[A-Za-z0-9_-]{22}", slug) and slug != str(cast.sam.id)
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert f'/p/{slug}" target="_blank"' in edit  # the address, to copy
    own = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert f'href="/p/{slug}">View public page</a>' in own
    auth.logout()
    auth.login(cast.jordan.email)
    colleague = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "View public page" not in colleague
    auth.logout()

    response = client.get(f"/p/{slug}")  # anonymous
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex"
    page = response.get_data(as_text=True)
    for shown in (
        "Sam Carter", "Cloud architect for retailers", "<strong>retailers</strong>",
        "Kubernetes", "Retail analytics", 'href="https://www.linkedin.com/in/sam-carter"',
        'href="https://x.com/samcarter"', "Advocacy that works", "B2B Summit", "First share",
    ):  # fmt: skip
        assert shown in page, shown
    main = page.split("<main", 1)[1]
    for private in ("sam@example.com", "Blue", "850", "911", "followers", "Employee"):
        assert private not in main, private
    assert "Log out" not in page  # an anonymous visitor's page


def test_follower_counts_and_indexing_are_separate_choices(app, client, auth, cast):
    auth.login(cast.sam.email)
    client.post(
        "/profile/edit",
        data={**VALID, "public": "y", "public_followers": "y", "public_indexable": "y"},
    )
    path = _public_path(app, cast.sam.id)
    auth.logout()
    response = client.get(path)
    assert "X-Robots-Tag" not in response.headers
    main = response.get_data(as_text=True).split("<main", 1)[1]
    assert "850" in main and "911" in main
    assert "sam@example.com" not in main and "Blue" not in main


def test_opted_out_and_deactivated_pages_are_404(app, client, auth, cast):
    auth.login(cast.sam.email)
    client.post("/profile/edit", data={**VALID, "public": "y"})
    path = _public_path(app, cast.sam.id)
    assert client.get(path).status_code == 200
    client.post("/profile/edit", data=dict(VALID))  # the box unticked: opted out
    assert client.get(path).status_code == 404
    auth.logout()
    assert client.get(path).status_code == 404

    auth.login(cast.sam.email)
    client.post("/profile/edit", data={**VALID, "public": "y"})
    assert _public_path(app, cast.sam.id) == path  # opting back in keeps the address
    auth.logout()
    assert client.get(path).status_code == 200
    with app.app_context():
        sam = db.session.get(User, cast.sam.id)
        assert sam is not None
        sam.active = False
        db.session.commit()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("slug", ["nope", "A" * 22, "../../etc/passwd", "x" * 200])
def test_unknown_slugs_are_404(client, cast, slug):
    assert client.get(f"/p/{slug}").status_code == 404


def test_set_public_makes_one_slug_per_person(app_ctx, cast):
    sam = db.session.get(User, cast.sam.id)
    kim = db.session.get(User, cast.kim.id)
    assert sam is not None and kim is not None
    first = public.set_public(sam, public=True).public_slug
    assert public.set_public(sam, public=False).public_slug == first
    assert public.set_public(sam, public=True).public_slug == first
    assert public.set_public(kim, public=True).public_slug not in (None, first)
    shown = public.public_profile(first or "")
    assert shown.name == "Sam Carter" and shown.reach is None
    assert not hasattr(shown, "email") and not hasattr(shown, "team")


# --------------------------------------------------------------------------- follower dates


def _save(person: User, now: datetime, **followers: int | None) -> BrandProfile:
    return services.update_profile(
        person, headline="", bio="", expertise="", links={}, followers=followers, now=now
    )


def test_follower_dates_change_only_with_the_count(app_ctx, cast):
    sam = db.session.get(User, cast.sam.id)
    assert sam is not None
    day1 = datetime(2026, 3, 1, 9, tzinfo=UTC)
    day2 = datetime(2026, 4, 2, 9, tzinfo=UTC)
    day3 = datetime(2026, 5, 3, 9, tzinfo=UTC)

    profile = _save(sam, day1, linkedin=850, x=61, facebook=None)
    assert profile.followers_updated_on("linkedin") == day1
    assert profile.followers_updated_on("x") == day1
    assert profile.followers_updated_on("facebook") is None  # never declared

    profile = _save(sam, day2, linkedin=850, x=70, facebook=None)  # only X changed
    assert profile.followers_updated_on("linkedin") == day1
    assert profile.followers_updated_on("x") == day2
    assert profile.followers_updated_on("facebook") is None

    profile = _save(sam, day3, linkedin=850, x=70, facebook=None)  # nothing changed
    db.session.commit()
    db.session.expire_all()
    profile = db.session.get(BrandProfile, sam.id)
    assert profile is not None
    assert profile.followers_updated_on("linkedin") == day1
    assert profile.followers_updated_on("x") == day2
    assert profile.updated_at == day3  # the profile itself was saved


def test_profile_shows_when_each_count_was_updated(app, client, auth, cast):
    with app.app_context():
        sam = db.session.get(User, cast.sam.id)
        assert sam is not None
        _save(sam, datetime(2026, 3, 1, 9, tzinfo=UTC), linkedin=850, x=61)
        db.session.commit()
    auth.login(cast.jordan.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert page.count('Updated <time datetime="2026-03-01">1 Mar 2026</time>') == 2
    assert "Not declared yet" in page  # Facebook
    auth.logout()
    auth.login(cast.sam.email)
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert '<p class="field__hint" id="followers_x-hint">Last changed 1 Mar 2026</p>' in edit
    assert '<p class="field__hint" id="followers_facebook-hint">Not declared yet</p>' in edit


# --------------------------------------------------------------------------- what to do next


def test_what_to_do_next_links_to_each_missing_field(client, auth, cast):
    auth.login(cast.sam.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "What to do next" in page
    for anchor, label in [
        ("headline", "Write a headline"),
        ("bio", "Add a short bio"),
        ("expertise", "List your areas of expertise"),
        ("linkedin_url", "Link a social profile"),
        ("followers_linkedin", "Declare your follower counts"),
        ("speaking", "Log a talk, podcast or article"),
    ]:
        assert f'<a href="/profile/edit#{anchor}">{label}</a>' in page
    client.post("/profile/edit", data=dict(VALID))
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert '<a href="/profile/edit#speaking">Log a talk, podcast or article</a>' in page
    assert "#headline" not in page
    edit = client.get("/profile/edit").get_data(as_text=True)
    assert '<a href="#speaking">Log a talk, podcast or article</a>' in edit
    assert 'id="speaking"' in edit


def test_every_next_step_anchor_exists_on_the_edit_page(client, auth, cast):
    auth.login(cast.sam.email)
    edit = client.get("/profile/edit").get_data(as_text=True)
    anchors = re.findall(r'<a href="#([a-z_]+)">', edit.split('id="completeness-next"', 1)[1])
    assert len(anchors) == 6
    for anchor in anchors:
        assert f'id="{anchor}"' in edit


# --------------------------------------------------------------------------- reach


@pytest.mark.parametrize(
    ("total", "expected"),
    [(0, None), (261, "1.0×"), (911, "3.5×"), (835, "3.2×"), (100, "0.4×"), (2610, "10×"),
     (26_100, "100×"), (1_305_000, "5,000×")],
)  # fmt: skip
def test_times_average(total, expected):
    assert reach.times_average(total) == expected
    assert reach.AVERAGE_REACH == 261


def _declare(client, auth, email: str, **counts: str) -> None:
    auth.login(email)
    data = {**VALID, "followers_linkedin": "", "followers_x": "", "followers_facebook": ""}
    assert client.post("/profile/edit", data={**data, **counts}).status_code == 303
    auth.logout()


def test_reach_of_a_person_their_team_and_the_company(app, client, auth, cast):
    _declare(client, auth, cast.sam.email, followers_linkedin="850", followers_x="61")
    _declare(client, auth, cast.kim.email, followers_facebook="400", followers_x="39")
    _declare(client, auth, cast.jordan.email, followers_linkedin="1000")
    with app.app_context():
        team = reach.reach_of(cast.team.id)
        assert team.by_network == {"linkedin": 850, "x": 100, "facebook": 400}
        assert (team.total, team.people, team.declared) == (1350, 3, 2)  # Sam, Kim, Lea
        assert team.per_person == 450
        assert team.per_person_vs_average == "1.7×"
        company = reach.reach_of()
        assert company.by_network == {"linkedin": 1850, "x": 100, "facebook": 400}
        assert (company.total, company.people, company.declared) == (2350, 5, 3)

    auth.login(cast.jordan.email)
    page = client.get(f"/people/{cast.sam.id}/profile").get_data(as_text=True)
    assert "3.5× the average" in page  # 911 / 261
    assert "Average user: 61 · <strong" in page and "1.0× the average" in page  # X
    assert "Average user: 200" in page  # Facebook, nothing declared: no ratio
    rows = re.findall(r'<tr[^>]*><th scope="row">([^<]+)</th><td class="num">([\d,]+)</td>', page)
    assert rows == [
        ("Sam Carter", "911"),
        ("Team Blue", "1,350"),
        ("Company", "2,350"),
        ("Average internet user", "261"),
    ]
    own = client.get(f"/people/{cast.jordan.id}/profile").get_data(as_text=True)
    assert ("You", "1,000") in re.findall(
        r'<th scope="row">([^<]+)</th><td class="num">([\d,]+)</td>', own
    )


def test_deactivated_people_do_not_count(app, client, auth, cast):
    _declare(client, auth, cast.sam.email, followers_linkedin="850")
    _declare(client, auth, cast.kim.email, followers_linkedin="150")
    with app.app_context():
        kim = db.session.get(User, cast.kim.id)
        assert kim is not None
        kim.active = False
        db.session.commit()
        assert reach.reach_of(cast.team.id).by_network["linkedin"] == 850
        assert reach.reach_of(cast.team.id).people == 2


def test_team_roster_shows_team_and_company_reach(app, client, auth, cast):
    _declare(client, auth, cast.sam.email, followers_linkedin="850", followers_x="61")
    _declare(client, auth, cast.jordan.email, followers_facebook="200")
    auth.login(cast.leader.email)
    response = client.get("/team")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1 of 3 people in Blue declared their followers" in page
    cells = re.findall(
        r'<td class="num">(?:<strong>)?([\d,—]+)', page.split('id="team-reach-title"')[1]
    )
    # LinkedIn, X, Facebook: team, company, average user; then totals and per person.
    assert cells[:15] == [
        "850", "850", "—",
        "61", "61", "61",
        "0", "200", "200",
        "911", "1,111", "261",
        "304", "222", "261",
    ]  # fmt: skip
    assert "1.2×" in page  # 911 / 3 people = 303.7, / 261
    fragment = client.get("/team?q=sam", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "team-reach" not in fragment  # the search results only

    auth.logout()
    auth.login(cast.sam.email)
    assert client.get("/team").status_code == 403


def test_admin_without_a_team_sees_no_reach_section(client, auth, cast):
    auth.login(cast.admin.email)
    page = client.get("/team").get_data(as_text=True)
    assert "team-reach" not in page
