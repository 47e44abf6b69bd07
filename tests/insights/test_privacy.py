"""Personal data: each person's download, and deleting an account without losing the counts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from portal.accounts.models import Invitation, Role, User
from portal.accounts.services import AccountError, PermissionDenied
from portal.advocacy.models import Share, ShareReminder, TrackedLink
from portal.boards import services as boards
from portal.db import db, utcnow
from portal.gamification.points import adjust_points
from portal.insights import metrics, privacy
from portal.insights.models import PersonDay, SegmentMember, TeamDay
from portal.insights.rollups import recompute
from portal.insights.scopes import Period, Scope
from portal.insights.segments import compute
from portal.learning.records import LessonProgress, XapiStatement
from portal.notifications.models import (
    DigestRun,
    EmailDelivery,
    Notification,
    NotificationPreference,
    Nudge,
)
from portal.notifications.services import notify
from portal.profiles.models import BrandProfile, SpeakingEntry
from tests.insights.factories import NOW, build_world, day

NAME = "Ana Quill-Marker"
SECRETS = ["ana@example.com", NAME, "SECRET-", "visitor-hash-of-ana"]


def test_every_column_pointing_at_a_person_has_a_retention_rule(app):
    with app.app_context():
        assert privacy.unknown_columns() == [], (
            "A table refers to users without a rule in portal/insights/privacy.py RETENTION: "
            "decide whether deleting an account deletes, keeps or scrubs those rows."
        )


def _personal_rows(world: Any) -> None:
    """Ana gets something in every table that holds personal data."""
    ana, dan, admin = world.user("ana"), world.user("dan"), world.user("admin")
    ana.display_name = NAME
    profile = db.session.get_one(BrandProfile, ana.id)
    profile.headline, profile.bio = "SECRET-headline", "SECRET-bio about my life"
    profile.linkedin_url = "https://www.linkedin.com/in/SECRET-ana"
    db.session.add(
        SpeakingEntry(user_id=ana.id, title="SECRET-talk", event="Conf", happened_on=day(1))
    )
    for share in db.session.scalars(select(Share).where(Share.user_id == ana.id)):
        share.caption = "SECRET-caption, as Ana wrote it"
    for link in db.session.scalars(select(TrackedLink).where(TrackedLink.user_id == ana.id)):
        link.sharer_visitor = "visitor-hash-of-ana"
    db.session.add(ShareReminder(user_id=ana.id, item_id=world.items[1], remind_at=NOW))
    notify([ana.id], "welcome", f"Welcome, {NAME}", "/", subject="welcome")
    # What others were told about her names her too.
    notify([dan.id], "content_suggested", f"{NAME} suggested “Item two”", "/", subject="s:1")
    db.session.add(NotificationPreference(user_id=ana.id, channels={}, digest="daily"))
    db.session.add(Nudge(user_id=ana.id, sender_id=dan.id, subject="learning", day=day(3)))
    db.session.add(
        EmailDelivery(
            key="SECRET-key", user_id=ana.id, kind="welcome", subject="SECRET-subject",
            payload={"to": "ana@example.com"},
        )
    )  # fmt: skip
    db.session.add(DigestRun(user_id=ana.id, period="day:2026-11-05", status="queued"))
    db.session.add(
        XapiStatement(
            id="00000000-0000-4000-8000-000000000001", user_id=ana.id, verb="completed",
            statement={"actor": {"name": NAME, "mbox": "mailto:ana@example.com"}},
        )
    )  # fmt: skip
    db.session.add(LessonProgress(user_id=ana.id, lesson_id=world.lessons[0], step=1))
    db.session.add(
        Invitation(
            email="ana@example.com", invited_by_id=dan.id, nonce="SECRET-nonce",
            expires_at=NOW + timedelta(days=3), team_id=world.blue,
        )
    )  # fmt: skip
    adjust_points(admin, ana, 5, "SECRET-reason: for Ana's talk")
    # Her ideas and comments stay on the board, with no name attached any more.
    board = boards.create_board(admin, boards.BoardSettings(prompt="How do we share more?"))
    idea = boards.post_idea(ana, board, "Lunch talks", "Every Friday.")
    boards.add_comment(ana, idea, "I can host the first one.")
    db.session.commit()


def _everything() -> list[tuple[str, str]]:
    """Every text or JSON value in the whole database, as (table, text)."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)):
            for value in row:
                if isinstance(value, str | dict | list):
                    found.append(
                        (table.name, json.dumps(value) if not isinstance(value, str) else value)
                    )
    return found


@pytest.fixture
def world(app_ctx):  # type: ignore[no-untyped-def]
    built = build_world()
    _personal_rows(built)
    recompute(day(0), day(6), now=NOW)
    compute(NOW)
    db.session.commit()
    return built


