"""The demo data for guidelines and profiles: realistic, and loading it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.advocacy import guidelines
from portal.db import db
from portal.profiles import services
from portal.profiles.demo import PROFILES, load_guidelines_and_profiles_demo
from portal.profiles.models import BrandProfile, SpeakingEntry


def test_demo_is_realistic_and_idempotent(app_ctx, people):
    team = people.team("Marketing")
    people.person(role=Role.ADMIN, team=team, email="admin@example.com", name="Alex Morgan")
    people.person(role=Role.LEADER, team=team, email="leader@example.com", name="Priya Shah")
    people.person(team=team, email="sam@example.com", name="Sam Carter")
    people.person(email="jordan@example.com", name="Jordan Lee")

    assert load_guidelines_and_profiles_demo() > 0
    db.session.commit()
    counts = (
        db.session.scalar(select(func.count()).select_from(BrandProfile)),
        db.session.scalar(select(func.count()).select_from(SpeakingEntry)),
    )
    assert load_guidelines_and_profiles_demo() == 0
    db.session.commit()
    assert counts == (
        db.session.scalar(select(func.count()).select_from(BrandProfile)),
        db.session.scalar(select(func.count()).select_from(SpeakingEntry)),
    )

    current = guidelines.current_version()
    assert current is not None and current.number == 2
    rules = guidelines.caption_rules()
    assert rules.disclosure == "#employee"
    assert "Project Falcon" in rules.terms
    check = guidelines.check_caption("Big news about Project Falcon", "linkedin", None)
    assert not check.ok and check.disclosure_missing

    sam = db.session.scalars(select(User).where(User.email == "sam@example.com")).one()
    leader = db.session.scalars(select(User).where(User.email == "leader@example.com")).one()
    assert guidelines.needs_acknowledgement(sam)  # acknowledged version 1 only
    assert not guidelines.needs_acknowledgement(leader)
    expected = {
        net: sum(p.followers.get(net) or 0 for p in PROFILES.values())
        for net in ("linkedin", "x", "facebook")
    }
    assert services.potential_reach() == expected
