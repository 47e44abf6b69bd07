"""Guidelines versions: drafting, publishing, acknowledging (once), points and notifications."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.advocacy import guidelines
from portal.advocacy.guideline_models import GuidelineAcknowledgement, GuidelineVersion
from portal.db import db, utcnow
from portal.gamification.models import PointAward
from portal.notifications.models import Notification


def _user(person: User) -> User:
    user = db.session.get(User, person.id)
    assert user is not None
    return user


def _users(*persons: User) -> list[User]:
    """The people, attached to this test's session (make them all before loading any)."""
    return [_user(p) for p in persons]


def publish(admin: User, body: str = "Be kind. Disclose.", title: str = "Guidelines") -> int:
    """Draft and publish a version as `admin` (an attached user); return its id."""
    draft = guidelines.save_draft(admin, title=title, body=body, summary="What changed")
    guidelines.publish_draft(admin, draft.id)
    db.session.commit()
    return draft.id


def test_no_guidelines_means_no_acknowledgement_needed(app_ctx, people):
    person = people.person()
    assert guidelines.needs_acknowledgement(_user(person)) is False
    assert guidelines.current_version() is None


def test_a_draft_is_not_current_until_published(app_ctx, people):
    admin, employee = _users(people.person(role=Role.ADMIN), people.person())
    draft = guidelines.save_draft(admin, title="Guidelines", body="Be kind.")
    db.session.commit()
    assert draft.number == 1
    assert guidelines.current_version() is None
    assert guidelines.needs_acknowledgement(employee) is False

    guidelines.publish_draft(admin, draft.id)
    db.session.commit()
    assert guidelines.current_version() == draft
    assert guidelines.needs_acknowledgement(employee) is True


def test_new_version_requires_acknowledging_again(app_ctx, people):
    admin, employee = _users(people.person(role=Role.ADMIN), people.person())
    first = publish(admin)
    assert guidelines.acknowledge(employee, first) is True
    db.session.commit()
    assert guidelines.needs_acknowledgement(employee) is False

    second = publish(admin, body="Be kind. Disclose. Never mention Project Falcon.")
    assert guidelines.needs_acknowledgement(employee) is True
    # The old version cannot be acknowledged any more: only the current one.
    with pytest.raises(guidelines.GuidelinesError):
        guidelines.acknowledge(employee, first)
    assert guidelines.acknowledge(employee, second) is True
    db.session.commit()
    assert guidelines.needs_acknowledgement(employee) is False


def test_acknowledging_twice_records_once_and_pays_once(app_ctx, people):
    admin, employee = _users(people.person(role=Role.ADMIN), people.person())
    version_id = publish(admin)
    assert guidelines.acknowledge(employee, version_id) is True
    assert guidelines.acknowledge(employee, version_id) is False
    db.session.commit()
    rows = db.session.scalar(
        select(func.count())
        .select_from(GuidelineAcknowledgement)
        .where(GuidelineAcknowledgement.user_id == employee.id)
    )
    assert rows == 1
    awards = db.session.scalars(
        select(PointAward.points).where(
            PointAward.user_id == employee.id, PointAward.action == "guidelines_acknowledged"
        )
    ).all()
    assert awards == [10]


def test_each_new_version_pays_again(app_ctx, people):
    admin, employee = _users(people.person(role=Role.ADMIN), people.person())
    guidelines.acknowledge(employee, publish(admin))
    guidelines.acknowledge(employee, publish(admin, body="Version two"))
    db.session.commit()
    total = db.session.scalar(
        select(func.sum(PointAward.points)).where(
            PointAward.user_id == employee.id, PointAward.action == "guidelines_acknowledged"
        )
    )
    assert total == 20


def test_old_versions_stay_as_published(app_ctx, people):
    admin = _user(people.person(role=Role.ADMIN))
    first = publish(admin, body="Original text", title="First")
    # Drafting again makes a new version: the published one is never edited.
    draft = guidelines.save_draft(admin, title="Second", body="New text")
    db.session.commit()
    assert draft.id != first
    assert draft.number == 2
    old = db.session.get(GuidelineVersion, first)
    assert old is not None
    assert (old.title, old.body) == ("First", "Original text")
    assert guidelines.get_published(1).body == "Original text"
    # Saving the draft twice keeps one draft.
    guidelines.save_draft(admin, title="Second", body="Newer text")
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(GuidelineVersion)) == 2
    # Publishing a version that is not the draft is refused.
    with pytest.raises(guidelines.GuidelinesError):
        guidelines.publish_draft(admin, first)


def test_only_admins_manage_guidelines(app_ctx, people):
    leader = _user(people.person(role=Role.LEADER))
    with pytest.raises(PermissionDenied):
        guidelines.save_draft(leader, title="Mine", body="text")
    with pytest.raises(PermissionDenied):
        guidelines.update_caption_rules(leader, disclosure="", blocked_terms="", limits={})


def test_publishing_notifies_every_active_person_once(app_ctx, people):
    sam = people.person(name="Sam")
    gone = people.person(name="Gone", active=False)
    admin = _user(people.person(role=Role.ADMIN))
    publish(admin)
    notified = set(
        db.session.scalars(
            select(Notification.user_id).where(Notification.kind == "guidelines_published")
        )
    )
    assert notified == {admin.id, sam.id}
    assert gone.id not in notified
    note = db.session.scalars(select(Notification).where(Notification.user_id == sam.id)).one()
    assert note.url == "/guidelines"
    assert "version 1" in note.title


def test_empty_draft_is_refused(app_ctx, people):
    admin = _user(people.person(role=Role.ADMIN))
    with pytest.raises(guidelines.GuidelinesError) as exc:
        guidelines.save_draft(admin, title="  ", body="text")
    assert exc.value.field == "title"
    with pytest.raises(guidelines.GuidelinesError) as exc:
        guidelines.save_draft(admin, title="Title", body="   ")
    assert exc.value.field == "body"


def test_acknowledgement_counts_per_version(app_ctx, people):
    admin, a, b = _users(people.person(role=Role.ADMIN), people.person(), people.person())
    first = publish(admin)
    guidelines.acknowledge(a, first, now=utcnow() - timedelta(hours=1))
    guidelines.acknowledge(b, first)
    second = publish(admin, body="v2")
    guidelines.acknowledge(a, second)
    db.session.commit()
    assert guidelines.acknowledgement_counts([first, second]) == {first: 2, second: 1}