def test_deleting_an_account_removes_personal_data_and_keeps_the_counts(world):
    ana, admin = world.user("ana"), world.user("admin")
    assert any(s in text for _, text in _everything() for s in SECRETS)
    teams_before = {
        (r.day, r.team_id, r.metric): r.value for r in db.session.scalars(select(TeamDay))
    }
    week = Period(day(0), day(6))
    before = metrics.summarise(Scope("company", "Company"), week)

    changed = privacy.delete_account(admin, ana)
    db.session.commit()

    leaks = [(table, text) for table, text in _everything() if any(s in text for s in SECRETS)]
    assert leaks == []
    ana = db.session.get_one(User, world.people["ana"])
    assert ana.display_name == "Deleted person"
    assert ana.email == f"deleted-{ana.id}@deleted.invalid"
    assert (ana.password_hash, ana.active, ana.team_id, ana.hide_from_boards) == (
        None, False, None, True,
    )  # fmt: skip
    for model in (BrandProfile, SpeakingEntry, Notification, NotificationPreference, Nudge,
                  EmailDelivery, DigestRun, XapiStatement, LessonProgress, ShareReminder,
                  SegmentMember):  # fmt: skip
        owner = model.user_id  # type: ignore[attr-defined]
        assert db.session.scalars(select(model).where(owner == ana.id)).all() == [], model
    assert db.session.scalars(select(Invitation)).all() == []
    assert changed["notifications"] == 1 and changed["brand_profiles"] == 1
    told = db.session.scalars(
        select(Notification).where(Notification.user_id == world.people["dan"])
    )
    assert [n.title for n in told] == ["Deleted person suggested “Item two”"]
    # The counts: shares, links and clicks stay (anonymous); the roll-ups do not move.
    assert len(db.session.scalars(select(Share).where(Share.user_id == ana.id)).all()) == 3
    recompute(day(0), day(6), now=NOW)
    db.session.commit()
    teams_after = {
        (r.day, r.team_id, r.metric): r.value for r in db.session.scalars(select(TeamDay))
    }

    def counted(rows: dict[tuple[Any, int, str], int]) -> dict[tuple[Any, int, str], int]:
        return {k: v for k, v in rows.items() if not k[2].startswith("bulletin_")}

    assert counted(teams_after) == counted(teams_before)
    # A bulletin's audience is its active people (as on its statistics page): like anyone
    # deactivated, she leaves the rates of recent bulletins, which are recomputed.
    assert teams_after[(day(1), world.blue, "bulletin_audience")] == 2
    assert db.session.scalars(select(PersonDay).where(PersonDay.user_id == ana.id)).all()
    after = metrics.summarise(Scope("company", "Company"), week)
    assert (after.shares, after.clicks, after.count("lessons_completed")) == (
        before.shares, before.clicks, before.count("lessons_completed"),
    )  # fmt: skip
    # Her idea and comment are still on the board, by "Deleted person".
    from portal.boards.models import Idea

    idea = db.session.scalars(select(Idea)).one()
    assert (idea.title, idea.author_id) == ("Lunch talks", ana.id)


def test_deleting_is_for_admins_and_never_oneself_or_twice(world):
    ana, dan, admin = world.user("ana"), world.user("dan"), world.user("admin")

    with pytest.raises(PermissionDenied):
        privacy.delete_account(dan, ana)
    with pytest.raises(AccountError, match="your own"):
        privacy.delete_account(admin, admin)
    privacy.delete_account(admin, ana)
    with pytest.raises(AccountError, match="already"):
        privacy.delete_account(admin, ana)


def test_an_admin_may_delete_another_admin(app_ctx):
    from tests.insights.factories import person

    first, second = person("first", None, Role.ADMIN), person("second", None, Role.ADMIN)

    privacy.delete_account(first, second)

    assert (second.active, second.role) == (False, Role.EMPLOYEE)


def test_my_data_holds_my_rows_and_no_secrets(world, client, auth):
    auth.login("ana@example.com")

    response = client.get("/insights/my-data")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = response.get_json()
    assert data["account"]["email"] == "ana@example.com"
    assert data["account"]["display_name"] == NAME
    assert "password_hash" not in data["account"] and "session_version" not in data["account"]
    tables = data["tables"]
    assert tables["brand_profiles"][0]["bio"] == "SECRET-bio about my life"
    assert {s["caption"] for s in tables["content_shares"]} == {"SECRET-caption, as Ana wrote it"}
    assert len(tables["activity_entries"]) >= 4
    assert tables["invitations"][0]["email"] == "ana@example.com"
    assert "nonce" not in tables["invitations"][0]
    assert all("sharer_visitor" not in link for link in tables["tracked_links"])
    assert tables["ideas"][0]["title"] == "Lunch talks"
    assert any(a["reason"] == "SECRET-reason: for Ana's talk" for a in tables["point_awards"])
    text = response.get_data(as_text=True)
    for other in ("ben@example.com", "dan@example.com", "cat@example.com"):
        assert other not in text


def test_an_admin_deletes_an_account_from_the_privacy_pages(world, client, auth):
    auth.login("admin@example.com")
    ana_id = world.people["ana"]

    found = client.get("/insights/privacy", query_string={"q": "quill"})
    page = client.get(f"/insights/privacy/people/{ana_id}")
    wrong = client.post(f"/insights/privacy/people/{ana_id}/delete", data={"confirm_email": "x@y"})
    right = client.post(
        f"/insights/privacy/people/{ana_id}/delete", data={"confirm_email": "ANA@example.com "}
    )

    assert NAME in found.get_data(as_text=True)
    assert "This cannot be undone" in page.get_data(as_text=True)
    assert wrong.status_code == 422
    assert "That is not their address." in wrong.get_data(as_text=True)
    assert right.status_code == 303
    db.session.expire_all()
    assert db.session.get_one(User, ana_id).display_name == "Deleted person"
    again = client.get(f"/insights/privacy/people/{ana_id}")
    assert "This account was deleted already" in again.get_data(as_text=True)
    assert client.get("/insights/privacy/people/999999").status_code == 404


def test_deleting_yourself_is_refused_on_the_page(world, client, auth):
    auth.login("admin@example.com")
    me = world.people["admin"]

    response = client.post(
        f"/insights/privacy/people/{me}/delete", data={"confirm_email": "admin@example.com"}
    )

    assert response.status_code == 422
    assert "You cannot delete your own account." in response.get_data(as_text=True)
    assert utcnow()  # still logged in and able to act
    assert client.get("/insights/company").status_code == 200
