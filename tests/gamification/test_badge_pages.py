"""Badge pages: the person's badges and progress, the admin, the backfill job and the toast."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from jobs.badges import backfill_badge
from portal.accounts.models import Role, User
from portal.db import db, utcnow
from portal.gamification.activity import record_activity
from portal.gamification.badge_models import Badge, BadgeAssertion
from portal.queue import OutboxJob
from tests.conftest import HTMX
from tests.gamification.badge_factories import give_badge, make_badge, wipe_leaderboards
from tests.learning.factories import build_module, build_path

MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _no_leaderboards_left(app):  # type: ignore[no-untyped-def]
    """Points awarded here reach Redis; leave none behind for the next test's person 1."""
    yield
    wipe_leaderboards(app)


def do(app, person, metric: str, *subjects: str) -> None:  # type: ignore[no-untyped-def]
    """Log activity for a person (committed)."""
    with app.app_context():
        user = db.session.get(User, person.id)
        for subject in subjects:
            record_activity(user, metric, subject, MONDAY)
        db.session.commit()


def holders(app, badge_id: int) -> set[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        return set(
            db.session.scalars(
                select(BadgeAssertion.user_id).where(BadgeAssertion.badge_id == badge_id)
            )
        )


FORM = {  # copy before posting: the test client adds its CSRF token to the dict it is given
    "name": "Quiz whiz",
    "description": "Passed five quizzes.",
    "criteria_text": "",
    "icon": "lightbulb",
    "colour": "violet",
    "kind": "metric",
    "metric": "quizzes_passed",
    "path_id": "",
    "threshold": "5",
}


@pytest.fixture
def admin(people):  # type: ignore[no-untyped-def]
    return people.person(role=Role.ADMIN, name="Ada Admin")


# --- the person's page ------------------------------------------------------------------


def test_my_badges_shows_earned_with_dates_and_progress_towards_the_rest(app, client, auth, people):
    first = make_badge(app, "First lesson")
    make_badge(app, "Five lessons", threshold=5, criteria_text="Finish *five* lessons.")
    make_badge(app, "Gone", threshold=2)
    with app.app_context():
        gone = db.session.scalar(select(Badge).where(Badge.name == "Gone"))
        gone.retired_at = utcnow()  # type: ignore[union-attr]
        db.session.commit()
    person = people.person()
    do(app, person, "lessons_completed", "lesson:1", "lesson:2")
    auth.login(person.email)

    html = client.get("/badges").get_data(as_text=True)

    assert "My badges" in html and "Earned (1)" in html
    earned, rest = html.split('id="all-title"')
    assert "First lesson" in earned and "Earned" in earned
    with app.app_context():
        uid = db.session.scalar(select(BadgeAssertion.uid).where(BadgeAssertion.badge_id == first))
    assert f"/badges/earned/{uid}" in earned
    assert "Add to LinkedIn profile" in earned
    assert "Five lessons" in rest and "<em>five</em>" in rest
    assert "2 of 5" in rest and 'aria-valuenow="2"' in rest
    assert "Gone" not in html  # retired: not on offer


def test_points_page_links_to_my_badges(client, auth, people):
    person = people.person()
    auth.login(person.email)
    assert 'href="/badges"' in client.get("/points").get_data(as_text=True)


def test_path_badge_shows_modules_done_of_the_path(app, client, auth, people):
    one, two = build_module(app, "One", lessons=1), build_module(app, "Two", lessons=1)
    path_id = build_path(app, "Starter path", [one.module_id, two.module_id])
    make_badge(app, "Starter", kind="path", metric="paths_completed", subject=f"path:{path_id}")
    person = people.person()
    auth.login(person.email)
    html = client.get("/badges").get_data(as_text=True)
    assert "Complete the learning path “Starter path”" in html
    assert "0 of 2" in html


# --- admin ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.EMPLOYEE, Role.LEADER])
def test_admin_pages_are_for_admins_only(app, client, auth, people, role):
    badge_id = make_badge(app)
    auth.login(people.person(role=role).email)
    for path in ("/admin/badges", "/admin/badges/new", f"/admin/badges/{badge_id}"):
        assert client.get(path).status_code == 403
    assert client.post("/admin/badges/new", data=dict(FORM)).status_code == 403
    assert client.post(f"/admin/badges/{badge_id}/retire").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Badge)) == 1
        assert db.session.get(Badge, badge_id).retired_at is None  # type: ignore[union-attr]


