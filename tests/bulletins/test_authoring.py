"""Writing bulletins: the editor, validation, publishing now, scheduling, rescheduling, cancelling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq.registry import ScheduledJobRegistry

from portal.accounts.models import Role, User
from portal.accounts.services import PermissionDenied
from portal.bulletins import services
from portal.bulletins.models import Bulletin, BulletinStatus
from portal.db import db, utcnow
from portal.queue import OutboxJob, get_queue
from tests.bulletins.factories import bulletin_input, make_bulletin
from tests.conftest import HTMX
from tests.learning.factories import build_module


@pytest.fixture
def admin(app, client, auth, people):  # type: ignore[no-untyped-def]
    """A logged-in admin in Paris (UTC+1 in winter)."""
    team = people.team("Blue")
    person = people.person(role=Role.ADMIN, team=team, name="Ada Admin")
    with app.app_context():
        db.session.get(User, person.id).timezone = "Europe/Paris"
        db.session.commit()
    auth.login(person.email)
    return person


def form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": "LinkedIn favours conversations",
        "summary": "Replies now count more than likes.",
        "body": "## What changed\n\nReplies.",
        "category": "algorithm_update",
        "networks": ["linkedin", "x"],
        "action_items": "- Ask a question\n\n* Reply within the hour\n",
        "lesson_id": "0",
        "audience": "everyone",
        "when": "now",
        "publish_at": "",
        "intent": "publish",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def scheduled_jobs(app) -> dict[str, datetime]:  # type: ignore[no-untyped-def]
    with app.app_context():
        registry = ScheduledJobRegistry(queue=get_queue())
        return {job_id: registry.get_scheduled_time(job_id) for job_id in registry.get_job_ids()}


def only_bulletin(app) -> Bulletin:  # type: ignore[no-untyped-def]
    with app.app_context():
        bulletin = db.session.query(Bulletin).one()
        db.session.expunge(bulletin)
        return bulletin


def test_publish_now_from_the_editor(app, client, admin):
    assert client.get("/bulletins/new").status_code == 200
    response = client.post("/bulletins/new", data=form())
    assert response.status_code == 303 and response.headers["Location"] == "/bulletins/manage"
    with app.app_context():
        bulletin = db.session.query(Bulletin).one()
        assert bulletin.status == BulletinStatus.PUBLISHED
        assert bulletin.published_at is not None
        assert [n.value for n in bulletin.networks] == ["linkedin", "x"]
        assert bulletin.action_items == ["Ask a question", "Reply within the hour"]
        assert bulletin.for_everyone and bulletin.created_by_id == admin.id
        # The audience is told by a job, enqueued in the same transaction as the publication.
        outbox = db.session.query(OutboxJob).one()
        assert (outbox.func, outbox.args) == ("jobs.bulletins.notify_audience", [bulletin.id])
    manage = client.get("/bulletins/manage").get_data(as_text=True)
    assert "Published. Its audience is being notified." in manage
    assert "LinkedIn favours conversations" in manage and "0%" in manage


def test_save_as_draft_then_schedule_in_the_admins_time_zone(app, client, admin):
    response = client.post("/bulletins/new", data=form(intent="draft", pinned="y"))
    assert response.status_code == 303
    bulletin = only_bulletin(app)
    assert bulletin.status == BulletinStatus.DRAFT and bulletin.pinned
    assert scheduled_jobs(app) == {}

    edit_url = f"/bulletins/{bulletin.id}/edit"
    page = client.get(edit_url).get_data(as_text=True)
    assert 'value="LinkedIn favours conversations"' in page
    later = (utcnow() + timedelta(days=3)).astimezone().replace(second=0, microsecond=0)
    local = later.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    response = client.post(
        edit_url, data=form(when="later", publish_at=local.strftime("%Y-%m-%dT%H:%M"), pinned="y")
    )
    assert response.status_code == 303
    bulletin = only_bulletin(app)
    assert bulletin.status == BulletinStatus.SCHEDULED
    assert bulletin.publish_at == later.astimezone(UTC)
    assert scheduled_jobs(app) == {
        services.publish_job_id(bulletin.id, later): later.astimezone(UTC).replace(tzinfo=UTC)
    }
    manage = client.get("/bulletins/manage").get_data(as_text=True)
    assert f"Scheduled for {local.strftime('%-d %b %Y, %H:%M')} CET" in manage


def test_a_new_time_reschedules_and_saving_as_draft_unschedules(app, client, admin):
    first = utcnow().replace(second=0, microsecond=0) + timedelta(hours=2)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=first)
    assert list(scheduled_jobs(app)) == [services.publish_job_id(bulletin_id, first)]

    second = first + timedelta(days=1)
    paris = second.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Paris"))
    response = client.post(
        f"/bulletins/{bulletin_id}/edit",
        data=form(when="later", publish_at=paris.strftime("%Y-%m-%dT%H:%M")),
    )
    assert response.status_code == 303
    assert scheduled_jobs(app) == {services.publish_job_id(bulletin_id, second): second}
    assert only_bulletin(app).publish_at == second

    response = client.post(f"/bulletins/{bulletin_id}/edit", data=form(intent="draft"))
    assert response.status_code == 303
    bulletin = only_bulletin(app)
    assert bulletin.status == BulletinStatus.DRAFT and bulletin.publish_at is None
    assert scheduled_jobs(app) == {}


def test_cancelling_a_scheduled_bulletin(app, client, admin):
    at = utcnow() + timedelta(hours=5)
    bulletin_id = make_bulletin(app, admin, status="scheduled", at=at)
    manage = client.get("/bulletins/manage").get_data(as_text=True)
    assert f'action="/bulletins/{bulletin_id}/cancel"' in manage
    assert client.post(f"/bulletins/{bulletin_id}/cancel").status_code == 303
    bulletin = only_bulletin(app)
    assert bulletin.status == BulletinStatus.CANCELLED and bulletin.publish_at is None
    assert scheduled_jobs(app) == {}
    assert "it will not be published" in client.get("/bulletins/manage").get_data(as_text=True)
    # The job, had it survived, would find nothing to do.
    with app.app_context():
        assert services.publish_if_due(bulletin_id, at + timedelta(minutes=1)) is False


def test_a_published_bulletin_cannot_be_cancelled_and_keeps_its_audience(
    app, client, admin, people
):
    green = people.team("Green")
    bulletin_id = make_bulletin(app, admin)
    assert client.post(f"/bulletins/{bulletin_id}/cancel").status_code == 303
    assert "already published" in client.get("/bulletins/manage").get_data(as_text=True)
    edit = client.get(f"/bulletins/{bulletin_id}/edit").get_data(as_text=True)
    assert "Save changes" in edit and 'name="audience"' not in edit
    response = client.post(
        f"/bulletins/{bulletin_id}/edit",
        data=form(title="Fixed title", audience="teams", teams=[str(green.id)], intent="save"),
    )
    assert response.status_code == 303
    bulletin = only_bulletin(app)
    assert bulletin.title == "Fixed title" and bulletin.for_everyone
    assert bulletin.status == BulletinStatus.PUBLISHED


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "This field is required."),
        ({"networks": None}, "Tick the networks it concerns"),
        ({"networks": ["myspace"]}, "Choose networks from the list."),
        ({"category": "gossip"}, "Not a valid choice."),
        ({"action_items": "a\nb\nc\nd\ne\nf"}, "Keep it to 5 action items."),
        ({"lesson_id": "999"}, "Choose a published lesson from the list."),
        ({"lesson_id": "abc"}, "Invalid Choice: could not coerce."),
        ({"audience": "teams"}, "Choose at least one team, or send it to everyone."),
        ({"audience": "teams", "teams": ["999"]}, "Choose teams from the list."),
        ({"when": "later"}, "Choose the date and time to publish it."),
        ({"when": "later", "publish_at": "2020-01-01T10:00"}, "Choose a time in the future"),
        (
            {"when": "later", "publish_at": "2099-01-01T10:00"},
            "Choose a time within the next year.",
        ),
        ({"when": "later", "publish_at": "tomorrow"}, "Not a valid datetime value."),
    ],
)
def test_bad_input_re_renders_the_form(app, client, admin, changes, message):
    response = client.post("/bulletins/new", data=form(**changes), headers=HTMX)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and "<html" not in html
    assert 'value="LinkedIn favours conversations"' in html or changes.get("title") == ""
    with app.app_context():
        assert db.session.query(Bulletin).count() == 0


def test_an_unknown_button_is_refused(app, client, admin):
    assert client.post("/bulletins/new", data=form(intent="explode")).status_code == 400


def test_the_lesson_list_offers_published_lessons(app, client, admin):
    built = build_module(app, "Feed basics", lessons=2)
    page = client.get("/bulletins/new").get_data(as_text=True)
    assert (
        f'<option value="{built.lesson_ids[1]}">Feed basics — Feed basics lesson 2</option>' in page
    )
    response = client.post("/bulletins/new", data=form(lesson_id=str(built.lesson_ids[1])))
    assert response.status_code == 303
    assert only_bulletin(app).lesson_id == built.lesson_ids[1]


def test_only_admins_write_bulletins(app, people):
    leader = people.person(role=Role.LEADER)
    with app.app_context():
        actor = db.session.get(User, leader.id)
        with pytest.raises(PermissionDenied):
            services.create_bulletin(actor, bulletin_input())
        with pytest.raises(PermissionDenied):
            services.all_bulletins(actor)


def test_publishing_twice_publishes_once(app, people):
    admin = people.person(role=Role.ADMIN)
    bulletin_id = make_bulletin(app, admin, status="draft")
    with app.app_context():
        actor = db.session.get(User, admin.id)
        bulletin = db.session.get(Bulletin, bulletin_id)
        first = utcnow()
        services.publish_now(actor, bulletin, first)
        db.session.commit()
        with pytest.raises(services.BulletinError):
            services.publish_now(actor, bulletin, first + timedelta(minutes=1))
        db.session.rollback()
        assert services.publish_if_due(bulletin_id, first + timedelta(minutes=2)) is False
        assert db.session.get(Bulletin, bulletin_id).published_at == first
        assert db.session.query(OutboxJob).count() == 1
