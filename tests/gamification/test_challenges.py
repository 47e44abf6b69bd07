"""Challenges: progress counts only the window and the team, the rules of setting, editing, cancelling."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.exceptions import NotFound

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.db import db, utcnow
from portal.gamification import challenge_progress as progress
from portal.gamification import challenges
from portal.gamification.activity import METRICS
from portal.gamification.challenge_models import Challenge
from portal.gamification.challenges import ChallengeError, ChallengeInput
from portal.gamification.points import award_fixed, award_points, spend_points
from tests.gamification.challenge_factories import log_activity, make_challenge

START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
END = START + timedelta(days=7)


def _user(person: User) -> User:
    user = db.session.get(User, person.id)
    assert user is not None
    return user


def _challenge(challenge_id: int) -> Challenge:
    challenge = db.session.get(Challenge, challenge_id)
    assert challenge is not None
    return challenge


def test_progress_counts_only_the_window_the_metric_and_the_team(app, people):
    blue, green = people.team("Blue"), people.team("Green")
    ann, bob = people.person(team=blue), people.person(team=blue)
    gil = people.person(team=green)
    cid = make_challenge(app, blue, opponent=green, starts_at=START, ends_at=END, target=5)
    log_activity(app, ann, START, times=2)  # the first instant counts
    log_activity(app, bob, END - timedelta(seconds=1))
    log_activity(app, ann, START - timedelta(seconds=1))  # before the start
    log_activity(app, ann, END)  # the end is excluded
    log_activity(app, bob, START + timedelta(days=1), metric="quizzes_passed")
    log_activity(app, gil, START + timedelta(hours=1))
    with app.app_context():
        challenge = _challenge(cid)
        assert progress.team_progress(challenge, blue.id) == 3
        assert progress.team_progress(challenge, green.id) == 1
        assert [(s.team_name, s.value, s.percent) for s in progress.standings(challenge)] == [
            ("Blue", 3, 60),
            ("Green", 1, 20),
        ]


def test_activity_stays_with_the_team_it_was_done_for(app, people):
    blue, green = people.team("Blue"), people.team("Green")
    ann = people.person(team=blue)
    cid = make_challenge(app, blue, opponent=green, starts_at=START, ends_at=END)
    log_activity(app, ann, START + timedelta(hours=1))
    with app.app_context():
        _user(ann).team_id = green.id
        db.session.commit()
    log_activity(app, ann, START + timedelta(hours=2))
    with app.app_context():
        challenge = _challenge(cid)
        assert progress.team_progress(challenge, blue.id) == 1
        assert progress.team_progress(challenge, green.id) == 1


def test_points_progress_is_what_current_members_earned_in_the_window(app, people):
    blue, green = people.team("Blue"), people.team("Green")
    ann, bob = people.person(team=blue), people.person(team=blue)
    cid = make_challenge(app, blue, metric="points", starts_at=START, ends_at=END, target=100)
    with app.app_context():
        a, b = _user(ann), _user(bob)
        award_points(a, "lesson_completed", "lesson:1", now=START + timedelta(hours=1))  # 20
        award_points(b, "quiz_passed", "lesson:1", now=START + timedelta(hours=2))  # 10
        award_points(a, "lesson_completed", "lesson:2", now=START - timedelta(hours=1))  # before
        award_points(a, "lesson_completed", "lesson:3", now=END)  # after
        # Another challenge's reward is not "earned" here; spending takes nothing away.
        award_fixed(a, "challenge_won", "challenge:99", 500, now=START + timedelta(hours=3))
        spend_points(a, "streak_freeze", "freeze", 10, "freeze:1")
        db.session.commit()
        challenge = _challenge(cid)
        assert progress.team_progress(challenge, blue.id) == 30
        # Points follow the person: the ledger has no team, so Bob's move takes his 10 along.
        _user(bob).team_id = green.id
        db.session.commit()
        assert progress.team_progress(challenge, blue.id) == 20
        assert progress.team_progress(challenge, green.id) == 10


def test_top_contributors_rank_the_viewers_team_and_hide_hidden_people(app, people):
    blue = people.team("Blue")
    ann = people.person(team=blue, name="Ann Able")
    bob = people.person(team=blue, name="Bob Baker")
    cid = make_challenge(app, blue, starts_at=START, ends_at=END)
    log_activity(app, ann, START + timedelta(hours=1))
    log_activity(app, bob, START + timedelta(hours=1), times=3)
    with app.app_context():
        _user(bob).hide_from_boards = True
        db.session.commit()
        challenge = _challenge(cid)
        seen_by_ann = progress.top_contributors(challenge, blue.id, _user(ann))
        assert [(c.name, c.value, c.is_viewer) for c in seen_by_ann] == [
            ("Anonymous", 3, False),
            ("Ann Able", 1, True),
        ]
        assert progress.top_contributors(challenge, blue.id, _user(bob))[0].name == "Bob Baker"


def _input(team_id: int | None, **changes: object) -> ChallengeInput:
    now = utcnow()
    data = ChallengeInput(
        title="Share sprint",
        metric="lessons_completed",
        target=10,
        starts_at=now + timedelta(days=1),
        ends_at=now + timedelta(days=8),
        team_id=team_id,
        reward_points=100,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"target": 0}, "target"),
        ({"target": None}, "target"),
        ({"metric": "unheard_of"}, "metric"),
        ({"metric": "challenges_won"}, "metric"),
        ({"ends_at": utcnow() + timedelta(hours=12)}, "ends_at"),  # before the start
        (
            {"starts_at": utcnow() - timedelta(days=3), "ends_at": utcnow() - timedelta(days=1)},
            "ends_at",
        ),  # fmt: skip
        ({"ends_at": utcnow() + timedelta(days=400)}, "ends_at"),
        ({"team_id": 987654}, "team_id"),
        ({"opponent_team_id": 987654}, "opponent_team_id"),
        ({"reward_points": 1001}, "reward_points"),
        ({"reward_badge_id": 987654}, "reward_badge_id"),
    ],
)
def test_bad_input_is_refused_with_the_field_to_fix(app_ctx, people, changes, field):
    blue = people.team("Blue")
    admin = people.person(role=Role.ADMIN, team=blue)
    with pytest.raises(ChallengeError) as refused:
        challenges.create_challenge(_user(admin), replace(_input(blue.id), **changes))
    assert refused.value.field == field


def test_a_team_cannot_race_itself(app_ctx, people):
    blue = people.team("Blue")
    leader = people.person(role=Role.LEADER, team=blue)
    with pytest.raises(ChallengeError, match="another team"):
        challenges.create_challenge(_user(leader), _input(blue.id, opponent_team_id=blue.id))


def test_leaders_set_challenges_for_their_own_team_against_anyone(app_ctx, people):
    blue, green = people.team("Blue"), people.team("Green")
    leader, employee = people.person(role=Role.LEADER, team=blue), people.person(team=blue)
    lone_leader = people.person(role=Role.LEADER)
    with pytest.raises(PermissionDenied):
        challenges.create_challenge(_user(leader), _input(green.id))
    race = challenges.create_challenge(_user(leader), _input(blue.id, opponent_team_id=green.id))
    assert race.versus and race.team_ids == [blue.id, green.id]
    with pytest.raises(PermissionDenied):
        challenges.create_challenge(_user(employee), _input(blue.id))
    assert not challenges.can_create(_user(lone_leader))


def test_admins_set_challenges_for_any_team(app_ctx, people):
    blue, green = people.team("Blue"), people.team("Green")
    admin = _user(people.person(role=Role.ADMIN, team=blue))
    challenge = challenges.create_challenge(admin, _input(green.id))
    assert challenge.team_ids == [green.id] and not challenge.versus
    assert challenge.created_by_id == admin.id


def test_only_teams_taking_part_see_a_challenge(app_ctx, people):
    blue, green, red = people.team("Blue"), people.team("Green"), people.team("Red")
    leader = people.person(role=Role.LEADER, team=blue)
    rival, rival_leader = people.person(team=green), people.person(role=Role.LEADER, team=green)
    admin, red_leader = (
        people.person(role=Role.ADMIN, team=red),
        people.person(role=Role.LEADER, team=red),
    )
    teamless = people.person()
    race = challenges.create_challenge(_user(leader), _input(blue.id, opponent_team_id=green.id))
    assert challenges.get_challenge(_user(rival), race.id) is race
    assert challenges.get_challenge(_user(admin), race.id) is race
    with pytest.raises(NotFound):
        challenges.get_challenge(_user(red_leader), race.id)
    with pytest.raises(NotFound):
        challenges.get_challenge(_user(teamless), race.id)
    # The opponent's leader sees it but does not run it.
    assert not challenges.can_manage(_user(rival_leader), race)


def test_editing_is_possible_only_before_the_start(app_ctx, people):
    blue, green = people.team("Blue"), people.team("Green")
    other = people.person(role=Role.LEADER, team=green)
    leader = _user(people.person(role=Role.LEADER, team=blue))
    challenge = challenges.create_challenge(leader, _input(blue.id))
    challenges.update_challenge(
        leader,
        challenge,
        _input(blue.id, title="Bigger sprint", target=20, opponent_team_id=green.id),
    )
    assert (challenge.title, challenge.target, challenge.team_ids) == (
        "Bigger sprint",
        20,
        [blue.id, green.id],
    )
    challenges.update_challenge(leader, challenge, _input(blue.id))  # back to the team alone
    assert challenge.team_ids == [blue.id] and not challenge.versus
    started = challenge.starts_at + timedelta(minutes=1)
    with pytest.raises(ChallengeError, match="started"):
        challenges.update_challenge(leader, challenge, _input(blue.id), now=started)
    with pytest.raises(PermissionDenied):
        challenges.update_challenge(_user(other), challenge, _input(blue.id))


def test_cancelling_works_until_settled(app_ctx, people):
    blue = people.team("Blue")
    employee = people.person(team=blue)
    leader = _user(people.person(role=Role.LEADER, team=blue))
    running = challenges.create_challenge(leader, _input(blue.id))
    challenges.cancel_challenge(leader, running, now=running.starts_at + timedelta(days=2))
    assert running.cancelled_at is not None and running.finished
    with pytest.raises(ChallengeError):
        challenges.cancel_challenge(leader, running)
    settled = challenges.create_challenge(leader, _input(blue.id, title="Done"))
    settled.settled_at = utcnow()
    db.session.flush()
    with pytest.raises(ChallengeError, match="settled"):
        challenges.cancel_challenge(leader, settled)
    with pytest.raises(PermissionDenied):
        challenges.cancel_challenge(_user(employee), settled)


def test_metrics_offered_are_those_registered_now_plus_points(app_ctx, monkeypatch):
    monkeypatch.setitem(METRICS, "shares", "Content shared")
    choices = challenges.metric_choices()
    assert choices["shares"] == "Content shared"
    assert choices["lessons_completed"] == "Lessons completed"
    assert choices["points"] == "Points earned"
    assert "challenges_won" not in choices


def test_time_left_and_states_in_words(app_ctx, people):
    blue = people.team("Blue")
    challenge = _challenge(make_challenge(app_ctx, blue, starts_at=START, ends_at=END))
    assert progress.state(challenge, START - timedelta(hours=2)) == "upcoming"
    assert progress.time_left(challenge, START - timedelta(hours=2)) == "Starts in 2 hours"
    assert progress.time_left(challenge, START + timedelta(hours=1)) == "6 days 23 hours left"
    assert progress.time_left(challenge, END - timedelta(minutes=61)) == "1 hour 1 minute left"
    assert progress.time_left(challenge, END - timedelta(seconds=20)) == "less than a minute left"
    assert progress.state(challenge, END) == "ending"
    assert progress.time_left(challenge, END) == "Ended"


def test_local_wall_clock_times_are_stored_in_utc():
    winter = challenges.local_to_utc(datetime(2026, 12, 1, 9, 0), "America/New_York")
    summer = challenges.local_to_utc(datetime(2026, 7, 1, 9, 0), "America/New_York")
    assert winter == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)
    assert summer == datetime(2026, 7, 1, 13, 0, tzinfo=UTC)


def test_demo_challenge_is_added_once(app_ctx):
    from portal.demo import load_demo_data

    load_demo_data()
    db.session.commit()
    found = db.session.query(Challenge).filter_by(title=challenges.DEMO_CHALLENGE).all()
    assert len(found) == 1 and found[0].team.name == "Marketing"
    assert challenges.load_demo_challenge() == 0
