"""Segments: each boundary, the nightly computation, and the one-click actions on them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role
from portal.accounts.services import PermissionDenied
from portal.db import db
from portal.insights import segments
from portal.insights.models import NO_TEAM, PersonDay, Segment, SegmentDay, SegmentMember
from portal.insights.rollups import ACTIVE, month_of, week_of
from portal.insights.scopes import Scope
from portal.insights.segments import classify
from portal.learning.models import LearningPath, Status
from portal.learning.records import Assignment
from portal.notifications.models import Notification
from tests.insights.factories import person

TODAY = date(2026, 11, 25)
NOW = datetime(2026, 11, 25, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("shares", "active_days", "learning", "segment"),
    [
        (0, 0, 0, Segment.NOT_ENGAGED),  # nothing at all
        (3, 0, 0, Segment.NOT_ENGAGED),  # (cannot happen: shares make a day active)
        (3, 4, 0, Segment.CHAMPION),  # both thresholds exactly
        (2, 4, 0, Segment.ENGAGED),  # one share short
        (3, 3, 0, Segment.ENGAGED),  # one active day short
        (9, 30, 9, Segment.CHAMPION),
        (0, 1, 1, Segment.EMERGING),  # one lesson, no share
        (0, 1, 0, Segment.ENGAGED),  # active (say, an idea), not learning, not sharing
        (1, 1, 5, Segment.ENGAGED),  # learning, but shared once: no longer emerging
    ],
)
def test_classify_at_each_boundary(shares, active_days, learning, segment):
    assert classify(shares, active_days, learning) is segment
    assert segments.CHAMPION_SHARES == 3 and segments.CHAMPION_ACTIVE_DAYS == 4


def _did(user_id: int, on: date, metric: str, value: int = 1, team: int = NO_TEAM) -> None:
    rows = [(metric, value)] + ([(ACTIVE, 1)] if metric != ACTIVE else [])
    for name, count in rows:
        db.session.merge(
            PersonDay(
                user_id=user_id,
                day=on,
                metric=name,
                team_id=team,
                week=week_of(on),
                month=month_of(on),
                value=count,
            )
        )


def _segment_of(user_id: int) -> Segment:
    return db.session.get_one(SegmentMember, user_id).segment


def test_the_window_is_the_last_thirty_days(app_ctx):
    inside, outside = person("inside", None), person("outside", None)
    _did(inside.id, TODAY - timedelta(days=29), "lessons_completed")  # the window's first day
    _did(outside.id, TODAY - timedelta(days=30), "lessons_completed")  # the day before it

    segments.compute(NOW)

    assert _segment_of(inside.id) is Segment.EMERGING
    assert _segment_of(outside.id) is Segment.NOT_ENGAGED


def test_champions_need_shares_on_enough_days(app_ctx):
    champion, busy_day = person("champ", None), person("burst", None)
    for n in range(4):
        _did(champion.id, TODAY - timedelta(days=n), "shares")
    _did(busy_day.id, TODAY, "shares", value=10)  # ten shares, but all on one day

    counts = segments.compute(NOW)

    assert _segment_of(champion.id) is Segment.CHAMPION
    assert _segment_of(busy_day.id) is Segment.ENGAGED
    member = db.session.get_one(SegmentMember, champion.id)
    assert (member.shares, member.active_days, member.learning) == (4, 4, 0)
    assert counts[Segment.CHAMPION] == 1


def test_compute_keeps_a_trend_and_is_idempotent(app_ctx):
    from portal.accounts.models import Team

    team = Team(name="Blue")
    db.session.add(team)
    db.session.flush()
    a, b, c = (person(n, team) for n in ("a", "b", "c"))
    gone = person("gone", team)
    gone.active = False
    _did(a.id, TODAY, "lessons_completed", team=team.id)

    segments.compute(NOW - timedelta(days=1))
    segments.compute(NOW)
    segments.compute(NOW)

    days = {(r.day, r.segment): r.people for r in db.session.scalars(select(SegmentDay))}
    assert days == {
        (TODAY - timedelta(days=1), Segment.NOT_ENGAGED): 3,
        (TODAY, Segment.EMERGING): 1,
        (TODAY, Segment.NOT_ENGAGED): 2,
    }
    assert db.session.get(SegmentMember, gone.id) is None  # deactivated: no segment
    scope = Scope("team", "Blue", team_id=team.id)
    assert segments.counts(scope)[Segment.NOT_ENGAGED] == 2
    assert [m.user_id for m in segments.members(scope, Segment.EMERGING)] == [a.id]
    _, trend = segments.trend(scope, TODAY - timedelta(days=7), TODAY)
    assert trend[Segment.NOT_ENGAGED] == [3, 2]
    assert {b.id, c.id} == {m.user_id for m in segments.members(scope, Segment.NOT_ENGAGED)}


@pytest.fixture
def teams(app_ctx):  # type: ignore[no-untyped-def]
    """Blue (leader Lee, learner Lia, champion Cal, newcomer Nia) and Green (Gus, emerging)."""
    from portal.accounts.models import Team
    from portal.learning.transfer import load_curriculum

    load_curriculum()
    blue, green = Team(name="Blue"), Team(name="Green")
    db.session.add_all([blue, green])
    db.session.flush()
    people = {
        "lee": person("lee", blue, Role.LEADER),
        "lia": person("lia", blue),
        "cal": person("cal", blue),
        "nia": person("nia", blue),
        "gus": person("gus", green),
        "boss": person("boss", None, Role.ADMIN),
    }
    _did(people["lia"].id, TODAY, "lessons_completed", team=blue.id)
    _did(people["gus"].id, TODAY, "lessons_completed", team=green.id)
    for n in range(4):
        _did(people["cal"].id, TODAY - timedelta(days=n), "shares", team=blue.id)
        _did(people["lee"].id, TODAY - timedelta(days=n), "shares", team=blue.id)
    segments.compute(NOW)
    db.session.commit()
    return blue, green, people


def test_assign_the_starter_path_to_the_teams_emerging(teams):
    blue, _, people = teams

    count, made, title = segments.assign_starter_path(
        people["lee"], Scope("team", "Blue", team_id=blue.id), TODAY
    )

    assert (count, made, title) == (1, 1, "Social media starter")
    rows = db.session.scalars(select(Assignment)).all()
    assert [(a.user_id, a.due_on) for a in rows] == [(people["lia"].id, TODAY + timedelta(14))]
    path = db.session.get_one(LearningPath, rows[0].path_id)
    assert path.slug == "social-media-starter"
    # Again: nobody gets it twice.
    _, again, _ = segments.assign_starter_path(
        people["lee"], Scope("team", "Blue", team_id=blue.id), TODAY
    )
    assert again == 0


def test_no_published_starter_path_says_so(teams):
    blue, _, people = teams
    for path in db.session.scalars(select(LearningPath)):
        path.status = Status.DRAFT

    with pytest.raises(segments.SegmentActionError, match="starter path"):
        segments.assign_starter_path(people["boss"], Scope("team", "Blue", team_id=blue.id), TODAY)


def test_invite_the_not_yet_engaged_once_a_month(teams):
    blue, _, people = teams
    scope = Scope("team", "Blue", team_id=blue.id)

    first = segments.invite_not_engaged(people["lee"], scope, "/learn/", NOW)
    again = segments.invite_not_engaged(people["lee"], scope, "/learn/", NOW + timedelta(days=1))
    next_month = segments.invite_not_engaged(people["lee"], scope, "/learn/", NOW + timedelta(7))

    assert first == (1, 1) and again == (1, 0) and next_month == (1, 1)
    notes = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert {n.user_id for n in notes} == {people["nia"].id}
    assert notes[0].kind == segments.INVITATION and notes[0].url == "/learn/"
    text = " ".join(f"{n.title} {n.body}" for n in notes).lower()
    assert "detractor" not in text and "not engaged" not in text


def test_ask_the_champions_to_host_a_session(teams):
    blue, _, people = teams
    scope = Scope("team", "Blue", team_id=blue.id)

    asked = segments.ask_champions(people["boss"], scope, "/boards/new", "/boards/", NOW)
    again = segments.ask_champions(people["boss"], scope, "/boards/new", "/boards/", NOW)

    assert asked == (2, 2) and again == (2, 0)
    urls = {n.user_id: n.url for n in db.session.scalars(select(Notification))}
    # The leader can open a board; the employee is sent to the boards to ask their leader.
    assert urls == {people["lee"].id: "/boards/new", people["cal"].id: "/boards/"}


def test_actions_stay_inside_the_leaders_team(teams):
    blue, green, people = teams

    with pytest.raises(NotFound):
        segments.invite_not_engaged(
            people["lee"], Scope("team", "Green", team_id=green.id), "/learn/", NOW
        )
    with pytest.raises(PermissionDenied):
        segments.assign_starter_path(people["lee"], Scope("company", "Company"), TODAY)
    with pytest.raises(PermissionDenied):
        segments.ask_champions(
            people["cal"], Scope("team", "Blue", team_id=blue.id), "/b", "/b", NOW
        )
    assert db.session.scalars(select(Notification)).all() == []


def test_an_empty_segment_is_refused(teams):
    _, green, people = teams

    with pytest.raises(segments.SegmentActionError, match="Nobody"):
        segments.ask_champions(
            people["boss"], Scope("team", "Green", team_id=green.id), "/b", "/b", NOW
        )