def test_admin_creates_a_badge_and_the_job_gives_it_to_those_who_qualify(
    app, client, auth, people, admin
):
    five, four = people.person(name="Five"), people.person(name="Four")
    gone = people.person(name="Gone", active=False)
    do(app, five, "quizzes_passed", *[f"lesson:{i}" for i in range(5)])
    do(app, four, "quizzes_passed", *[f"lesson:{i}" for i in range(4)])
    do(app, gone, "quizzes_passed", *[f"lesson:{i}" for i in range(6)])
    auth.login(admin.email)

    assert "New badge" in client.get("/admin/badges").get_data(as_text=True)
    response = client.post("/admin/badges/new", data=dict(FORM))

    assert response.status_code == 303
    with app.app_context():
        badge = db.session.scalar(select(Badge).where(Badge.name == "Quiz whiz"))
        assert badge is not None
        assert (badge.kind, badge.metric, badge.threshold) == ("metric", "quizzes_passed", 5)
        assert (badge.icon, badge.colour, badge.created_by_id) == ("lightbulb", "violet", admin.id)
        job = db.session.scalar(
            select(OutboxJob).where(OutboxJob.func == "jobs.badges.backfill_badge")
        )
        assert job is not None and job.args == [badge.id]
        badge_id = badge.id
    assert holders(app, badge_id) == set()  # not in the request: in the job

    with app.app_context():
        assert backfill_badge(badge_id, batch_size=1) == 1
        assert backfill_badge(badge_id) == 0  # idempotent
    assert holders(app, badge_id) == {five.id}

    listing = client.get("/admin/badges").get_data(as_text=True)
    assert "Quiz whiz" in listing and "1 person" in listing
    assert "Quizzes passed: 5 or more" in listing


def test_backfill_of_each_kind(app, people):
    from portal.gamification import streaks
    from portal.gamification.points import award_points

    person, _bystander = people.person(), people.person()  # gets nothing
    with app.app_context():
        user = db.session.get(User, person.id)
        for day in range(3):
            streaks.record_activity(user, MONDAY.replace(day=23 + day))
        award_points(user, "lesson_completed", "lesson:1", now=MONDAY)
        record_activity(user, "paths_completed", "path:4", MONDAY)
        db.session.commit()
    streak = make_badge(app, "Streak", kind="streak", metric="", threshold=3)
    points = make_badge(app, "Points", kind="points", metric="", threshold=20)
    path = make_badge(app, "Path", kind="path", metric="paths_completed", subject="path:4")
    league = make_badge(app, "League", kind="league", metric="", threshold=1)
    with app.app_context():
        for badge_id in (streak, points, path, league):
            backfill_badge(badge_id)
    for badge_id in (streak, points, path):
        assert holders(app, badge_id) == {person.id}
    assert holders(app, league) == set()  # only a finished league week gives it


def test_backfill_of_a_retired_badge_issues_nothing(app, people):
    person = people.person()
    do(app, person, "lessons_completed", "lesson:1")
    badge_id = make_badge(app, threshold=1)
    with app.app_context():
        db.session.get(Badge, badge_id).retired_at = utcnow()  # type: ignore[union-attr]
        db.session.commit()
        assert backfill_badge(badge_id) == 0
        assert backfill_badge(9999) == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "Give the badge a name."),
        ({"description": ""}, "Say what the badge stands for."),
        ({"threshold": ""}, "Give a number from 1 up."),
        ({"threshold": "0"}, "Number must be between 1 and 1000000."),
        ({"kind": "path"}, "Pick a learning path."),
        ({"kind": "metric", "metric": "nothing"}, "Pick what is counted."),
        ({"icon": "skull"}, "Not a valid choice"),
        ({"colour": "#ff0000"}, "Not a valid choice"),
        ({"kind": "league", "threshold": "101"}, "Give a number from 1 to 100."),
        ({"name": "first LESSON"}, "Another badge has that name"),
    ],
)
def test_bad_input_re_renders_the_form_with_errors(app, client, auth, admin, changes, message):
    make_badge(app, "First lesson")
    auth.login(admin.email)

    response = client.post("/admin/badges/new", data=FORM | changes)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert "Please correct the fields marked below." in html
    assert 'aria-invalid="true"' in html or "field--invalid" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Badge)) == 1


