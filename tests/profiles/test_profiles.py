"""Profile services: social links, expertise, followers, completeness and potential reach."""

from __future__ import annotations

from datetime import date

import pytest
from werkzeug.exceptions import NotFound

from portal.accounts.models import User
from portal.db import db
from portal.profiles import services
from portal.profiles.services import ProfileError, clean_social


@pytest.mark.parametrize(
    ("network", "raw", "expected"),
    [
        ("linkedin", "https://www.linkedin.com/in/sam-carter/", "https://www.linkedin.com/in/sam-carter"),
        ("linkedin", "linkedin.com/in/sam-carter", "https://www.linkedin.com/in/sam-carter"),
        ("linkedin", "https://de.linkedin.com/in/jörg-müller", "https://www.linkedin.com/in/jörg-müller"),
        ("linkedin", "sam-carter", "https://www.linkedin.com/in/sam-carter"),
        ("x", "@sam_c", "https://x.com/sam_c"),
        ("x", "sam_c", "https://x.com/sam_c"),
        ("x", "https://twitter.com/sam_c?lang=en", "https://x.com/sam_c"),
        ("x", "https://x.com/sam_c", "https://x.com/sam_c"),
        ("facebook", "sam.carter", "https://www.facebook.com/sam.carter"),
        ("facebook", "https://m.facebook.com/sam.carter", "https://www.facebook.com/sam.carter"),
        ("facebook", "https://www.facebook.com/profile.php?id=1000123", "https://www.facebook.com/profile.php?id=1000123"),
        ("x", "   ", ""),
    ],
)  # fmt: skip
def test_social_links_become_https_urls_on_the_network(network, raw, expected):
    assert clean_social(network, raw) == expected


@pytest.mark.parametrize(
    ("network", "raw"),
    [
        ("linkedin", "http://www.linkedin.com/in/sam"),  # not https
        ("linkedin", "https://linkedin.com.evil.example/in/sam"),
        ("linkedin", "https://evil.example/linkedin.com/in/sam"),
        ("linkedin", "https://sam@www.linkedin.com/in/sam"),
        ("linkedin", "https://www.linkedin.com:8443/in/sam"),
        ("linkedin", "https://www.linkedin.com/feed/"),
        ("linkedin", "javascript:alert(1)"),
        ("x", "https://x.com/home"),
        ("x", "https://x.com/a_handle_that_is_too_long"),
        ("x", "https://x.com/sam/status/1"),
        ("x", "@sam carter"),
        ("x", "https://facebook.com/sam"),
        ("facebook", "sam"),  # too short for a username
        ("facebook", "https://notfacebook.com/sam.carter"),
        ("facebook", "https://www.facebook.com/profile.php?id=abc"),
    ],
)
def test_bad_social_links_are_refused(network, raw):
    with pytest.raises(ProfileError) as exc:
        clean_social(network, raw)
    assert exc.value.field == f"{network}_url"


def test_expertise_is_trimmed_and_deduplicated():
    assert services.parse_expertise(" Kubernetes, kubernetes,, #Retail  analytics\nSpeaking ") == [
        "Kubernetes",
        "Retail analytics",
        "Speaking",
    ]
    with pytest.raises(ProfileError):
        services.parse_expertise(",".join(f"tag{i}" for i in range(13)))
    with pytest.raises(ProfileError):
        services.parse_expertise("x" * 41)


def _save(person: User, **followers: int | None) -> None:
    services.update_profile(
        person,
        headline="",
        bio="",
        expertise="",
        links={},
        followers={
            "linkedin": followers.get("linkedin"),
            "x": followers.get("x"),
            "facebook": followers.get("facebook"),
        },
    )


def test_negative_followers_are_refused(app_ctx, people):
    person = db.session.get(User, people.person().id)
    assert person is not None
    with pytest.raises(ProfileError) as exc:
        _save(person, x=-1)
    assert exc.value.field == "followers_x"


def test_potential_reach_sums_active_people_per_network(app_ctx, people):
    blue, green = people.team("Blue"), people.team("Green")
    ids = [
        people.person(team=blue).id,
        people.person(team=blue).id,
        people.person(team=green).id,
        people.person(team=green).id,  # deactivated below: not counted
        people.person().id,  # no team
        people.person(team=blue).id,  # never saved a profile
    ]
    a, b, c, gone, loner, _ = (db.session.get(User, i) for i in ids)
    _save(a, linkedin=500, x=61, facebook=200)
    _save(b, linkedin=1200, x=0, facebook=None)
    _save(c, linkedin=300, x=39, facebook=150)
    _save(gone, linkedin=10_000, x=10_000, facebook=10_000)
    _save(loner, linkedin=7, x=3, facebook=1)
    gone.active = False
    db.session.commit()

    assert services.potential_reach() == {"linkedin": 2007, "x": 103, "facebook": 351}
    assert services.potential_reach(blue.id) == {"linkedin": 1700, "x": 61, "facebook": 200}
    assert services.potential_reach(green.id) == {"linkedin": 300, "x": 39, "facebook": 150}
    assert services.potential_reach(999_999) == {"linkedin": 0, "x": 0, "facebook": 0}


def test_potential_reach_is_one_query(app_ctx, people):
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        services.potential_reach(1)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1


def test_completeness_counts_six_things(app_ctx, people):
    person = db.session.get(User, people.person().id)
    assert person is not None
    profile = services.blank_profile(person)
    meter = services.completeness(profile, 0)
    assert (meter.done, meter.total, meter.percent) == (0, 6, 0)
    services.update_profile(
        person,
        headline="Cloud architect",
        bio="I help retailers scale.",
        expertise="Kubernetes",
        links={"linkedin": "sam-carter"},
        followers={"linkedin": 300},
    )
    services.add_speaking(
        person, kind="talk", title="Scaling retail", event="KubeCon", happened_on=date(2026, 4, 2)
    )
    db.session.commit()
    context = services.profile_context(person, person)
    assert context["completeness"].done == 6
    assert context["completeness"].missing == []


def test_speaking_log_add_and_remove_own_only(app_ctx, people):
    owner_id, other_id = people.person().id, people.person().id
    owner, other = db.session.get(User, owner_id), db.session.get(User, other_id)
    assert owner is not None and other is not None
    entry = services.add_speaking(
        owner,
        kind="podcast",
        title="  Advocacy   that works ",
        event="Marketing Over Coffee",
        happened_on=date(2026, 9, 1),
        link="https://podcasts.example/ep/12",
    )
    db.session.commit()
    assert entry.title == "Advocacy that works"
    with pytest.raises(NotFound):
        services.delete_speaking(other, entry.id)
    with pytest.raises(ProfileError) as exc:
        services.add_speaking(
            owner, kind="talk", title="t", event="", happened_on=date(2026, 1, 1),
            link="http://insecure.example/",
        )  # fmt: skip
    assert exc.value.field == "link"
    with pytest.raises(ProfileError):
        services.add_speaking(owner, kind="sermon", title="t", event="", happened_on=date.today())
    services.delete_speaking(owner, entry.id)
    db.session.commit()
    assert services.speaking_log(owner) == []


def test_deactivated_and_unknown_people_are_not_found(app_ctx, people):
    viewer_id = people.person().id
    gone_id = people.person(active=False).id
    viewer = db.session.get(User, viewer_id)
    assert viewer is not None
    with pytest.raises(NotFound):
        services.visible_person(viewer, gone_id)
    with pytest.raises(NotFound):
        services.visible_person(viewer, 999_999)
    assert services.visible_person(viewer, viewer_id) is viewer