def test_a_path_badge_names_an_existing_path(app, client, auth, admin):
    built = build_module(app, "One", lessons=1)
    path_id = build_path(app, "Starter path", [built.module_id])
    auth.login(admin.email)

    form = FORM | {"kind": "path", "path_id": str(path_id), "metric": "", "threshold": ""}
    assert client.post("/admin/badges/new", data=form).status_code == 303
    bad = client.post("/admin/badges/new", data=form | {"path_id": "9999", "name": "Other"})
    assert bad.status_code == 422 and "Pick a learning path." in bad.get_data(as_text=True)
    with app.app_context():
        badge = db.session.scalar(select(Badge))
        assert (badge.kind, badge.subject, badge.metric) == (  # type: ignore[union-attr]
            "path",
            f"path:{path_id}",
            "paths_completed",
        )


def test_the_rule_is_fixed_once_issued_but_the_words_are_not(app, client, auth, people, admin):
    badge_id = make_badge(app, "Quiz whiz", metric="quizzes_passed", threshold=5)
    give_badge(app, badge_id, people.person())
    auth.login(admin.email)
    page = client.get(f"/admin/badges/{badge_id}").get_data(as_text=True)
    assert "the rule is fixed" in page and "Issued (1)" in page

    changed_rule = client.post(f"/admin/badges/{badge_id}", data=FORM | {"threshold": "3"})
    assert changed_rule.status_code == 422
    assert "its rule is fixed" in changed_rule.get_data(as_text=True)

    reworded = client.post(f"/admin/badges/{badge_id}", data=FORM | {"name": "Quiz master"})
    assert reworded.status_code == 303
    with app.app_context():
        badge = db.session.get(Badge, badge_id)
        assert (badge.name, badge.threshold) == ("Quiz master", 5)  # type: ignore[union-attr]


def test_retire_and_award_again(app, client, auth, people, admin):
    badge_id = make_badge(app)
    auth.login(admin.email)
    client.post(f"/admin/badges/{badge_id}/retire")
    assert "Retired" in client.get("/admin/badges").get_data(as_text=True)
    person = people.person()
    do(app, person, "lessons_completed", "lesson:1")
    assert holders(app, badge_id) == set()

    client.post(f"/admin/badges/{badge_id}/reactivate")
    with app.app_context():
        assert db.session.get(Badge, badge_id).retired_at is None  # type: ignore[union-attr]
        backfill_badge(badge_id)
    assert holders(app, badge_id) == {person.id}


def test_live_preview_renders_the_chosen_icon_colour_and_name(client, auth, admin):
    auth.login(admin.email)

    response = client.get(
        "/admin/badges/preview?icon=crown&colour=rose&name=<b>Top</b>", headers=HTMX
    )

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and "#be123c" in html  # rose
    assert "&lt;b&gt;Top&lt;/b&gt;" in html and "<b>" not in html


def test_suggested_badges_are_added_once(app, client, auth, admin):
    auth.login(admin.email)
    page = client.get("/admin/badges").get_data(as_text=True)
    assert "Suggested badges" in page

    client.post("/admin/badges/suggested")
    client.post("/admin/badges/suggested")

    with app.app_context():
        names = set(db.session.scalars(select(Badge.name)))
    # No "Social media starter": its path is not in this database.
    assert names == {
        "First lesson",
        "Week-long streak",
        "500 club",
        "League champion",
        "Challenge winner",
    }


# --- the toast --------------------------------------------------------------------------


def test_badge_toast_arrives_on_the_request_that_earned_it(app, client, auth, people):
    make_badge(app, "First lesson")
    built = build_module(app, lessons=1, questions=1)
    person = people.person()
    auth.login(person.email)
    lesson_id, q = built.lesson_ids[0], built.question_ids[0][0]

    response = client.post(
        f"/learn/lessons/{lesson_id}/questions/{q}",
        data={"option": built.options[q][0]},
        headers=HTMX,
    )

    toasts = [t["message"] for t in json.loads(response.headers["HX-Trigger"])["toast"]]
    assert "Badge earned: First lesson" in toasts
    later = client.get("/learn/", headers=HTMX)
    assert "Badge earned" not in later.headers.get("HX-Trigger", "")
